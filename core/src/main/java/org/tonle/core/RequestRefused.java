package org.tonle.core;

/**
 * A request a service will not carry out, and why, in words for the person who sent it. The
 * services throw it; the HTTP edge turns it into a problem document, the command line into a
 * message, Flight SQL into a status. Nothing here knows about HTTP.
 */
public final class RequestRefused extends RuntimeException {

    /** Why a request was refused. */
    public enum Reason {
        /** A parameter or body the request got wrong; the detail names it. */
        INVALID,
        /** The caller's role or scope does not allow it. */
        NOT_PERMITTED,
        /** What it names does not exist (or is not the caller's to know of). */
        NOT_FOUND,
        /** The body is larger than the node takes. */
        TOO_LARGE,
        /** The body's format is not one this request reads. */
        UNSUPPORTED_FORMAT,
        /** It clashes with something under way (a second backup while one runs). */
        CONFLICT
    }

    private final Reason reason;
    private final String rule;

    public RequestRefused(Reason reason, String detail) {
        this(reason, detail, null);
    }

    /** @param rule the stable rule that refused it (e.g. {@code period_locked}), or null */
    public RequestRefused(Reason reason, String detail, String rule) {
        super(detail);
        this.reason = reason;
        this.rule = rule;
    }

    public static RequestRefused invalid(String detail) {
        return new RequestRefused(Reason.INVALID, detail);
    }

    public static RequestRefused notPermitted(String detail) {
        return new RequestRefused(Reason.NOT_PERMITTED, detail);
    }

    public static RequestRefused notFound(String detail) {
        return new RequestRefused(Reason.NOT_FOUND, detail);
    }

    public static RequestRefused conflict(String detail) {
        return new RequestRefused(Reason.CONFLICT, detail);
    }

    public Reason reason() {
        return reason;
    }

    /** The stable rule that refused the request, when one did; null otherwise. */
    public String rule() {
        return rule;
    }
}
