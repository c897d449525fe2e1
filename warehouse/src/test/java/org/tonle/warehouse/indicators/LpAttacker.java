package org.tonle.warehouse.indicators;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.commons.math3.exception.TooManyIterationsException;
import org.apache.commons.math3.optim.MaxIter;
import org.apache.commons.math3.optim.linear.LinearConstraint;
import org.apache.commons.math3.optim.linear.LinearConstraintSet;
import org.apache.commons.math3.optim.linear.LinearObjectiveFunction;
import org.apache.commons.math3.optim.linear.NonNegativeConstraint;
import org.apache.commons.math3.optim.linear.Relationship;
import org.apache.commons.math3.optim.linear.SimplexSolver;
import org.apache.commons.math3.optim.linear.UnboundedSolutionException;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;

/**
 * The attacker of DESIGN.md sections 6 and 9.2, written apart from the production code: it
 * sees every table a donor may ask for in a window of periods (each marginal with up to two
 * dimensions besides office, with or without office), knows every relation that holds between
 * cells (a cell and the cells that split it by one more dimension or into its months or
 * quarters: equal to their sum, or — for sets of persons — each part at most the whole and the
 * whole at most or at least the sum), and counts are non-negative. For each suppressed cell it
 * minimises and maximises the cell by linear programming (integrality relaxed).
 *
 * <p><b>Pinned</b>: the attacker can bound a suppressed cell inside 1..minCell-1, i.e. its
 * smallest feasible value is above 0 and its largest below minCell (an exact value from 1 to
 * minCell-1 is the special case min = max). A cell whose range includes 0 or reaches minCell
 * could be empty or not small: nothing about a small group is learnt.
 */
public final class LpAttacker {

    /** A cell of a marginal in a period: its key, true value and whether the donor sees it. */
    public record Node(String period, int mask, List<String> values, long value, boolean published, boolean suppressed) {
    }

    public record Result(int attacked, int pinned, List<String> pinnedCells) {
    }

    private LpAttacker() {
    }

    /**
     * @param nodes    every cell of every marginal (mask over the dimensions) of every period of the window
     * @param axes     the values of each dimension, by dimension index
     * @param periods  each period of the window with the periods that split it
     */
    public static Result attack(List<Node> nodes, List<List<String>> axes, Map<String, List<String>> periods, int minCell) {
        Result additive = additive(nodes, axes, periods, minCell);
        return additive != null ? additive : general(nodes, axes, periods, minCell);
    }

    /**
     * When every cell is the sum of the finest cells (all dimensions, months) below it, the
     * textbook attacker: the unknowns are those finest cells, each visible cell is an equation,
     * and each suppressed cell the sum to minimise and maximise. Null when the data are not additive.
     */
    private static Result additive(List<Node> nodes, List<List<String>> axes, Map<String, List<String>> periods, int minCell) {
        int full = (1 << axes.size()) - 1;
        List<Node> finest = nodes.stream().filter(n -> n.mask() == full && periods.get(n.period()).isEmpty()).toList();
        Map<Node, List<Integer>> below = new HashMap<>();
        for (Node n : nodes) {
            List<String> months = periods.get(n.period()).isEmpty() ? List.of(n.period()) : new ArrayList<>();
            if (months.isEmpty()) {
                for (String part : periods.get(n.period())) {
                    months.addAll(periods.get(part).isEmpty() ? List.of(part) : periods.get(part));
                }
            }
            List<Integer> cells = new ArrayList<>();
            long sum = 0;
            for (int f = 0; f < finest.size(); f++) {
                Node x = finest.get(f);
                if (months.contains(x.period()) && covers(n, x, axes.size())) {
                    cells.add(f);
                    sum += x.value();
                }
            }
            if (sum != n.value()) {
                return null;
            }
            below.put(n, cells);
        }
        // Fine cells under a visible zero are zero, visible fine cells are known: neither is an unknown.
        Map<Integer, Long> known = new HashMap<>();
        for (Node n : nodes) {
            if (n.published() && !n.suppressed() && n.value() == 0) {
                below.get(n).forEach(f -> known.put(f, 0L));
            }
        }
        for (int f = 0; f < finest.size(); f++) {
            if (finest.get(f).published() && !finest.get(f).suppressed()) {
                known.put(f, finest.get(f).value());
            }
        }
        Map<Integer, Integer> column = new HashMap<>();
        for (int f = 0; f < finest.size(); f++) {
            if (!known.containsKey(f)) {
                column.put(f, column.size() + 1); // column 0: the cell attacked
            }
        }
        int width = column.size() + 1;
        List<LinearConstraint> equations = new ArrayList<>();
        for (Node n : nodes) {
            if (n.published() && !n.suppressed()) {
                double[] a = new double[width];
                double right = n.value();
                boolean any = false;
                for (int f : below.get(n)) {
                    if (known.containsKey(f)) {
                        right -= known.get(f);
                    } else {
                        a[column.get(f)] = 1;
                        any = true;
                    }
                }
                if (any) {
                    equations.add(new LinearConstraint(a, Relationship.EQ, right));
                }
            }
        }
        int attacked = 0;
        List<String> pinned = new ArrayList<>();
        for (Node n : nodes) {
            if (!n.suppressed()) {
                continue;
            }
            attacked++;
            List<LinearConstraint> constraints = new ArrayList<>(equations);
            double[] a = new double[width];
            a[0] = 1;
            double right = 0;
            for (int f : below.get(n)) {
                if (known.containsKey(f)) {
                    right += known.get(f);
                } else {
                    a[column.get(f)] = -1;
                }
            }
            constraints.add(new LinearConstraint(a, Relationship.EQ, right));
            check(n, solve(0, constraints, GoalType.MINIMIZE), solve(0, constraints, GoalType.MAXIMIZE), minCell, pinned);
        }
        return new Result(attacked, pinned.size(), pinned);
    }

    private static boolean covers(Node coarse, Node fine, int dimensions) {
        for (int d = 0, i = 0; d < dimensions; d++) {
            if ((coarse.mask() & 1 << d) != 0) {
                if (!coarse.values().get(i++).equals(fine.values().get(d))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void check(Node n, double low, double high, int minCell, List<String> pinned) {
        if (n.value() < low - 1e-6 || n.value() > high + 1e-6) {
            throw new AssertionError("the attacker's model excludes the true value of " + n + ": [" + low + ", " + high + "]");
        }
        if (low > 1e-6 && high < minCell - 1e-6) {
            pinned.add(n + " in [" + low + ", " + high + "]");
        }
    }

    /** Any data: every cell an unknown or a constant, and every relation as it holds. */
    private static Result general(List<Node> nodes, List<List<String>> axes, Map<String, List<String>> periods, int minCell) {
        Map<List<Object>, Integer> index = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            index.put(List.of(n.period(), n.mask(), n.values()), i);
        }
        // Unknowns: everything the donor does not see.
        Map<Integer, Integer> variable = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (!nodes.get(i).published() || nodes.get(i).suppressed()) {
                variable.put(i, variable.size());
            }
        }
        int width = variable.size();
        List<LinearConstraint> constraints = new ArrayList<>();
        for (Node n : nodes) {
            int parent = index.get(List.of(n.period(), n.mask(), n.values()));
            for (int d = 0; d < axes.size(); d++) {
                if ((n.mask() & 1 << d) != 0) {
                    continue;
                }
                List<Integer> parts = new ArrayList<>();
                for (String v : axes.get(d)) {
                    parts.add(index.get(List.of(n.period(), n.mask() | 1 << d, with(n.mask(), n.values(), d, v))));
                }
                relation(nodes, variable, width, parent, parts, constraints);
            }
            List<String> split = periods.get(n.period());
            if (!split.isEmpty()) {
                List<Integer> parts = split.stream().map(p -> index.get(List.of(p, n.mask(), n.values()))).toList();
                relation(nodes, variable, width, parent, parts, constraints);
            }
        }
        // A sum of non-negative unknowns that is at most 0 makes each of them 0: the attacker
        // knows, and the programmes shrink. Then each cell is solved with the constraints linked to it.
        Set<Integer> zero = new HashSet<>();
        for (boolean changed = true; changed; ) {
            changed = false;
            for (LinearConstraint c : constraints) {
                if (c.getRelationship() == Relationship.GEQ || c.getValue() > 1e-9) {
                    continue;
                }
                double[] a = c.getCoefficients().toArray();
                boolean positive = true;
                boolean any = false;
                for (int i = 0; i < a.length; i++) {
                    if (a[i] != 0 && !zero.contains(i)) {
                        any = true;
                        positive &= a[i] > 0;
                    }
                }
                if (any && positive) {
                    for (int i = 0; i < a.length; i++) {
                        if (a[i] != 0) {
                            changed |= zero.add(i);
                        }
                    }
                }
            }
        }
        int attacked = 0;
        List<String> pinned = new ArrayList<>();
        for (Map.Entry<Integer, Integer> v : variable.entrySet()) {
            Node n = nodes.get(v.getKey());
            if (!n.suppressed()) {
                continue;
            }
            attacked++;
            if (zero.contains(v.getValue())) {
                if (n.value() != 0) {
                    throw new AssertionError("the attacker's model says 0 for " + n);
                }
                continue;
            }
            List<LinearConstraint> linked = linked(v.getValue(), constraints, zero);
            double high = linked.isEmpty() ? Double.POSITIVE_INFINITY : solve(0, linked, GoalType.MAXIMIZE);
            double low = linked.isEmpty() ? 0 : solve(0, linked, GoalType.MINIMIZE);
            check(n, low, high, minCell, pinned);
        }
        return new Result(attacked, pinned.size(), pinned);
    }

    private static List<String> with(int mask, List<String> values, int d, String v) {
        List<String> result = new ArrayList<>(values);
        result.add(Integer.bitCount(mask & ((1 << d) - 1)), v);
        return result;
    }

    private static void relation(List<Node> nodes, Map<Integer, Integer> variable, int width, int parent, List<Integer> parts,
                                 List<LinearConstraint> out) {
        long sum = parts.stream().mapToLong(p -> nodes.get(p).value()).sum();
        long whole = nodes.get(parent).value();
        Relationship kind = whole == sum ? Relationship.EQ : whole < sum ? Relationship.LEQ : Relationship.GEQ;
        Map<Integer, Double> terms = new HashMap<>();
        terms.merge(parent, 1.0, Double::sum);
        parts.forEach(p -> terms.merge(p, -1.0, Double::sum));
        constraint(nodes, variable, width, terms, kind, out);
        if (kind != Relationship.EQ) {
            for (int p : parts) {
                constraint(nodes, variable, width, Map.of(p, 1.0, parent, -1.0), Relationship.LEQ, out);
            }
        }
    }

    private static void constraint(List<Node> nodes, Map<Integer, Integer> variable, int width, Map<Integer, Double> terms,
                                   Relationship kind, List<LinearConstraint> out) {
        double[] coefficients = new double[width];
        double right = 0;
        boolean any = false;
        for (Map.Entry<Integer, Double> t : terms.entrySet()) {
            Integer v = variable.get(t.getKey());
            if (v == null) {
                right -= t.getValue() * nodes.get(t.getKey()).value();
            } else {
                coefficients[v] += t.getValue();
                any = true;
            }
        }
        if (any) {
            out.add(new LinearConstraint(coefficients, kind, right));
        }
    }

    /** The constraints sharing unknowns with {@code target}, transitively, over those unknowns only, target first. */
    private static List<LinearConstraint> linked(int target, List<LinearConstraint> constraints, Set<Integer> zero) {
        List<double[]> rows = new ArrayList<>();
        for (LinearConstraint c : constraints) {
            rows.add(c.getCoefficients().toArray());
        }
        Set<Integer> variables = new LinkedHashSet<>(List.of(target));
        BitSet used = new BitSet();
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int r = 0; r < rows.size(); r++) {
                if (used.get(r)) {
                    continue;
                }
                double[] a = rows.get(r);
                boolean touches = false;
                for (int v : variables) {
                    touches |= a[v] != 0;
                }
                if (touches) {
                    used.set(r);
                    changed = true;
                    for (int i = 0; i < a.length; i++) {
                        if (a[i] != 0 && !zero.contains(i)) {
                            variables.add(i);
                        }
                    }
                }
            }
        }
        List<Integer> order = new ArrayList<>(variables);
        List<LinearConstraint> result = new ArrayList<>();
        for (int r = used.nextSetBit(0); r >= 0; r = used.nextSetBit(r + 1)) {
            double[] a = rows.get(r);
            double[] b = new double[order.size()];
            for (int i = 0; i < order.size(); i++) {
                b[i] = a[order.get(i)];
            }
            result.add(new LinearConstraint(b, constraints.get(r).getRelationship(), constraints.get(r).getValue()));
        }
        return result;
    }

    /** Min or max of the first variable. */
    private static double solve(int target, List<LinearConstraint> constraints, GoalType goal) {
        int width = constraints.get(0).getCoefficients().getDimension();
        List<LinearConstraint> permuted = new ArrayList<>();
        for (LinearConstraint constraint : constraints) {
            double[] c = constraint.getCoefficients().toArray();
            double first = c[0];
            c[0] = c[target];
            c[target] = first;
            permuted.add(new LinearConstraint(c, constraint.getRelationship(), constraint.getValue()));
        }
        double[] objective = new double[width];
        objective[0] = 1;
        try {
            return new SimplexSolver(1e-9, 10, 1e-12).optimize(new MaxIter(1_000_000), new LinearObjectiveFunction(objective, 0),
                    new LinearConstraintSet(permuted), goal, new NonNegativeConstraint(true)).getValue();
        } catch (UnboundedSolutionException e) {
            return goal == GoalType.MAXIMIZE ? Double.POSITIVE_INFINITY : 0;
        } catch (TooManyIterationsException e) {
            throw new AssertionError("the attacker's programme did not finish", e);
        }
    }

    /**
     * Cells the earlier rule hid, each table suppressed on its own ({@link DisclosureControl#suppress}):
     * one dimension as a row, two as rows by columns, an office filter with two more as that
     * office's cross-tab (dimension 0 is office). Totals are not counted.
     */
    public static long perTableHidden(List<List<String>> windowAxes, Collection<String> periods, List<Node> nodes,
                                      int minCell) {
        long hidden = 0;
        int n = windowAxes.size();
        for (String period : periods) {
            for (int mask = 1; mask < 1 << n; mask++) {
                List<Integer> dims = new ArrayList<>();
                for (int d = 0; d < n; d++) {
                    if ((mask & 1 << d) != 0) {
                        dims.add(d);
                    }
                }
                if (dims.size() > 3 || (dims.size() == 3 && dims.get(0) != 0)) {
                    continue;
                }
                int m = mask;
                Map<List<String>, Long> values = new HashMap<>();
                nodes.stream().filter(x -> x.period().equals(period) && x.mask() == m).forEach(x -> values.put(x.values(), x.value()));
                List<List<String>> layers = dims.size() == 3 ? windowAxes.get(0).stream().map(List::of).toList() : List.of(List.of());
                List<String> rows = dims.size() == 1 ? List.of("") : windowAxes.get(dims.get(dims.size() - 2));
                List<String> columns = windowAxes.get(dims.get(dims.size() - 1));
                for (List<String> layer : layers) {
                    long[][] table = new long[rows.size()][columns.size()];
                    for (int r = 0; r < rows.size(); r++) {
                        for (int c = 0; c < columns.size(); c++) {
                            List<String> key = new ArrayList<>(layer);
                            if (dims.size() > 1) {
                                key.add(rows.get(r));
                            }
                            key.add(columns.get(c));
                            table[r][c] = values.get(key);
                        }
                    }
                    for (boolean[] row : DisclosureControl.suppress(table, minCell)) {
                        for (boolean s : row) {
                            hidden += s ? 1 : 0;
                        }
                    }
                }
            }
        }
        return hidden;
    }

}
