package org.tonle.warehouse.indicators;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.roaringbitmap.FastAggregation;
import org.roaringbitmap.RoaringBitmap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.core.Dimensions;
import org.tonle.core.Json;
import org.tonle.core.declaration.Activity;
import org.tonle.core.declaration.AttributeType;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Measure;
import org.tonle.core.declaration.Programme;
import org.tonle.programme.api.ParticipantTally;
import org.tonle.warehouse.CommitListener;
import org.tonle.warehouse.FactRow;
import org.tonle.warehouse.NodeSettings;
import org.tonle.warehouse.SealedFiles;
import org.tonle.warehouse.Sql;
import org.tonle.warehouse.Warehouse;
import org.tonle.warehouse.WarehouseException;

/**
 * Indicator figures kept in memory beside the warehouse, so that any month, quarter or year
 * answers in milliseconds with exact distinct persons (docs/INDICATORS.md).
 *
 * <p>For each programme activity there is a slice: per month, one cell per combination of
 * office, role, sex, age band and enum attribute values, holding the number of records, the
 * sum of their counts, the number of anonymous records and a Roaring bitmap of the identified
 * persons (dense numbers given to subject keys). A query merges the cells of the months of its
 * period with a bitmap union, so a year's distinct persons is exact, never a sum of months.
 * Participant tallies are kept per month, office, group, sex and enum attribute values.
 *
 * <p>A slice is built from the fact tables the first time an indicator needs it (and again when
 * the declaration's enum attributes change), and from then on kept equal to the facts by the
 * commits {@link #committed} takes over from {@code RecordStore.commit} before it returns: each
 * gets a number and is applied in order on the cube's own applier thread, off the writer's
 * path. A query first waits until every commit handed over before it began is applied, so an
 * acknowledged write shows in the next query; should the applier not get there in time, or a
 * commit fail to apply (every slice is then dropped and rebuilt), the query is answered by SQL
 * from scratch ({@link NotCaughtUp}). A correction or void takes a person out of a cell only
 * when no other live record of that person falls in it, read from the warehouse by the writer
 * as the commit lands.
 */
public final class IndicatorCube implements CommitListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IndicatorCube.class);
    private static final ObjectMapper JSON = Json.MAPPER;
    private static final int CHUNK = 500;

    /** Commits taken but not yet applied, at most: beyond, the writer waits for the applier. */
    private static final int MAX_PENDING = 32;

    private final Warehouse warehouse;
    /**
     * Held by the record store while a commit lands and is handed to the cube (numbered and
     * queued), and by a slice build while it takes its snapshot, by persist and by restore: while
     * it is held no commit lands, so once the applier has caught up the cube equals the
     * warehouse. A build itself runs without it, so commits never wait for one.
     */
    private final ReentrantLock commitLock = new ReentrantLock();
    /**
     * Held by the applier while it applies one commit, and by whoever registers, catches up or
     * publishes a build: guards {@link #building}, {@link #inProgress} and the builds' commits.
     * Taken after {@link #commitLock} when both are needed; the applier never takes commitLock.
     */
    private final ReentrantLock applyLock = new ReentrantLock();
    /** Commits handed over by the writer, applied in order by the applier thread. */
    private final BlockingQueue<Commit> pending = new ArrayBlockingQueue<>(MAX_PENDING);
    /** The number of the last commit handed over (guarded by commitLock) and of the last applied. */
    private volatile long committedSeq;
    private volatile long appliedSeq;
    /** Notified each time the applier has applied a commit. */
    private final Object progress = new Object();
    private volatile Thread applier;
    /** How long a query waits for the applier before it is answered from scratch by SQL. */
    private volatile long maxWaitNanos = TimeUnit.SECONDS.toNanos(10);
    /** Commits the applier could not apply (each dropped every slice); queries answered by SQL because it lagged. */
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong fallbacks = new AtomicLong();
    /** Runs on the applier before each commit is applied; for tests that delay or break it. */
    private volatile Runnable beforeApply = () -> { };
    /** Readers are queries; the writer applies a commit or publishes a slice. */
    private final ReentrantReadWriteLock state = new ReentrantReadWriteLock();
    /** Each person's dense number, for the bitmaps: shared by every slice, never reused. */
    private final Map<UUID, Integer> personNumbers = new ConcurrentHashMap<>();
    private final AtomicInteger nextPerson = new AtomicInteger();
    /** The subject key of each dense number, in order; guards the numbering. */
    private final List<UUID> subjectsByNumber = new ArrayList<>();
    private final Map<SliceId, Slice> slices = new ConcurrentHashMap<>();
    /**
     * The newest build of each slice, and every build in progress (an older one, overtaken by a
     * new declaration, still serves the queries that wait for it), each collecting the commits
     * applied after its snapshot; both guarded by applyLock.
     */
    private final Map<SliceId, Build> building = new HashMap<>();
    private final Set<Build> inProgress = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Runs between a build's snapshot and its queries; for tests that commit in between. */
    private volatile Runnable afterSnapshot = () -> { };
    /** A restore of the persisted cube under way: queries wait for it rather than build what it brings. */
    private volatile CompletableFuture<Void> restoring = CompletableFuture.completedFuture(null);
    /** Slices built from the warehouse so far (tests: a restored slice is not built again). */
    private final AtomicInteger builds = new AtomicInteger();

    public IndicatorCube(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    private record SliceId(String program, String activity) {
    }

    /** A slice being built from a snapshot, and the commits it must catch up with before it is published. */
    private static final class Build {
        final List<String> attributes;
        final List<Commit> commits = new ArrayList<>();
        final CompletableFuture<Slice> done = new CompletableFuture<>();

        Build(List<String> attributes) {
            this.attributes = attributes;
        }
    }

    /**
     * One commit as the writer handed it over: its number, the facts it removed and added, and
     * where the persons of the removed facts still had live facts once it committed (read by the
     * writer while the commit was the warehouse's newest), or why that could not be read.
     */
    private record Commit(long seq, List<FactRow> removed, List<FactRow> added, Map<SliceId, List<LiveFact>> stillLive,
                          RuntimeException unreadable) {
    }

    /** A live fact of a person, as cube-live-persons.sql reads it. */
    private record LiveFact(int month, String office, String role, String sex, String ageBand, Map<String, Object> attributes,
                            UUID subject) {
    }

    /**
     * A query asked for a state of the cube the applier has not reached in time, or the slices it
     * read were dropped meanwhile: {@link IndicatorEngine} answers it from scratch by SQL.
     */
    public static final class NotCaughtUp extends RuntimeException {
        NotCaughtUp(String message) {
            super(message);
        }
    }

    /** A cell's coordinates; {@code group} only for tallies, {@code role} and {@code ageBand} only for records. */
    private record Key(String office, String role, String sex, String ageBand, String group, List<String> attributes) {

        String value(String dimension, List<String> attributeNames) {
            switch (dimension) {
                case Dimensions.OFFICE: return office;
                case Dimensions.ROLE: return role;
                case Dimensions.SEX: return sex;
                case Dimensions.AGE_BAND: return ageBand;
                case Dimensions.GROUP: return group;
                default:
                    int i = attributeNames.indexOf(dimension);
                    return i < 0 ? null : attributes.get(i);
            }
        }
    }

    private static final class Counts {
        final RoaringBitmap persons = new RoaringBitmap();
        long records;
        long total;
        long anonymous;

        boolean isEmpty() {
            return records == 0 && persons.isEmpty();
        }
    }

    private static final class Slice {
        /**
         * NEW: built, not published (an overtaken build's slice, caught up once for the queries
         * that waited for it); FOLLOWED: published, the applier applies every commit to it;
         * DROPPED: no longer published, so no longer followed.
         */
        static final int NEW = 0;
        static final int FOLLOWED = 1;
        static final int DROPPED = 2;
        volatile int status = NEW;
        final List<String> attributes;
        final Map<Integer, Map<Key, Counts>> cells = new HashMap<>();
        final Map<Integer, Map<Key, long[]>> tallies = new HashMap<>();
        /**
         * The same cells rolled up to office and sex: most queries (totals, by office, by sex,
         * by office and sex) merge a dozen bitmaps a month here instead of hundreds.
         */
        final Map<Integer, Map<Key, Counts>> rollup = new HashMap<>();

        Slice(List<String> attributes) {
            this.attributes = attributes;
        }

        Counts counts(int month, Key key) {
            return cells.computeIfAbsent(month, m -> new HashMap<>()).computeIfAbsent(key, k -> new Counts());
        }

        Counts rolled(int month, Key key) {
            return rollup.computeIfAbsent(month, m -> new HashMap<>()).computeIfAbsent(coarse(key), k -> new Counts());
        }

        static Key coarse(Key key) {
            return new Key(key.office(), null, key.sex(), null, null, List.of());
        }

        long[] tally(int month, Key key) {
            return tallies.computeIfAbsent(month, m -> new HashMap<>()).computeIfAbsent(key, k -> new long[1]);
        }
    }

    @Override
    public Lock commitLock() {
        return commitLock;
    }

    /**
     * The values of a query, keyed by [period label, one value per {@code by} dimension], as
     * {@link IndicatorEngine} expects them; combinations without facts are absent.
     */
    public Map<List<String>, Number> values(IndicatorQuery query, List<Activity> activities) {
        // Every commit acknowledged before this query began has a number up to the one handed
        // over last: the query reads the cube only once the applier has applied them all.
        // (Read again once the slices are at hand: a published slice then also holds the commits
        // that landed while it was built; a build overtaken by a newer declaration, never
        // published, was caught up with every commit handed over before it finished.)
        Indicator indicator = query.indicator();
        List<Slice> used = new ArrayList<>();
        for (Activity activity : activities) {
            used.add(slice(indicator.programme(), activity));
        }
        awaitApplied(committedSeq);
        Measure measure = indicator.measure();
        boolean coarse = measure != Measure.PARTICIPANTS && Stream.concat(query.by().stream(),
                indicator.where().keySet().stream()).allMatch(d -> d.equals(Dimensions.OFFICE) || d.equals(Dimensions.SEX));
        if (measure == Measure.DISTINCT_SUBJECTS && query.by().stream().anyMatch(Dimensions::isPersonAttribute)) {
            state.readLock().lock();
            try {
                checkCurrent(used);
                return byLatestPersonValues(query, used, coarse);
            } finally {
                state.readLock().unlock();
            }
        }
        Map<List<String>, Accumulator> groups = new HashMap<>();
        state.readLock().lock();
        try {
            checkCurrent(used);
            for (Period period : query.periods()) {
                for (int month = month(period.start()); month < month(period.end()); month++) {
                    for (Slice slice : used) {
                        Map<Key, ?> cells = measure == Measure.PARTICIPANTS ? slice.tallies.get(month)
                                : coarse ? slice.rollup.get(month) : slice.cells.get(month);
                        if (cells == null) {
                            continue;
                        }
                        for (Map.Entry<Key, ?> cell : cells.entrySet()) {
                            Key key = cell.getKey();
                            if (!selected(key, slice, query)) {
                                continue;
                            }
                            List<String> group = new ArrayList<>(query.by().size() + 1);
                            group.add(period.label());
                            for (String dimension : query.by()) {
                                group.add(key.value(dimension, slice.attributes));
                            }
                            groups.computeIfAbsent(group, g -> new Accumulator()).add(cell.getValue(), measure);
                        }
                    }
                }
            }
            Map<List<String>, Number> values = new HashMap<>();
            groups.forEach((group, accumulator) -> values.put(group, accumulator.value(measure)));
            return values;
        } finally {
            state.readLock().unlock();
        }
    }

    /**
     * Waits until the applier has applied commit {@code target}, at most the configured time.
     *
     * @throws NotCaughtUp when it did not in time (the query is then answered by SQL)
     */
    private void awaitApplied(long target) {
        if (appliedSeq >= target) {
            return;
        }
        long deadline = System.nanoTime() + maxWaitNanos;
        synchronized (progress) {
            while (appliedSeq < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    fallbacks.incrementAndGet();
                    throw new NotCaughtUp("the indicator cube has applied commit " + appliedSeq + " of " + target + " after "
                            + TimeUnit.NANOSECONDS.toMillis(maxWaitNanos) + " ms");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(progress, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new NotCaughtUp("interrupted while waiting for the indicator cube");
                }
            }
        }
    }

    /** Waits until every commit handed over so far is applied; the caller holds commitLock, so none comes in. */
    private void awaitCaughtUp() {
        awaitApplied(committedSeq);
    }

    /**
     * Called holding the state read lock, once the applier has caught up: no slice a query took
     * was dropped since (after a commit the applier could not apply, or replaced by a newer
     * declaration's build), so every one of them holds every commit the query waited for.
     */
    private void checkCurrent(List<Slice> used) {
        for (Slice slice : used) {
            if (slice.status == Slice.DROPPED) {
                fallbacks.incrementAndGet();
                throw new NotCaughtUp("the indicator cube dropped a slice while a query read it");
            }
        }
    }

    /**
     * Distinct persons broken down by sex or age band, each person counted once, under their
     * latest value in the period, so that the rows add up to the total (docs/INDICATORS.md).
     * The latest month a person appears in decides; within that month, when their records
     * disagree, the warehouse says which record is the latest (by date, then record id), as
     * indicator-activity.sql does.
     */
    private Map<List<String>, Number> byLatestPersonValues(IndicatorQuery query, List<Slice> used, boolean coarse) {
        List<String> by = query.by();
        List<Integer> personAt = new ArrayList<>();
        for (int i = 0; i < by.size(); i++) {
            if (Dimensions.isPersonAttribute(by.get(i))) {
                personAt.add(i);
            }
        }
        Map<List<String>, Number> values = new HashMap<>();
        for (Period period : query.periods()) {
            // Per month, the persons seen with each combination of person values; per output row
            // with its person values left out, the persons of its records; anonymous records per row.
            TreeMap<Integer, Map<List<String>, RoaringBitmap>> seenAs = new TreeMap<>();
            Map<List<String>, List<RoaringBitmap>> personsOfRow = new HashMap<>();
            Map<List<String>, Long> anonymous = new HashMap<>();
            for (int month = month(period.start()); month < month(period.end()); month++) {
                for (Slice slice : used) {
                    Map<Key, Counts> cells = coarse ? slice.rollup.get(month) : slice.cells.get(month);
                    if (cells == null) {
                        continue;
                    }
                    for (Map.Entry<Key, Counts> cell : cells.entrySet()) {
                        if (!selected(cell.getKey(), slice, query)) {
                            continue;
                        }
                        List<String> row = new ArrayList<>(by.size());
                        for (String dimension : by) {
                            row.add(cell.getKey().value(dimension, slice.attributes));
                        }
                        Counts counts = cell.getValue();
                        if (counts.anonymous > 0) {
                            anonymous.merge(row, counts.anonymous, Long::sum);
                        }
                        if (counts.persons.isEmpty()) {
                            continue;
                        }
                        List<String> personValues = new ArrayList<>(personAt.size());
                        List<String> recordRow = new ArrayList<>(row);
                        for (int i : personAt) {
                            personValues.add(row.get(i));
                            recordRow.set(i, null);
                        }
                        seenAs.computeIfAbsent(month, m -> new HashMap<>()).computeIfAbsent(personValues, v -> new RoaringBitmap())
                                .or(counts.persons);
                        personsOfRow.computeIfAbsent(recordRow, r -> new ArrayList<>()).add(counts.persons);
                    }
                }
            }
            Map<List<String>, RoaringBitmap> latest = latestPersonValues(query, personAt, seenAs);
            personsOfRow.forEach((recordRow, bitmaps) -> {
                RoaringBitmap persons = FastAggregation.or(bitmaps.iterator());
                latest.forEach((personValues, ofThese) -> {
                    long n = RoaringBitmap.andCardinality(persons, ofThese);
                    if (n > 0) {
                        List<String> key = new ArrayList<>(by.size() + 1);
                        key.add(period.label());
                        List<String> row = new ArrayList<>(recordRow);
                        for (int i = 0; i < personAt.size(); i++) {
                            row.set(personAt.get(i), personValues.get(i));
                        }
                        key.addAll(row);
                        values.merge(key, n, (a, b) -> a.longValue() + b.longValue());
                    }
                });
            });
            anonymous.forEach((row, n) -> {
                List<String> key = new ArrayList<>(by.size() + 1);
                key.add(period.label());
                key.addAll(row);
                values.merge(key, n, (a, b) -> a.longValue() + b.longValue());
            });
        }
        return values;
    }

    /** Each person of the period under one combination of person values: that of their latest record. */
    private Map<List<String>, RoaringBitmap> latestPersonValues(IndicatorQuery query, List<Integer> personAt,
                                                                TreeMap<Integer, Map<List<String>, RoaringBitmap>> seenAs) {
        Map<List<String>, RoaringBitmap> latest = new HashMap<>();
        RoaringBitmap placed = new RoaringBitmap();
        for (Map.Entry<Integer, Map<List<String>, RoaringBitmap>> month : seenAs.descendingMap().entrySet()) {
            RoaringBitmap inMonth = new RoaringBitmap();
            RoaringBitmap disagreeing = new RoaringBitmap();
            for (RoaringBitmap persons : month.getValue().values()) {
                disagreeing.or(RoaringBitmap.and(inMonth, persons));
                inMonth.or(persons);
            }
            disagreeing.andNot(placed);
            month.getValue().forEach((personValues, persons) -> {
                RoaringBitmap fresh = RoaringBitmap.andNot(persons, placed);
                fresh.andNot(disagreeing);
                latest.computeIfAbsent(personValues, v -> new RoaringBitmap()).or(fresh);
            });
            if (!disagreeing.isEmpty()) {
                latestInWarehouse(query, personAt, month.getKey(), disagreeing, month.getValue())
                        .forEach((personValues, persons) -> latest.computeIfAbsent(personValues, v -> new RoaringBitmap()).or(persons));
            }
            placed.or(inMonth);
        }
        return latest;
    }

    /**
     * The person values of the latest record in one month of persons whose records in it
     * disagree. Should the warehouse have moved on (a void not yet applied here), a person is
     * placed under the first of the values the cube saw them with, so still counted once.
     */
    private Map<List<String>, RoaringBitmap> latestInWarehouse(IndicatorQuery query, List<Integer> personAt, int month,
                                                               RoaringBitmap persons, Map<List<String>, RoaringBitmap> seenAs) {
        List<UUID> keys = new ArrayList<>(persons.getCardinality());
        persons.forEach((int number) -> keys.add(subject(number)));
        Map<List<String>, RoaringBitmap> result = new HashMap<>();
        RoaringBitmap answered = new RoaringBitmap();
        Indicator indicator = query.indicator();
        LocalDate start = LocalDate.of(month / 12, month % 12 + 1, 1);
        try (Connection c = warehouse.connect()) {
            for (int from = 0; from < keys.size(); from += CHUNK) {
                List<UUID> chunk = keys.subList(from, Math.min(keys.size(), from + CHUNK));
                List<Object> parameters = new ArrayList<>();
                parameters.add(indicator.programme());
                parameters.addAll(indicator.activity());
                parameters.add(start);
                parameters.add(start.plusMonths(1));
                parameters.addAll(chunk);
                String filters = IndicatorEngine.filters(indicator, query.office(), parameters);
                String sql = Sql.load("sql/cube-latest-person-values.sql")
                        .replace("${activities}", IndicatorEngine.marks(indicator.activity().size()))
                        .replace("${subjects}", IndicatorEngine.marks(chunk.size()))
                        .replace("${filters}", filters);
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    for (int i = 0; i < parameters.size(); i++) {
                        ps.setObject(i + 1, parameters.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            List<String> personValues = new ArrayList<>(personAt.size());
                            for (int i : personAt) {
                                personValues.add(query.by().get(i).equals(Dimensions.SEX) ? rs.getString(2) : rs.getString(3));
                            }
                            int number = person(rs.getObject(1, UUID.class));
                            result.computeIfAbsent(personValues, v -> new RoaringBitmap()).add(number);
                            answered.add(number);
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the latest sex and age band of " + persons.getCardinality()
                    + " persons for " + indicator.code() + ": " + e.getMessage(), e);
        }
        RoaringBitmap unanswered = RoaringBitmap.andNot(persons, answered);
        for (Map.Entry<List<String>, RoaringBitmap> seen : seenAs.entrySet()) {
            RoaringBitmap these = RoaringBitmap.and(unanswered, seen.getValue());
            result.computeIfAbsent(seen.getKey(), v -> new RoaringBitmap()).or(these);
            unanswered.andNot(these);
        }
        return result;
    }

    private static boolean selected(Key key, Slice slice, IndicatorQuery query) {
        if (query.office() != null && !query.office().equals(key.office())) {
            return false;
        }
        for (Map.Entry<String, List<String>> where : query.indicator().where().entrySet()) {
            if (!where.getValue().contains(key.value(where.getKey(), slice.attributes))) {
                return false;
            }
        }
        return true;
    }

    /** Merges the cells of one output row. */
    private static final class Accumulator {
        final List<RoaringBitmap> persons = new ArrayList<>();
        long sum;

        void add(Object cell, Measure measure) {
            if (cell instanceof long[] tally) {
                sum += tally[0];
                return;
            }
            Counts counts = (Counts) cell;
            switch (measure) {
                case RECORDS -> sum += counts.records;
                case SUM_COUNT -> sum += counts.total;
                case DISTINCT_SUBJECTS -> {
                    sum += counts.anonymous;
                    if (!counts.persons.isEmpty()) {
                        persons.add(counts.persons);
                    }
                }
                default -> throw new IllegalArgumentException("the cube does not compute " + measure);
            }
        }

        Number value(Measure measure) {
            if (measure != Measure.DISTINCT_SUBJECTS || persons.isEmpty()) {
                return sum;
            }
            // Counts the union without building it.
            long distinct = persons.size() == 1 ? persons.get(0).getLongCardinality()
                    : FastAggregation.orCardinality(persons.toArray(new RoaringBitmap[0]));
            return sum + distinct;
        }
    }

    /**
     * Builds the slice of every activity of these programmes that is not built yet, one after
     * the other, until {@code stop} says otherwise. A node does this in the background once it
     * serves: a slice of millions of records takes seconds to a minute to build, and would
     * otherwise be built by the first query that needs it, which would wait for it.
     *
     * @return the number of slices built
     */
    public int warm(List<Programme> programmes, BooleanSupplier stop) {
        int built = 0;
        for (Programme programme : programmes) {
            for (Activity activity : programme.activities()) {
                if (stop.getAsBoolean()) {
                    return built;
                }
                Slice before = slices.get(new SliceId(programme.id(), activity.id()));
                if (slice(programme.id(), activity) != before) {
                    built++;
                }
            }
        }
        return built;
    }

    /**
     * The slice of an activity, built from the warehouse if missing or declared differently.
     * The build reads a snapshot taken under the commit lock, without holding it; the commits
     * that land meanwhile are applied to the new slice before it is published. Queries that
     * need a slice another thread is building wait for that build.
     */
    private Slice slice(String program, Activity activity) {
        restoring.join();
        SliceId id = new SliceId(program, activity.id());
        List<String> attributes = enumAttributes(activity);
        Slice slice = slices.get(id);
        if (slice != null && slice.attributes.equals(attributes)) {
            return slice;
        }
        Build build;
        Connection snapshot = null;
        commitLock.lock();
        try {
            slice = slices.get(id);
            if (slice != null && slice.attributes.equals(attributes)) {
                return slice;
            }
            applyLock.lock();
            try {
                build = building.get(id);
            } finally {
                applyLock.unlock();
            }
            if (build == null || !build.attributes.equals(attributes)) {
                // No commit lands while commitLock is held: once the applier has applied every
                // commit handed over, the snapshot and the cube reflect the same commit, and the
                // build catches up with exactly the commits applied after it.
                awaitCaughtUp();
                snapshot = snapshot();
                build = new Build(attributes);
                applyLock.lock();
                try {
                    building.put(id, build);
                    inProgress.add(build);
                } finally {
                    applyLock.unlock();
                }
            }
        } finally {
            commitLock.unlock();
        }
        if (snapshot == null) {
            return awaitBuild(build);
        }
        return buildAndPublish(id, build, snapshot);
    }

    /** A connection in a transaction whose snapshot is taken now: no commit lands between the two. */
    private Connection snapshot() {
        Connection c = warehouse.connect();
        try (Statement s = c.createStatement()) {
            s.execute("BEGIN TRANSACTION");
            // DuckDB starts a transaction's snapshot at its first read.
            s.executeQuery("SELECT count(*) FROM fact_activity WHERE false").close();
            return c;
        } catch (SQLException e) {
            closeQuietly(c);
            throw new WarehouseException("cannot read the warehouse for the indicator cube: " + e.getMessage(), e);
        }
    }

    /** Forgets a build that failed, tells its waiters why, and returns the cause to throw. */
    private RuntimeException abandon(SliceId id, Build build, RuntimeException cause) {
        applyLock.lock();
        try {
            building.remove(id, build);
            inProgress.remove(build);
        } finally {
            applyLock.unlock();
        }
        build.done.completeExceptionally(cause);
        return cause;
    }

    private Slice buildAndPublish(SliceId id, Build build, Connection snapshot) {
        long started = System.nanoTime();
        Slice built;
        try {
            afterSnapshot.run();
            builds.incrementAndGet();
            built = build(snapshot, id, build.attributes);
        } catch (RuntimeException e) {
            throw abandon(id, build, e);
        } finally {
            closeQuietly(snapshot);
        }
        try {
            // Every commit handed over by now is in the build's catch-up: a build that is not
            // published (overtaken) then still answers its waiters with what they wait for.
            awaitApplied(committedSeq);
        } catch (NotCaughtUp e) {
            throw abandon(id, build, e);
        }
        applyLock.lock();
        try {
            for (Commit commit : build.commits) {
                apply(commit, sliceId -> sliceId.equals(id) ? built : null);
            }
            inProgress.remove(build);
            // A build overtaken by a newer declaration serves its own waiters, and is not published.
            if (building.remove(id, build)) {
                state.writeLock().lock();
                try {
                    built.status = Slice.FOLLOWED;
                    Slice replaced = slices.put(id, built);
                    if (replaced != null) {
                        replaced.status = Slice.DROPPED;
                    }
                } finally {
                    state.writeLock().unlock();
                }
            }
        } catch (RuntimeException e) {
            building.remove(id, build);
            inProgress.remove(build);
            build.done.completeExceptionally(e);
            throw e;
        } finally {
            applyLock.unlock();
        }
        build.done.complete(built);
        LOG.info("Indicator cube: {}/{} built from the warehouse in {} ms ({} commits caught up)", id.program(), id.activity(),
                (System.nanoTime() - started) / 1_000_000, build.commits.size());
        return built;
    }

    private static Slice awaitBuild(Build build) {
        try {
            return build.done.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // a read-only snapshot: closing it rolls it back, and nothing can be lost
        }
    }

    /** Test hook: runs between a build's snapshot and its queries. */
    void afterSnapshot(Runnable hook) {
        this.afterSnapshot = hook;
    }

    private static List<String> enumAttributes(Activity activity) {
        return activity.attributes().stream().filter(a -> a.type() == AttributeType.ENUM).map(a -> a.name()).toList();
    }

    /**
     * Drops every slice; each is rebuilt from the warehouse when next needed. Queries that took a
     * dropped slice are answered by SQL instead ({@link #checkCurrent}).
     */
    public void invalidate() {
        state.writeLock().lock();
        try {
            slices.values().forEach(slice -> slice.status = Slice.DROPPED);
            slices.clear();
        } finally {
            state.writeLock().unlock();
        }
    }

    private Slice build(Connection c, SliceId id, List<String> attributes) {
        Slice slice = new Slice(attributes);
        try {
            try (PreparedStatement ps = c.prepareStatement(withAttributes("sql/cube-cells.sql", attributes, "f."))) {
                try (ResultSet rs = query(ps, id)) {
                    int width = attributes.size();
                    while (rs.next()) {
                        Counts counts = slice.counts(rs.getInt(1), activityKey(rs, width));
                        counts.records = rs.getLong(6 + width);
                        counts.total = rs.getLong(7 + width);
                        counts.anonymous = rs.getLong(8 + width);
                        Array list = rs.getArray(9 + width);
                        if (list != null) {
                            Object[] subjects = (Object[]) list.getArray();
                            int[] numbers = new int[subjects.length];
                            for (int i = 0; i < subjects.length; i++) {
                                numbers[i] = person((UUID) subjects[i]);
                            }
                            counts.persons.or(RoaringBitmap.bitmapOfUnordered(numbers));
                        }
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(withAttributes("sql/cube-tallies.sql", attributes, "f."))) {
                try (ResultSet rs = query(ps, id)) {
                    int width = attributes.size();
                    while (rs.next()) {
                        List<String> values = new ArrayList<>(width);
                        for (int i = 0; i < width; i++) {
                            values.add(rs.getString(5 + i));
                        }
                        Key key = new Key(rs.getString(2), null, rs.getString(4), null, rs.getString(3), values);
                        slice.tally(rs.getInt(1), key)[0] = rs.getLong(5 + width);
                    }
                }
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot build the indicator cube of " + id.program() + "/" + id.activity() + ": "
                    + e.getMessage(), e);
        }
        slice.cells.forEach((month, cells) -> cells.forEach((key, counts) -> {
            counts.persons.runOptimize();
            Counts rolled = slice.rolled(month, key);
            rolled.records += counts.records;
            rolled.total += counts.total;
            rolled.anonymous += counts.anonymous;
            rolled.persons.or(counts.persons);
        }));
        slice.rollup.values().forEach(cells -> cells.values().forEach(counts -> counts.persons.runOptimize()));
        return slice;
    }

    private static ResultSet query(PreparedStatement ps, SliceId id) throws SQLException {
        ps.setString(1, id.program());
        ps.setString(2, id.activity());
        return ps.executeQuery();
    }

    /** Attribute names are checked identifiers (DeclarationReader), so they may be spliced in. */
    private static String withAttributes(String file, List<String> attributes, String alias) {
        StringBuilder columns = new StringBuilder();
        for (String name : attributes) {
            columns.append(", json_extract_string(").append(alias).append("attributes, '$.").append(name).append("')");
        }
        return Sql.load(file).replace("${attributes}", columns);
    }

    private static Key activityKey(ResultSet rs, int width) throws SQLException {
        List<String> values = new ArrayList<>(width);
        for (int i = 0; i < width; i++) {
            values.add(rs.getString(6 + i));
        }
        return new Key(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), null, values);
    }

    private int person(UUID subject) {
        return personNumbers.computeIfAbsent(subject, s -> {
            synchronized (subjectsByNumber) {
                int number = nextPerson.getAndIncrement();
                subjectsByNumber.add(s);
                return number;
            }
        });
    }

    private UUID subject(int number) {
        synchronized (subjectsByNumber) {
            return subjectsByNumber.get(number);
        }
    }

    private static int month(LocalDate date) {
        return date.getYear() * 12 + date.getMonthValue() - 1;
    }

    /**
     * Takes a commit over from the writer: numbers it and queues it for the applier thread, which
     * applies commits in order; a query waits until every commit acknowledged before it began is
     * applied. Called by the record store holding {@link #commitLock}, with the commit the
     * warehouse's newest: so where the persons of removed facts still have live facts is read
     * here (corrections and voids only), as of this commit. Waits only when {@value #MAX_PENDING}
     * commits are already queued.
     */
    @Override
    public void committed(List<FactRow> removed, List<FactRow> added) {
        Map<SliceId, List<LiveFact>> stillLive = Map.of();
        RuntimeException unreadable = null;
        try {
            stillLive = stillLive(removed);
        } catch (RuntimeException e) {
            // The facts are committed whatever happens here; the applier drops the cube instead.
            unreadable = e;
        }
        Commit commit = new Commit(committedSeq + 1, removed, added, stillLive, unreadable);
        startApplier();
        // The applier always goes on (it waits for nothing but applyLock, held briefly), so this
        // waits only while it works off the queue; an interrupt is kept for later, the commit is not lost.
        boolean interrupted = false;
        while (true) {
            try {
                pending.put(commit);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        committedSeq = commit.seq();
    }

    private void startApplier() {
        if (applier == null) { // every commit passes here: no monitor once it runs
            startApplierOnce();
        }
    }

    private synchronized void startApplierOnce() {
        if (applier == null) {
            applier = new Thread(this::applyForever, "tonle-cube-applier");
            applier.setDaemon(true);
            applier.start();
        }
    }

    /**
     * Ends the applier thread once the node stops (after the last commit and persist): it holds
     * the whole cube, which would otherwise outlive the node in a JVM that starts another.
     */
    @Override
    public synchronized void close() {
        Thread running = applier;
        if (running != null) {
            running.interrupt();
        }
    }

    /**
     * The applier thread: applies each commit to the slices and hands it to the builds in
     * progress. A commit it cannot apply drops every slice (each is rebuilt from the warehouse
     * when next needed, which is always correct), is logged and counted, and the applier goes on.
     */
    private void applyForever() {
        while (true) {
            Commit commit;
            try {
                commit = pending.take();
            } catch (InterruptedException e) {
                return;
            }
            applyLock.lock();
            try {
                // Builds in progress catch up with this commit when they finish.
                for (Build build : inProgress) {
                    build.commits.add(commit);
                }
                try {
                    beforeApply.run();
                    apply(commit, slices::get);
                } catch (RuntimeException | Error e) {
                    failures.incrementAndGet();
                    LOG.error("Indicator cube could not follow commit {} ({}); every slice will be rebuilt from the warehouse",
                            commit.seq(), e.toString(), e);
                    invalidate();
                }
            } finally {
                appliedSeq = commit.seq();
                applyLock.unlock();
            }
            synchronized (progress) {
                progress.notifyAll();
            }
        }
    }

    /** The live facts, as of now, of the persons whose facts a commit removed, per activity. */
    private Map<SliceId, List<LiveFact>> stillLive(List<FactRow> removed) {
        Map<SliceId, Set<UUID>> subjects = new HashMap<>();
        for (FactRow row : removed) {
            if (row.subjectKey() != null) {
                subjects.computeIfAbsent(new SliceId(row.program(), row.activity()), k -> new HashSet<>()).add(row.subjectKey());
            }
        }
        if (subjects.isEmpty()) {
            return Map.of();
        }
        Map<SliceId, List<LiveFact>> live = new HashMap<>();
        try (Connection c = warehouse.connect()) {
            for (Map.Entry<SliceId, Set<UUID>> entry : subjects.entrySet()) {
                SliceId id = entry.getKey();
                List<LiveFact> facts = live.computeIfAbsent(id, k -> new ArrayList<>());
                List<UUID> all = new ArrayList<>(entry.getValue());
                for (int from = 0; from < all.size(); from += CHUNK) {
                    List<UUID> chunk = all.subList(from, Math.min(all.size(), from + CHUNK));
                    String sql = Sql.load("sql/cube-live-persons.sql").replace("${subjects}", IndicatorEngine.marks(chunk.size()));
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        ps.setString(1, id.program());
                        ps.setString(2, id.activity());
                        for (int i = 0; i < chunk.size(); i++) {
                            ps.setObject(3 + i, chunk.get(i));
                        }
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                facts.add(new LiveFact(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                                        attributes(rs.getString(6)), rs.getObject(7, UUID.class)));
                            }
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new WarehouseException("cannot follow a correction in the indicator cube: " + e.getMessage(), e);
        }
        return live;
    }

    private void apply(Commit commit, Function<SliceId, Slice> target) {
        if (commit.unreadable() != null) {
            throw commit.unreadable();
        }
        List<FactRow> removed = commit.removed();
        List<FactRow> added = commit.added();
        Map<SliceId, Set<UUID>> candidates = new HashMap<>();
        state.writeLock().lock();
        try {
            for (FactRow row : removed) {
                Slice slice = target.apply(new SliceId(row.program(), row.activity()));
                if (slice == null) {
                    continue;
                }
                int month = month(row.date());
                Map<Key, Counts> cells = slice.cells.get(month);
                Key key = activityKey(row, slice.attributes);
                Counts counts = cells == null ? null : cells.get(key);
                if (counts != null) {
                    Counts rolled = slice.rolled(month, key);
                    counts.records--;
                    counts.total -= row.count();
                    rolled.records--;
                    rolled.total -= row.count();
                    if (row.subjectKey() == null) {
                        counts.anonymous--;
                        rolled.anonymous--;
                    } else {
                        candidates.computeIfAbsent(new SliceId(row.program(), row.activity()), k -> new HashSet<>())
                                .add(row.subjectKey());
                    }
                }
                for (ParticipantTally tally : row.tallies()) {
                    Map<Key, long[]> tallies = slice.tallies.get(month);
                    long[] sum = tallies == null ? null : tallies.get(tallyKey(row, tally, slice.attributes));
                    if (sum != null) {
                        sum[0] -= tally.count();
                    }
                }
            }
            for (FactRow row : added) {
                Slice slice = target.apply(new SliceId(row.program(), row.activity()));
                if (slice == null) {
                    continue;
                }
                int month = month(row.date());
                Key key = activityKey(row, slice.attributes);
                for (Counts counts : List.of(slice.counts(month, key), slice.rolled(month, key))) {
                    counts.records++;
                    counts.total += row.count();
                    if (row.subjectKey() == null) {
                        counts.anonymous++;
                    } else {
                        counts.persons.add(person(row.subjectKey()));
                    }
                }
                for (ParticipantTally tally : row.tallies()) {
                    slice.tally(month, tallyKey(row, tally, slice.attributes))[0] += tally.count();
                }
            }
            candidates.forEach((id, subjects) -> dropGonePersons(target.apply(id), subjects,
                    commit.stillLive().getOrDefault(id, List.of())));
        } finally {
            state.writeLock().unlock();
        }
    }

    /**
     * After a correction or void, keeps each of these persons only in the cells where a live
     * fact of theirs still fell once the commit landed. Called holding the state write lock.
     */
    private void dropGonePersons(Slice slice, Set<UUID> subjects, List<LiveFact> stillLive) {
        Map<Integer, Map<Key, Set<Integer>>> live = new HashMap<>();
        Map<Integer, Map<Key, Set<Integer>>> liveRolled = new HashMap<>();
        for (LiveFact fact : stillLive) {
            Key key = new Key(fact.office(), fact.role(), fact.sex(), fact.ageBand(), null,
                    attributeValues(fact.attributes(), slice.attributes));
            int number = person(fact.subject());
            live.computeIfAbsent(fact.month(), m -> new HashMap<>()).computeIfAbsent(key, k -> new HashSet<>()).add(number);
            liveRolled.computeIfAbsent(fact.month(), m -> new HashMap<>()).computeIfAbsent(Slice.coarse(key), k -> new HashSet<>())
                    .add(number);
        }
        Set<Integer> numbers = new HashSet<>();
        subjects.forEach(s -> numbers.add(person(s)));
        prune(slice.cells, live, numbers);
        prune(slice.rollup, liveRolled, numbers);
    }

    /** Takes each of {@code numbers} out of every cell where {@code live} does not keep it. */
    private static void prune(Map<Integer, Map<Key, Counts>> cells, Map<Integer, Map<Key, Set<Integer>>> live, Set<Integer> numbers) {
        for (Map.Entry<Integer, Map<Key, Counts>> month : cells.entrySet()) {
            month.getValue().entrySet().removeIf(cell -> {
                Set<Integer> stay = live.getOrDefault(month.getKey(), Map.of()).getOrDefault(cell.getKey(), Set.of());
                for (int number : numbers) {
                    if (!stay.contains(number)) {
                        cell.getValue().persons.remove(number);
                    }
                }
                return cell.getValue().isEmpty();
            });
        }
    }

    private static Key activityKey(FactRow row, List<String> attributeNames) {
        return new Key(row.office(), row.role(), row.sex() == null ? "U" : row.sex(),
                row.ageBand() == null ? "unknown" : row.ageBand(), null, attributeValues(row.attributes(), attributeNames));
    }

    private static Key tallyKey(FactRow row, ParticipantTally tally, List<String> attributeNames) {
        return new Key(row.office(), null, tally.sex(), null, tally.group(), attributeValues(row.attributes(), attributeNames));
    }

    private static List<String> attributeValues(Map<String, Object> attributes, List<String> names) {
        String[] values = new String[names.size()];
        for (int i = 0; i < values.length; i++) {
            Object value = attributes.get(names.get(i));
            values[i] = value == null ? null : value.toString();
        }
        return Arrays.asList(values);
    }

    private static Map<String, Object> attributes(String json) {
        try {
            return json == null ? Map.of() : JSON.readValue(json, new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new IllegalStateException("unreadable attributes in the warehouse: " + e.getMessage(), e);
        }
    }

    // ---- Persisted cube (docs/INDICATORS.md, "Restart") -------------------------------------

    /**
     * "TNLC" and the layout's version: a file of another layout is not read (the cube is rebuilt).
     * Layout 3 held a fingerprint of the facts per slice, checked against the warehouse at every
     * restore; from 4 on the token alone proves the facts unchanged (docs/INDICATORS.md, "Restart").
     */
    private static final int MAGIC = 0x544E4C43;
    private static final int LAYOUT = 4;
    /** The node_setting holding the token of the last persist, until the next start replaces it (sql/cube-file-state.sql). */
    private static final String FILE_STATE = NodeSettings.INDICATOR_CUBE_FILE;
    private static final SecureRandom TOKENS = new SecureRandom();

    /**
     * The warehouse state a persisted file is bound to: the token written into the warehouse with
     * it (a random 128-bit value, a new one at every persist and every start; removed by whatever
     * changes facts without storing a record version), the number of record versions stored then
     * and the number of schema migrations applied. Inside the sealed file where the warehouse is encrypted.
     */
    private record FileState(String token, long versions, long migrations) {
    }

    /** A file bound to another warehouse state than the current one: taken back in no part. */
    private static final class OtherState extends IOException {
        OtherState(String message) {
            super(message);
        }
    }

    /**
     * What a restore did: slices taken from the file as they were (a slice whose declaration
     * changed since is built again when next asked, as any slice is), and how long it took.
     */
    public record Restored(int slices, long millis) {
    }

    /**
     * Writes every built slice to {@code file}, with the warehouse state it was written from (a
     * new token, written into the warehouse too, the number of record versions and of schema
     * migrations), so that a restart can take it back instead of scanning the warehouse. Holds
     * the commit lock while it writes, once the applier has applied every commit (or writes
     * nothing when it does not within the queries' wait): a node calls it when it stops, after
     * the last commit. Written to a temporary file and moved into place, so a
     * crash leaves the previous file or none, never half of one.
     */
    public void persist(Path file) {
        restoring.join();
        long started = System.nanoTime();
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        int written;
        commitLock.lock();
        try {
            try {
                awaitCaughtUp();
            } catch (NotCaughtUp e) {
                // No file: the one of the last persist no longer matches the warehouse's token (replaced at start).
                LOG.warn("Indicator cube not written to {}: {}", file, e.getMessage());
                return;
            }
            // No commit lands (commitLock) and none is left to apply: the slices and the warehouse
            // reflect the same, last commit.
            // Bound to this state: a new token in the warehouse (any older file no longer matches it) and the versions stored.
            FileState stamped = stamp();
            applyLock.lock();
            state.readLock().lock();
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                // Sealed where the warehouse is encrypted: the file holds subject keys and attribute values.
                SealedFiles seal = warehouse.cubeSeal();
                OutputStream target = seal == null ? Channels.newOutputStream(channel) : seal.seal(Channels.newOutputStream(channel));
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(target, 1 << 16));
                written = write(out, stamped);
                out.flush();
                if (seal != null) {
                    // writes the tag; the channel stays open
                    target.close();
                }
                channel.force(true);
            } finally {
                state.readLock().unlock();
                applyLock.unlock();
            }
        } catch (IOException e) {
            throw new WarehouseException("cannot write the indicator cube to " + file + ": " + e.getMessage(), e);
        } finally {
            commitLock.unlock();
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new WarehouseException("cannot write the indicator cube to " + file + ": " + e.getMessage(), e);
        }
        LOG.info("Indicator cube: {} slices written in {} ms", written, (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Restores {@link #restore(Path)} on a thread of its own; queries that need a slice wait for
     * it, commits wait for it (it holds the commit lock), everything else goes on.
     *
     * @return done once the restore ended, whatever its outcome
     */
    public CompletableFuture<Void> restoreInBackground(Path file) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        restoring = done;
        Thread thread = new Thread(() -> {
            try {
                restore(file);
            } catch (RuntimeException e) {
                LOG.warn("Indicator cube not restored ({}); each slice is built from the warehouse", e.toString());
            } finally {
                done.complete(null);
            }
        }, "tonle-cube-restore");
        thread.setDaemon(true);
        thread.start();
        return done;
    }

    /**
     * Takes back the slices of a {@link #persist persisted} cube, only where the file was written
     * from the warehouse exactly as it is now: bound to the token the persist wrote into the
     * warehouse (which this call replaces, whatever it finds: a file is taken back once, by the
     * start after the clean stop that wrote it; the start's repair of facts after a crash removes
     * it), to the number of record versions stored and of schema migrations applied. A file of
     * another state (commits since, as after a crash between a commit and the next persist; facts
     * repaired; an older file put back; another warehouse) is not read further, and every slice is
     * built from the warehouse; of a file of this state every slice comes back, without a scan of
     * the facts. Runs under the commit lock once every commit is applied, so no commit lands
     * between the check and the slices being published. Only into an empty cube (at start, before
     * any query); an unreadable file, or one of another layout, is ignored.
     */
    public Restored restore(Path file) {
        long started = System.nanoTime();
        commitLock.lock();
        FileState now;
        try {
            // From here on no file written before describes the warehouse, whatever follows.
            now = consume();
            awaitCaughtUp();
        } catch (NotCaughtUp | WarehouseException e) {
            commitLock.unlock();
            LOG.warn("Indicator cube: not restored from {}: {}", file, e.getMessage());
            return new Restored(0, 0);
        }
        applyLock.lock();
        try {
            if (!slices.isEmpty() || !inProgress.isEmpty() || !personNumbers.isEmpty()) {
                LOG.info("Indicator cube: not restored from {}, slices were already built", file);
                return new Restored(0, 0);
            }
            Map<SliceId, Slice> read = new HashMap<>();
            try {
                byte[] bytes = Files.readAllBytes(file);
                read(ByteBuffer.wrap(warehouse.cubeSeal() == null ? bytes : warehouse.cubeSeal().open(bytes)), now, read);
            } catch (NoSuchFileException e) {
                return new Restored(0, 0);
            } catch (OtherState e) {
                LOG.info("Indicator cube: not restored from {}: it was not written from the warehouse as it is now ({});"
                        + " every slice is built from the warehouse", file, e.getMessage());
                return new Restored(0, (System.nanoTime() - started) / 1_000_000);
            } catch (IOException | RuntimeException e) {
                LOG.warn("Indicator cube: {} is unreadable ({}); the cube is built from the warehouse", file, e.toString());
                synchronized (subjectsByNumber) {
                    personNumbers.clear();
                    subjectsByNumber.clear();
                    nextPerson.set(0);
                }
                return new Restored(0, 0);
            }
            // The warehouse is as the persist left it (same token, versions and migrations), so the
            // facts are the ones every slice reflects: nothing changes facts without storing a
            // version, except the start's repair, which removes the token (RecordStore.reconcile).
            state.writeLock().lock();
            try {
                for (Map.Entry<SliceId, Slice> slice : read.entrySet()) {
                    slice.getValue().status = Slice.FOLLOWED;
                    slices.put(slice.getKey(), slice.getValue());
                }
            } finally {
                state.writeLock().unlock();
            }
            Restored restored = new Restored(read.size(), (System.nanoTime() - started) / 1_000_000);
            LOG.info("Indicator cube: {} slices restored from {} in {} ms", restored.slices(), file, restored.millis());
            return restored;
        } finally {
            applyLock.unlock();
            commitLock.unlock();
        }
    }

    /** At persist: a new token in the warehouse, and the state the file is bound to. */
    private FileState stamp() {
        new NodeSettings(warehouse).put(FILE_STATE, HexFormat.of().formatHex(token()));
        return fileState();
    }

    /** At start: the state as the last persist left it, and a new token no file holds in the warehouse. */
    private FileState consume() {
        FileState state = fileState();
        new NodeSettings(warehouse).put(FILE_STATE, HexFormat.of().formatHex(token()));
        return state;
    }

    private static byte[] token() {
        byte[] token = new byte[16];
        TOKENS.nextBytes(token);
        return token;
    }

    private FileState fileState() {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(Sql.load("sql/cube-file-state.sql"))) {
            rs.next();
            String token = rs.getString(2);
            return new FileState(token == null ? "" : token, rs.getLong(1), rs.getLong(3));
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the warehouse for the indicator cube: " + e.getMessage(), e);
        }
    }

    private int write(DataOutputStream out, FileState state) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(LAYOUT);
        writeString(out, state.token());
        out.writeLong(state.versions());
        out.writeLong(state.migrations());
        UUID[] byNumber;
        synchronized (subjectsByNumber) {
            byNumber = subjectsByNumber.toArray(new UUID[0]);
        }
        out.writeInt(byNumber.length);
        for (UUID subject : byNumber) {
            // a hole kept from the file this cube was restored from
            out.writeLong(subject == null ? 0 : subject.getMostSignificantBits());
            out.writeLong(subject == null ? 0 : subject.getLeastSignificantBits());
        }
        out.writeInt(slices.size());
        for (Map.Entry<SliceId, Slice> entry : slices.entrySet()) {
            SliceId id = entry.getKey();
            Slice slice = entry.getValue();
            writeString(out, id.program());
            writeString(out, id.activity());
            writeStrings(out, slice.attributes);
            writeCells(out, slice.cells);
            writeCells(out, slice.rollup);
            out.writeInt(slice.tallies.size());
            for (Map.Entry<Integer, Map<Key, long[]>> month : slice.tallies.entrySet()) {
                out.writeInt(month.getKey());
                out.writeInt(month.getValue().size());
                for (Map.Entry<Key, long[]> cell : month.getValue().entrySet()) {
                    writeKey(out, cell.getKey());
                    out.writeLong(cell.getValue()[0]);
                }
            }
        }
        out.writeInt(MAGIC);
        return slices.size();
    }

    /**
     * Reads what {@link #write} wrote; from memory, as bulk reads (bitmaps straight from the
     * buffer). A file bound to another state than {@code now} is refused before anything of it is taken.
     */
    private void read(ByteBuffer in, FileState now, Map<SliceId, Slice> read) throws IOException {
        try {
            if (in.getInt() != MAGIC) {
                throw new IOException("not an indicator cube");
            }
            int layout = in.getInt();
            if (layout != LAYOUT) {
                throw new OtherState("written by another release (layout " + layout + ", this release reads " + LAYOUT + ")");
            }
            String token = readString(in);
            long versions = in.getLong();
            long migrations = in.getLong();
            if (now.token().isEmpty() || !now.token().equals(token)) {
                throw new OtherState("the warehouse holds another persist's token: the node started since, or the file is older");
            }
            if (versions != now.versions()) {
                throw new OtherState("record versions stored: " + now.versions() + " now, " + versions + " in the file");
            }
            if (migrations != now.migrations()) {
                throw new OtherState("schema migrations applied: " + now.migrations() + " now, " + migrations + " in the file");
            }
            int persons = in.getInt();
            synchronized (subjectsByNumber) {
                for (int number = 0; number < persons; number++) {
                    long high = in.getLong();
                    long low = in.getLong();
                    UUID subject = high != 0 || low != 0 ? new UUID(high, low) : null;
                    if (subject != null) {
                        personNumbers.put(subject, number);
                    }
                    subjectsByNumber.add(subject);
                }
                nextPerson.set(persons);
            }
            int count = in.getInt();
            for (int i = 0; i < count; i++) {
                SliceId id = new SliceId(readString(in), readString(in));
                Slice slice = new Slice(readStrings(in));
                readCells(in, slice.cells);
                readCells(in, slice.rollup);
                int months = in.getInt();
                for (int m = 0; m < months; m++) {
                    Map<Key, long[]> cells = slice.tallies.computeIfAbsent(in.getInt(), k -> new HashMap<>());
                    int size = in.getInt();
                    for (int c = 0; c < size; c++) {
                        cells.put(readKey(in), new long[] {in.getLong()});
                    }
                }
                read.put(id, slice);
            }
            if (in.getInt() != MAGIC) {
                throw new IOException("the file ends early");
            }
        } catch (BufferUnderflowException e) {
            throw new IOException("the file ends early", e);
        }
    }

    private static void writeCells(DataOutputStream out, Map<Integer, Map<Key, Counts>> cells) throws IOException {
        out.writeInt(cells.size());
        for (Map.Entry<Integer, Map<Key, Counts>> month : cells.entrySet()) {
            out.writeInt(month.getKey());
            out.writeInt(month.getValue().size());
            for (Map.Entry<Key, Counts> cell : month.getValue().entrySet()) {
                writeKey(out, cell.getKey());
                Counts counts = cell.getValue();
                out.writeLong(counts.records);
                out.writeLong(counts.total);
                out.writeLong(counts.anonymous);
                counts.persons.serialize(out);
            }
        }
    }

    private static void readCells(ByteBuffer in, Map<Integer, Map<Key, Counts>> cells) throws IOException {
        int months = in.getInt();
        for (int m = 0; m < months; m++) {
            Map<Key, Counts> month = cells.computeIfAbsent(in.getInt(), k -> new HashMap<>());
            int size = in.getInt();
            for (int c = 0; c < size; c++) {
                Key key = readKey(in);
                Counts counts = new Counts();
                counts.records = in.getLong();
                counts.total = in.getLong();
                counts.anonymous = in.getLong();
                counts.persons.deserialize(in.slice());
                in.position(in.position() + counts.persons.serializedSizeInBytes());
                month.put(key, counts);
            }
        }
    }

    private static void writeKey(DataOutputStream out, Key key) throws IOException {
        writeString(out, key.office());
        writeString(out, key.role());
        writeString(out, key.sex());
        writeString(out, key.ageBand());
        writeString(out, key.group());
        writeStrings(out, key.attributes());
    }

    private static Key readKey(ByteBuffer in) {
        return new Key(readString(in), readString(in), readString(in), readString(in), readString(in), readStrings(in));
    }

    private static void writeStrings(DataOutputStream out, List<String> values) throws IOException {
        out.writeInt(values.size());
        for (String value : values) {
            writeString(out, value);
        }
    }

    private static List<String> readStrings(ByteBuffer in) {
        int size = in.getInt();
        if (size == 0) {
            return List.of();
        }
        String[] values = new String[size];
        for (int i = 0; i < size; i++) {
            values[i] = readString(in);
        }
        return Arrays.asList(values);
    }

    /** A string as its UTF-8 length (-1: null) and bytes. */
    private static void writeString(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0) {
            return null;
        }
        String value = new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return value.intern();
    }

    /** How long a query waits for the applier before it is answered by SQL from scratch (default 10 s). */
    public void maxWait(Duration wait) {
        this.maxWaitNanos = wait.toNanos();
    }

    /** Commits the applier could not apply since start (each dropped every slice, rebuilt when next needed). */
    public long failures() {
        return failures.get();
    }

    /** Queries answered by SQL from scratch because the applier had not caught up in time, or dropped their slices. */
    public long fallbacks() {
        return fallbacks.get();
    }

    /** Commits handed over but not yet applied (operators: a lag that grows means the applier cannot keep up). */
    public long lag() {
        return Math.max(0, committedSeq - appliedSeq);
    }

    /** Test hook: runs on the applier before each commit is applied; what it throws counts as a failure to apply. */
    void beforeApply(Runnable hook) {
        this.beforeApply = hook;
    }

    /** How many slices were built from the warehouse (not restored) since this cube was made. */
    public int builds() {
        return builds.get();
    }

    /** How many persons have a dense number (for the benchmark and docs). */
    public int persons() {
        return personNumbers.size();
    }
}
