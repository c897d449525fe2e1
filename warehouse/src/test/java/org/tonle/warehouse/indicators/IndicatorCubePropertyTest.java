package org.tonle.warehouse.indicators;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.Dimensions;
import org.tonle.core.config.Office;
import org.tonle.core.config.Settings;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.DeclarationReader;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Measure;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.programme.api.ParticipantTally;
import org.tonle.warehouse.Change;
import org.tonle.warehouse.PseudonymousRecord.Subject;
import org.tonle.warehouse.PseudonymousRecord;
import org.tonle.warehouse.RecordStore;
import org.tonle.warehouse.Warehouse;

/**
 * Random records, corrections and voids committed through {@link RecordStore}; after every
 * batch the incrementally kept cube must equal SQL from scratch, and at the end every
 * indicator × period kind × breakdown × office filter must equal a plain-Java count over the
 * same records, computed here without the engine or SQL.
 */
class IndicatorCubePropertyTest {

    private static final List<String> OFFICES = List.of("PNH", "SRP", "SHV");
    private static final List<String> SEXES = List.of("F", "M", "X", "U");
    private static final List<String> PLACES = List.of("home", "office", "phone");
    private static final List<String> GROUPS = List.of("student", "villager", "driver");
    private static final List<Period> PERIODS = new ArrayList<>();

    static {
        PERIODS.addAll(Period.parse("2015-01..2016-12"));
        PERIODS.addAll(Period.parse("2015-Q1..2016-Q4"));
        PERIODS.addAll(Period.parse("2014..2016"));
    }

    @TempDir
    Path dir;

    private final Random random = new Random(20150801);
    private final Map<UUID, Live> live = new LinkedHashMap<>();
    private final List<UUID> people = new ArrayList<>();
    private final Map<UUID, Subject> personBase = new HashMap<>();
    private Warehouse warehouse;
    private RecordStore store;
    private IndicatorCube cube;
    private IndicatorEngine engine;
    private ProgrammeRegistry registry;
    private Programme programme;
    private TonleConfig config;

    private record Live(PseudonymousRecord record) {

        UUID subjectKey() {
            return record.subjectKey();
        }
    }

    @BeforeEach
    void open() throws Exception {
        warehouse = Warehouse.open(dir.resolve("w.duckdb"));
        store = new RecordStore(warehouse);
        cube = new IndicatorCube(warehouse);
        store.onCommit(cube);
        try (InputStream in = getClass().getResourceAsStream("testprog.yaml")) {
            programme = new DeclarationReader().read(in, "testprog.yaml");
        }
        registry = new ProgrammeRegistry();
        registry.add(1, "testprog", "1.0.0", programme);
        // SHV does not run the programme (any more): its records must still count.
        config = new TonleConfig(dir, List.of(new Office("PNH", "Phnom Penh"), new Office("SRP", "Siem Reap"),
                new Office("SHV", "Preah Sihanouk")), Map.of("PNH", List.of("testprog"), "SRP", List.of("testprog"),
                "SHV", List.of()), List.of(), Settings.defaults());
        engine = new IndicatorEngine(warehouse, registry, config, cube);
        for (int i = 0; i < 400; i++) {
            UUID key = UUID.randomUUID();
            people.add(key);
            personBase.put(key, new Subject(key, null, pick(SEXES), random.nextInt(10) == 0 ? null : random.nextInt(30)));
        }
    }

    @AfterEach
    void close() {
        store.close();
        warehouse.close();
    }

    @Test
    void cubeFollowsCommitsCorrectionsAndVoidsAndEqualsPlainJavaEverywhere() {
        // Build every slice while the warehouse is empty, so that all later figures come from
        // the commit listener alone.
        for (Indicator indicator : programme.indicators()) {
            engine.evaluate(new IndicatorQuery(indicator, PERIODS, null, List.of()));
        }
        for (int batch = 0; batch < 20; batch++) {
            List<Change> changes = new ArrayList<>();
            List<UUID> before = new ArrayList<>(live.keySet());
            Set<UUID> touched = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                int dice = random.nextInt(100);
                if (batch > 2 && dice < 12 && !before.isEmpty()) {
                    UUID id = before.get(random.nextInt(before.size()));
                    if (touched.add(id)) {
                        Live corrected = randomRecord(id, live.get(id).record().type());
                        changes.add(change(id, Change.Action.CORRECT, corrected));
                        live.put(id, corrected);
                    }
                } else if (batch > 2 && dice < 16 && !before.isEmpty()) {
                    UUID id = before.get(random.nextInt(before.size()));
                    if (touched.add(id)) {
                        changes.add(change(id, Change.Action.VOID, null));
                        live.remove(id);
                    }
                } else {
                    UUID id = UUID.randomUUID();
                    String[] activities = {"visit", "visit", "followup", "session"};
                    Live created = randomRecord(id, activities[random.nextInt(activities.length)]);
                    changes.add(change(id, Change.Action.CREATE, created));
                    live.put(id, created);
                }
            }
            store.commit(changes);
            // Freshness: the very next query sees the batch, and equals SQL from scratch.
            for (int k = 0; k < 4; k++) {
                Indicator indicator = pick(programme.indicators());
                List<String> by = randomBy(indicator);
                IndicatorQuery query = new IndicatorQuery(indicator, PERIODS, random.nextBoolean() ? null : pick(OFFICES), by);
                assertThat(engine.evaluate(query)).as("batch %d, %s by %s", batch, indicator.code(), by)
                        .isEqualTo(engine.evaluateFromScratch(query));
            }
        }
        assertThat(live.size()).isGreaterThan(3000);

        int compared = 0;
        IndicatorEngine rebuilt = new IndicatorEngine(warehouse, registry, config, new IndicatorCube(warehouse));
        for (Indicator indicator : programme.indicators()) {
            for (List<String> by : breakdowns(indicator)) {
                for (String office : new String[] {null, "PNH", "SHV"}) {
                    IndicatorQuery query = new IndicatorQuery(indicator, PERIODS, office, by);
                    List<Cell> cells = engine.evaluate(query);
                    assertEqualsPlainJava(query, cells);
                    assertThat(cells).as("%s by %s office %s: rebuilt cube", indicator.code(), by, office)
                            .isEqualTo(rebuilt.evaluate(query));
                    if (office == null) {
                        assertThat(cells).as("%s by %s: SQL", indicator.code(), by).isEqualTo(engine.evaluateFromScratch(query));
                    }
                    assertRowsAddUp(query, cells);
                    compared += cells.size();
                }
            }
        }
        assertThat(compared).isGreaterThan(50_000);
    }

    /**
     * For distinct persons, the rows of a breakdown by sex or by age band add up to the figure
     * without it (F + M + X + U = total), for every period and every value of the other dimension.
     */
    private void assertRowsAddUp(IndicatorQuery query, List<Cell> cells) {
        Indicator indicator = query.indicator();
        if (indicator.measure() != Measure.DISTINCT_SUBJECTS) {
            return;
        }
        for (String personDimension : query.by().stream().filter(Dimensions::isPersonAttribute).toList()) {
            List<String> coarser = query.by().stream().filter(d -> !d.equals(personDimension)).toList();
            Map<List<String>, Long> sums = new HashMap<>();
            for (Cell cell : cells) {
                List<String> key = new ArrayList<>();
                key.add(cell.period());
                coarser.forEach(d -> key.add(cell.dimensions().get(d)));
                sums.merge(key, cell.value().longValue(), Long::sum);
            }
            for (Cell cell : engine.evaluate(new IndicatorQuery(indicator, query.periods(), query.office(), coarser))) {
                List<String> key = new ArrayList<>();
                key.add(cell.period());
                coarser.forEach(d -> key.add(cell.dimensions().get(d)));
                assertThat(sums.getOrDefault(key, 0L)).as("%s by %s office %s: rows %s add up to %s", indicator.code(), query.by(),
                        query.office(), personDimension, key).isEqualTo(cell.value().longValue());
            }
        }
    }

    /** Each cell equals the plain count, and every non-zero plain count has its cell. */
    private void assertEqualsPlainJava(IndicatorQuery query, List<Cell> cells) {
        Indicator indicator = query.indicator();
        Map<List<String>, Number> cellValues = new HashMap<>();
        for (Cell cell : cells) {
            List<String> key = new ArrayList<>();
            key.add(cell.period());
            query.by().forEach(d -> key.add(cell.dimensions().get(d)));
            assertThat(cellValues.put(key, cell.value())).as("cell %s given twice", key).isNull();
        }
        for (Period period : query.periods()) {
            Map<List<String>, Number> expected = expected(indicator, period, query.office(), query.by());
            expected.forEach((key, value) -> {
                List<String> full = new ArrayList<>();
                full.add(period.label());
                full.addAll(key);
                assertThat(cellValues).as("%s %s by %s office %s", indicator.code(), period.label(), query.by(), query.office())
                        .containsKey(full);
                assertThat(cellValues.get(full)).as("%s %s", indicator.code(), full).isEqualTo(value);
            });
            for (Map.Entry<List<String>, Number> cell : cellValues.entrySet()) {
                if (cell.getKey().get(0).equals(period.label()) && !expected.containsKey(cell.getKey().subList(1, cell.getKey().size()))) {
                    Number zero = indicator.measure() == Measure.RATIO ? null : 0L;
                    assertThat(cell.getValue()).as("%s %s (no records)", indicator.code(), cell.getKey()).isEqualTo(zero);
                }
            }
        }
    }

    /** The plain-Java value of each breakdown key (without the period) that has records. */
    private Map<List<String>, Number> expected(Indicator indicator, Period period, String office, List<String> by) {
        if (indicator.measure() == Measure.RATIO) {
            Map<List<String>, Number> numerator = expected(registry.indicator(indicator.numerator()).orElseThrow(), period, office, by);
            Map<List<String>, Number> denominator = expected(registry.indicator(indicator.denominator()).orElseThrow(), period, office, by);
            Map<List<String>, Number> ratio = new HashMap<>();
            denominator.forEach((key, d) -> {
                double n = numerator.getOrDefault(key, 0L).doubleValue();
                ratio.put(key, BigDecimal.valueOf(n / d.doubleValue() * indicator.factor()).setScale(2, RoundingMode.HALF_UP));
            });
            return ratio;
        }
        Map<List<String>, Set<Object>> persons = new HashMap<>();
        Map<List<String>, Long> sums = new HashMap<>();
        // Distinct persons by sex or age band: each person under the values of their latest
        // record in the period (by date, then record id), among the records the indicator selects.
        boolean byPerson = indicator.measure() == Measure.DISTINCT_SUBJECTS && by.stream().anyMatch(Dimensions::isPersonAttribute);
        Map<UUID, PseudonymousRecord> latestOf = new HashMap<>();
        for (Live l : live.values()) {
            PseudonymousRecord r = l.record();
            if (byPerson && l.subjectKey() != null && inScope(indicator, period, office, r) && keyIfSelected(indicator, List.of(), r, null) != null) {
                latestOf.merge(l.subjectKey(), r, (a, b) -> a.date().compareTo(b.date()) != 0 ? (a.date().isAfter(b.date()) ? a : b)
                        : a.id().toString().compareTo(b.id().toString()) > 0 ? a : b);
            }
        }
        for (Live l : live.values()) {
            PseudonymousRecord r = l.record();
            if (!inScope(indicator, period, office, r)) {
                continue;
            }
            if (indicator.measure() == Measure.PARTICIPANTS) {
                for (ParticipantTally tally : r.participants()) {
                    List<String> key = keyIfSelected(indicator, by, r, tally);
                    if (key != null) {
                        sums.merge(key, (long) tally.count(), Long::sum);
                    }
                }
                continue;
            }
            List<String> key = keyIfSelected(indicator, by, r, null);
            if (key == null) {
                continue;
            }
            if (byPerson && l.subjectKey() != null) {
                PseudonymousRecord latest = latestOf.get(l.subjectKey());
                for (int i = 0; i < by.size(); i++) {
                    if (Dimensions.isPersonAttribute(by.get(i))) {
                        key.set(i, value(by.get(i), latest, null));
                    }
                }
            }
            switch (indicator.measure()) {
                case RECORDS -> sums.merge(key, 1L, Long::sum);
                case SUM_COUNT -> sums.merge(key, (long) r.count(), Long::sum);
                case DISTINCT_SUBJECTS -> persons.computeIfAbsent(key, k -> new HashSet<>())
                        .add(l.subjectKey() != null ? l.subjectKey() : new Object());
                default -> throw new IllegalStateException();
            }
        }
        Map<List<String>, Number> result = new HashMap<>(sums);
        persons.forEach((key, set) -> result.put(key, (long) set.size()));
        return result;
    }

    private static boolean inScope(Indicator indicator, Period period, String office, PseudonymousRecord r) {
        return indicator.activity().contains(r.type()) && !r.date().isBefore(period.start()) && r.date().isBefore(period.end())
                && (office == null || office.equals(r.office()));
    }

    private static List<String> keyIfSelected(Indicator indicator, List<String> by, PseudonymousRecord r, ParticipantTally tally) {
        for (Map.Entry<String, List<String>> where : indicator.where().entrySet()) {
            if (!where.getValue().contains(value(where.getKey(), r, tally))) {
                return null;
            }
        }
        List<String> key = new ArrayList<>();
        for (String dimension : by) {
            String value = value(dimension, r, tally);
            if (value == null) {
                return null; // documented: a record without a role or an attribute is in no row of that breakdown
            }
            key.add(value);
        }
        return key;
    }

    private static String value(String dimension, PseudonymousRecord r, ParticipantTally tally) {
        Subject s = r.subject();
        return switch (dimension) {
            case "office" -> r.office();
            case "role" -> s == null ? null : s.role();
            case "sex" -> tally != null ? tally.sex() : s == null ? "U" : s.sex();
            case "age_band" -> s == null || s.age() == null ? "unknown"
                    : s.age() < 6 ? "0-5" : s.age() < 12 ? "6-11" : s.age() < 15 ? "12-14" : s.age() < 18 ? "15-17" : "18+";
            case "group" -> tally.group();
            default -> r.attributes().get(dimension) == null ? null : r.attributes().get(dimension).toString();
        };
    }

    private List<List<String>> breakdowns(Indicator indicator) {
        List<List<String>> result = new ArrayList<>();
        result.add(List.of());
        for (String d : indicator.by()) {
            result.add(List.of(d));
        }
        for (int i = 0; i < indicator.by().size(); i++) {
            for (int j = i + 1; j < indicator.by().size(); j++) {
                result.add(List.of(indicator.by().get(i), indicator.by().get(j)));
            }
        }
        return result;
    }

    private List<String> randomBy(Indicator indicator) {
        List<List<String>> all = breakdowns(indicator);
        return all.get(random.nextInt(all.size()));
    }

    private Live randomRecord(UUID id, String activity) {
        LocalDate date = LocalDate.of(2015, 1, 1).plusDays(random.nextInt(730));
        String office = random.nextInt(20) == 0 ? "SHV" : pick(List.of("PNH", "SRP"));
        Subject subject = null;
        UUID key = null;
        Map<String, Object> attributes = new HashMap<>();
        List<ParticipantTally> tallies = List.of();
        int count = 1;
        switch (activity) {
            case "visit", "followup" -> {
                List<String> roles = activity.equals("visit") ? List.of("client", "victim", "family") : List.of("client", "victim");
                int kind = random.nextInt(100);
                if (activity.equals("followup") || kind >= 30) {
                    // A known person, mostly with the same sex and age as before.
                    key = people.get((int) Math.min(people.size() - 1, Math.abs(random.nextGaussian()) * people.size() / 2.5));
                    Subject base = personBase.get(key);
                    boolean drift = random.nextInt(10) == 0;
                    subject = new Subject(key, pick(roles), drift ? pick(SEXES) : base.sex(),
                            drift ? Integer.valueOf(random.nextInt(30)) : base.age());
                } else if (kind >= 15) {
                    subject = new Subject(null, pick(roles), pick(SEXES), random.nextBoolean() ? null : random.nextInt(30));
                }
                if (random.nextInt(8) != 0) {
                    attributes.put("place", pick(PLACES));
                }
                if (activity.equals("visit")) {
                    attributes.put("note", "n");
                    count = 1 + random.nextInt(4);
                }
            }
            case "session" -> {
                attributes.put("topic", pick(List.of("law", "health")));
                List<ParticipantTally> list = new ArrayList<>();
                Set<String> seen = new HashSet<>();
                for (int t = random.nextInt(4); t > 0; t--) {
                    String group = pick(GROUPS);
                    String sex = pick(SEXES);
                    if (seen.add(group + sex)) {
                        list.add(new ParticipantTally(group, sex, random.nextInt(20)));
                    }
                }
                tallies = list;
            }
            default -> throw new IllegalArgumentException(activity);
        }
        return new Live(new PseudonymousRecord(id, "testprog", activity, office, date, subject, count, attributes, tallies));
    }

    private Change change(UUID id, Change.Action action, Live l) {
        return new Change(id, 1, action, "h" + random.nextLong(), "{}", l == null ? null : l.record(),
                "test", "test", Instant.now());
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }
}
