package org.tonle.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.warehouse.Schema;
import org.tonle.warehouse.Warehouse;

/** The sandbox allows the views the warehouse's schema creates, and not its bookkeeping. */
class SandboxViewsTest {

    @TempDir
    Path dir;

    @Test
    void theSandboxAllowsExactlyTheViewsOfTheSchema() throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb"));
             SqlSandbox sandbox = new SqlSandbox(warehouse, Duration.ofSeconds(5))) {
            assertThat(SqlSandbox.VIEWS).isEqualTo(Schema.analyticsViews());
            for (String view : SqlSandbox.VIEWS) {
                assertThat(sandbox.check("SELECT * FROM " + view)).contains(view);
            }
            for (String bookkeeping : List.of("schema_migration", "schema_view", "record_version", "node_setting")) {
                assertThatThrownBy(() -> sandbox.check("SELECT * FROM " + bookkeeping)).isInstanceOf(SqlRefusedException.class);
            }
        }
    }
}
