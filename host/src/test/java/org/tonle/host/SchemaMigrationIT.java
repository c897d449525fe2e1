package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real node and the schema of its warehouse across restarts: a table migration that differs
 * from the one the warehouse applied stops the start with a message naming it and both
 * checksums; a view whose definition differs from the release's is re-created at start.
 */
class SchemaMigrationIT {

    @TempDir
    Path root;

    @Test
    void aChangedAppliedMigrationStopsTheNodeAndAChangedViewIsReCreated() throws Exception {
        try (TestNode node = TestNode.start(root)) {
            node.post("/api/v1/activities", ProgrammeLifecycleIT.CLIENT.formatted(UUID.randomUUID(), "1"));
            assertThat(ProgrammeLifecycleIT.clients(node)).isEqualTo(1);
        }
        Path file = root.resolve("data/tonle.duckdb");
        String released = value(file, "SELECT checksum FROM schema_migration WHERE name = '003-audit.sql'");
        assertThat(released).hasSize(64);
        String other = "0".repeat(64);

        // As if this release's 003-audit.sql differed from the file the warehouse applied.
        execute(file, "UPDATE schema_migration SET checksum = '" + other + "' WHERE name = '003-audit.sql'");
        assertThatThrownBy(() -> TestNode.start(root))
                .hasMessageContaining("migration 003-audit.sql changed after it was applied")
                .hasMessageContaining("the warehouse applied SHA-256 " + other)
                .hasMessageContaining("this release has SHA-256 " + released);

        // A view as an earlier release defined it, recorded with that release's checksum.
        execute(file, "UPDATE schema_migration SET checksum = '" + released + "' WHERE name = '003-audit.sql'");
        execute(file, "CREATE OR REPLACE VIEW offices AS SELECT code FROM dim_office");
        execute(file, "UPDATE schema_view SET checksum = '" + other + "' WHERE name = 'offices'");
        try (TestNode node = TestNode.start(root)) {
            TestNode.Response answer = node.send("POST", "/api/v1/sql", TestNode.ADMIN_TOKEN, "application/json",
                    "{\"sql\": \"SELECT code, name FROM offices ORDER BY code\"}", "application/json");
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            assertThat(answer.json().path("rows").get(0).get(1).asText()).isEqualTo("Phnom Penh");
            assertThat(ProgrammeLifecycleIT.clients(node)).isEqualTo(1);
        }
        assertThat(value(file, "SELECT checksum FROM schema_view WHERE name = 'offices'")).isNotEqualTo(other).hasSize(64);
    }

    private static String value(Path file, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void execute(Path file, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
