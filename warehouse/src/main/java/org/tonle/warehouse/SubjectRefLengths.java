package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;

/**
 * The lengths of the subject refs this node has pseudonymised (table subject_ref_length), for the
 * search for case codes in free text: a reading of a text can be a known subject's code only if
 * it is as long as some ref was. Only lengths are kept, never a ref nor whose ref had which
 * length.
 *
 * <p>The lengths are <em>complete</em> (node setting {@value #SETTING}) only where every subject
 * the warehouse may hold went through this node's pseudonymisation, or through an office's that
 * said which lengths its refs have: a warehouse that was empty when the table came (migration
 * 050), until it takes subjects whose refs' lengths it is not told ({@link #incomplete}). A length is stored before the record with that ref is
 * committed, so the stored lengths are never fewer than the committed subjects need (a crash in
 * between leaves one length too many, which costs only hashing).
 */
public final class SubjectRefLengths {

    static final String SETTING = "subject_ref_lengths";
    /** The longest ref whose code is searched for in text; a longer one is not kept (nor searched). */
    public static final int LONGEST = 64;
    /** Lengths not known: every reading is searched. */
    public static final SubjectRefLengths UNKNOWN = new SubjectRefLengths(null, null);

    private final Warehouse warehouse;
    /** Ascending; null while not complete. */
    private volatile int[] lengths;

    private SubjectRefLengths(Warehouse warehouse, int[] lengths) {
        this.warehouse = warehouse;
        this.lengths = lengths;
    }

    /** The lengths a warehouse holds. */
    public static SubjectRefLengths of(Warehouse warehouse) {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            boolean complete;
            try (ResultSet rs = s.executeQuery("SELECT value FROM node_setting WHERE name = '" + SETTING + "'")) {
                complete = rs.next() && "complete".equals(rs.getString(1));
            }
            if (!complete) {
                return new SubjectRefLengths(warehouse, null);
            }
            int[] lengths;
            try (ResultSet rs = s.executeQuery("SELECT length FROM subject_ref_length ORDER BY length")) {
                lengths = new int[0];
                while (rs.next()) {
                    lengths = Arrays.copyOf(lengths, lengths.length + 1);
                    lengths[lengths.length - 1] = rs.getInt(1);
                }
            }
            return new SubjectRefLengths(warehouse, lengths);
        } catch (SQLException e) {
            throw new WarehouseException("cannot read the lengths of subject refs: " + e.getMessage(), e);
        }
    }

    /** Lengths kept in memory only, complete from none (a node without a warehouse, tests). */
    public static SubjectRefLengths inMemory() {
        return new SubjectRefLengths(null, new int[0]);
    }

    /** The lengths a known subject's ref may have, ascending; null when any length may be. */
    public int[] searched() {
        return lengths;
    }

    /**
     * A ref of this length was pseudonymised; stored (when new) before this returns. Lengths over
     * {@value #LONGEST} are not kept: anyone who may send records can send refs of any length.
     */
    public void saw(int length) {
        int[] now = lengths;
        if (now == null || length < 1 || length > LONGEST || Arrays.binarySearch(now, length) >= 0) {
            return;
        }
        synchronized (this) {
            now = lengths;
            if (now == null || Arrays.binarySearch(now, length) >= 0) {
                return;
            }
            if (warehouse != null) {
                try (Connection c = warehouse.connect();
                     PreparedStatement ps = c.prepareStatement("INSERT OR IGNORE INTO subject_ref_length VALUES (?)")) {
                    ps.setInt(1, length);
                    ps.executeUpdate();
                } catch (SQLException e) {
                    throw new WarehouseException("cannot store the length of a subject ref: " + e.getMessage(), e);
                }
            }
            int[] more = Arrays.copyOf(now, now.length + 1);
            more[now.length] = length;
            Arrays.sort(more);
            lengths = more;
        }
    }

    /**
     * From now on this node may hold subjects whose refs' lengths it does not know (a change of an
     * office that does not say them): every length is searched, on this run and every later one.
     */
    public void incomplete() {
        if (lengths == null) {
            return; // already so: every change of such an office says it again
        }
        synchronized (this) {
            if (warehouse != null && lengths != null) {
                try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                    s.execute("DELETE FROM node_setting WHERE name = '" + SETTING + "'");
                } catch (SQLException e) {
                    throw new WarehouseException("cannot record that subject refs' lengths are incomplete: " + e.getMessage(), e);
                }
            }
            lengths = null;
        }
    }
}
