package org.tonle.analytics;

/**
 * An ad-hoc statement the sandbox will not run, or that failed or ran out of time; the message
 * says why in words an analyst can act on. It never carries anything the analyst could not see.
 */
public final class SqlRefusedException extends RuntimeException {

    private final boolean timedOut;

    public SqlRefusedException(String reason) {
        this(reason, false);
    }

    SqlRefusedException(String reason, boolean timedOut) {
        super(reason);
        this.timedOut = timedOut;
    }

    /** Whether the statement was cancelled because it ran past the time limit. */
    public boolean timedOut() {
        return timedOut;
    }
}
