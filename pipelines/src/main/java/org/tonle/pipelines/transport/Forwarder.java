package org.tonle.pipelines.transport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.warehouse.Outbox;
import org.tonle.warehouse.SubjectRefLengths;

/**
 * The office side: takes the oldest changes from the outbox (from memory while the office runs,
 * from its table after a start), hands them to the Kafka producer as a few messages of many
 * changes each ({@link Envelope.Writer#messages}), all keyed by the office node (one partition:
 * the changes stay in commit order), and lets them go only after Kafka acknowledged the whole batch. A failed batch stays and is sent again, in the same order, after a back-off; a
 * change sent twice is recognised by headquarters as a duplicate. While the line is down, one
 * change at a time probes it.
 */
public final class Forwarder {

    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    private static final String LAST_SEQ = "tonle.outbox.lastSeq";
    private static final String CHANGES = "tonle.outbox.changes";
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /**
     * The longest the forwarder waits for a commit when nothing waits, or for the end of a
     * back-off, before it comes back (to trim the outbox, or to probe the line again).
     */
    static final long IDLE_MS = 100;

    private final Outbox outbox;
    private final String origin;
    private final int batch;
    private final double warnAt;
    private final TransportState state;
    private final Clock clock;
    private final SubjectRefLengths refLengths;
    private Instant retryAt = Instant.MIN;
    private int failures;
    private int warnedPercent;
    private boolean confirmed;

    /**
     * @param refLengths the lengths of the refs this office pseudonymised, sent with every change
     *                   while complete, so that headquarters searches its texts for the codes of
     *                   the office's subjects at those lengths only
     */
    public Forwarder(Outbox outbox, String origin, int batch, double warnAt, TransportState state, Clock clock,
                     SubjectRefLengths refLengths) {
        this.refLengths = refLengths;
        this.outbox = outbox;
        this.origin = origin;
        this.batch = batch;
        this.warnAt = warnAt;
        this.state = state;
        this.clock = clock;
    }

    /**
     * Sets the body to the next batch of Kafka messages: what waits now or, when nothing does,
     * what the next commit brings (woken by it, not by a timer); empty after {@link #IDLE_MS}
     * without a commit, and while backing off (the route comes back at once, so it pauses here).
     */
    public void next(Exchange exchange) {
        List<Message> messages = new ArrayList<>();
        exchange.getMessage().setBody(messages);
        exchange.removeProperty(LAST_SEQ);
        exchange.removeProperty(CHANGES);
        try {
            Instant now = clock.instant();
            if (now.isBefore(retryAt)) {
                Thread.sleep(Math.min(IDLE_MS, Duration.between(now, retryAt).toMillis() + 1));
                return;
            }
            long seen = outbox.commits();
            List<Outbox.Entry> entries = nextEntries();
            if (entries.isEmpty()) {
                if (!outbox.awaitCommitAfter(seen, IDLE_MS)) {
                    return;
                }
                entries = nextEntries();
                if (entries.isEmpty()) {
                    return;
                }
                now = clock.instant();
            }
            send(exchange, messages, entries, now);
        } catch (InterruptedException e) {
            // The route is stopping: nothing taken, nothing lost.
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The oldest waiting changes. Until Kafka has acknowledged something, or after a failure, one
     * change probes the line: without metadata every send blocks for max.block.ms, so a full
     * batch would stall for long.
     */
    private List<Outbox.Entry> nextEntries() {
        return outbox.next(confirmed && state.link().up() ? batch : 1);
    }

    private void send(Exchange exchange, List<Message> messages, List<Outbox.Entry> entries, Instant now) {
        for (String value : new Envelope.Writer(origin, now, refLengths.searched()).messages(entries)) {
            Message message = new DefaultMessage(exchange.getContext());
            message.setHeader(KafkaConstants.KEY, origin);
            message.setBody(value);
            messages.add(message);
        }
        exchange.setProperty(LAST_SEQ, entries.get(entries.size() - 1).seq());
        exchange.setProperty(CHANGES, entries.size());
    }

    /** Kafka acknowledged the batch: it leaves the outbox. */
    public void forwarded(Exchange exchange) {
        Long last = exchange.getProperty(LAST_SEQ, Long.class);
        if (last == null) {
            return;
        }
        outbox.acknowledge(last);
        int count = exchange.getProperty(CHANGES, 0, Integer.class);
        boolean wasDown = !state.link().up();
        state.forwarded(count, clock.instant());
        failures = 0;
        retryAt = Instant.MIN;
        confirmed = true;
        if (wasDown) {
            LOG.info("Kafka is reachable again: forwarding the outbox to headquarters resumed ({} changes wait)",
                    outbox.depth().count());
        }
        checkDepth();
    }

    /**
     * After an acknowledged batch: the next batch at once when changes wait (a backlog is
     * forwarded back to back, and so are the commits made while a batch was on its way), else
     * nothing: the route comes back and waits for the next commit.
     */
    public void more(Exchange exchange) {
        List<Message> messages = new ArrayList<>();
        exchange.getMessage().setBody(messages);
        exchange.removeProperty(LAST_SEQ);
        exchange.removeProperty(CHANGES);
        List<Outbox.Entry> entries = nextEntries();
        if (!entries.isEmpty()) {
            send(exchange, messages, entries, clock.instant());
        }
    }

    /** The batch was not acknowledged: it stays in the outbox and is sent again after a back-off. */
    public void failed(Exchange exchange) {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String error = cause == null ? "unknown error" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        failures++;
        Duration backoff = Duration.ofMillis(Math.min(MAX_BACKOFF.toMillis(), 250L << Math.min(failures, 5)));
        retryAt = clock.instant().plus(backoff);
        if (state.failed(error, clock.instant())) {
            LOG.warn("Kafka is unreachable ({}); records are still accepted and kept in the outbox until it returns", error);
        }
        checkDepth();
    }

    /** Warns from {@code warn_at} of the capacity, again at every further 5 %, well before the outbox refuses records. */
    private void checkDepth() {
        Outbox.Depth depth = outbox.depth();
        int percent = (int) (100 * depth.count() / outbox.capacity());
        if (depth.count() >= warnAt * outbox.capacity() && percent >= warnedPercent + 5) {
            warnedPercent = percent;
            LOG.warn("The outbox to headquarters is {}% full: {} of {} changes wait, the oldest since {}. At 100% this office"
                    + " refuses new records until Kafka is reachable again.", percent, depth.count(), outbox.capacity(), depth.oldest());
        } else if (depth.count() < warnAt * outbox.capacity()) {
            warnedPercent = 0;
        }
    }
}
