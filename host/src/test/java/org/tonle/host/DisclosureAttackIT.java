package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.declaration.Indicator;
import org.tonle.warehouse.indicators.Cell;
import org.tonle.warehouse.indicators.IndicatorEngine;
import org.tonle.warehouse.indicators.IndicatorQuery;
import org.tonle.warehouse.indicators.LpAttacker;
import org.tonle.warehouse.indicators.Period;

/**
 * The donor attacks of the review (DESIGN.md sections 6 and 9.2) on the demo data, over HTTP:
 * an office filter with two more dimensions against all offices, and every table a donor may
 * ask for a month (for participant tallies, every month, quarter and the year) combined by
 * linear programming. The true values come from the warehouse by SQL, never through the API.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DisclosureAttackIT {

    static final String DONOR = "donor-all-token";
    static final int MIN_CELL = 5;
    static final String OFFICE = "office";

    TestNode node;
    IndicatorEngine truth;

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Files.writeString(root.resolve("config/access.yaml"), "principals:\n"
                + AccessIT.principal("donor-all", "donor", DONOR, "programs: [legal, social, investigation, awareness]"));
        node = TestNode.start(root);
        List<String> demo = Files.readAllLines(TestNode.repository().resolve("config/demo/demo-2015.ndjson"));
        TestNode.Response answer = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson",
                String.join("\n", demo), null);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        // Donors are given the figures of approved months (and of quarters and years whose months are
        // all approved) only (docs/ACCESS.md): every month of 2015 is approved, the attack is on those.
        for (int month = 1; month <= 12; month++) {
            for (String step : List.of("submit", "approve")) {
                TestNode.Response approved = node.send("POST", "/api/v1/periods/2015-%02d/%s".formatted(month, step), TestNode.ADMIN_TOKEN,
                        "application/json", "{}", "application/json");
                assertThat(approved.status()).as(approved.body()).isEqualTo(200);
            }
        }
        truth = new IndicatorEngine(node.node().warehouse(), node.node().registry(), node.node().config());
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    /**
     * The review's attack: a cell of an office-filtered cross-tab (office O, sex × age band) is
     * hidden, but the same cell for all offices minus the other offices' cells gave it back
     * (F 12–14: 21 − 20 − 0 = 1). Now, whenever the office's cell is a hidden small count, another
     * term of that subtraction is hidden too.
     */
    @Test
    void anOfficeFilterAgainstAllOfficesGivesNothingBack() {
        int hidden = 0;
        for (String code : List.of("legal.counselled_victims_family", "social.clients_met", "legal.court_represented")) {
            for (String month : List.of("2015-06", "2015-07", "2015-08")) {
                Map<String, JsonNode> all = cells(donor(code, month, null, "sex,age_band"), List.of("sex", "age_band"));
                Indicator indicator = node.node().registry().indicator(code).orElseThrow();
                Map<String, Map<String, JsonNode>> byOffice = new LinkedHashMap<>();
                Map<String, Map<String, Long>> trueValues = new LinkedHashMap<>();
                for (String office : truth.offices(indicator)) {
                    byOffice.put(office, cells(donor(code, month, office, "sex,age_band"), List.of("sex", "age_band")));
                    Map<String, Long> values = new HashMap<>();
                    for (Cell c : truth.evaluateFromScratch(new IndicatorQuery(indicator, Period.parse(month), office,
                            List.of("sex", "age_band")))) {
                        values.put(c.dimensions().get("sex") + "/" + c.dimensions().get("age_band"), c.value().longValue());
                    }
                    trueValues.put(office, values);
                }
                for (String cell : all.keySet()) {
                    for (String office : byOffice.keySet()) {
                        long value = trueValues.get(office).get(cell);
                        if (!byOffice.get(office).get(cell).path("suppressed").asBoolean() || value < 1 || value >= MIN_CELL) {
                            continue; // a hidden zero or a hidden cell of 5 or more may be worked out: nothing small is learnt
                        }
                        hidden++;
                        int unknown = all.get(cell).path("suppressed").asBoolean() ? 1 : 0;
                        for (Map<String, JsonNode> other : byOffice.values()) {
                            unknown += other.get(cell).path("suppressed").asBoolean() ? 1 : 0;
                        }
                        assertThat(unknown).as("%s %s %s %s: all offices minus the others", code, month, office, cell)
                                .isGreaterThanOrEqualTo(2);
                    }
                }
            }
        }
        assertThat(hidden).as("hidden office cells attacked").isPositive();
    }

    /** Every table of each person indicator for August 2015, and of participants for 2015, by linear programming. */
    @Test
    void noCombinationOfADonorsTablesPinsASmallCell() {
        int attacked = 0;
        long published = 0;
        long hiddenNow = 0;
        long hiddenBefore = 0;
        StringBuilder report = new StringBuilder();
        for (JsonNode entry : node.get("/api/v1/indicators", DONOR).json().path("indicators")) {
            String measure = entry.path("measure").asText();
            if (!measure.equals("distinct_subjects") && !measure.equals("participants")) {
                continue;
            }
            Indicator indicator = node.node().registry().indicator(entry.path("code").asText()).orElseThrow();
            Map<String, List<String>> periods = new LinkedHashMap<>();
            if (measure.equals("participants")) {
                List<String> quarters = new ArrayList<>();
                for (int q = 1; q <= 4; q++) {
                    List<String> months = new ArrayList<>();
                    for (int m = q * 3 - 2; m <= q * 3; m++) {
                        months.add(String.format("2015-%02d", m));
                        periods.put(String.format("2015-%02d", m), List.of());
                    }
                    periods.put("2015-Q" + q, months);
                    quarters.add("2015-Q" + q);
                }
                periods.put("2015", quarters);
            } else {
                periods.put("2015-08", List.of());
            }
            Result result = attack(indicator, periods);
            attacked += result.attack.attacked();
            assertThat(result.attack.pinnedCells()).as(indicator.code()).isEmpty();
            published += result.published;
            hiddenNow += result.hidden;
            hiddenBefore += result.before;
            report.append(String.format("%s %s: attacked %d, pinned %d, published %d, hidden before %d, now %d%n",
                    indicator.code(), String.join(",", periods.keySet()).replaceAll("^(.{20}).*", "$1…"), result.attack.attacked(),
                    result.attack.pinned(), result.published, result.before, result.hidden));
        }
        report.append(String.format("demo data: cells attacked %d, pinned 0; published %d, hidden before %.1f %%, now %.1f %%",
                attacked, published, 100.0 * hiddenBefore / published, 100.0 * hiddenNow / published));
        System.out.println(report);
        assertThat(attacked).isPositive();
    }

    record Result(LpAttacker.Result attack, long published, long hidden, long before) {
    }

    private Result attack(Indicator indicator, Map<String, List<String>> periods) {
        List<String> dimensions = new ArrayList<>();
        dimensions.add(OFFICE);
        indicator.by().stream().filter(d -> !d.equals(OFFICE)).forEach(dimensions::add);
        int n = dimensions.size();
        List<Period> all = periods.keySet().stream().map(Period::single).toList();
        // The axes, and every true value of every marginal (those a donor cannot ask for too).
        List<List<String>> axes = new ArrayList<>();
        List<Cell> finest = truth.evaluateFromScratch(new IndicatorQuery(indicator, all, null, dimensions));
        for (String d : dimensions) {
            List<String> axis = new ArrayList<>();
            finest.forEach(c -> {
                if (!axis.contains(c.dimensions().get(d))) {
                    axis.add(c.dimensions().get(d));
                }
            });
            axes.add(axis);
        }
        List<LpAttacker.Node> nodes = new ArrayList<>();
        long published = 0;
        long hidden = 0;
        for (int mask = 0; mask < 1 << n; mask++) {
            List<String> marginal = new ArrayList<>();
            for (int d = 0; d < n; d++) {
                if ((mask & 1 << d) != 0) {
                    marginal.add(dimensions.get(d));
                }
            }
            boolean isPublished = marginal.stream().filter(d -> !d.equals(OFFICE)).count() <= 2;
            Map<List<String>, JsonNode> seen = isPublished ? donorView(indicator.code(), periods, marginal, truth.offices(indicator)) : Map.of();
            for (Cell cell : truth.evaluateFromScratch(new IndicatorQuery(indicator, all, null, marginal))) {
                List<String> values = marginal.stream().map(d -> cell.dimensions().get(d)).toList();
                long value = cell.value().longValue();
                boolean suppressed = false;
                if (isPublished) {
                    List<String> key = new ArrayList<>();
                    key.add(cell.period());
                    key.addAll(values);
                    JsonNode row = seen.get(key);
                    assertThat(row).as("%s %s", indicator.code(), key).isNotNull();
                    suppressed = row.path("suppressed").asBoolean();
                    if (!suppressed) {
                        assertThat(row.path("value").asLong()).as("%s %s", indicator.code(), key).isEqualTo(value);
                    } else if (!marginal.isEmpty()) {
                        assertThat(row.path("value").isNull()).isTrue();
                    }
                    published++;
                    hidden += suppressed ? 1 : 0;
                }
                nodes.add(new LpAttacker.Node(cell.period(), mask, values, value, isPublished, suppressed));
            }
        }
        LpAttacker.Result result = LpAttacker.attack(nodes, axes, periods, MIN_CELL);
        long before = LpAttacker.perTableHidden(axes, periods.keySet(), nodes, MIN_CELL);
        return new Result(result, published, hidden, before);
    }

    /**
     * What the donor sees of a marginal, every period: a {@code by} of its dimensions, and where it
     * has office also office by office through the {@code office} filter, which must agree.
     */
    private Map<List<String>, JsonNode> donorView(String code, Map<String, List<String>> periods, List<String> marginal,
                                                  List<String> offices) {
        Map<List<String>, JsonNode> seen = new HashMap<>();
        List<String> rest = marginal.stream().filter(d -> !d.equals(OFFICE)).toList();
        for (String period : periods.keySet()) {
            if (marginal.size() <= 2) {
                for (JsonNode row : donor(code, period, null, String.join(",", marginal))) {
                    seen.put(key(row, marginal), row);
                }
            }
            if (marginal.contains(OFFICE)) {
                for (String office : offices) {
                    for (JsonNode row : donor(code, period, office, String.join(",", rest))) {
                        ((ObjectNode) row).put(OFFICE, office);
                        JsonNode same = seen.putIfAbsent(key(row, marginal), row);
                        if (same != null) {
                            assertThat(row.path("suppressed")).as("%s %s as a slice", code, key(row, marginal))
                                    .isEqualTo(same.path("suppressed"));
                            assertThat(row.path("value")).isEqualTo(same.path("value"));
                        }
                    }
                }
            }
        }
        return seen;
    }

    private static List<String> key(JsonNode row, List<String> marginal) {
        List<String> key = new ArrayList<>();
        key.add(row.path("period").asText());
        marginal.forEach(d -> key.add(row.path(d).asText()));
        return key;
    }

    private JsonNode donor(String code, String period, String office, String by) {
        String path = "/api/v1/indicators/" + code + "/values?period=" + period
                + (office == null ? "" : "&office=" + office)
                + (by.isEmpty() ? "" : "&by=" + URLEncoder.encode(by, StandardCharsets.UTF_8));
        TestNode.Response response = node.get(path, DONOR);
        assertThat(response.status()).as(path + ": " + response.body()).isEqualTo(200);
        return response.json().path("rows");
    }

    private static Map<String, JsonNode> cells(JsonNode rows, List<String> dimensions) {
        Map<String, JsonNode> cells = new LinkedHashMap<>();
        for (JsonNode row : rows) {
            cells.put(String.join("/", dimensions.stream().map(d -> row.path(d).asText()).toList()), row);
        }
        return cells;
    }
}
