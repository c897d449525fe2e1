package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.config.Office;
import org.tonle.core.config.Settings;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.DeclarationReader;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.warehouse.PseudonymousRecord.Subject;
import org.tonle.warehouse.indicators.IndicatorCube;
import org.tonle.warehouse.indicators.IndicatorEngine;
import org.tonle.warehouse.indicators.IndicatorQuery;
import org.tonle.warehouse.indicators.Period;

/**
 * Review attack on branch restart (issue 22): the persisted cube is taken back without a scan of
 * the facts when its token, record versions and migrations match. A release whose migration
 * rewrites facts without storing a record version (here: every visit's age band recomputed) runs
 * at start, after the clean stop that wrote the file: the file must not come back, and every
 * figure must equal SQL from scratch.
 */
class CubeMigrationAttackTest {

    private static final String REWRITE = "099-attack-rewrite-age-bands.sql";

    @TempDir
    Path dir;

    @Test
    void aMigrationThatRewritesFactsAfterTheCleanStopKeepsTheFileOut() throws Exception {
        Programme programme;
        try (InputStream in = getClass().getResourceAsStream("/org/tonle/warehouse/indicators/testprog.yaml")) {
            programme = new DeclarationReader().read(in, "testprog.yaml");
        }
        ProgrammeRegistry registry = new ProgrammeRegistry();
        registry.add(1, "testprog", "1.0.0", programme);
        TonleConfig config = new TonleConfig(dir, List.of(new Office("PNH", "Phnom Penh")), Map.of("PNH", List.of("testprog")), List.of(),
                Settings.defaults());
        Path file = dir.resolve("w.duckdb");
        Path cubeFile = dir.resolve("indicator-cube.bin");
        try (Warehouse warehouse = Warehouse.open(file, "16MB", Schema.release()); RecordStore store = new RecordStore(warehouse)) {
            IndicatorCube cube = new IndicatorCube(warehouse);
            store.onCommit(cube);
            IndicatorEngine engine = new IndicatorEngine(warehouse, registry, config, cube);
            store.commit(visits(400));
            assertEqualsSql(engine, programme);
            assertThat(cube.builds()).isPositive();
            cube.persist(cubeFile);
        }
        // The next release: one more migration, which changes facts and stores no record version.
        try (Warehouse warehouse = Warehouse.open(file, "16MB", releaseWith(REWRITE,
                "UPDATE fact_activity SET age_band = 'unknown' WHERE activity = 'visit';\n"));
             RecordStore store = new RecordStore(warehouse)) {
            IndicatorCube cube = new IndicatorCube(warehouse);
            store.onCommit(cube);
            IndicatorEngine engine = new IndicatorEngine(warehouse, registry, config, cube);
            IndicatorCube.Restored restored = cube.restore(cubeFile);
            assertEqualsSql(engine, programme);
            assertThat(restored.slices()).as("the facts are no longer the file's").isZero();
        }
    }

    private static void assertEqualsSql(IndicatorEngine engine, Programme programme) {
        List<Period> periods = new ArrayList<>(Period.parse("2015-01..2015-12"));
        periods.addAll(Period.parse("2015"));
        for (Indicator indicator : programme.indicators()) {
            for (List<String> by : List.of(List.<String>of(), List.of("age_band"), List.of("office", "sex"))) {
                if (!indicator.by().containsAll(by)) {
                    continue;
                }
                IndicatorQuery query = new IndicatorQuery(indicator, periods, null, by);
                assertThat(engine.evaluate(query)).as("%s by %s", indicator.code(), by).isEqualTo(engine.evaluateFromScratch(query));
            }
        }
    }

    private static List<Change> visits(int n) {
        Random random = new Random(5);
        List<UUID> people = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            people.add(UUID.randomUUID());
        }
        List<Change> changes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            UUID id = UUID.randomUUID();
            PseudonymousRecord r = new PseudonymousRecord(id, "testprog", "visit", "PNH", LocalDate.of(2015, 1, 1).plusDays(random.nextInt(360)),
                    new Subject(people.get(random.nextInt(people.size())), "victim", random.nextBoolean() ? "F" : "U", random.nextInt(18)), 1,
                    Map.of("place", List.of("home", "office", "phone").get(random.nextInt(3))), List.of());
            changes.add(new Change(id, 1, Change.Action.CREATE, "h" + i, "{}", r, "test", "test", Instant.now()));
        }
        return changes;
    }

    /** This release's schema with one more migration appended: a later release. */
    private static Schema releaseWith(String migration, String sql) {
        return Schema.read(name -> {
            if (name.equals(migration)) {
                return sql;
            }
            String text = resource(name);
            return Schema.ORDER.equals(name) ? text.stripTrailing() + "\n" + migration + "\n" : text;
        });
    }

    private static String resource(String name) {
        try (InputStream in = Schema.class.getResourceAsStream(Schema.ROOT + name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
