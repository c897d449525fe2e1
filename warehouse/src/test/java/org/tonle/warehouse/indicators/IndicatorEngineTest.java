package org.tonle.warehouse.indicators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.config.Office;
import org.tonle.core.config.Settings;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.Activity;
import org.tonle.core.declaration.DeclarationReader;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.programme.api.ParticipantTally;
import org.tonle.warehouse.Change;
import org.tonle.warehouse.PseudonymousRecord;
import org.tonle.warehouse.RecordStore;
import org.tonle.warehouse.Warehouse;

/** The compiled indicator SQL against a real DuckDB file, with values worked out by hand. */
class IndicatorEngineTest {

    static final String PROGRAMME = """
            id: p
            name: P
            activities:
              - id: contact
                name: Contact
                subject: optional
                roles: [client, family]
                attributes:
                  - {name: channel, type: enum, values: [phone, visit]}
              - id: training
                name: Training
                subject: none
                participants: {groups: [student, villager]}
            indicators:
              - {code: p.people, name: People, measure: distinct_subjects, activity: contact, by: [office, sex, role, age_band, channel]}
              - {code: p.clients, name: Clients, measure: distinct_subjects, activity: contact, where: {role: client}, by: [role]}
              - {code: p.contacts, name: Contacts, measure: records, activity: contact, where: {channel: phone}, by: [office]}
              - {code: p.sum, name: Sum, measure: sum_count, activity: contact}
              - {code: p.participants, name: Participants, measure: participants, activity: training, by: [office, group, sex]}
              - {code: p.share, name: Share, measure: ratio, numerator: p.clients, denominator: p.people, factor: 100}
            """;

    @TempDir
    Path dir;
    Warehouse warehouse;
    RecordStore store;
    IndicatorEngine engine;
    ProgrammeRegistry registry;
    final List<Change> changes = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        warehouse = Warehouse.open(dir.resolve("w.duckdb"));
        store = new RecordStore(warehouse);
        registry = new ProgrammeRegistry();
        registry.add(1, "p", "1", new DeclarationReader().read(new ByteArrayInputStream(PROGRAMME.getBytes(StandardCharsets.UTF_8)), "p.yaml"));
        TonleConfig config = new TonleConfig(dir, List.of(new Office("A", "A"), new Office("B", "B")),
                Map.of("A", List.of("p"), "B", List.of("p")), List.of(), Settings.defaults());
        engine = new IndicatorEngine(warehouse, registry, config);

        // Person 1: client F 10, in July (A) and August (A and B); person 2: family M 40, August (B);
        // two anonymous contacts in August, count 3 each; a training in August.
        contact("2015-07-03", "A", 1, "client", "F", 10, "phone", 1);
        contact("2015-08-03", "A", 1, "client", "F", 10, "visit", 1);
        contact("2015-08-09", "B", 1, "client", "F", 10, "phone", 2);
        contact("2015-08-10", "B", 2, "family", "M", 40, "phone", 1);
        contact("2015-08-11", "A", 0, "client", "U", null, "phone", 3);
        contact("2015-08-12", "A", 0, "client", "U", null, "phone", 3);
        changes.add(change(new PseudonymousRecord(UUID.randomUUID(), "p", "training", "B", LocalDate.parse("2015-08-20"), null, 1,
                Map.of(), List.of(new ParticipantTally("student", "F", 7), new ParticipantTally("student", "M", 5),
                new ParticipantTally("villager", "F", 2)))));
        store.commit(changes);
    }

    @AfterEach
    void tearDown() {
        store.close();
        warehouse.close();
    }

    private void contact(String date, String office, int person, String role, String sex, Integer age, String channel, int count) {
        UUID key = person == 0 ? null : new UUID(0, person);
        PseudonymousRecord r = new PseudonymousRecord(UUID.randomUUID(), "p", "contact", office, LocalDate.parse(date),
                new PseudonymousRecord.Subject(key, role, sex, age), count, Map.of("channel", channel), List.of());
        changes.add(change(r));
    }

    private static Change change(PseudonymousRecord r) {
        return new Change(r.id(), 1, Change.Action.CREATE, "h" + r.id(), "{}", r, "t", "test", Instant.now());
    }

    private List<Cell> values(String code, String period, String office, String... by) {
        return engine.evaluate(new IndicatorQuery(registry.indicator(code).orElseThrow(), Period.parse(period), office, List.of(by)));
    }

    private static long value(List<Cell> cells, Map<String, String> dimensions) {
        return cells.stream().filter(c -> c.dimensions().equals(dimensions)).findFirst().orElseThrow().value().longValue();
    }

    @Test
    void aWarmedCubeHasEverySliceBuiltAndFollowsCommitsLikeALazyOne() {
        IndicatorCube cube = new IndicatorCube(warehouse);
        store.onCommit(cube);
        IndicatorEngine warmed = new IndicatorEngine(warehouse, registry, new TonleConfig(dir, List.of(new Office("A", "A"), new Office("B", "B")),
                Map.of("A", List.of("p"), "B", List.of("p")), List.of(), Settings.defaults()), cube);
        assertThat(cube.warm(registry.programmes(), () -> true)).as("stopped before the first slice").isZero();
        assertThat(cube.warm(registry.programmes(), () -> false)).as("contact and training").isEqualTo(2);
        assertThat(cube.warm(registry.programmes(), () -> false)).as("already built").isZero();

        contact("2015-08-15", "B", 3, "family", "F", 30, "visit", 1);
        store.commit(changes.subList(changes.size() - 1, changes.size()));
        IndicatorQuery people = new IndicatorQuery(registry.indicator("p.people").orElseThrow(), Period.parse("2015-08"), null, List.of());
        assertThat(warmed.evaluate(people)).singleElement().extracting(c -> c.value().longValue()).isEqualTo(5L);
        assertThat(values("p.people", "2015-08", null)).as("a lazily built cube agrees")
                .singleElement().extracting(c -> c.value().longValue()).isEqualTo(5L);
    }

    @Test
    void commitsThatLandWhileASliceIsBuiltAreInItOnceItIsPublished() {
        IndicatorCube cube = new IndicatorCube(warehouse);
        store.onCommit(cube);
        TonleConfig config = new TonleConfig(dir, List.of(new Office("A", "A"), new Office("B", "B")),
                Map.of("A", List.of("p"), "B", List.of("p")), List.of(), Settings.defaults());
        IndicatorEngine following = new IndicatorEngine(warehouse, registry, config, cube);
        PseudonymousRecord family = changes.get(3).record();
        cube.afterSnapshot(() -> {
            cube.afterSnapshot(() -> { });
            // After the build's snapshot, before its queries: a new person, and person 2 moved from B to A.
            contact("2015-08-15", "B", 3, "family", "F", 30, "visit", 1);
            PseudonymousRecord moved = new PseudonymousRecord(family.id(), "p", "contact", "A", family.date(), family.subject(), 1,
                    family.attributes(), List.of());
            store.commit(List.of(changes.get(changes.size() - 1),
                    new Change(family.id(), 2, Change.Action.CORRECT, "h2", "{}", moved, "t", "test", Instant.now())));
        });
        IndicatorEngine truth = new IndicatorEngine(warehouse, registry, config);
        for (String[] query : List.of(new String[] {"p.people", "office"}, new String[] {"p.people", "sex"},
                new String[] {"p.contacts", "office"}, new String[] {"p.sum", null})) {
            IndicatorQuery q = new IndicatorQuery(registry.indicator(query[0]).orElseThrow(), Period.parse("2015-08"), null,
                    query[1] == null ? List.of() : List.of(query[1]));
            List<Cell> built = following.evaluate(q);
            assertThat(built).as(query[0] + " by " + query[1]).isEqualTo(truth.evaluate(q));
        }
        IndicatorQuery byOffice = new IndicatorQuery(registry.indicator("p.people").orElseThrow(), Period.parse("2015-08"), null, List.of("office"));
        assertThat(value(following.evaluate(byOffice), Map.of("office", "A"))).as("person 1, the anonymous two, and person 2 moved here").isEqualTo(4);
        assertThat(value(following.evaluate(byOffice), Map.of("office", "B"))).as("person 1 and person 3").isEqualTo(2);
    }

    @Test
    void aBuildOvertakenByANewDeclarationAnswersItsQueryWithoutReplacingTheNewSlice() throws Exception {
        IndicatorCube cube = new IndicatorCube(warehouse);
        store.onCommit(cube);
        Activity contact = registry.programme("p").orElseThrow().activity("contact").orElseThrow();
        Activity redeclared = new DeclarationReader().read(new ByteArrayInputStream(PROGRAMME
                .replace("{name: channel, type: enum, values: [phone, visit]}",
                        "{name: channel, type: enum, values: [phone, visit]}\n      - {name: place, type: enum, values: [home, office]}")
                .getBytes(StandardCharsets.UTF_8)), "p.yaml").activity("contact").orElseThrow();
        IndicatorQuery people = new IndicatorQuery(registry.indicator("p.people").orElseThrow(), Period.parse("2015-08"), null, List.of());
        cube.afterSnapshot(() -> {
            cube.afterSnapshot(() -> { });
            // While the old declaration's slice is built: the new declaration's slice is built and
            // published, then a new person is committed.
            assertThat(cube.values(people, List.of(redeclared)).values()).singleElement().isEqualTo(4L);
            contact("2015-08-15", "B", 3, "family", "F", 30, "visit", 1);
            store.commit(changes.subList(changes.size() - 1, changes.size()));
        });
        assertThat(cube.values(people, List.of(contact)).values()).as("the overtaken build caught up with the commit")
                .singleElement().isEqualTo(5L);
        assertThat(cube.warm(List.of(new Programme("p", null, null, List.of(redeclared), List.of(), null, List.of())),
                () -> false)).as("the new declaration's slice stayed published").isZero();
        assertThat(cube.values(people, List.of(redeclared)).values()).as("and followed the commit").singleElement().isEqualTo(5L);
    }

    @Test
    void distinctPersonsCountAnonymousRecordsOnceEach() {
        assertThat(values("p.people", "2015-08", null)).singleElement().extracting(c -> c.value().longValue()).isEqualTo(4L);
        assertThat(values("p.people", "2015-07", null)).singleElement().extracting(c -> c.value().longValue()).isEqualTo(1L);
    }

    @Test
    void aQuarterCountsEachPersonOnceOverItsWholeSpan() {
        assertThat(values("p.people", "2015-Q3", null).get(0).value().longValue()).isEqualTo(4L);
        assertThat(values("p.people", "2015", null).get(0).value().longValue()).isEqualTo(4L);
    }

    @Test
    void aPersonCountsInEveryCellTheirRecordsTouch() {
        List<Cell> byOffice = values("p.people", "2015-08", null, "office");
        assertThat(value(byOffice, Map.of("office", "A"))).isEqualTo(3);
        assertThat(value(byOffice, Map.of("office", "B"))).isEqualTo(2);
    }

    @Test
    void aCrossTabHasEveryCombinationZerosIncluded() {
        List<Cell> cells = values("p.people", "2015-08", null, "office", "sex");
        assertThat(cells).hasSize(2 * 4);
        assertThat(value(cells, Map.of("office", "B", "sex", "M"))).isEqualTo(1);
        assertThat(value(cells, Map.of("office", "B", "sex", "X"))).isZero();
        assertThat(value(cells, Map.of("office", "A", "sex", "U"))).isEqualTo(2);
    }

    @Test
    void breakdownsByAgeBandRoleAndEnumAttribute() {
        List<Cell> bands = values("p.people", "2015-08", null, "age_band");
        assertThat(bands).hasSize(6);
        assertThat(value(bands, Map.of("age_band", "6-11"))).isEqualTo(1);
        assertThat(value(bands, Map.of("age_band", "18+"))).isEqualTo(1);
        assertThat(value(bands, Map.of("age_band", "unknown"))).isEqualTo(2);
        assertThat(value(values("p.people", "2015-08", null, "channel"), Map.of("channel", "phone"))).isEqualTo(4);
        assertThat(values("p.clients", "2015-08", null, "role")).extracting(c -> c.dimensions().get("role")).containsExactly("client");
    }

    @Test
    void whereFiltersAndOtherMeasures() {
        assertThat(values("p.clients", "2015-08", null).get(0).value().longValue()).isEqualTo(3);
        assertThat(values("p.contacts", "2015-08", "B").get(0).value().longValue()).isEqualTo(2);
        assertThat(values("p.sum", "2015-08", null).get(0).value().longValue()).isEqualTo(1 + 2 + 1 + 3 + 3);
    }

    @Test
    void participantsByGroupAndSex() {
        List<Cell> cells = values("p.participants", "2015-08", null, "group", "sex");
        assertThat(cells).hasSize(2 * 4);
        assertThat(value(cells, Map.of("group", "student", "sex", "F"))).isEqualTo(7);
        assertThat(value(cells, Map.of("group", "villager", "sex", "M"))).isZero();
        assertThat(values("p.participants", "2015-08", null).get(0).value().longValue()).isEqualTo(14);
    }

    @Test
    void ratioOfTwoIndicators() {
        assertThat(values("p.share", "2015-08", null).get(0).value().doubleValue()).isEqualTo(75.0);
        assertThat(values("p.share", "2015-01", null).get(0).value()).isNull();
    }

    @Test
    void aRangeGivesOneRowPerMonth() {
        assertThat(values("p.people", "2015-06..2015-08", null)).extracting(Cell::period, c -> c.value().longValue())
                .containsExactly(Tuple.tuple("2015-06", 0L), Tuple.tuple("2015-07", 1L),
                        Tuple.tuple("2015-08", 4L));
    }

    @Test
    void aBreakdownTheIndicatorDoesNotAllowIsRefused() {
        assertThatThrownBy(() -> values("p.contacts", "2015-08", null, "sex"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allowed: office");
    }

    @Test
    void periodsAreParsedOrRefusedWithTheFormsThatWork() {
        assertThat(Period.parse("2015-Q3").get(0).start()).isEqualTo(LocalDate.parse("2015-07-01"));
        assertThat(Period.parse("2015-Q4..2016-Q1")).extracting(Period::label).containsExactly("2015-Q4", "2016-Q1");
        assertThat(Period.parse("2014..2015")).hasSize(2);
        assertThatThrownBy(() -> Period.parse("2015-13")).hasMessageContaining("2015-Q3");
        assertThatThrownBy(() -> Period.parse("2015-08..2015-Q4")).hasMessageContaining("one kind");
    }
}
