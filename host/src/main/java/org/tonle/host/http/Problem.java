package org.tonle.host.http;

import com.fasterxml.jackson.annotation.JsonInclude;

/** An RFC 9457 problem document, the body of every error answer; {@code rule} is an extension member. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String rule) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static Problem of(int status, String title, String detail) {
        return of(status, title, detail, null);
    }

    /** @param rule the stable rule that refused the request ({@code period_locked}), left out when null */
    public static Problem of(int status, String title, String detail, String rule) {
        return new Problem("about:blank", title, status, detail, rule);
    }
}
