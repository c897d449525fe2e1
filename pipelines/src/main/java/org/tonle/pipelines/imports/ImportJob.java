package org.tonle.pipelines.imports;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

import org.tonle.pipelines.Item;
import org.tonle.programme.api.PublishResult;

/**
 * One import (a file, a request body, an inbox drop) and how far it got. Counts move only after
 * a batch committed, so {@code accepted} is always a number of records safe in the warehouse.
 * The first {@value #KEPT_REJECTIONS} rejections are kept here; all of them are in the
 * dead-letter store.
 */
public final class ImportJob {

    public static final int KEPT_REJECTIONS = 1000;
    static final int KEPT_SUBJECTS = 100_000;

    /** What a caller sees of a job; {@code rejections} lists the kept ones. */
    public record View(String id, String state, String format, String principal, String source, Instant startedAt,
                       Instant finishedAt, long records, long accepted, long duplicates, long rejected, long bytesRead,
                       Long totalBytes, double recordsPerSecond, Double etaSeconds, String error,
                       List<PublishResult.Rejection> rejections) {

        /** The same view naming its source otherwise (an inbox file's name known better after its import). */
        public View from(String otherSource) {
            return new View(id, state, format, principal, otherSource, startedAt, finishedAt, records, accepted, duplicates, rejected,
                    bytesRead, totalBytes, recordsPerSecond, etaSeconds, error, rejections);
        }
    }

    public enum State { RUNNING, DONE, FAILED }

    private final String id = UUID.randomUUID().toString();
    private final String format;
    private final String principal;
    private final String source;
    private final Long totalBytes;
    private final Set<UUID> subjects = new HashSet<>();
    private final Instant startedAt = Instant.now();
    private final long startedNanos = System.nanoTime();
    private Instant finishedAt;
    private State state = State.RUNNING;
    private long records;
    private long accepted;
    private long duplicates;
    private long rejected;
    private long bytesRead;
    private String error;
    private final List<PublishResult.Rejection> rejections = new ArrayList<>();

    public ImportJob(String format, String principal, String source, Long totalBytes) {
        this.format = format;
        this.principal = principal;
        this.source = source;
        this.totalBytes = totalBytes;
    }

    public String id() {
        return id;
    }

    public String principal() {
        return principal;
    }

    /**
     * The subjects of the job's records, accepted or not, as far as {@value #KEPT_SUBJECTS}: an
     * inbox file named after a case it holds is reported without that case's code even when its
     * records were rejected, so that the warehouse never learned the subject.
     */
    synchronized void saw(List<Item> items) {
        for (Item item : items) {
            UUID key = item.subjectKey();
            if (key != null && subjects.size() < KEPT_SUBJECTS) {
                subjects.add(key);
            }
        }
    }

    /** The subject keys {@link #saw} kept. */
    public synchronized Set<UUID> subjects() {
        return Set.copyOf(subjects);
    }

    synchronized void add(PublishResult result, int records, long bytesRead) {
        this.records += records;
        this.accepted += result.accepted();
        this.duplicates += result.duplicates();
        this.bytesRead = Math.max(this.bytesRead, bytesRead);
        var seen = new HashSet<Integer>();
        for (PublishResult.Rejection r : result.rejected()) {
            if (seen.add(r.line())) {
                this.rejected++;
            }
            if (rejections.size() < KEPT_REJECTIONS) {
                rejections.add(r);
            }
        }
    }

    synchronized void finish(String failure) {
        this.state = failure == null ? State.DONE : State.FAILED;
        this.error = failure;
        this.finishedAt = Instant.now();
    }

    public synchronized State state() {
        return state;
    }

    public synchronized long rejected() {
        return rejected;
    }

    public synchronized View view() {
        double seconds = Math.max(0.001, ((finishedAt == null ? System.nanoTime() : startedNanos
                + Duration.between(startedAt, finishedAt).toNanos()) - startedNanos) / 1e9);
        Double eta = null;
        if (state == State.RUNNING && totalBytes != null && bytesRead > 0) {
            eta = Math.max(0, (totalBytes - bytesRead) / (bytesRead / seconds));
        }
        return new View(id, state.name().toLowerCase(Locale.ROOT), format, principal, source, startedAt, finishedAt,
                records, accepted, duplicates, rejected, bytesRead, totalBytes, records / seconds, eta, error, List.copyOf(rejections));
    }
}
