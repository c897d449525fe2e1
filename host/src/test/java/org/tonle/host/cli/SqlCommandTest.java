package org.tonle.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client side of {@code tonle sql}: Parquet from the node's Arrow stream, and the text table. */
class SqlCommandTest {

    @Test
    void writesTheArrowStreamAsParquet(@TempDir Path dir) throws Exception {
        byte[] arrow;
        try (RootAllocator allocator = new RootAllocator();
             VarCharVector office = new VarCharVector("office", allocator);
             BigIntVector records = new BigIntVector("records", allocator)) {
            office.allocateNew(2);
            records.allocateNew(2);
            office.setSafe(0, "PNH".getBytes(StandardCharsets.UTF_8));
            office.setSafe(1, "SRP".getBytes(StandardCharsets.UTF_8));
            records.set(0, 41);
            records.set(1, 7);
            try (VectorSchemaRoot root = VectorSchemaRoot.of(office, records)) {
                root.setRowCount(2);
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(bytes))) {
                    writer.start();
                    writer.writeBatch();
                    writer.end();
                }
                arrow = bytes.toByteArray();
            }
        }
        Path file = dir.resolve("answer.parquet");
        SqlCommand.parquet(arrow, file);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT office, records FROM read_parquet('" + file + "') ORDER BY office")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("PNH");
            assertThat(rs.getLong(2)).isEqualTo(41);
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("SRP");
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    void printsAReadableTable() throws Exception {
        String text = SqlCommand.table(new ObjectMapper().readTree(
                "{\"columns\":[\"office\",\"n\"],\"rows\":[[\"PNH\",41],[\"SRP\",null]],\"truncated\":true}"));
        assertThat(text.lines().toList()).isEqualTo(List.of(
                "office | n",
                "-------+-----",
                "PNH    | 41",
                "SRP    | NULL",
                "(2 rows, cut at the limit; use --limit for more)"));
    }
}
