package org.tonle.analytics;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.duckdb.DuckDBResultSet;
import org.tonle.warehouse.Sql;

/**
 * An analyst worker: a JVM of its own that the node starts ({@link AnalystWorkers}), runs one
 * checked statement at a time over the current analyst snapshot (a DuckDB file that holds only
 * the analytics views, as tables, opened read-only) and answers on its standard output. It
 * knows nothing of callers, the sandbox or the warehouse; whatever a statement does to its
 * memory or time, the node kills this process and starts another.
 *
 * <p>Arguments: the worker's own spill folder, DuckDB's {@code memory_limit}, {@code threads}
 * (0: DuckDB's default) and {@code max_temp_directory_size}.
 */
public final class SqlWorker {

    private final Path spill;
    private final String memoryLimit;
    private final int threads;
    private final String maxTempSize;
    private String openPath;
    private Connection open;
    private volatile PreparedStatement running;

    private SqlWorker(Path spill, String memoryLimit, int threads, String maxTempSize) {
        this.spill = spill;
        this.memoryLimit = memoryLimit;
        this.threads = threads;
        this.maxTempSize = maxTempSize;
    }

    public static void main(String[] args) throws Exception {
        // Standard output is the wire; anything a library prints goes to standard error.
        OutputStream wire = new FileOutputStream(FileDescriptor.out);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
        SqlWorker worker = new SqlWorker(Files.createDirectories(Path.of(args[0])), args[1], Integer.parseInt(args[2]), args[3]);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(FileDescriptor.in)));
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(wire, Wire.CHUNK + 16));
             BufferAllocator allocator = new RootAllocator()) {
            warmUp(allocator);
            Wire.frame(out, Wire.READY, new byte[0], 0);
            out.flush();
            // This thread reads the node's requests and cancellations; statements run on another.
            ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "statement");
                t.setDaemon(true);
                return t;
            });
            for (int op = Wire.op(in); op != Wire.QUIT; op = Wire.op(in)) {
                if (op == Wire.RUN) {
                    Wire.Request request = Wire.Request.read(in);
                    runner.execute(() -> {
                        try {
                            worker.answer(request, out, allocator);
                            out.flush();
                        } catch (IOException e) {
                            // the node is gone
                            Runtime.getRuntime().halt(2);
                        }
                    });
                } else if (op == Wire.CANCEL) {
                    worker.cancel();
                } else {
                    break;
                }
            }
        }
        // The node asked to stop, or is gone: a statement still running is not waited for.
        Runtime.getRuntime().halt(0);
    }

    private void cancel() {
        PreparedStatement statement = running;
        if (statement != null) {
            try {
                statement.cancel();
            } catch (SQLException | RuntimeException e) {
                // finished meanwhile
            }
        }
    }

    /**
     * Loads DuckDB's native library, the Arrow C data bridge and the classes a statement needs,
     * through both kinds of answer, before the worker says it is ready: a fresh worker (one that
     * replaced a killed one) then answers its first statement as fast as a warm one.
     */
    private static void warmUp(BufferAllocator allocator) throws SQLException, IOException {
        Properties properties = new Properties();
        properties.setProperty("autoinstall_known_extensions", "false");
        properties.setProperty("autoload_known_extensions", "false");
        String sql = "SELECT i, 'x' || i AS t, DATE '2015-08-09' + i::INTEGER AS d FROM (VALUES (1), (2)) v(i)";
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:", properties); Statement s = c.createStatement()) {
            s.execute("SET enable_external_access = false");
            OutputStream nowhere = OutputStream.nullOutputStream();
            try (PreparedStatement statement = c.prepareStatement(sql)) {
                rows(statement, 10, 1 << 20, new DataOutputStream(nowhere));
            }
            try (PreparedStatement statement = c.prepareStatement(sql)) {
                arrow(statement, 1 << 20, allocator, nowhere);
            }
        }
    }

    private void answer(Wire.Request request, DataOutputStream out, BufferAllocator allocator) throws IOException {
        Wire.Frames frames = new Wire.Frames(out);
        String refusal;
        try {
            Connection c = snapshot(request.snapshot(), request.key(), request.builtinCrypto());
            String text = Sql.load("sql/sandbox-capped.sql").replace("${query}", request.sql())
                    .replace("${cap}", Long.toString(Math.max(0, request.sqlCap())));
            try (PreparedStatement statement = c.prepareStatement(text)) {
                running = statement;
                if (request.mode() == Wire.ARROW) {
                    arrow(statement, request.maxAnswerBytes(), allocator, frames);
                } else {
                    rows(statement, request.rowLimit(), request.maxAnswerBytes(), new DataOutputStream(frames));
                }
            } finally {
                running = null;
            }
            frames.flushFrame();
            Wire.frame(out, Wire.END, new byte[0], 0);
            return;
        } catch (NoCrypto e) {
            refusal = e.getMessage();
        } catch (TooLarge e) {
            refusal = "the answer is larger than the answer size cap of " + megabytes(request.maxAnswerBytes())
                    + " (sql.max_answer_bytes) and was refused; ask for fewer rows or columns, or aggregate";
        } catch (SQLException | RuntimeException e) {
            // DuckDB may quote a statement in its message: never the snapshot's key.
            refusal = "the query failed: " + firstLine(SnapshotKey.redacted(e.getMessage(), request.key()));
        } catch (OutOfMemoryError e) {
            refusal = "the query failed: a value in the answer is larger than an analyst worker holds; aggregate, or ask for shorter values";
        }
        byte[] bytes = refusal.getBytes(StandardCharsets.UTF_8);
        Wire.frame(out, Wire.REFUSED, bytes, bytes.length);
    }

    /**
     * The snapshot's read-only connection, opened anew (and the last one closed) when the node
     * names a newer snapshot: an in-memory instance with the snapshot file attached read-only
     * under its own name (the warehouse's catalogue, so qualified names resolve), with the key
     * the node sent where the warehouse is encrypted. Without the key DuckDB refuses the file.
     */
    private Connection snapshot(String path, String key, boolean builtinCrypto) throws SQLException {
        // The same file with another key (or none) is opened anew, and refused unless the key is right.
        String opening = path + "\n" + (key == null ? "" : key) + "\n" + builtinCrypto;
        if (opening.equals(openPath)) {
            return open;
        }
        closeSnapshot();
        Properties properties = new Properties();
        properties.setProperty("autoinstall_known_extensions", "false");
        properties.setProperty("autoload_known_extensions", "false");
        Connection c = DriverManager.getConnection("jdbc:duckdb:", properties);
        String folder = spill.toAbsolutePath().toString().replace("'", "''");
        String file = Path.of(path).getFileName().toString();
        String catalog = file.endsWith(".duckdb") ? file.substring(0, file.length() - ".duckdb".length()) : file;
        boolean encrypted = key != null && !key.isEmpty();
        try (Statement s = c.createStatement()) {
            if (encrypted) {
                encryptSpill(c, builtinCrypto);
            }
            s.execute("ATTACH '" + path.replace("'", "''") + "' AS \"" + catalog.replace("\"", "\"\"") + "\" (READ_ONLY"
                    + (encrypted ? ", ENCRYPTION_KEY '" + key.replace("'", "''") + "'" : "") + ")");
            s.execute("USE \"" + catalog.replace("\"", "\"\"") + "\"");
            s.execute("SET temp_directory = '" + folder + "'");
            s.execute("SET max_temp_directory_size = '" + maxTempSize.replace("'", "''") + "'");
            s.execute("SET memory_limit = '" + memoryLimit.replace("'", "''") + "'");
            if (threads > 0) {
                s.execute("SET threads = " + threads);
            }
            s.execute("SET allowed_directories = ['" + folder + "/']");
            s.execute("SET enable_external_access = false");
            s.execute("SET lock_configuration = true");
        } catch (SQLException e) {
            c.close();
            throw new SQLException(SnapshotKey.redacted(e.getMessage(), key));
        } catch (NoCrypto e) {
            c.close();
            throw e;
        }
        open = c;
        openPath = opening;
        return c;
    }

    /**
     * What a statement spills of an encrypted snapshot is encrypted too: with OpenSSL from
     * DuckDB's httpfs extension where it loads, else with DuckDB's built-in module only where the
     * node's configuration accepts it ({@code builtinCrypto}, sent by the node as it decided at
     * its start, docs/OPERATIONS.md); otherwise the statement is refused before the snapshot is
     * even attached, so nothing of it is read or written.
     */
    private static void encryptSpill(Connection c, boolean builtinCrypto) throws SQLException {
        // The driver closes a statement that failed: one statement per step.
        try (Statement s = c.createStatement()) {
            s.execute("LOAD httpfs");
        } catch (SQLException noOpenSsl) {
            if (!builtinCrypto) {
                throw new NoCrypto("the query was not run: the analyst snapshot is encrypted, and this analyst worker cannot load"
                        + " DuckDB's OpenSSL crypto module (its httpfs extension: " + firstLine(String.valueOf(noOpenSsl.getMessage()))
                        + ") to encrypt what a query spills; DuckDB's built-in module is used only where"
                        + " warehouse.encryption.builtin_crypto is true. Install httpfs for the node's DuckDB version, or accept the"
                        + " built-in module (docs/OPERATIONS.md)");
            }
            try (Statement s = c.createStatement()) {
                s.execute("SET force_mbedtls_unsafe = true");
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute("SET temp_file_encryption = true");
        }
    }

    private void closeSnapshot() {
        if (open != null) {
            try {
                open.close();
            } catch (SQLException e) {
                // the next snapshot is opened all the same
            }
            open = null;
            openPath = null;
        }
    }

    /** Rows as Java values, cut at the row limit or the byte cap as {@code SqlSandbox.rows} cuts them. */
    private static void rows(PreparedStatement statement, int limit, long maxAnswerBytes, DataOutputStream out)
            throws SQLException, IOException {
        try (ResultSet rs = statement.executeQuery()) {
            ResultSetMetaData meta = rs.getMetaData();
            List<String> columns = new ArrayList<>();
            List<String> types = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                columns.add(meta.getColumnLabel(i));
                types.add(meta.getColumnTypeName(i));
            }
            Wire.header(out, columns, types);
            String cut = null;
            long bytes = 0;
            int rows = 0;
            while (rs.next()) {
                if (rows == limit) {
                    cut = "the answer was cut at the row limit of " + limit;
                    break;
                }
                List<Object> row = new ArrayList<>(columns.size());
                for (int i = 1; i <= columns.size(); i++) {
                    Object value = plain(rs.getObject(i));
                    bytes += value instanceof String text ? text.length() : 8;
                    row.add(value);
                }
                if (bytes > maxAnswerBytes) {
                    cut = "the answer was cut after " + rows + " rows at the answer size cap of "
                            + megabytes(maxAnswerBytes) + " (sql.max_answer_bytes)";
                    break;
                }
                Wire.row(out, row);
                rows++;
            }
            Wire.noMoreRows(out, cut);
            out.flush();
        }
    }

    /** An Arrow IPC stream, refused past the byte cap (a stream cannot say it was cut). */
    private static void arrow(PreparedStatement statement, long maxAnswerBytes, BufferAllocator allocator, OutputStream frames)
            throws SQLException, IOException {
        CappedOutput out = new CappedOutput(frames, maxAnswerBytes);
        DuckDBResultSet rs = (DuckDBResultSet) statement.executeQuery();
        try (rs; ArrowReader reader = (ArrowReader) rs.arrowExportStream(allocator, 4096);
             ArrowStreamWriter writer = new ArrowStreamWriter(reader.getVectorSchemaRoot(), null, Channels.newChannel(out))) {
            writer.start();
            while (reader.loadNextBatch()) {
                writer.writeBatch();
            }
            writer.end();
        }
    }

    /** JSON-friendly values: numbers and booleans as they are, everything else as text (as {@code SqlSandbox} does). */
    private static Object plain(Object value) {
        if (value == null || value instanceof Number || value instanceof Boolean || value instanceof String) {
            return value;
        }
        return value.toString();
    }

    private static String megabytes(long bytes) {
        return bytes % (1L << 20) == 0 ? (bytes >> 20) + " MB" : bytes + " bytes";
    }

    private static String firstLine(String message) {
        return message.lines().filter(l -> !l.isBlank()).findFirst().orElse(message).strip();
    }

    /** An encrypted snapshot where neither OpenSSL loads nor the built-in module is accepted: refused, nothing run. */
    private static final class NoCrypto extends RuntimeException {
        NoCrypto(String message) {
            super(message, null, false, false);
        }
    }

    private static final class TooLarge extends RuntimeException {
        TooLarge() {
            super("answer too large", null, false, false);
        }
    }

    /** Passes bytes on until the cap, then refuses. */
    private static final class CappedOutput extends OutputStream {
        private final OutputStream out;
        private final long cap;
        private long count;

        CappedOutput(OutputStream out, long cap) {
            this.out = out;
            this.cap = cap;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (count + len > cap) {
                throw new TooLarge();
            }
            count += len;
            out.write(b, off, len);
        }
    }
}
