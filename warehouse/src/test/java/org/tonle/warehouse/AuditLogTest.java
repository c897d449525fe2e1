package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {

    @Test
    void theEntriesOfOneCommitAreWrittenInItsTransactionAndInOrder(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb")); DuckDBConnection c = warehouse.connect()) {
            AuditLog audit = new AuditLog(warehouse);
            try (Transaction tx = Transaction.begin(c); AuditLog.Inserter inserter = new AuditLog.Inserter(c)) {
                inserter.insert(List.of(
                        new AuditLog.Write("ana", "staff", "write", "POST /api/v1/activities", "{\"records\":500,\"rejected\":0}", 500L),
                        new AuditLog.Write("bo", "admin", "write", "POST /api/v1/activities", "{\"records\":2,\"rejected\":1}", 1L),
                        new AuditLog.Write("ana", "staff", "write", "POST /api/v1/activities", null, null)));
                inserter.insert(List.of());
                assertThat(audit.list(null, null, null, 10)).as("invisible before the commit").isEmpty();
                tx.commit();
            }
            List<AuditLog.Entry> entries = audit.list(null, null, null, 10);
            assertThat(entries).extracting(AuditLog.Entry::principal).containsExactly("ana", "bo", "ana");
            assertThat(entries).extracting(AuditLog.Entry::rowCount).containsExactly(null, 1L, 500L);
            assertThat(entries.get(1).parameters()).isEqualTo("{\"records\":2,\"rejected\":1}");
            assertThat(entries.get(1).role()).isEqualTo("admin");
        }
    }

    @Test
    void aGroupLargerThanOneStatementKeepsEveryEntryInOrder(@TempDir Path dir) throws Exception {
        int count = 2 * AuditLog.Inserter.ROWS_PER_STATEMENT + 3;
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb")); DuckDBConnection c = warehouse.connect()) {
            AuditLog audit = new AuditLog(warehouse);
            try (Transaction tx = Transaction.begin(c); AuditLog.Inserter inserter = new AuditLog.Inserter(c)) {
                inserter.insert(IntStream.range(0, count)
                        .mapToObj(i -> new AuditLog.Write("p" + i, "staff", "write", "POST /api/v1/activities", null, (long) i)).toList());
                inserter.insert(List.of(new AuditLog.Write("last", "staff", "write", "POST /api/v1/activities", null, -1L)));
                tx.commit();
            }
            List<AuditLog.Entry> entries = audit.list(null, null, null, 100);
            List<Long> expected = new ArrayList<>(LongStream.range(0, count).boxed().toList());
            expected.add(-1L);
            Collections.reverse(expected);
            assertThat(entries).extracting(AuditLog.Entry::rowCount).containsExactlyElementsOf(expected);
        }
    }
}
