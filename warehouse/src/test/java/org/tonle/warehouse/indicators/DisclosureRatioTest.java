package org.tonle.warehouse.indicators;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
 * Donor views computed by the real engine on a DuckDB file: a ratio cell is hidden when its
 * numerator or denominator cell is, and an office filter hides what the table by office hides.
 */
class DisclosureRatioTest {

    static final String PROGRAMME = """
            id: p
            name: P
            activities:
              - id: contact
                name: Contact
                subject: required
                roles: [victim, family]
              - id: exam
                name: Exam
                subject: required
                roles: [victim]
            indicators:
              - {code: p.met, name: Met, measure: distinct_subjects, activity: contact, by: [office, sex]}
              - {code: p.examined, name: Examined, measure: distinct_subjects, activity: exam, by: [office, sex]}
              - {code: p.examined_share, name: Share examined, measure: ratio, numerator: p.examined, denominator: p.met, factor: 100, by: [office, sex]}
            """;

    @TempDir
    Path dir;
    Warehouse warehouse;
    RecordStore store;
    IndicatorEngine engine;
    ProgrammeRegistry registry;
    int person;

    @BeforeEach
    void setUp() throws Exception {
        warehouse = Warehouse.open(dir.resolve("w.duckdb"));
        store = new RecordStore(warehouse);
        registry = new ProgrammeRegistry();
        registry.add(1, "p", "1", new DeclarationReader().read(new ByteArrayInputStream(PROGRAMME.getBytes(StandardCharsets.UTF_8)), "p.yaml"));
        TonleConfig config = new TonleConfig(dir, List.of(new Office("A", "A"), new Office("B", "B")),
                Map.of("A", List.of("p"), "B", List.of("p")), List.of(), Settings.defaults());
        engine = new IndicatorEngine(warehouse, registry, config);
        List<Change> changes = new ArrayList<>();
        // Met: A F 20, A M 30, B F 3, B M 12. Examined: A F 10, A M 12, B F 2, B M 6.
        people(changes, "contact", "A", "F", 20, 0);
        people(changes, "contact", "A", "M", 30, 0);
        people(changes, "contact", "B", "F", 3, 0);
        people(changes, "contact", "B", "M", 12, 0);
        people(changes, "exam", "A", "F", 10, 0);
        people(changes, "exam", "A", "M", 12, 20);
        people(changes, "exam", "B", "F", 2, 50);
        people(changes, "exam", "B", "M", 6, 53);
        store.commit(changes);
    }

    /** {@code n} people, the first {@code reuse} of them already met (their subject keys reused). */
    private void people(List<Change> changes, String activity, String office, String sex, int n, int reuseFrom) {
        for (int i = 0; i < n; i++) {
            UUID key = reuseFrom > 0 || activity.equals("exam") ? new UUID(1, reuseFrom + i + 1000) : new UUID(0, ++person);
            PseudonymousRecord r = new PseudonymousRecord(UUID.randomUUID(), "p", activity, office, LocalDate.parse("2015-08-10"),
                    new PseudonymousRecord.Subject(key, "victim", sex, 12), 1, Map.of(), List.of());
            changes.add(new Change(r.id(), 1, Change.Action.CREATE, "h" + r.id(), "{}", r, "t", "test", Instant.now()));
        }
    }

    @AfterEach
    void tearDown() {
        store.close();
        warehouse.close();
    }

    private List<Cell> donor(String code, String office, String... by) {
        IndicatorQuery query = new IndicatorQuery(registry.indicator(code).orElseThrow(), Period.parse("2015-08"), office, List.of(by));
        return new DisclosureControl(engine, 5).forDonor(query, engine.evaluate(query));
    }

    private static Cell cell(List<Cell> cells, String office, String sex) {
        return cells.stream().filter(c -> office.equals(c.dimensions().get("office")) && sex.equals(c.dimensions().get("sex")))
                .findFirst().orElseThrow();
    }

    @Test
    void aRatioCellIsHiddenWhenItsNumeratorOrDenominatorIs() {
        List<Cell> met = donor("p.met", null, "office", "sex");
        List<Cell> examined = donor("p.examined", null, "office", "sex");
        List<Cell> share = donor("p.examined_share", null, "office", "sex");
        assertThat(cell(met, "B", "F").suppressed()).isTrue();
        assertThat(cell(examined, "B", "F").suppressed()).isTrue();
        for (Cell ratio : share) {
            String office = ratio.dimensions().get("office");
            String sex = ratio.dimensions().get("sex");
            boolean hidden = cell(met, office, sex).suppressed() || cell(examined, office, sex).suppressed();
            assertThat(ratio.suppressed()).as(ratio.toString()).isEqualTo(hidden);
            assertThat(ratio.value() == null).isEqualTo(hidden || cell(met, office, sex).value().longValue() == 0);
        }
        assertThat(share).filteredOn(Cell::suppressed).isNotEmpty();
        // Analysts, staff and admins get the engine's cells untouched.
        IndicatorQuery query = new IndicatorQuery(registry.indicator("p.examined_share").orElseThrow(), Period.parse("2015-08"),
                null, List.of("office", "sex"));
        assertThat(cell(engine.evaluate(query), "A", "F").value().doubleValue()).isEqualTo(50.0);
    }

    @Test
    void anOfficeFilterHidesWhatItsRowOfTheTableByOfficeHides() {
        List<Cell> whole = donor("p.met", null, "office", "sex");
        List<Cell> onlyB = donor("p.met", "B", "sex");
        for (Cell cell : onlyB) {
            Cell same = cell(whole, "B", cell.dimensions().get("sex"));
            assertThat(cell.suppressed()).as(cell.toString()).isEqualTo(same.suppressed());
            assertThat(cell.value()).isEqualTo(same.value());
        }
        assertThat(onlyB.stream().filter(Cell::suppressed).count()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void anOfficeFilterOnATableByOfficeShowsNoComplementTheWholeTableHides() {
        List<Cell> byOffice = donor("p.met", null, "office", "sex");
        for (String office : List.of("A", "B")) {
            for (Cell cell : donor("p.met", office, "office", "sex")) {
                Cell same = cell(byOffice, office, cell.dimensions().get("sex"));
                assertThat(cell.suppressed()).as(cell.toString()).isEqualTo(same.suppressed());
            }
        }
    }
}
