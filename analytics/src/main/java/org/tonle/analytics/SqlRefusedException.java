package org.tonle.analytics;

/**
 * An ad-hoc statement the sandbox will not run, or that failed or ran out of time; the message
 * says why in words an analyst can act on. It never carries anything the analyst could not see.
 */
public final class SqlRefusedException extends RuntimeException {

    private final boolean timedOut;
    private final String rule;

    public SqlRefusedException(String reason) {
        this(reason, false);
    }

    SqlRefusedException(String reason, boolean timedOut) {
        this(reason, timedOut ? "timeout" : null);
    }

    /**
     * @param rule the stable rule that stopped the statement ({@code timeout}, {@code memory_limit},
     *             {@code worker_died}, {@code max_answer_bytes}, {@code query_failed}), or null
     */
    public SqlRefusedException(String reason, String rule) {
        super(reason);
        this.rule = rule;
        this.timedOut = "timeout".equals(rule);
    }

    /** Whether the statement was cancelled because it ran past the time limit. */
    public boolean timedOut() {
        return timedOut;
    }

    /** The stable rule that stopped the statement, when one did; null for the sandbox's refusals. */
    public String rule() {
        return rule;
    }
}
