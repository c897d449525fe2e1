package org.tonle.host.api.wire;

/** {@code GET/PUT /api/v1/me/language}: the language a principal chose for the pages ({@code null}: none chosen). */
public record LanguageChoice(String language) {
}
