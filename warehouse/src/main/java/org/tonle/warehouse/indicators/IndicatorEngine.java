package org.tonle.warehouse.indicators;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.core.Dimensions;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.Activity;
import org.tonle.core.declaration.DeclarationReader;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Measure;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.warehouse.Sql;
import org.tonle.warehouse.Warehouse;
import org.tonle.warehouse.WarehouseException;

/**
 * Compiles declared indicators to SQL over the fact tables and returns every cell of the
 * requested table, zeros included: one cell per period and per combination of the values of
 * each {@code by} dimension.
 */
public final class IndicatorEngine {

    private static final Logger LOG = LoggerFactory.getLogger(IndicatorEngine.class);

    private final Warehouse warehouse;
    private final ProgrammeRegistry programmes;
    /** Read at each use: deployments are reloaded while the node runs. */
    private final Supplier<TonleConfig> config;
    private final IndicatorCube cube;

    /** An engine that answers every query with SQL over the fact tables (always fresh, slower). */
    public IndicatorEngine(Warehouse warehouse, ProgrammeRegistry programmes, TonleConfig config) {
        this(warehouse, programmes, config, null);
    }

    /**
     * An engine that answers from {@code cube}, which must be the commit listener of the node's
     * record store so that it stays equal to the facts.
     */
    public IndicatorEngine(Warehouse warehouse, ProgrammeRegistry programmes, TonleConfig config, IndicatorCube cube) {
        this(warehouse, programmes, () -> config, cube);
    }

    /** As above, with the configuration as it is at each query (offices.yaml and deployments reloaded). */
    public IndicatorEngine(Warehouse warehouse, ProgrammeRegistry programmes, Supplier<TonleConfig> config,
                           IndicatorCube cube) {
        this.warehouse = warehouse;
        this.programmes = programmes;
        this.config = config;
        this.cube = cube;
    }

    /** An indicator of a live programme. */
    public Optional<Indicator> indicator(String code) {
        return programmes.indicator(code);
    }

    /** The offices configured to run the indicator's programme. */
    public List<String> offices(Indicator indicator) {
        return config.get().officesRunning(indicator.programme());
    }

    /**
     * The values a dimension takes in a breakdown of this indicator, after its {@code where};
     * {@code null} when the indicator does not allow the dimension.
     */
    public List<String> dimensionValues(Indicator indicator, String dimension, String office) {
        if (!indicator.by().contains(dimension)) {
            return null;
        }
        if (dimension.equals(Dimensions.OFFICE)) {
            return office != null ? List.of(office) : offices(indicator);
        }
        if (indicator.measure() == Measure.RATIO) {
            // A ratio has a cell wherever its numerator or its denominator has one.
            List<String> numerator = dimensionValues(numerator(indicator), dimension, office);
            List<String> denominator = dimensionValues(denominator(indicator), dimension, office);
            if (numerator == null || denominator == null) {
                return null;
            }
            List<String> union = new ArrayList<>(numerator);
            denominator.stream().filter(v -> !union.contains(v)).forEach(union::add);
            return union;
        }
        Indicator base = indicator;
        List<String> values = DeclarationReader.allowedValues(dimension, activities(base), base.measure());
        if (values == null) {
            return null;
        }
        List<String> kept = base.where().get(dimension);
        return kept == null ? values : values.stream().filter(kept::contains).toList();
    }

    public List<Cell> evaluate(IndicatorQuery query) {
        return evaluate(query, cube != null);
    }

    /**
     * The same table computed from scratch by SQL over the fact tables, whatever the engine
     * normally uses: the reference the cube is tested and benchmarked against.
     */
    public List<Cell> evaluateFromScratch(IndicatorQuery query) {
        return evaluate(query, false);
    }

    private List<Cell> evaluate(IndicatorQuery query, boolean fromCube) {
        for (String dimension : query.by()) {
            if (dimensionValues(query.indicator(), dimension, query.office()) == null) {
                throw new IllegalArgumentException("by: '" + dimension + "' is not allowed for " + query.indicator().code()
                        + " (allowed: " + String.join(", ", query.indicator().by()) + ")");
            }
        }
        if (query.indicator().measure() == Measure.RATIO) {
            return ratio(query, fromCube);
        }
        Map<List<String>, Number> found = run(query, fromCube);
        return cells(query, found, key -> found.getOrDefault(key, 0L));
    }

    private List<Cell> ratio(IndicatorQuery query, boolean fromCube) {
        Indicator ratio = query.indicator();
        double factor = ratio.factor() == null ? 1 : ratio.factor();
        Map<List<String>, Number> numerator = run(new IndicatorQuery(numerator(ratio), query.periods(), query.office(), query.by()), fromCube);
        Map<List<String>, Number> denominator = run(new IndicatorQuery(denominator(ratio), query.periods(), query.office(),
                query.by()), fromCube);
        Map<List<String>, Number> either = new HashMap<>(denominator);
        either.putAll(numerator);
        return cells(query, either, key -> {
            double d = denominator.getOrDefault(key, 0L).doubleValue();
            if (d == 0) {
                return null;
            }
            double n = numerator.getOrDefault(key, 0L).doubleValue();
            return BigDecimal.valueOf(n / d * factor).setScale(2, RoundingMode.HALF_UP);
        });
    }

    private Indicator denominator(Indicator ratio) {
        return programmes.indicator(ratio.denominator()).orElseThrow(
                () -> new IllegalStateException(ratio.code() + ": denominator " + ratio.denominator() + " is not live"));
    }

    private Indicator numerator(Indicator ratio) {
        return programmes.indicator(ratio.numerator()).orElseThrow(
                () -> new IllegalStateException(ratio.code() + ": numerator " + ratio.numerator() + " is not live"));
    }

    /** Every combination of period and dimension values, in a stable order. */
    private List<Cell> cells(IndicatorQuery query, Map<List<String>, Number> found,
                             Function<List<String>, Number> valueOf) {
        List<List<String>> axes = new ArrayList<>();
        for (int i = 0; i < query.by().size(); i++) {
            List<String> values = new ArrayList<>(dimensionValues(query.indicator(), query.by().get(i), query.office()));
            // Values present in the data but no longer declared (an enum value removed, an
            // office no longer running the programme) still count: never drop a record.
            for (List<String> key : found.keySet()) {
                String v = key.get(i + 1);
                if (v != null && !values.contains(v)) {
                    values.add(v);
                }
            }
            axes.add(values);
        }
        List<Cell> cells = new ArrayList<>();
        for (Period period : query.periods()) {
            for (List<String> combination : combinations(axes)) {
                List<String> key = new ArrayList<>();
                key.add(period.label());
                key.addAll(combination);
                Map<String, String> dimensions = new LinkedHashMap<>();
                for (int i = 0; i < combination.size(); i++) {
                    dimensions.put(query.by().get(i), combination.get(i));
                }
                cells.add(new Cell(period.label(), dimensions, valueOf.apply(key), false));
            }
        }
        return cells;
    }

    private static List<List<String>> combinations(List<List<String>> axes) {
        List<List<String>> result = new ArrayList<>();
        result.add(List.of());
        for (List<String> axis : axes) {
            List<List<String>> next = new ArrayList<>();
            for (List<String> prefix : result) {
                for (String value : axis) {
                    List<String> combination = new ArrayList<>(prefix);
                    combination.add(value);
                    next.add(combination);
                }
            }
            result = next;
        }
        return result;
    }

    /** Keys are [period, dimension values...]; combinations without facts may be absent. */
    private Map<List<String>, Number> run(IndicatorQuery query, boolean fromCube) {
        if (!fromCube) {
            return runSql(query);
        }
        try {
            return cube.values(query, activities(query.indicator()));
        } catch (IndicatorCube.NotCaughtUp e) {
            // The same figures, slower: the cube never answers without the writes acknowledged before the query.
            LOG.warn("{}: answered by SQL from scratch ({})", query.indicator().code(), e.getMessage());
            return runSql(query);
        }
    }

    /** Runs the compiled SQL. */
    private Map<List<String>, Number> runSql(IndicatorQuery query) {
        Indicator indicator = query.indicator();
        boolean participants = indicator.measure() == Measure.PARTICIPANTS;
        List<Activity> activities = activities(indicator);
        List<Object> parameters = new ArrayList<>();
        parameters.add(indicator.programme());
        parameters.addAll(indicator.activity());

        boolean byPerson = indicator.measure() == Measure.DISTINCT_SUBJECTS && query.by().stream().anyMatch(Dimensions::isPersonAttribute);
        StringBuilder dimensions = new StringBuilder();
        for (String dimension : query.by()) {
            dimensions.append(", ").append(byPerson && Dimensions.isPersonAttribute(dimension) ? "f.person_" + dimension
                    : column(dimension, participants));
        }
        String filters = filters(indicator, query.office(), parameters);
        StringBuilder periods = new StringBuilder();
        for (Period p : query.periods()) {
            if (periods.length() > 0) {
                periods.append(", ");
            }
            // Labels and dates come from Period.parse, never from the caller's text as such.
            periods.append("('").append(p.label()).append("', DATE '").append(p.start()).append("', DATE '").append(p.end()).append("')");
        }
        String sql = Sql.load(participants ? "sql/indicator-participants.sql" : "sql/indicator-activity.sql")
                .replace("${periods}", periods)
                .replace("${person}", byPerson ? PERSON_COLUMNS : "")
                .replace("${dimensions}", dimensions)
                .replace("${measure}", measure(indicator.measure()))
                .replace("${activities}", marks(activities.size()))
                .replace("${filters}", filters);
        Map<List<String>, Number> values = new HashMap<>();
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.size(); i++) {
                ps.setObject(i + 1, parameters.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                int width = query.by().size() + 1;
                while (rs.next()) {
                    List<String> key = new ArrayList<>(width);
                    for (int i = 1; i <= width; i++) {
                        key.add(rs.getString(i));
                    }
                    values.put(key, rs.getLong(width + 1));
                }
            }
        } catch (SQLException e) {
            throw new WarehouseException("indicator " + indicator.code() + " failed: " + e.getMessage(), e);
        }
        return values;
    }

    /**
     * A person counted in a breakdown by sex or age band is counted under their latest value in
     * the period (docs/INDICATORS.md), so that the rows of a breakdown add up to the total; a
     * record without a subject keeps its own.
     */
    private static final String PERSON_COLUMNS = ", CASE WHEN f.subject_key IS NULL THEN coalesce(f.sex, 'U')"
            + " ELSE last_value(coalesce(f.sex, 'U')) OVER person END AS person_sex"
            + ", CASE WHEN f.subject_key IS NULL THEN coalesce(f.age_band, 'unknown')"
            + " ELSE last_value(coalesce(f.age_band, 'unknown')) OVER person END AS person_age_band";

    /**
     * The SQL of an indicator's {@code where} and an office filter over fact_activity {@code f},
     * each {@code AND ...}; their values are appended to {@code parameters}.
     */
    static String filters(Indicator indicator, String office, List<Object> parameters) {
        boolean participants = indicator.measure() == Measure.PARTICIPANTS;
        StringBuilder filters = new StringBuilder();
        indicator.where().forEach((dimension, values) -> {
            filters.append(" AND ").append(column(dimension, participants)).append(" IN (").append(marks(values.size())).append(')');
            parameters.addAll(values);
        });
        if (office != null) {
            filters.append(" AND f.office = ?");
            parameters.add(office);
        }
        return filters.toString();
    }

    private static String measure(Measure measure) {
        return switch (measure) {
            case RECORDS -> "COUNT(*)";
            case SUM_COUNT -> "SUM(f.count)";
            case DISTINCT_SUBJECTS -> "COUNT(DISTINCT f.subject_key) + COUNT(*) FILTER (WHERE f.subject_key IS NULL)";
            case PARTICIPANTS -> "SUM(f.count)";
            case RATIO -> throw new IllegalArgumentException("a ratio has no SQL of its own");
        };
    }

    /** The SQL expression of a dimension. Attribute names are checked identifiers (DeclarationReader). */
    private static String column(String dimension, boolean participants) {
        return switch (dimension) {
            case Dimensions.OFFICE -> "f.office";
            // Records without a subject read as sex U and age band unknown (as in the cube).
            case Dimensions.SEX -> participants ? "f.sex" : "coalesce(f.sex, 'U')";
            case Dimensions.AGE_BAND -> "coalesce(f.age_band, 'unknown')";
            case Dimensions.ROLE -> "f.role";
            case Dimensions.GROUP -> "f.participant_group";
            default -> "json_extract_string(" + (participants ? "a" : "f") + ".attributes, '$." + dimension + "')";
        };
    }

    static String marks(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    private List<Activity> activities(Indicator indicator) {
        Programme programme = programmes.programme(indicator.programme()).orElseThrow(
                () -> new IllegalStateException("programme " + indicator.programme() + " is not live"));
        return indicator.activity().stream().map(id -> programme.activity(id).orElseThrow()).toList();
    }
}
