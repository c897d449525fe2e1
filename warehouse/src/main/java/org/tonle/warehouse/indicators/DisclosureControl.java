package org.tonle.warehouse.indicators;

import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.commons.math3.optim.MaxIter;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.linear.LinearConstraint;
import org.apache.commons.math3.optim.linear.LinearConstraintSet;
import org.apache.commons.math3.optim.linear.LinearObjectiveFunction;
import org.apache.commons.math3.optim.linear.NonNegativeConstraint;
import org.apache.commons.math3.optim.linear.Relationship;
import org.apache.commons.math3.optim.linear.SimplexSolver;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.tonle.core.Dimensions;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Measure;

/**
 * Small-cell suppression for donors (DESIGN.md sections 6 and 9.2).
 *
 * <p>Every donor table is a slice of one {@link DisclosureRelease} per indicator and window:
 * all marginals of offices by every dimension the indicator allows, suppressed together, so
 * that no combination of tables (an office filter against all offices, a cross-tab against its
 * margins, a quarter against its months) undoes what one of them hides. Cells counting persons
 * from 1 to {@code minCell - 1} are hidden when they are a breakdown (a {@code by} or an
 * {@code office} filter), or any cell when the indicator is {@code sensitive}.
 *
 * <p>{@link #suppress(long[][], int)} is the earlier rule for one table on its own, kept as the
 * baseline the cost of the release is measured against (docs/ACCESS.md) and for the benchmark.
 *
 * <p>Ratio cells are suppressed when their numerator or denominator cell is suppressed for the
 * same query (DESIGN.md section 3).
 */
public final class DisclosureControl {

    private static final double PINNED = 0.5;
    private static final String OFFICE = Dimensions.OFFICE;

    private final IndicatorEngine engine;
    private final int minCell;
    /** The last release per (indicator, sensitive, window), reused while its figures are unchanged. */
    private final Map<List<Object>, Cached> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Object>, Cached> eldest) {
            return size() > 256;
        }
    };

    /**
     * @param engine  evaluates the marginals of a release and a ratio's numerator and denominator
     * @param minCell the smallest person count a donor may see in a breakdown (config/tonle.yaml)
     */
    public DisclosureControl(IndicatorEngine engine, int minCell) {
        if (minCell < 1) {
            throw new IllegalArgumentException("disclosure.min_cell must be at least 1, not " + minCell);
        }
        this.engine = engine;
        this.minCell = minCell;
    }

    public int minCell() {
        return minCell;
    }

    /** The cells of {@code query}'s answer as a donor may see them. */
    public List<Cell> forDonor(IndicatorQuery query, List<Cell> cells) {
        Indicator indicator = query.indicator();
        if (indicator.measure() == Measure.RATIO) {
            return ratio(query, cells);
        }
        boolean breakdown = !query.by().isEmpty() || query.office() != null;
        boolean protect = indicator.isSensitive() || (indicator.measure().countsPersons() && breakdown);
        if (!protect) {
            return cells;
        }
        if (engine == null) {
            throw new IllegalStateException("disclosure control needs the engine to build the release of " + indicator.code());
        }
        Map<String, DisclosureRelease> releases = new HashMap<>();
        List<Cell> out = new ArrayList<>(cells.size());
        for (Cell cell : cells) {
            Period period = Period.single(cell.period());
            DisclosureRelease release = releases.computeIfAbsent(window(indicator, period).label(),
                    w -> release(indicator, window(indicator, period)));
            Map<String, String> dimensions = new LinkedHashMap<>(cell.dimensions());
            if (query.office() != null) {
                dimensions.putIfAbsent(OFFICE, query.office());
            }
            Boolean hidden = release.suppressed(cell.period(), dimensions);
            // A cell the release does not know (it cannot happen by construction) is hidden.
            if (hidden == null || hidden) {
                out.add(cell.withSuppressed());
            } else {
                // The release's value, so that every table is a slice of the same figures even
                // if a commit landed between the two reads.
                out.add(new Cell(cell.period(), cell.dimensions(), release.value(cell.period(), dimensions), false));
            }
        }
        return out;
    }

    /**
     * The periods suppressed together with {@code period}: for additive measures (record counts,
     * sums, participant tallies) its year, with its quarters and months, since a year or quarter
     * is the sum of its parts; for distinct persons the period alone (see docs/ACCESS.md).
     */
    static Window window(Indicator indicator, Period period) {
        if (indicator.measure() == Measure.DISTINCT_SUBJECTS) {
            return new Window(period.label(), Map.of(period.label(), List.of()));
        }
        int year = period.start().getYear();
        Map<String, List<String>> periods = new LinkedHashMap<>();
        List<String> quarters = new ArrayList<>();
        for (int q = 1; q <= 4; q++) {
            List<String> months = new ArrayList<>();
            for (int m = q * 3 - 2; m <= q * 3; m++) {
                String month = YearMonth.of(year, m).toString();
                months.add(month);
                periods.put(month, List.of());
            }
            periods.put(year + "-Q" + q, months);
            quarters.add(year + "-Q" + q);
        }
        periods.put(Integer.toString(year), quarters);
        return new Window(Integer.toString(year), periods);
    }

    /** A window of periods suppressed together: each period with the periods that split it. */
    record Window(String label, Map<String, List<String>> periods) {
    }

    /** The release of {@code indicator} over {@code window}, from the cache while the figures are unchanged. */
    DisclosureRelease release(Indicator indicator, Window window) {
        List<String> dimensions = new ArrayList<>();
        dimensions.add(OFFICE);
        indicator.by().stream().filter(d -> !d.equals(OFFICE)).forEach(dimensions::add);
        List<Period> periods = window.periods().keySet().stream().map(Period::single).toList();
        Map<List<String>, Map<List<String>, Long>> figures = new HashMap<>();
        Map<String, List<String>> axes = new LinkedHashMap<>();
        for (String d : dimensions) {
            List<String> declared = d.equals(OFFICE) ? engine.offices(indicator) : engine.dimensionValues(indicator, d, null);
            axes.put(d, new ArrayList<>(declared));
        }
        for (int mask = 0; mask < 1 << dimensions.size(); mask++) {
            List<String> marginal = new ArrayList<>();
            for (int d = 0; d < dimensions.size(); d++) {
                if ((mask & 1 << d) != 0) {
                    marginal.add(dimensions.get(d));
                }
            }
            Map<List<String>, Long> values = new HashMap<>();
            for (Cell cell : evaluate(indicator, periods, marginal)) {
                List<String> key = new ArrayList<>();
                key.add(cell.period());
                for (String d : marginal) {
                    String v = cell.dimensions().get(d);
                    key.add(v);
                    if (!axes.get(d).contains(v)) {
                        axes.get(d).add(v); // found in the data but no longer declared
                    }
                }
                values.put(key, cell.value().longValue());
            }
            figures.put(marginal, values);
        }
        List<Object> key = List.of(indicator.code(), indicator.isSensitive(), window.label());
        synchronized (cache) {
            Cached cached = cache.get(key);
            if (cached != null && cached.figures.equals(figures)) {
                return cached.release;
            }
        }
        Set<String> byAllowed = new HashSet<>(indicator.by());
        DisclosureRelease release = new DisclosureRelease(dimensions, axes, window.periods(),
                marginal -> published(marginal, byAllowed), indicator.isSensitive(),
                (period, cell) -> {
                    List<String> k = new ArrayList<>();
                    k.add(period);
                    k.addAll(cell.values());
                    return figures.get(List.copyOf(cell.keySet())).getOrDefault(k, 0L);
                }, minCell);
        synchronized (cache) {
            cache.put(key, new Cached(figures, release));
        }
        return release;
    }

    /**
     * Whether a donor can ask for a marginal: up to two {@code by} dimensions, with or without
     * an {@code office} filter (itself a breakdown by office), so up to three with office.
     */
    private static boolean published(List<String> marginal, Set<String> byAllowed) {
        long others = marginal.stream().filter(d -> !d.equals(OFFICE)).count();
        return others <= 2 && marginal.stream().allMatch(d -> d.equals(OFFICE) || byAllowed.contains(d));
    }

    /** Every cell of a marginal over the periods; by office filters when the indicator has no {@code by} office. */
    private List<Cell> evaluate(Indicator indicator, List<Period> periods, List<String> marginal) {
        if (!marginal.contains(OFFICE) || indicator.by().contains(OFFICE)) {
            return engine.evaluate(new IndicatorQuery(indicator, periods, null, marginal));
        }
        List<String> rest = marginal.stream().filter(d -> !d.equals(OFFICE)).toList();
        List<Cell> cells = new ArrayList<>();
        for (String office : engine.offices(indicator)) {
            for (Cell cell : engine.evaluate(new IndicatorQuery(indicator, periods, office, rest))) {
                Map<String, String> dimensions = new LinkedHashMap<>();
                dimensions.put(OFFICE, office);
                dimensions.putAll(cell.dimensions());
                cells.add(new Cell(cell.period(), dimensions, cell.value(), false));
            }
        }
        return cells;
    }

    private record Cached(Map<List<String>, Map<List<String>, Long>> figures, DisclosureRelease release) {
    }

    private List<Cell> ratio(IndicatorQuery query, List<Cell> cells) {
        Set<List<String>> hidden = new HashSet<>();
        for (String part : List.of(query.indicator().numerator(), query.indicator().denominator())) {
            Indicator component = engine.indicator(part).orElseThrow(
                    () -> new IllegalStateException(query.indicator().code() + ": " + part + " is not live"));
            IndicatorQuery componentQuery = new IndicatorQuery(component, query.periods(), query.office(), query.by());
            for (Cell cell : forDonor(componentQuery, engine.evaluate(componentQuery))) {
                if (cell.suppressed()) {
                    hidden.add(key(cell));
                }
            }
        }
        return cells.stream().map(cell -> hidden.contains(key(cell)) ? cell.withSuppressed() : cell).toList();
    }

    private static List<String> key(Cell cell) {
        List<String> key = new ArrayList<>();
        key.add(cell.period());
        key.addAll(cell.dimensions().values());
        return key;
    }

    /**
     * The suppression pattern of one table of non-negative counts. Each row with two or more
     * cells and each column with two or more cells is a group with a known total.
     */
    public static boolean[][] suppress(long[][] values, int minCell) {
        int rows = values.length;
        int columns = rows == 0 ? 0 : values[0].length;
        boolean[][] suppressed = new boolean[rows][columns];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                suppressed[r][c] = values[r][c] >= 1 && values[r][c] < minCell;
            }
        }
        List<int[][]> groups = groups(rows, columns);
        while (true) {
            if (complementLoneCells(values, suppressed, groups)) {
                continue;
            }
            if (rows == 1) {
                // One group with its total known: two or more hidden cells, at least one of them
                // a small non-zero count, each range over [0, their sum] - never a single value.
                return suppressed;
            }
            int[] pinned = firstPinned(values, suppressed, groups, minCell);
            if (pinned == null) {
                return suppressed;
            }
            // Widen the pattern around the pinned cell: its row first, then its column.
            int[] extra = null;
            for (int[][] group : groups) {
                if (contains(group, pinned)) {
                    extra = complement(values, suppressed, group);
                    if (extra != null) {
                        break;
                    }
                }
            }
            if (extra == null) {
                return suppressed; // every cell around it is hidden already: nothing more can help
            }
            suppressed[extra[0]][extra[1]] = true;
        }
    }

    /** Rows and columns of two or more cells, each as a list of {row, column}. */
    static List<int[][]> groups(int rows, int columns) {
        List<int[][]> groups = new ArrayList<>();
        if (columns >= 2) {
            for (int r = 0; r < rows; r++) {
                int[][] group = new int[columns][];
                for (int c = 0; c < columns; c++) {
                    group[c] = new int[] {r, c};
                }
                groups.add(group);
            }
        }
        if (rows >= 2) {
            for (int c = 0; c < columns; c++) {
                int[][] group = new int[rows][];
                for (int r = 0; r < rows; r++) {
                    group[r] = new int[] {r, c};
                }
                groups.add(group);
            }
        }
        return groups;
    }

    private static boolean contains(int[][] group, int[] cell) {
        for (int[] member : group) {
            if (member[0] == cell[0] && member[1] == cell[1]) {
                return true;
            }
        }
        return false;
    }

    /** Suppresses a partner for every group with exactly one suppressed cell; whether any was added. */
    private static boolean complementLoneCells(long[][] values, boolean[][] suppressed, List<int[][]> groups) {
        boolean changed = false;
        for (int[][] group : groups) {
            int count = 0;
            for (int[] cell : group) {
                if (suppressed[cell[0]][cell[1]]) {
                    count++;
                }
            }
            if (count == 1) {
                int[] extra = complement(values, suppressed, group);
                if (extra != null) {
                    suppressed[extra[0]][extra[1]] = true;
                    changed = true;
                }
            }
        }
        return changed;
    }

    /**
     * The smallest visible non-zero cell of a group, else its first visible zero cell, else null.
     * A zero in a row or column that totals zero is never chosen: every one of its cells is
     * known to be zero, so hiding it would protect nothing.
     */
    private static int[] complement(long[][] values, boolean[][] suppressed, int[][] group) {
        int[] best = null;
        int[] zero = null;
        for (int[] cell : group) {
            if (suppressed[cell[0]][cell[1]]) {
                continue;
            }
            long v = values[cell[0]][cell[1]];
            if (v == 0) {
                if (zero == null && !inZeroLine(values, cell)) {
                    zero = cell;
                }
            } else if (best == null || v < values[best[0]][best[1]]) {
                best = cell;
            }
        }
        return best != null ? best : zero;
    }

    private static boolean inZeroLine(long[][] values, int[] cell) {
        long row = 0;
        long column = 0;
        for (long v : values[cell[0]]) {
            row += v;
        }
        for (long[] r : values) {
            column += r[cell[1]];
        }
        // A single row is one group (its columns are single cells, not groups).
        return values.length > 1 && (row == 0 || column == 0);
    }

    /**
     * The first suppressed cell whose value an attacker could work out exactly from the group
     * totals, the visible cells and non-negativity, or null when there is none.
     */
    private static int[] firstPinned(long[][] values, boolean[][] suppressed, List<int[][]> groups, int minCell) {
        List<int[]> hidden = new ArrayList<>();
        for (int r = 0; r < values.length; r++) {
            for (int c = 0; c < values[r].length; c++) {
                if (suppressed[r][c]) {
                    hidden.add(new int[] {r, c});
                }
            }
        }
        if (hidden.isEmpty()) {
            return null;
        }
        // What an attacker knows: the period total, and every row or column total that the
        // table broken down by that dimension alone shows (it is suppressed there by the same rule).
        int rows = values.length;
        int columns = values[0].length;
        List<int[][]> known = new ArrayList<>();
        int[][] all = new int[rows * columns][];
        for (int r = 0, i = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                all[i++] = new int[] {r, c};
            }
        }
        known.add(all);
        if (rows > 1) {
            long[] rowTotals = new long[rows];
            long[] columnTotals = new long[columns];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < columns; c++) {
                    rowTotals[r] += values[r][c];
                    columnTotals[c] += values[r][c];
                }
            }
            boolean[] rowHidden = suppress(new long[][] {rowTotals}, minCell)[0];
            boolean[] columnHidden = suppress(new long[][] {columnTotals}, minCell)[0];
            for (int[][] group : groups) {
                boolean isRow = group.length == columns && group[0][0] == group[group.length - 1][0];
                boolean hiddenTotal = isRow ? rowHidden[group[0][0]] : columnHidden[group[0][1]];
                if (!hiddenTotal) {
                    known.add(group);
                }
            }
        }
        List<LinearConstraint> constraints = new ArrayList<>();
        for (int[][] group : known) {
            double[] coefficients = new double[hidden.size()];
            double rest = 0;
            boolean any = false;
            for (int[] cell : group) {
                int h = indexOf(hidden, cell);
                if (h >= 0) {
                    coefficients[h] = 1;
                    any = true;
                }
                rest += suppressed[cell[0]][cell[1]] ? values[cell[0]][cell[1]] : 0;
            }
            if (any) {
                constraints.add(new LinearConstraint(coefficients, Relationship.EQ, rest));
            }
        }
        for (int h = 0; h < hidden.size(); h++) {
            double low = optimum(h, constraints, GoalType.MINIMIZE);
            double high = optimum(h, constraints, GoalType.MAXIMIZE);
            if (high - low < PINNED) {
                return hidden.get(h);
            }
        }
        return null;
    }

    private static int indexOf(List<int[]> cells, int[] cell) {
        for (int i = 0; i < cells.size(); i++) {
            if (cells.get(i)[0] == cell[0] && cells.get(i)[1] == cell[1]) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The smallest or largest value of variable {@code target}. Commons Math 3.6.1's simplex
     * can stop early when the variable to optimise is not the first column and its phase 1
     * ends on a degenerate basis (it then reports too narrow a range, which only ever
     * over-suppresses); putting the target first avoids that.
     */
    static double optimum(int target, List<LinearConstraint> constraints, GoalType goal) {
        List<LinearConstraint> permuted = new ArrayList<>();
        for (LinearConstraint constraint : constraints) {
            double[] coefficients = constraint.getCoefficients().toArray();
            double first = coefficients[0];
            coefficients[0] = coefficients[target];
            coefficients[target] = first;
            permuted.add(new LinearConstraint(coefficients, constraint.getRelationship(), constraint.getValue()));
        }
        double[] objective = new double[constraints.get(0).getCoefficients().getDimension()];
        objective[0] = 1;
        PointValuePair solution = new SimplexSolver().optimize(new MaxIter(10_000),
                new LinearObjectiveFunction(objective, 0), new LinearConstraintSet(permuted), goal,
                new NonNegativeConstraint(true));
        return solution.getValue();
    }
}
