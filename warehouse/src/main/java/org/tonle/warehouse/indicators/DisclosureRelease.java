package org.tonle.warehouse.indicators;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.apache.commons.math3.exception.TooManyIterationsException;
import org.apache.commons.math3.optim.linear.LinearConstraint;
import org.apache.commons.math3.optim.linear.NoFeasibleSolutionException;
import org.apache.commons.math3.optim.linear.Relationship;
import org.apache.commons.math3.optim.linear.UnboundedSolutionException;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;

/**
 * One consistent suppressed release of an indicator for donors (DESIGN.md sections 6 and 9.2):
 * every marginal of the table of its dimensions (office and every {@code by} it allows), for
 * every period of a window, with one suppression pattern for all of them. Each donor table is a
 * slice of it, so no two tables can be set against each other.
 *
 * <p>The release is a set of nodes, one per cell of every marginal (subset of the dimensions)
 * and period, and of relations "a cell against the cells that split it": a cell against its
 * cells by one more dimension, and a quarter or year against its quarters or months. Marginals
 * a donor can ask for are <em>published</em>; the others (the full table of four dimensions, a
 * triple without office) are unknowns to an attacker, but real relations between the published
 * ones run through them.
 *
 * <p>Each relation is given to the attacker as it holds in the data, which is the most an
 * attacker who knows the code could assume: an equality when the cell is the sum of its parts
 * (counts of records and tallies, and persons when nobody falls in two parts), otherwise the
 * inequalities that hold for sets of persons: no part exceeds the whole, and the whole is at
 * most (a person in two parts) or at least (a person in no part, e.g. no role) the sum.
 *
 * <p>Suppression: primary (published protected cells from 1 to {@code minCell - 1}), then the
 * row-and-column rule on every equality among published cells, then an audit by linear
 * programming of every primary cell against the whole system: while one can be bounded into
 * 1..{@code minCell - 1} (its smallest possible value is above 0 and its largest below
 * {@code minCell}), the smallest visible cell beside it is suppressed too. Suppressing a cell only
 * ever widens every other cell's range, so a cell found safe stays safe.
 */
public final class DisclosureRelease {

    private static final double EPS = 1e-6;
    /** Complementary cells × primary cells above which {@link #giveBack} is skipped. */
    private static final long GIVE_BACK_BUDGET = 40_000;

    /** A relation between a node and the nodes that split it. */
    private record Relation(int parent, int[] children, Kind kind) {
    }

    private enum Kind { EQUAL, OVERLAP, MISSING }

    private final List<String> dimensions;
    private final Map<String, List<String>> axes;
    private final int minCell;
    private final Map<List<String>, Integer> index = new HashMap<>();
    private final List<List<String>> keys = new ArrayList<>();
    private long[] value = new long[64];
    private final BitSet published = new BitSet();
    private final BitSet protect = new BitSet();
    private final BitSet suppressed = new BitSet();
    private final List<Relation> relations = new ArrayList<>();
    private final List<List<Integer>> relationsOf = new ArrayList<>();
    private int primary;
    private int unprotected;
    private int givenBack;

    /** What a release is built from: the true value of a cell of a marginal in a period. */
    public interface Values {
        /**
         * @param period    a period label
         * @param dimensions the cell's value of each dimension of the marginal (possibly none)
         */
        long value(String period, Map<String, String> dimensions);
    }

    /**
     * @param dimensions  the dimensions, office included
     * @param axes        every value of each dimension
     * @param periods     the periods of the window, each with the periods that split it (none for a month)
     * @param published   whether a donor can ask for a marginal (a subset of {@code dimensions})
     * @param protectTotals whether the totals (no dimension) are protected too (sensitive indicators)
     */
    public DisclosureRelease(List<String> dimensions, Map<String, List<String>> axes, Map<String, List<String>> periods,
                             Predicate<List<String>> published, boolean protectTotals, Values values,
                             int minCell) {
        this.dimensions = List.copyOf(dimensions);
        this.axes = axes;
        this.minCell = minCell;
        int n = dimensions.size();
        for (String period : periods.keySet()) {
            for (int mask = 0; mask < 1 << n; mask++) {
                List<String> marginal = marginal(mask);
                boolean isPublished = published.test(marginal);
                boolean isProtected = isPublished && (mask != 0 || protectTotals);
                for (List<String> combination : combinations(marginal)) {
                    Map<String, String> cell = new LinkedHashMap<>();
                    for (int i = 0; i < marginal.size(); i++) {
                        cell.put(marginal.get(i), combination.get(i));
                    }
                    node(period, mask, combination, values.value(period, cell), isPublished, isProtected);
                }
            }
        }
        for (Map.Entry<String, List<String>> period : periods.entrySet()) {
            for (int mask = 0; mask < 1 << n; mask++) {
                for (List<String> combination : combinations(marginal(mask))) {
                    int parent = find(period.getKey(), mask, combination);
                    for (int d = 0; d < n; d++) {
                        if ((mask & 1 << d) != 0) {
                            continue;
                        }
                        int finer = mask | 1 << d;
                        List<String> axis = axes.get(dimensions.get(d));
                        int[] children = new int[axis.size()];
                        for (int w = 0; w < axis.size(); w++) {
                            children[w] = find(period.getKey(), finer, insert(mask, combination, d, axis.get(w)));
                        }
                        relate(parent, children);
                    }
                    if (!period.getValue().isEmpty()) {
                        int m = mask;
                        int[] parts = period.getValue().stream().mapToInt(p -> find(p, m, combination)).toArray();
                        relate(parent, parts);
                    }
                }
            }
        }
        // A breakdown by dimensions that have one value each (the only office running a
        // programme, the one role an indicator's where keeps) is the total under another name:
        // protected exactly when the total is.
        for (int node = 0; node < keys.size(); node++) {
            boolean sameAsTotal = true;
            for (String d : marginal(Integer.parseInt(keys.get(node).get(1)))) {
                sameAsTotal &= axes.get(d).size() == 1;
            }
            if (sameAsTotal && !protectTotals) {
                protect.clear(node);
            }
        }
        suppress();
    }

    /**
     * Whether the cell is suppressed; null when the release has no such cell.
     *
     * @param dimensions the cell's value of each dimension of its marginal
     */
    public Boolean suppressed(String period, Map<String, String> dimensions) {
        Integer node = lookup(period, dimensions);
        return node == null ? null : suppressed.get(node);
    }

    /** The true value of a cell of the release; null when the release has no such cell. */
    public Long value(String period, Map<String, String> dimensions) {
        Integer node = lookup(period, dimensions);
        return node == null ? null : value[node];
    }

    /** Cells a donor can ask for. */
    public int publishedCells() {
        return published.cardinality();
    }

    /** Published cells hidden. */
    public int hiddenCells() {
        return suppressed.cardinality();
    }

    /** Cells from 1 to {@code minCell - 1} hidden by primary suppression. */
    public int primaryCells() {
        return primary;
    }

    /** Complementary cells shown again because the pattern did not need them. */
    public int givenBackCells() {
        return givenBack;
    }

    /** Primary cells the audit could not protect (0 unless every neighbour is hidden already). */
    public int unprotectedCells() {
        return unprotected;
    }

    private Integer lookup(String period, Map<String, String> cell) {
        int mask = 0;
        for (String d : cell.keySet()) {
            int i = dimensions.indexOf(d);
            if (i < 0) {
                return null;
            }
            mask |= 1 << i;
        }
        List<String> key = new ArrayList<>();
        key.add(period);
        key.add(Integer.toString(mask));
        for (String d : marginal(mask)) {
            key.add(cell.get(d));
        }
        return index.get(key);
    }

    private List<String> marginal(int mask) {
        List<String> marginal = new ArrayList<>();
        for (int d = 0; d < dimensions.size(); d++) {
            if ((mask & 1 << d) != 0) {
                marginal.add(dimensions.get(d));
            }
        }
        return marginal;
    }

    private List<String> insert(int mask, List<String> combination, int dimension, String v) {
        List<String> result = new ArrayList<>(combination.size() + 1);
        int at = 0;
        for (int d = 0; d < dimension; d++) {
            if ((mask & 1 << d) != 0) {
                at++;
            }
        }
        result.addAll(combination.subList(0, at));
        result.add(v);
        result.addAll(combination.subList(at, combination.size()));
        return result;
    }

    private List<List<String>> combinations(List<String> marginal) {
        List<List<String>> result = new ArrayList<>();
        result.add(List.of());
        for (String d : marginal) {
            List<List<String>> next = new ArrayList<>();
            for (List<String> prefix : result) {
                for (String v : axes.get(d)) {
                    List<String> c = new ArrayList<>(prefix);
                    c.add(v);
                    next.add(c);
                }
            }
            result = next;
        }
        return result;
    }

    private void node(String period, int mask, List<String> combination, long v, boolean isPublished, boolean isProtected) {
        int i = keys.size();
        List<String> key = new ArrayList<>();
        key.add(period);
        key.add(Integer.toString(mask));
        key.addAll(combination);
        keys.add(key);
        index.put(key, i);
        if (i == value.length) {
            value = Arrays.copyOf(value, i * 2);
        }
        value[i] = v;
        published.set(i, isPublished);
        protect.set(i, isProtected);
        relationsOf.add(new ArrayList<>(2));
    }

    private int find(String period, int mask, List<String> combination) {
        List<String> key = new ArrayList<>();
        key.add(period);
        key.add(Integer.toString(mask));
        key.addAll(combination);
        return index.get(key);
    }

    private void relate(int parent, int[] children) {
        long sum = 0;
        for (int c : children) {
            sum += value[c];
        }
        Kind kind = value[parent] == sum ? Kind.EQUAL : value[parent] < sum ? Kind.OVERLAP : Kind.MISSING;
        int r = relations.size();
        relations.add(new Relation(parent, children, kind));
        relationsOf.get(parent).add(r);
        for (int c : children) {
            relationsOf.get(c).add(r);
        }
    }

    // ---- suppression ----

    private boolean small(int node) {
        return value[node] >= 1 && value[node] < minCell;
    }

    private void suppress() {
        List<Integer> primaries = new ArrayList<>();
        for (int i = protect.nextSetBit(0); i >= 0; i = protect.nextSetBit(i + 1)) {
            if (small(i)) {
                suppressed.set(i);
                primaries.add(i);
            }
        }
        primary = primaries.size();
        if (primaries.isEmpty()) {
            return;
        }
        loneCells();
        BitSet zero = knownZero();
        Expressions system = new Expressions(zero);
        for (int target : primaries) {
            while (pinned(target, zero, system)) {
                int extra = complement(target, zero);
                if (extra < 0) {
                    unprotected++;
                    break;
                }
                suppressed.set(extra);
                zero = knownZero();
                system = new Expressions(zero);
            }
        }
        giveBack(primaries);
    }

    /**
     * Shows again each complementary cell, largest first, that the pattern does not need: the
     * rules above add cells one at a time and an early one can become redundant once later ones
     * are hidden. A cell is given back when, without it, no primary cell is pinned.
     */
    private void giveBack(List<Integer> primaries) {
        List<Integer> complements = new ArrayList<>();
        for (int i = suppressed.nextSetBit(0); i >= 0; i = suppressed.nextSetBit(i + 1)) {
            if (!small(i)) {
                complements.add(i);
            }
        }
        if ((long) complements.size() * primaries.size() > GIVE_BACK_BUDGET) {
            return; // a very large release keeps the pattern as it is rather than take seconds
        }
        complements.sort((a, b) -> Long.compare(value[b], value[a]));
        for (int cell : complements) {
            suppressed.clear(cell);
            BitSet zero = knownZero();
            Expressions system = new Expressions(zero);
            for (int target : primaries) {
                if (pinned(target, zero, system)) {
                    suppressed.set(cell);
                    break;
                }
            }
            givenBack += suppressed.get(cell) ? 0 : 1;
        }
    }

    /** The row-and-column rule: no equality among published cells keeps exactly one hidden cell. */
    private void loneCells() {
        boolean changed = true;
        while (changed) {
            changed = false;
            BitSet zero = null;
            for (Relation relation : relations) {
                if (relation.kind != Kind.EQUAL || !published.get(relation.parent)) {
                    continue;
                }
                int hidden = suppressed.get(relation.parent) ? 1 : 0;
                boolean allPublished = true;
                for (int c : relation.children) {
                    allPublished &= published.get(c);
                    hidden += suppressed.get(c) ? 1 : 0;
                }
                if (!allPublished || hidden != 1) {
                    continue;
                }
                if (zero == null) {
                    zero = knownZero();
                }
                int extra = smallest(relation.children, zero);
                if (extra < 0 && candidate(relation.parent, zero)) {
                    extra = relation.parent;
                }
                if (extra >= 0) {
                    suppressed.set(extra);
                    changed = true;
                    zero = null;
                }
            }
        }
    }

    /** A visible cell that may be hidden, and whose hiding hides something: not a known zero. */
    private boolean candidate(int node, BitSet zero) {
        return protect.get(node) && !suppressed.get(node) && !zero.get(node);
    }

    /** The smallest non-zero candidate among {@code nodes}, else a zero one, else -1. */
    private int smallest(int[] nodes, BitSet zero) {
        int best = -1;
        for (int n : nodes) {
            if (candidate(n, zero) && (best < 0 || rank(n) < rank(best))) {
                best = n;
            }
        }
        return best;
    }

    private long rank(int node) {
        return value[node] == 0 ? Long.MAX_VALUE : value[node];
    }

    /**
     * The cell to hide next to a pinned one: the smallest candidate among the cells that split
     * the same whole (same level), else among the cells it is split into or the wholes it is part
     * of, else the smallest in the part of the system the pinned cell's range depends on.
     */
    private int complement(int target, BitSet zero) {
        List<Integer> siblings = new ArrayList<>();
        List<Integer> near = new ArrayList<>();
        for (int r : relationsOf.get(target)) {
            Relation relation = relations.get(r);
            if (relation.parent == target) {
                for (int c : relation.children) {
                    near.add(c);
                }
            } else {
                near.add(relation.parent);
                for (int c : relation.children) {
                    siblings.add(c);
                }
            }
        }
        int best = smallest(siblings.stream().mapToInt(Integer::intValue).toArray(), zero);
        if (best >= 0 && value[best] > 0) {
            return best;
        }
        int nearBest = smallest(near.stream().mapToInt(Integer::intValue).toArray(), zero);
        if (nearBest >= 0 && (best < 0 || value[nearBest] > 0)) {
            return nearBest;
        }
        if (best >= 0) {
            return best;
        }
        List<Integer> component = new ArrayList<>();
        for (int r : component(target, zero)) {
            Relation relation = relations.get(r);
            component.add(relation.parent);
            for (int c : relation.children) {
                component.add(c);
            }
        }
        return smallest(component.stream().mapToInt(Integer::intValue).toArray(), zero);
    }

    private boolean unknown(int node, BitSet zero) {
        return (!published.get(node) || suppressed.get(node)) && !zero.get(node);
    }

    /**
     * Cells an attacker can tell are zero without solving anything: a part of a whole that is
     * zero, a whole whose parts are all zero (when the whole is at most their sum).
     */
    private BitSet knownZero() {
        BitSet zero = new BitSet();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Relation relation : relations) {
                int p = relation.parent;
                boolean parentZero = zero.get(p) || (published.get(p) && !suppressed.get(p) && value[p] == 0);
                if (parentZero) {
                    for (int c : relation.children) {
                        if (!zero.get(c) && unknown(c, zero)) {
                            zero.set(c);
                            changed = true;
                        }
                    }
                } else if (relation.kind != Kind.MISSING && unknown(p, zero)) {
                    boolean allZero = true;
                    for (int c : relation.children) {
                        allZero &= zero.get(c) || (published.get(c) && !suppressed.get(c) && value[c] == 0);
                    }
                    if (allZero) {
                        zero.set(p);
                        changed = true;
                    }
                }
            }
        }
        return zero;
    }

    /** The relations that link {@code target} to other unknowns, transitively. */
    private List<Integer> component(int target, BitSet zero) {
        BitSet seenNodes = new BitSet();
        BitSet seenRelations = new BitSet();
        List<Integer> result = new ArrayList<>();
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        queue.add(target);
        seenNodes.set(target);
        while (!queue.isEmpty()) {
            int node = queue.poll();
            for (int r : relationsOf.get(node)) {
                if (seenRelations.get(r)) {
                    continue;
                }
                seenRelations.set(r);
                result.add(r);
                Relation relation = relations.get(r);
                visit(relation.parent, zero, seenNodes, queue);
                for (int c : relation.children) {
                    visit(c, zero, seenNodes, queue);
                }
            }
        }
        return result;
    }

    private void visit(int node, BitSet zero, BitSet seen, ArrayDeque<Integer> queue) {
        if (!seen.get(node) && unknown(node, zero)) {
            seen.set(node);
            queue.add(node);
        }
    }

    /**
     * Whether an attacker with every published visible value and every relation can bound the
     * cell into 1..minCell-1: its largest possible value is below {@code minCell} and its smallest
     * above 0 (integrality relaxed; an integer attacker could only round inwards).
     *
     * <p>To keep the linear programmes small, every cell that is the sum of its parts is written
     * as that sum, down to the cells of all dimensions (or to a cell that is not such a sum,
     * which keeps a variable of its own); the relations then mostly cancel out, and what is
     * left are the visible cells as equations over the unknown fine cells, plus the inequalities
     * of sets of persons where they apply. Only the constraints linked to the target are solved.
     */
    private boolean pinned(int target, BitSet zero, Expressions system) {
        if (zero.get(target)) {
            return false; // hidden zero: nothing to learn (a primary cell is never zero)
        }
        Map<Integer, Double> objective = system.of(target);
        if (objective.isEmpty()) {
            return false;
        }
        List<Term> linked = system.linked(objective.keySet());
        Map<Integer, Integer> column = new HashMap<>();
        column.put(-1, 0); // the target itself, first (see DisclosureControl.optimum)
        for (Term term : linked) {
            term.coefficients.keySet().forEach(v -> column.putIfAbsent(v, column.size()));
        }
        objective.keySet().forEach(v -> column.putIfAbsent(v, column.size()));
        int width = column.size();
        List<LinearConstraint> constraints = new ArrayList<>();
        double[] definition = new double[width];
        definition[0] = 1;
        objective.forEach((v, c) -> definition[column.get(v)] -= c);
        constraints.add(new LinearConstraint(definition, Relationship.EQ, system.constant(target)));
        for (Term term : linked) {
            double[] coefficients = new double[width];
            term.coefficients.forEach((v, c) -> coefficients[column.get(v)] += c);
            constraints.add(new LinearConstraint(coefficients, term.relationship, term.right));
        }
        double high = bound(0, constraints, GoalType.MAXIMIZE);
        if (high >= minCell - EPS) {
            return false;
        }
        double low = bound(0, constraints, GoalType.MINIMIZE);
        return low > EPS;
    }

    /** A linear constraint: sum of coefficient × variable, relationship, right-hand side. */
    private record Term(Map<Integer, Double> coefficients, Relationship relationship, double right) {
    }

    /** Every node as a constant plus a sum over the unknowns, for one suppression pattern. */
    private final class Expressions {
        private final BitSet zero;
        private final Map<Integer, Map<Integer, Double>> linear = new HashMap<>();
        private final Map<Integer, Double> constants = new HashMap<>();
        private final List<Term> terms = new ArrayList<>();
        private final Map<Integer, List<Integer>> termsOf = new HashMap<>();

        Expressions(BitSet zero) {
            this.zero = zero;
            for (int node = 0; node < keys.size(); node++) {
                of(node);
            }
            // Every visible cell that is a sum of unknowns is an equation.
            for (int node = 0; node < keys.size(); node++) {
                if (published.get(node) && !suppressed.get(node) && !linear.get(node).isEmpty()) {
                    add(linear.get(node), Relationship.EQ, value[node] - constants.get(node));
                }
            }
            for (Relation relation : relations) {
                relation(relation);
            }
            presolve();
        }

        Map<Integer, Double> of(int node) {
            Map<Integer, Double> known = linear.get(node);
            if (known != null) {
                return known;
            }
            Map<Integer, Double> sum = new HashMap<>();
            double constant = 0;
            if (zero.get(node)) {
                // known zero: nothing
            } else {
                Relation parts = null;
                for (int r : relationsOf.get(node)) {
                    Relation relation = relations.get(r);
                    if (relation.parent == node && relation.kind == Kind.EQUAL) {
                        parts = relation;
                        break;
                    }
                }
                if (parts != null) {
                    for (int c : parts.children) {
                        of(c).forEach((v, k) -> sum.merge(v, k, Double::sum));
                        constant += constants.get(c);
                    }
                    sum.values().removeIf(k -> Math.abs(k) < EPS);
                } else if (published.get(node) && !suppressed.get(node)) {
                    constant = value[node];
                } else {
                    sum.put(node, 1.0);
                }
            }
            linear.put(node, sum);
            constants.put(node, constant);
            return sum;
        }

        double constant(int node) {
            return constants.get(node);
        }

        private void relation(Relation relation) {
            int p = relation.parent;
            Map<Integer, Double> whole = new HashMap<>(linear.get(p));
            double right = -constants.get(p);
            for (int c : relation.children) {
                linear.get(c).forEach((v, k) -> whole.merge(v, -k, Double::sum));
                right += constants.get(c);
            }
            whole.values().removeIf(k -> Math.abs(k) < EPS);
            Relationship relationship = switch (relation.kind) {
                case EQUAL -> Relationship.EQ;
                case OVERLAP -> Relationship.LEQ;
                case MISSING -> Relationship.GEQ;
            };
            if (!whole.isEmpty()) {
                add(whole, relationship, right);
            }
            if (relation.kind != Kind.EQUAL) {
                for (int c : relation.children) {
                    Map<Integer, Double> part = new HashMap<>(linear.get(c));
                    linear.get(p).forEach((v, k) -> part.merge(v, -k, Double::sum));
                    part.values().removeIf(k -> Math.abs(k) < EPS);
                    if (!part.isEmpty()) {
                        add(part, Relationship.LEQ, constants.get(p) - constants.get(c));
                    }
                }
            }
        }

        private void add(Map<Integer, Double> coefficients, Relationship relationship, double right) {
            int t = terms.size();
            terms.add(new Term(coefficients, relationship, right));
            for (int v : coefficients.keySet()) {
                termsOf.computeIfAbsent(v, x -> new ArrayList<>()).add(t);
            }
        }

        /** Unknowns a sum of non-negative unknowns equal to (or at most) zero forces to zero are dropped. */
        private void presolve() {
            Set<Integer> zeros = new HashSet<>();
            boolean changed = true;
            while (changed) {
                changed = false;
                for (Term term : terms) {
                    if (term.relationship == Relationship.GEQ || term.right > EPS) {
                        continue;
                    }
                    boolean allPositive = true;
                    boolean anyLeft = false;
                    for (Map.Entry<Integer, Double> e : term.coefficients.entrySet()) {
                        if (!zeros.contains(e.getKey())) {
                            anyLeft = true;
                            allPositive &= e.getValue() > 0;
                        }
                    }
                    if (anyLeft && allPositive) {
                        term.coefficients.keySet().stream().filter(v -> !zeros.contains(v)).toList().forEach(zeros::add);
                        changed = true;
                    }
                }
            }
            if (zeros.isEmpty()) {
                return;
            }
            for (Map<Integer, Double> sum : linear.values()) {
                sum.keySet().removeAll(zeros);
            }
            List<Term> kept = new ArrayList<>();
            for (Term term : terms) {
                Map<Integer, Double> c = new HashMap<>(term.coefficients);
                c.keySet().removeAll(zeros);
                if (!c.isEmpty()) {
                    kept.add(new Term(c, term.relationship, term.right));
                }
            }
            terms.clear();
            termsOf.clear();
            kept.forEach(t -> add(t.coefficients, t.relationship, t.right));
        }

        /** The constraints that share unknowns with {@code start}, transitively. */
        List<Term> linked(Set<Integer> start) {
            Set<Integer> seenVariables = new HashSet<>(start);
            BitSet seenTerms = new BitSet();
            ArrayDeque<Integer> queue = new ArrayDeque<>(start);
            List<Term> result = new ArrayList<>();
            while (!queue.isEmpty()) {
                for (int t : termsOf.getOrDefault(queue.poll(), List.of())) {
                    if (seenTerms.get(t)) {
                        continue;
                    }
                    seenTerms.set(t);
                    result.add(terms.get(t));
                    for (int v : terms.get(t).coefficients.keySet()) {
                        if (seenVariables.add(v)) {
                            queue.add(v);
                        }
                    }
                }
            }
            return result;
        }
    }

    private static double bound(int target, List<LinearConstraint> constraints, GoalType goal) {
        try {
            return DisclosureControl.optimum(target, constraints, goal);
        } catch (UnboundedSolutionException e) {
            return goal == GoalType.MAXIMIZE ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        } catch (TooManyIterationsException | NoFeasibleSolutionException e) {
            // Cannot tell: count the cell as pinned, which only ever hides more.
            return goal == GoalType.MAXIMIZE ? 0 : 1;
        }
    }
}
