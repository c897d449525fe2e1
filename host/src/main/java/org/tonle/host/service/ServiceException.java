package org.tonle.host.service;

/**
 * Why a service refuses a request, in the service's own terms. The services know nothing of
 * HTTP: the mappers of the HTTP edge turn each kind into its problem document (400, 403, 404,
 * 413, 415), and Flight SQL into its call status. The message is the detail shown to the
 * caller, so it names what to send instead and never holds a record's content.
 */
public abstract sealed class ServiceException extends RuntimeException {

    private ServiceException(String detail) {
        super(detail);
    }

    /** A parameter or body that cannot be used as sent. */
    public static final class InvalidRequest extends ServiceException {
        public InvalidRequest(String detail) {
            super(detail);
        }
    }

    /** Outside the caller's role or scope (programmes of a donor's agreement, a staff member's offices). */
    public static final class Forbidden extends ServiceException {
        public Forbidden(String detail) {
            super(detail);
        }
    }

    /** Nothing by that name, or nothing the caller may know of. */
    public static final class NotFound extends ServiceException {
        public NotFound(String detail) {
            super(detail);
        }
    }

    /** A body larger than the node takes in one request. */
    public static final class TooLarge extends ServiceException {
        public TooLarge(String detail) {
            super(detail);
        }
    }

    /** A body in a format the service does not read. */
    public static final class UnsupportedFormat extends ServiceException {
        public UnsupportedFormat(String detail) {
            super(detail);
        }
    }
}
