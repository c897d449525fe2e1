package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.tonle.core.declaration.DeclarationReader;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Programme;

class AnalyticsDictionaryTest {

    @TempDir
    Path dir;

    @Test
    void theTablesHoldEveryLiveProgrammeAndItsDeclaredAttributesIndicatorsAndFilters() throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb"))) {
            new AnalyticsDictionary(warehouse).sync(List.of(programme("alpha", "text", "[girl, boy]"), programme("beta", "enum", "[girl]")));

            assertThat(FirstColumn.of(warehouse, "SELECT id || ' ' || name || ' ' || department FROM dim_programme WHERE last_seen > now() - INTERVAL 1 MINUTE"))
                    .containsExactlyInAnyOrder("alpha Programme alpha Department alpha", "beta Programme beta Department beta");
            assertThat(FirstColumn.of(warehouse, "SELECT program || ' ' || activity || ' ' || name || ' ' || type FROM dim_attribute"))
                    .containsExactlyInAnyOrder("alpha visit place text", "alpha visit kind enum", "alpha meeting topic enum",
                            "beta visit place enum", "beta visit kind enum", "beta meeting topic enum");
            assertThat(FirstColumn.of(warehouse, "SELECT code || ' ' || program || ' ' || activity || ' ' || measure || ' ' || unit FROM dim_indicator"))
                    .containsExactlyInAnyOrder("alpha.visits alpha visit records visits", "alpha.visits alpha meeting records visits",
                            "alpha.met alpha visit distinct_subjects persons",
                            "beta.visits beta visit records visits", "beta.visits beta meeting records visits",
                            "beta.met beta visit distinct_subjects persons");
            assertThat(FirstColumn.of(warehouse, "SELECT code || ' ' || field || ' ' || value FROM dim_indicator_filter"))
                    .containsExactlyInAnyOrder("alpha.met kind girl", "alpha.met kind boy", "beta.met kind girl");
        }
    }

    @Test
    void aChangedDeclarationReplacesItsRowsAndItsFilterWholeAndLeavesTheOthers() throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb"))) {
            AnalyticsDictionary dictionary = new AnalyticsDictionary(warehouse);
            dictionary.sync(List.of(programme("alpha", "text", "[girl, boy]"), programme("beta", "enum", "[girl]")));
            dictionary.sync(List.of(programme("alpha", "enum", "[boy]"), programme("beta", "enum", "[girl]")));

            assertThat(FirstColumn.of(warehouse, "SELECT type FROM dim_attribute WHERE program = 'alpha' AND name = 'place'")).containsExactly("enum");
            assertThat(FirstColumn.of(warehouse, "SELECT code || ' ' || value FROM dim_indicator_filter"))
                    .containsExactlyInAnyOrder("alpha.met boy", "beta.met girl");
            assertThat(FirstColumn.of(warehouse, "SELECT count(*) FROM dim_attribute")).containsExactly("6");
            assertThat(FirstColumn.of(warehouse, "SELECT count(*) FROM dim_indicator")).containsExactly("6");

            // A withdrawn programme keeps its rows, as it keeps its data.
            dictionary.sync(List.of(programme("beta", "enum", "[girl]")));
            assertThat(FirstColumn.of(warehouse, "SELECT DISTINCT program FROM dim_attribute")).containsExactlyInAnyOrder("alpha", "beta");
        }
    }

    @Test
    void aProgrammeListedTwiceIsWrittenOnceByItsFirstDeclaration() throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb"))) {
            new AnalyticsDictionary(warehouse).sync(List.of(programme("alpha", "text", "[girl]"), programme("alpha", "enum", "[boy]")));

            assertThat(FirstColumn.of(warehouse, "SELECT type FROM dim_attribute WHERE name = 'place'")).containsExactly("text");
            assertThat(FirstColumn.of(warehouse, "SELECT value FROM dim_indicator_filter")).containsExactly("girl");
        }
    }

    @Test
    void aDeclarationTheTablesRefuseLeavesTheDeclarationsAsTheyWereButStillRecordsTheProgrammes() throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb"))) {
            AnalyticsDictionary dictionary = new AnalyticsDictionary(warehouse);
            dictionary.sync(List.of(programme("alpha", "text", "[girl]")));
            Programme beta = programme("beta", "enum", "[girl]");
            Indicator met = beta.indicator("beta.met").orElseThrow();
            // A filter value no declaration reader lets through (NOT NULL in the table), as a bundle's own code could build it.
            Indicator refused = new Indicator(met.code(), met.name(), met.measure(), met.activity(), Map.of("kind", Arrays.asList((String) null)),
                    met.by(), met.unit(), met.sensitive(), met.numerator(), met.denominator(), met.factor());
            Programme hostile = new Programme(beta.id(), beta.name(), beta.department(), beta.activities(),
                    List.of(beta.indicators().get(0), refused), beta.report(), beta.routes());

            assertThatThrownBy(() -> dictionary.sync(List.of(programme("alpha", "enum", "[boy]"), hostile)))
                    .isInstanceOf(WarehouseException.class).hasMessageContaining("cannot record the programmes and their declarations");

            assertThat(FirstColumn.of(warehouse, "SELECT id FROM dim_programme")).containsExactlyInAnyOrder("alpha", "beta");
            assertThat(FirstColumn.of(warehouse, "SELECT type FROM dim_attribute WHERE name = 'place'")).containsExactly("text");
            assertThat(FirstColumn.of(warehouse, "SELECT DISTINCT program FROM dim_attribute")).containsExactly("alpha");
            assertThat(FirstColumn.of(warehouse, "SELECT code || ' ' || value FROM dim_indicator_filter")).containsExactly("alpha.met girl");
        }
    }

    @Test
    void moreRowsThanOneStatementTakesAreAllWritten() throws Exception {
        List<Programme> programmes = new ArrayList<>();
        for (int p = 0; p < 150; p++) {
            programmes.add(programme("p" + p, "text", "[girl, boy, other]"));
        }
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb"))) {
            new AnalyticsDictionary(warehouse).sync(programmes);

            assertThat(FirstColumn.of(warehouse, "SELECT count(*) FROM dim_programme")).containsExactly("150");
            assertThat(FirstColumn.of(warehouse, "SELECT count(*) FROM dim_attribute")).containsExactly("450");
            assertThat(FirstColumn.of(warehouse, "SELECT count(*) FROM dim_indicator")).containsExactly("450");
            assertThat(FirstColumn.of(warehouse, "SELECT count(*) FROM dim_indicator_filter")).containsExactly("450");
        }
    }

    /** A programme of two activities and two indicators, one of them filtered on {@code kind}. */
    private static Programme programme(String id, String placeType, String kinds) throws Exception {
        String yaml = """
                id: %1$s
                name: Programme %1$s
                department: Department %1$s
                activities:
                  - id: visit
                    name: Visit
                    subject: required
                    roles: [client]
                    attributes:
                      - {name: place, type: %2$s%4$s}
                      - {name: kind, type: enum, values: [girl, boy, other]}
                  - id: meeting
                    name: Meeting
                    subject: none
                    attributes:
                      - {name: topic, type: enum, values: [law, health]}
                indicators:
                  - code: %1$s.visits
                    name: Visits
                    measure: records
                    unit: visits
                    activity: [visit, meeting]
                  - code: %1$s.met
                    name: Persons met
                    measure: distinct_subjects
                    activity: visit
                    where: {kind: %3$s}
                """.formatted(id, placeType, kinds, placeType.equals("enum") ? ", values: [office, home]" : ", max_length: 80");
        return new DeclarationReader().read(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), id + ".yaml");
    }
}
