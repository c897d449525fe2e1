package org.tonle.warehouse.indicators;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.config.Office;
import org.tonle.core.config.Settings;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.DeclarationReader;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.warehouse.Change;
import org.tonle.warehouse.PseudonymousRecord;
import org.tonle.warehouse.RecordStore;
import org.tonle.warehouse.Warehouse;

/**
 * The cube applies commits on its own thread, after the writer has acknowledged them: a query
 * must still see every write acknowledged before it began (it waits for the applier), fall back
 * to SQL from scratch when the applier lags too long, and a commit the applier cannot apply must
 * drop the cube rather than leave it short of that commit.
 */
class IndicatorCubeApplierTest {

    @TempDir
    Path dir;
    private Warehouse warehouse;
    private RecordStore store;
    private IndicatorCube cube;
    private IndicatorEngine engine;
    private IndicatorEngine truth;
    private ProgrammeRegistry registry;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void setUp() throws Exception {
        warehouse = Warehouse.open(dir.resolve("w.duckdb"));
        store = new RecordStore(warehouse);
        registry = new ProgrammeRegistry();
        registry.add(1, "p", "1", new DeclarationReader().read(new ByteArrayInputStream(
                IndicatorEngineTest.PROGRAMME.getBytes(StandardCharsets.UTF_8)), "p.yaml"));
        TonleConfig config = new TonleConfig(dir, List.of(new Office("A", "A"), new Office("B", "B")),
                Map.of("A", List.of("p"), "B", List.of("p")), List.of(), Settings.defaults());
        cube = new IndicatorCube(warehouse);
        store.onCommit(cube);
        engine = new IndicatorEngine(warehouse, registry, config, cube);
        truth = new IndicatorEngine(warehouse, registry, config);
        store.commit(List.of(contact(1, "A"), contact(2, "B"), contact(3, "A")));
        assertThat(people()).as("every slice built, three persons").isEqualTo(3);
    }

    @AfterEach
    void tearDown() {
        scheduler.shutdownNow();
        cube.beforeApply(() -> { });
        cube.close();
        store.close();
        warehouse.close();
    }

    private static Change contact(int person, String office) {
        PseudonymousRecord r = new PseudonymousRecord(UUID.randomUUID(), "p", "contact", office, LocalDate.parse("2015-08-10"),
                new PseudonymousRecord.Subject(new UUID(7, person), "client", person % 2 == 0 ? "M" : "F", 20), 1,
                Map.of("channel", "visit"), List.of());
        return new Change(r.id(), 1, Change.Action.CREATE, "h" + r.id(), "{}", r, "t", "test", Instant.now());
    }

    private long people() {
        return people(engine);
    }

    private long people(IndicatorEngine from) {
        IndicatorQuery query = new IndicatorQuery(registry.indicator("p.people").orElseThrow(), Period.parse("2015-08"), null, List.of());
        return from.evaluate(query).get(0).value().longValue();
    }

    /** Holds the applier until {@code release} counts down (or 30 s pass). */
    private void holdApplier(CountDownLatch release) {
        cube.beforeApply(() -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Test
    void aQueryRightAfterAnAcknowledgedWriteWaitsForTheApplierAndSeesIt() {
        CountDownLatch release = new CountDownLatch(1);
        holdApplier(release);
        store.commit(List.of(contact(4, "B")));
        assertThat(cube.lag()).as("acknowledged, not applied yet").isEqualTo(1);
        scheduler.schedule(release::countDown, 300, TimeUnit.MILLISECONDS);

        assertThat(people()).as("the acknowledged write is in the next query").isEqualTo(4);
        assertThat(cube.fallbacks()).as("answered by the cube, which waited, not by SQL").isZero();
        assertThat(cube.lag()).isZero();
    }

    @Test
    void closingTheCubeEndsItsApplierThread() throws Exception {
        AtomicReference<Thread> applier = new AtomicReference<>();
        cube.beforeApply(() -> applier.set(Thread.currentThread()));
        store.commit(List.of(contact(4, "B")));
        assertThat(people()).isEqualTo(4);
        assertThat(applier.get()).isNotNull();
        cube.close();
        applier.get().join(TimeUnit.SECONDS.toMillis(10));
        assertThat(applier.get().isAlive()).as("the applier holds the whole cube; it must not outlive the node").isFalse();
    }

    @Test
    void aQueryIsAnsweredBySqlWhenTheApplierLagsLongerThanItMayWait() {
        CountDownLatch release = new CountDownLatch(1);
        holdApplier(release);
        cube.maxWait(Duration.ofMillis(100));
        store.commit(List.of(contact(4, "B")));

        assertThat(people()).as("from scratch, with the acknowledged write").isEqualTo(4);
        assertThat(cube.fallbacks()).isEqualTo(1);

        release.countDown();
        cube.maxWait(Duration.ofSeconds(10));
        assertThat(people()).as("from the cube again, once it caught up").isEqualTo(4);
        assertThat(cube.fallbacks()).isEqualTo(1);
    }

    @Test
    void aCommitTheApplierCannotApplyDropsTheCubeWhichIsRebuiltWithIt() {
        AtomicBoolean failed = new AtomicBoolean();
        cube.beforeApply(() -> {
            if (failed.compareAndSet(false, true)) {
                throw new IllegalStateException("test: the applier breaks");
            }
        });
        int builtBefore = cube.builds();
        store.commit(List.of(contact(4, "B"), contact(1, "B")));
        store.commit(List.of(contact(5, "A")));

        assertThat(people()).as("rebuilt from the warehouse: the commit that failed to apply counts").isEqualTo(5);
        assertThat(cube.failures()).as("the failure was noticed").isEqualTo(1);
        // The query above may have read the slice before the applier dropped it (then SQL
        // answered it); the next one finds it dropped, whichever way the race went.
        assertThat(people()).isEqualTo(5);
        assertThat(cube.builds()).as("the contact slice was built again").isGreaterThan(builtBefore);
        IndicatorQuery byOffice = new IndicatorQuery(registry.indicator("p.people").orElseThrow(), Period.parse("2015-08"), null,
                List.of("office"));
        assertThat(engine.evaluate(byOffice)).isEqualTo(truth.evaluate(byOffice));
    }

    @Test
    void underConcurrentWritesEveryQuerySeesEveryWriteAcknowledgedBeforeIt() throws Exception {
        // The applier dawdles a little on every commit, so that it is often behind the writer.
        cube.beforeApply(() -> LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(2_000_000)));
        AtomicInteger acknowledged = new AtomicInteger(3);
        int writes = 150;
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            Future<?> writer = threads.submit(() -> {
                for (int person = 4; person < 4 + writes; person++) {
                    store.commit(List.of(contact(person, person % 2 == 0 ? "A" : "B")));
                    acknowledged.incrementAndGet();
                }
            });
            List<Future<Integer>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                readers.add(threads.submit(() -> {
                    int queries = 0;
                    while (!writer.isDone()) {
                        int before = acknowledged.get();
                        long seen = people();
                        assertThat(seen).as("a query begun after %d persons were acknowledged", before).isGreaterThanOrEqualTo(before);
                        queries++;
                    }
                    return queries;
                }));
            }
            writer.get(120, TimeUnit.SECONDS);
            for (Future<Integer> reader : readers) {
                assertThat(reader.get(60, TimeUnit.SECONDS)).isPositive();
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(cube.fallbacks()).as("every query answered by the cube").isZero();
        assertThat(people()).isEqualTo(3 + writes).isEqualTo(people(truth));
    }

    @Test
    void persistWaitsForTheApplierAndWritesTheStateOfTheLastCommit() {
        CountDownLatch release = new CountDownLatch(1);
        holdApplier(release);
        store.commit(List.of(contact(4, "B")));
        store.commit(List.of(contact(5, "A")));
        scheduler.schedule(release::countDown, 300, TimeUnit.MILLISECONDS);
        Path file = dir.resolve("cube.bin");
        cube.persist(file);

        IndicatorCube restored = new IndicatorCube(warehouse);
        assertThat(restored.restore(file).slices()).as("the file matches the warehouse").isPositive();
        TonleConfig config = new TonleConfig(dir, List.of(new Office("A", "A"), new Office("B", "B")),
                Map.of("A", List.of("p"), "B", List.of("p")), List.of(), Settings.defaults());
        assertThat(people(new IndicatorEngine(warehouse, registry, config, restored))).as("both commits in the file").isEqualTo(5);
        assertThat(restored.builds()).as("nothing rebuilt").isZero();
    }
}
