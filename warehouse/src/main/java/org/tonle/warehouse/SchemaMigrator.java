package org.tonle.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a warehouse to the {@link Schema} of this release at start, as Flyway does with
 * versioned and repeatable migrations. Table migrations are applied once each, in the order of
 * {@code ORDER}, and recorded with their checksum; one that changed after it was applied stops
 * the node before anything is touched, since applying it again could lose data and skipping it
 * would leave the warehouse unlike the code. Views hold no data, so they are re-created, all in
 * one transaction, whenever a definition differs from the one recorded in {@code schema_view}.
 */
final class SchemaMigrator {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);

    private final Schema schema;

    SchemaMigrator(Schema schema) {
        this.schema = schema;
    }

    void migrate(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(Sql.load("sql/schema-bookkeeping.sql"));
        }
        Map<String, String> applied = applied(c);
        check(applied);
        forgetViewsAppliedAsMigrations(c, applied);
        recordMissingChecksums(c, applied);
        for (Schema.Migration m : schema.migrations()) {
            if (!applied.containsKey(m.name())) {
                apply(c, m);
            }
        }
        refreshViews(c);
    }

    /** Name to checksum ({@code null} when applied by a release before checksums) of every applied migration. */
    private static Map<String, String> applied(Connection c) throws SQLException {
        Map<String, String> applied = new LinkedHashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name, checksum FROM schema_migration ORDER BY applied_at, name")) {
            while (rs.next()) {
                applied.put(rs.getString(1), rs.getString(2));
            }
        }
        return applied;
    }

    /**
     * Releases before checksums applied the views as migrations, once; they are now kept in
     * {@code schema_view}, so their rows go (the views are re-created below, as for any change).
     */
    private void forgetViewsAppliedAsMigrations(Connection c, Map<String, String> applied) throws SQLException {
        List<String> legacy = applied.entrySet().stream().filter(this::isViewAppliedAsMigration).map(Map.Entry::getKey).toList();
        if (legacy.isEmpty()) {
            return;
        }
        inTransaction(c, () -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM schema_migration WHERE name = ?")) {
                for (String name : legacy) {
                    ps.setString(1, name);
                    ps.executeUpdate();
                }
            }
        });
        legacy.forEach(applied::remove);
        LOG.info("Warehouse: views {} are no longer kept as migrations but by their definition's checksum", legacy);
    }

    /**
     * A row written by a release before checksums for one of its views: no checksum, not a
     * table migration of this release, and a view file then (analytics/, as this release's views
     * are), whether or not this release still has that view.
     */
    private boolean isViewAppliedAsMigration(Map.Entry<String, String> row) {
        return row.getValue() == null && row.getKey().startsWith("analytics/")
                && schema.migrations().stream().noneMatch(m -> m.name().equals(row.getKey()));
    }

    private void check(Map<String, String> applied) {
        Map<String, Schema.Migration> known = new LinkedHashMap<>();
        schema.migrations().forEach(m -> known.put(m.name(), m));
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : applied.entrySet()) {
            Schema.Migration m = known.get(e.getKey());
            if (isViewAppliedAsMigration(e)) {
                continue;
            }
            if (m == null) {
                problems.add("migration " + e.getKey() + " was applied to this warehouse but this release does not have it"
                        + " (was the warehouse written by a newer release?)");
            } else if (e.getValue() != null && !e.getValue().equals(m.checksum())) {
                problems.add("migration " + m.name() + " changed after it was applied: the warehouse applied SHA-256 " + e.getValue()
                        + ", this release has SHA-256 " + m.checksum());
            }
        }
        if (!problems.isEmpty()) {
            throw new WarehouseException("refusing to open the warehouse: " + String.join("; ", problems)
                    + ". An applied migration is never applied twice or skipped: restore the released file and put the change in a new"
                    + " migration (docs/ARCHITECTURE.md, Schema and migrations).", null);
        }
    }

    /** Warehouses from before checksums: the first start of this release records the files it has. */
    private void recordMissingChecksums(Connection c, Map<String, String> applied) throws SQLException {
        List<Schema.Migration> missing = schema.migrations().stream()
                .filter(m -> applied.containsKey(m.name()) && applied.get(m.name()) == null).toList();
        if (missing.isEmpty()) {
            return;
        }
        inTransaction(c, () -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE schema_migration SET checksum = ? WHERE name = ?")) {
                for (Schema.Migration m : missing) {
                    ps.setString(1, m.checksum());
                    ps.setString(2, m.name());
                    ps.executeUpdate();
                }
            }
        });
        missing.forEach(m -> applied.put(m.name(), m.checksum()));
        LOG.info("Warehouse migrations {} were applied before migrations carried checksums; recorded the checksums of this release's files",
                missing.stream().map(Schema.Migration::name).toList());
    }

    private static void apply(Connection c, Schema.Migration m) throws SQLException {
        try {
            inTransaction(c, () -> {
                try (Statement s = c.createStatement(); PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO schema_migration (name, applied_at, checksum) VALUES (?, now(), ?)")) {
                    s.execute(m.sql());
                    ps.setString(1, m.name());
                    ps.setString(2, m.checksum());
                    ps.executeUpdate();
                }
            });
        } catch (SQLException e) {
            throw new SQLException("migration " + m.name() + " failed: " + e.getMessage(), e);
        }
        LOG.info("Warehouse migration {} applied", m.name());
    }

    /**
     * Re-creates every view, in the listed order and in one transaction, when any definition,
     * the list itself, or a view in the database differs from what {@code schema_view} records.
     * Every view of the warehouse is the release's (analysts cannot create any), so a view that
     * is not listed, recorded or not (a warehouse from before checksums did not record its
     * views), is dropped.
     */
    private void refreshViews(Connection c) throws SQLException {
        Map<String, String> recorded = new LinkedHashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name, checksum FROM schema_view ORDER BY name")) {
            while (rs.next()) {
                recorded.put(rs.getString(1), rs.getString(2));
            }
        }
        Set<String> present = views(c);
        Map<String, String> wanted = new LinkedHashMap<>();
        schema.views().forEach(v -> wanted.put(v.name(), v.checksum()));
        if (recorded.equals(wanted) && present.equals(wanted.keySet())) {
            return;
        }
        List<String> changed = new ArrayList<>();
        List<String> added = new ArrayList<>();
        wanted.forEach((name, checksum) -> {
            if (!recorded.containsKey(name) || !present.contains(name)) {
                added.add(name);
            } else if (!recorded.get(name).equals(checksum)) {
                changed.add(name);
            }
        });
        Set<String> unlisted = new TreeSet<>(recorded.keySet());
        unlisted.addAll(present);
        unlisted.removeAll(wanted.keySet());
        List<String> removed = List.copyOf(unlisted);
        try {
            inTransaction(c, () -> {
                try (Statement s = c.createStatement(); PreparedStatement record = c.prepareStatement(
                        "INSERT INTO schema_view (name, file, checksum, created_at) VALUES (?, ?, ?, now())")) {
                    // Dependants first: a view is listed after the views it reads.
                    List<String> drop = new ArrayList<>(wanted.keySet());
                    Collections.reverse(drop);
                    drop.addAll(0, removed);
                    for (String name : drop) {
                        s.execute("DROP VIEW IF EXISTS " + quote(name));
                    }
                    s.execute("DELETE FROM schema_view");
                    for (Schema.View v : schema.views()) {
                        s.execute(v.sql());
                        record.setString(1, v.name());
                        record.setString(2, v.file());
                        record.setString(3, v.checksum());
                        record.executeUpdate();
                    }
                    Set<String> created = views(c);
                    for (Schema.View v : schema.views()) {
                        if (!created.contains(v.name())) {
                            throw new SQLException(v.file() + " does not create the view " + v.name());
                        }
                    }
                }
            });
        } catch (SQLException e) {
            throw new SQLException("re-creating the analytics views failed, none changed: " + e.getMessage(), e);
        }
        LOG.info("Warehouse views re-created (new, missing or not yet recorded: {}; changed: {}; removed: {})", added, changed, removed);
    }

    private static Set<String> views(Connection c) throws SQLException {
        Set<String> names = new HashSet<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private interface Work {
        void run() throws SQLException;
    }

    private static void inTransaction(Connection c, Work work) throws SQLException {
        c.setAutoCommit(false);
        try {
            work.run();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }
}
