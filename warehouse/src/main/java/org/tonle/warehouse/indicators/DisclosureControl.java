package org.tonle.warehouse.indicators;

import java.util.ArrayList;
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
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Measure;

/**
 * Small-cell suppression for donors (DESIGN.md section 6).
 *
 * <p>A table is one period of an indicator's answer: a single row of cells for one {@code by}
 * dimension, rows by columns for a cross-tab. Cells counting persons from 1 to
 * {@code minCell - 1} are suppressed when the table is a breakdown (a {@code by} or an
 * {@code office} filter), or always when the indicator is {@code sensitive}. Every row and
 * every column is a group that shares a published total; a group never keeps exactly one
 * suppressed cell (its value would be the total minus the visible cells), so the next smallest
 * non-zero cell, or failing that a zero cell, is suppressed with it.
 *
 * <p>That rule alone can still leave a value determined in a cross-tab (a suppressed cell that
 * links two otherwise closed patterns, or zeros that pin a cycle). So every pattern is then
 * audited as an attacker would: with the row and column totals, the visible cells and
 * non-negativity, a linear programme computes the smallest and largest value each suppressed
 * cell could take; while one is pinned to a single value, a further cell of its row or column
 * is suppressed.
 *
 * <p>Ratio cells are suppressed when their numerator or denominator cell is suppressed for the
 * same query (DESIGN.md section 3).
 */
public final class DisclosureControl {

    private static final double PINNED = 0.5;
    private static final String OFFICE = org.tonle.core.Dimensions.OFFICE;

    private final IndicatorEngine engine;
    private final int minCell;

    /**
     * @param engine  evaluates a ratio's numerator and denominator; may be null where no ratio is asked
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
        if (query.office() != null && engine != null && indicator.by().contains(OFFICE)
                && (query.by().size() < 2 || query.by().contains(OFFICE))) {
            return asRowOfOfficeTable(query, cells);
        }
        List<Cell> out = new ArrayList<>(cells);
        for (List<Integer> table : tables(cells).values()) {
            suppressTable(query.by(), table, out);
        }
        return out;
    }

    /**
     * An {@code office} filter is a breakdown by office seen one row at a time. Its cells are
     * hidden exactly as in that office's row of the table broken down by office (and the other
     * dimension), so that asking office by office never shows a cell the whole table hides.
     */
    private List<Cell> asRowOfOfficeTable(IndicatorQuery query, List<Cell> cells) {
        List<String> by = new ArrayList<>(query.by());
        boolean officeShown = by.contains(OFFICE);
        if (!officeShown) {
            by.add(0, OFFICE);
        }
        IndicatorQuery whole = new IndicatorQuery(query.indicator(), query.periods(), null, by);
        Set<List<String>> hidden = new HashSet<>();
        for (Cell cell : forDonor(whole, engine.evaluate(whole))) {
            if (cell.suppressed() && query.office().equals(cell.dimensions().get(OFFICE))) {
                Map<String, String> rest = new LinkedHashMap<>(cell.dimensions());
                if (!officeShown) {
                    rest.remove(OFFICE);
                }
                hidden.add(key(new Cell(cell.period(), rest, null, true)));
            }
        }
        return cells.stream().map(cell -> hidden.contains(key(cell)) ? cell.withSuppressed() : cell).toList();
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

    /** Indexes of the cells of each period. */
    private static Map<String, List<Integer>> tables(List<Cell> cells) {
        Map<String, List<Integer>> tables = new LinkedHashMap<>();
        for (int i = 0; i < cells.size(); i++) {
            tables.computeIfAbsent(cells.get(i).period(), p -> new ArrayList<>()).add(i);
        }
        return tables;
    }

    /** Lays one period's cells out as rows (first dimension of a cross-tab) by columns and suppresses. */
    private void suppressTable(List<String> by, List<Integer> indexes, List<Cell> out) {
        List<String> rowValues = new ArrayList<>();
        List<String> columnValues = new ArrayList<>();
        for (int i : indexes) {
            Cell cell = out.get(i);
            String row = by.size() == 2 ? cell.dimensions().get(by.get(0)) : "";
            String column = by.isEmpty() ? "" : cell.dimensions().get(by.get(by.size() - 1));
            if (!rowValues.contains(row)) {
                rowValues.add(row);
            }
            if (!columnValues.contains(column)) {
                columnValues.add(column);
            }
        }
        long[][] values = new long[rowValues.size()][columnValues.size()];
        int[][] position = new int[rowValues.size()][columnValues.size()];
        for (int[] row : position) {
            java.util.Arrays.fill(row, -1);
        }
        for (int i : indexes) {
            Cell cell = out.get(i);
            int r = rowValues.indexOf(by.size() == 2 ? cell.dimensions().get(by.get(0)) : "");
            int c = columnValues.indexOf(by.isEmpty() ? "" : cell.dimensions().get(by.get(by.size() - 1)));
            values[r][c] = cell.value() == null ? 0 : cell.value().longValue();
            position[r][c] = i;
        }
        boolean[][] suppressed = suppress(values, minCell);
        for (int r = 0; r < values.length; r++) {
            for (int c = 0; c < values[r].length; c++) {
                if (suppressed[r][c] && position[r][c] >= 0) {
                    out.set(position[r][c], out.get(position[r][c]).withSuppressed());
                }
            }
        }
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
