package org.tonle.core.declaration;

/** The programme's part of the monthly report: the template of its "In conclusion, ..." sentence. */
public record Report(String conclusion) {
}
