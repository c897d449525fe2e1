package org.tonle.core.declaration;

/**
 * The programme's part of the monthly report: the template of its "In conclusion, ..." sentence,
 * as text (English) or by language ({@code conclusion: {en: .., km: ..}}).
 */
public record Report(Localized conclusion) {
}
