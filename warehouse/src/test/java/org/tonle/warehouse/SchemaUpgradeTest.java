package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Measure;
import org.tonle.core.declaration.ProgrammeRegistry;

/**
 * A warehouse written by an earlier release ({@link ReleaseFixture}) opened by this one, and
 * releases after this one stood for by {@link Schema#with}: figures stay equal, edited views
 * arrive, edited table migrations are refused, nothing is applied twice.
 */
class SchemaUpgradeTest {

    private static final String WAL = "16MB";

    @TempDir
    Path dir;

    @Test
    void aWarehouseOfTheEarlierReleaseOpensWithEveryFigureEqual() throws Exception {
        Path file = ReleaseFixture.unpack(dir);
        Path config = ReleaseFixture.config(dir);
        assertThat(rows(file, "SELECT column_name FROM information_schema.columns WHERE table_name = 'schema_migration'"))
                .as("the earlier release kept no checksums").doesNotContain("checksum");
        assertThat(rows(file, "SELECT name FROM schema_migration")).as("and applied the views as migrations")
                .contains("001-facts.sql", "analytics/activities.sql");
        assertThat(rows(file, "SELECT action || ' ' || count(*) FROM record_version GROUP BY action ORDER BY action"))
                .containsExactly("correct 5", "create 298", "void 4");

        try (Warehouse warehouse = Warehouse.open(file)) {
            JsonNode expected = ReleaseFixture.storedFigures();
            ProgrammeRegistry registry = ReleaseFixture.registry(config);
            JsonNode actual = ReleaseFixture.figures(warehouse, TonleConfig.load(config), registry);
            assertThat(expected.path("indicators").size()).isGreaterThan(100);
            int recounted = 0;
            for (String part : List.of("indicators", "views")) {
                assertThat(actual.path(part).size()).isEqualTo(expected.path(part).size());
                for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) () -> expected.path(part).fields()) {
                    if (part.equals("indicators") && countsPersonsByTheirLatestValues(registry, e.getKey())) {
                        assertRecountedByLatestValues(e.getKey(), e.getValue(), actual.path(part));
                        recounted++;
                    } else {
                        assertThat(actual.path(part).path(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
                    }
                }
            }
            assertThat(recounted).as("breakdowns of distinct persons by sex or age band").isGreaterThan(10);
        }

        List<String> migrations = new ArrayList<>();
        Schema.release().migrations().forEach(m -> migrations.add(m.name() + " " + m.checksum()));
        assertThat(rows(file, "SELECT name || ' ' || checksum FROM schema_migration"))
                .as("the checksums recorded once, the views' rows gone").containsExactlyInAnyOrderElementsOf(migrations);
        assertThat(rows(file, "SELECT name FROM schema_view")).containsExactlyInAnyOrderElementsOf(Schema.analyticsViews());
    }

    /**
     * This release counts a person in a breakdown of distinct persons by sex or age band once,
     * under their latest value in the period (issue 18; docs/INDICATORS.md); the earlier release
     * counted them under every value their records carried. So such a figure of the earlier
     * release is the same or higher, and this release's rows add up to the unchanged total.
     */
    private static boolean countsPersonsByTheirLatestValues(ProgrammeRegistry registry, String key) {
        Indicator indicator = registry.indicator(key.substring(0, key.indexOf(' '))).orElseThrow();
        return indicator.measure() == Measure.DISTINCT_SUBJECTS && key.contains(" by [")
                && (key.endsWith("[sex]") || key.endsWith("[age_band]"));
    }

    private static void assertRecountedByLatestValues(String key, JsonNode before, JsonNode figures) {
        JsonNode now = figures.path(key);
        assertThat(now.size()).as(key).isEqualTo(before.size());
        JsonNode totals = figures.path(key.substring(0, key.indexOf(" by [")) + " by []");
        Map<String, Long> sums = new HashMap<>();
        for (int i = 0; i < now.size(); i++) {
            assertThat(now.get(i).path("dimensions")).as(key).isEqualTo(before.get(i).path("dimensions"));
            assertThat(now.get(i).path("value").asLong()).as("%s %s", key, now.get(i)).isLessThanOrEqualTo(before.get(i).path("value").asLong());
            sums.merge(now.get(i).path("period").asText(), now.get(i).path("value").asLong(), Long::sum);
        }
        for (JsonNode total : totals) {
            assertThat(sums.getOrDefault(total.path("period").asText(), 0L)).as("%s adds up in %s", key, total.path("period").asText())
                    .isEqualTo(total.path("value").asLong());
        }
    }

    @Test
    void theChecksumsOfAnEarlierWarehouseAreRecordedOnceWithALogLine() throws Exception {
        Path file = ReleaseFixture.unpack(dir);
        Logger logger = (Logger) LoggerFactory.getLogger(SchemaMigrator.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        logger.setLevel(Level.INFO);
        try {
            Warehouse.open(file).close();
            List<String> first = log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(first).filteredOn(m -> m.contains("before migrations carried checksums")).singleElement().asString()
                    .contains("001-facts.sql", "analytics/dictionary.sql", "005-outbox.sql");
            assertThat(first).anySatisfy(m -> assertThat(m).contains("views re-created").contains("activities"));
            log.list.clear();
            Warehouse.open(file).close();
            assertThat(log.list).as("a second start has nothing to do or say").isEmpty();
        } finally {
            logger.detachAppender(log);
        }
    }

    @Test
    void aRestartAppliesNothingTwice() throws Exception {
        Path file = ReleaseFixture.unpack(dir);
        Path fresh = dir.resolve("fresh.duckdb");
        String history = "SELECT name || ' ' || applied_at || ' ' || checksum FROM schema_migration"
                + " UNION ALL SELECT name || ' ' || created_at || ' ' || checksum FROM schema_view";
        for (Path f : List.of(file, fresh)) {
            Warehouse.open(f).close();
            List<String> first = rows(f, history);
            Warehouse.open(f).close();
            assertThat(rows(f, history)).as("nothing re-applied or re-created: " + f.getFileName()).isEqualTo(first);
        }
    }

    @Test
    void anEditedViewReachesAnExistingWarehouse() throws Exception {
        Path file = ReleaseFixture.unpack(dir);
        Warehouse.open(file).close();
        String offices = Sql.load("migrations/analytics/offices.sql").replace("SELECT code, name FROM dim_office",
                "SELECT code, name, lower(code) AS slug FROM dim_office");
        Schema next = Schema.release().with(Map.of("analytics/offices.sql", offices));

        try (Warehouse warehouse = Warehouse.open(file, WAL, next)) {
            assertThat(FirstColumn.of(warehouse, "SELECT slug FROM offices ORDER BY slug")).containsExactly("pnh", "shv", "srp");
            assertThat(FirstColumn.of(warehouse, "SELECT count(*) FROM activities")).containsExactly("294");
        }
        assertThat(rows(file, "SELECT checksum FROM schema_view WHERE name = 'offices'")).containsExactly(Schema.checksum(offices));
        // Straight from the earlier release to the edited one, too.
        Path old = dir.resolve("old");
        try (Warehouse warehouse = Warehouse.open(ReleaseFixture.unpack(Files.createDirectories(old)), WAL, next)) {
            assertThat(FirstColumn.of(warehouse, "SELECT slug FROM offices ORDER BY slug")).containsExactly("pnh", "shv", "srp");
        }
        // Back to this release's definition: it is a change like any other.
        try (Warehouse warehouse = Warehouse.open(file)) {
            assertThatThrownBy(() -> FirstColumn.of(warehouse, "SELECT slug FROM offices")).hasMessageContaining("slug");
        }
    }

    @Test
    void aViewAddedOrRemovedByAReleaseIsCreatedOrDroppedAndTheSandboxListFollowsTheViewsFile() throws Exception {
        Path file = dir.resolve("w.duckdb");
        String list = Sql.load("migrations/analytics/VIEWS");
        Schema next = Schema.release().with(Map.of(
                "analytics/VIEWS", list.replace("programmes.sql\n", "") + "office_codes.sql\n",
                "analytics/office_codes.sql", "-- reads another view\nCREATE OR REPLACE VIEW office_codes AS SELECT code FROM offices;\n"));
        try (Warehouse warehouse = Warehouse.open(file, WAL, next)) {
            assertThat(views(warehouse)).contains("office_codes").doesNotContain("programmes");
        }
        try (Warehouse warehouse = Warehouse.open(file)) {
            // The sandbox allows exactly this list (analytics/.../SandboxViewsTest).
            assertThat(views(warehouse)).containsExactlyInAnyOrderElementsOf(Schema.analyticsViews());
            assertThat(Schema.analyticsViews()).isEqualTo(Schema.release().views().stream().map(Schema.View::name).toList())
                    .contains("activities", "indicator_records", "programmes");
        }
    }

    @Test
    void aViewDroppedByTheReleaseAfterTheEarlierOneLeavesThatWarehouse() throws Exception {
        Path file = ReleaseFixture.unpack(dir);
        Schema next = Schema.release().with(Map.of("analytics/VIEWS", Sql.load("migrations/analytics/VIEWS").replace("programmes.sql\n", "")));
        try (Warehouse warehouse = Warehouse.open(file, WAL, next)) {
            assertThat(views(warehouse)).containsExactlyInAnyOrderElementsOf(Schema.analyticsViews().stream().filter(v -> !v.equals("programmes")).toList());
        }
        assertThat(rows(file, "SELECT name FROM schema_migration WHERE name LIKE 'analytics/%'")).containsExactly("analytics/dictionary.sql");
    }

    @Test
    void aBrokenViewChangesNoViewAtAll() throws Exception {
        Path file = ReleaseFixture.unpack(dir);
        Warehouse.open(file).close();
        List<String> before = rows(file, "SELECT name || ' ' || created_at || ' ' || checksum FROM schema_view");
        Schema broken = Schema.release().with(Map.of(
                "analytics/activities.sql", "CREATE OR REPLACE VIEW activities AS SELECT record_id FROM fact_activity;",
                "analytics/programmes.sql", "CREATE OR REPLACE VIEW programmes AS SELECT no_such_column FROM dim_programme;"));
        assertThatThrownBy(() -> Warehouse.open(file, WAL, broken)).hasMessageContaining("analytics views failed, none changed")
                .hasMessageContaining("no_such_column");
        assertThat(rows(file, "SELECT name || ' ' || created_at || ' ' || checksum FROM schema_view")).isEqualTo(before);
        try (Warehouse warehouse = Warehouse.open(file)) {
            assertThat(FirstColumn.of(warehouse, "SELECT count(*) FROM activities WHERE office IS NOT NULL")).containsExactly("294");
        }
    }

    @Test
    void aTableMigrationThatChangedAfterItWasAppliedStopsTheOpenNamingItAndBothChecksums() throws Exception {
        Path file = ReleaseFixture.unpack(dir);
        Warehouse.open(file).close();
        String audit = Sql.load("migrations/003-audit.sql");
        String edited = audit.replace("row_count  BIGINT", "row_count  BIGINT,\n    note VARCHAR");
        Schema next = Schema.release().with(Map.of("003-audit.sql", edited,
                "ORDER", Sql.load("migrations/ORDER") + "006-later.sql\n",
                "006-later.sql", "CREATE TABLE later (x INTEGER);"));

        assertThatThrownBy(() -> Warehouse.open(file, WAL, next))
                .isInstanceOf(WarehouseException.class)
                .hasMessageContaining("migration 003-audit.sql changed after it was applied")
                .hasMessageContaining("the warehouse applied SHA-256 " + Schema.checksum(audit))
                .hasMessageContaining("this release has SHA-256 " + Schema.checksum(edited));
        assertThat(rows(file, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'later'"))
                .as("refused before anything was applied, and the file let go").containsExactly("0");
    }

    @Test
    void aLaterTableMigrationIsAppliedOnceAndAnUnknownAppliedOneIsRefused() throws Exception {
        Path file = ReleaseFixture.unpack(dir);
        // No IF NOT EXISTS: applying it a second time would fail.
        Schema next = Schema.release().with(Map.of("ORDER", Sql.load("migrations/ORDER") + "006-later.sql\n",
                "006-later.sql", "CREATE TABLE later (x INTEGER);"));
        Warehouse.open(file, WAL, next).close();
        Warehouse.open(file, WAL, next).close();
        assertThat(rows(file, "SELECT checksum FROM schema_migration WHERE name = '006-later.sql'"))
                .containsExactly(Schema.checksum("CREATE TABLE later (x INTEGER);"));

        assertThatThrownBy(() -> Warehouse.open(file)).isInstanceOf(WarehouseException.class)
                .hasMessageContaining("migration 006-later.sql was applied to this warehouse but this release does not have it");
    }

    @Test
    void checksumsCountLineEndsAsLf() {
        assertThat(Schema.checksum("SELECT 1;\r\nSELECT 2;\r\n")).isEqualTo(Schema.checksum("SELECT 1;\nSELECT 2;\n"))
                .isNotEqualTo(Schema.checksum("SELECT 1;\nSELECT 3;\n"));
    }

    private static List<String> views(Warehouse warehouse) throws SQLException {
        return FirstColumn.of(warehouse, "SELECT view_name FROM duckdb_views() WHERE NOT internal");
    }

    /** Reads the file with the plain driver, as an operator would, without migrating it. */
    private static List<String> rows(Path file, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath())) {
            return FirstColumn.of(c, sql);
        }
    }
}
