package org.tonle.analytics;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;


/**
 * What the node and an analyst worker say to each other over the worker's standard input and
 * output. A request is one statement; the answer is a sequence of frames (a type byte, a length,
 * that many bytes): data frames, then one end or refusal frame. Values cross as tagged binary
 * (never Java serialisation, never a parser the worker could steer), so the node reads back
 * exactly the Java values DuckDB's JDBC driver gave the worker.
 */
final class Wire {

    static final int RUN = 1;
    static final int QUIT = 2;
    /** Interrupt the statement running now, if any (DuckDB's interrupt; the node kills the worker if that does not stop it). */
    static final int CANCEL = 3;

    static final byte ROWS = 0;
    static final byte ARROW = 1;

    static final byte DATA = 'D';
    static final byte END = 'E';
    static final byte REFUSED = 'X';
    /** Sent once at start, when the worker is ready for requests. */
    static final byte READY = 'R';

    /** Data frames are at most this long; the node never trusts a length beyond it. */
    static final int CHUNK = 64 << 10;

    private static final byte NULL = 0;
    private static final byte TEXT = 1;
    private static final byte TRUE = 2;
    private static final byte FALSE = 3;
    private static final byte LONG = 4;
    private static final byte INT = 5;
    private static final byte SHORT = 6;
    private static final byte BYTE = 7;
    private static final byte DOUBLE = 8;
    private static final byte FLOAT = 9;
    private static final byte DECIMAL = 10;
    private static final byte BIG_INTEGER = 11;
    private static final byte ROW = 1;
    private static final byte NO_MORE_ROWS = 0;

    private Wire() {
    }

    /**
     * One statement for a worker: the snapshot to read, the key it is encrypted with (empty where
     * it is plain; it crosses the worker's standard input only), whether the node's configuration
     * accepts DuckDB's built-in crypto module where httpfs (OpenSSL) does not load
     * ({@code warehouse.encryption.builtin_crypto}), the checked SQL and its caps.
     */
    record Request(String snapshot, String key, boolean builtinCrypto, byte mode, long sqlCap, int rowLimit, long maxAnswerBytes,
                   String sql) {

        void write(DataOutputStream out) throws IOException {
            out.writeInt(RUN);
            text(out, snapshot);
            text(out, key == null ? "" : key);
            out.writeBoolean(builtinCrypto);
            out.writeByte(mode);
            out.writeLong(sqlCap);
            out.writeInt(rowLimit);
            out.writeLong(maxAnswerBytes);
            text(out, sql);
            out.flush();
        }

        /** The rest of a request after its {@link #RUN}. */
        static Request read(DataInputStream in) throws IOException {
            return new Request(text(in, 1 << 16), text(in, 1 << 10), in.readBoolean(), in.readByte(), in.readLong(), in.readInt(),
                    in.readLong(), text(in, 16 << 20));
        }

        /** Never the key. */
        @Override
        public String toString() {
            return "Request[snapshot=" + snapshot + ", encrypted=" + (key != null && !key.isEmpty()) + ", builtinCrypto=" + builtinCrypto
                    + ", mode=" + mode + "]";
        }
    }

    /** The next operation the node sends, or {@link #QUIT} when it closed the worker's input. */
    static int op(DataInputStream in) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            return QUIT;
        }
    }

    static void frame(DataOutputStream out, byte type, byte[] bytes, int length) throws IOException {
        out.writeByte(type);
        out.writeInt(length);
        out.write(bytes, 0, length);
    }

    /** An output stream that sends what is written to it as data frames of at most {@link #CHUNK} bytes. */
    static final class Frames extends OutputStream {
        private final DataOutputStream out;
        private final byte[] buffer = new byte[CHUNK];
        private int count;

        Frames(DataOutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            if (count == buffer.length) {
                flushFrame();
            }
            buffer[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (count == buffer.length) {
                    flushFrame();
                }
                int n = Math.min(len, buffer.length - count);
                System.arraycopy(b, off, buffer, count, n);
                count += n;
                off += n;
                len -= n;
            }
        }

        /** Sends what is buffered as a data frame (the stream itself is flushed by the end frame). */
        void flushFrame() throws IOException {
            if (count > 0) {
                frame(out, DATA, buffer, count);
                count = 0;
            }
        }
    }

    // ---- rows ----

    static void header(DataOutputStream out, List<String> columns, List<String> types) throws IOException {
        out.writeInt(columns.size());
        for (int i = 0; i < columns.size(); i++) {
            text(out, columns.get(i));
            text(out, types.get(i));
        }
    }

    static void row(DataOutputStream out, List<Object> row) throws IOException {
        out.writeByte(ROW);
        for (Object value : row) {
            value(out, value);
        }
    }

    static void noMoreRows(DataOutputStream out, String cut) throws IOException {
        out.writeByte(NO_MORE_ROWS);
        out.writeBoolean(cut != null);
        if (cut != null) {
            text(out, cut);
        }
    }

    /**
     * Reads what {@link #header}, {@link #row} and {@link #noMoreRows} wrote.
     *
     * @param rowLimit rows beyond it mean the statement was cut at the row limit
     */
    static SqlSandbox.Rows rows(DataInputStream in, int rowLimit) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 100_000) {
            throw new IOException("a worker answered " + n + " columns");
        }
        List<String> columns = new ArrayList<>(n);
        List<String> types = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            columns.add(text(in, 1 << 20));
            types.add(text(in, 1 << 20));
        }
        List<List<Object>> rows = new ArrayList<>();
        while (in.readByte() == ROW) {
            List<Object> row = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                row.add(value(in));
            }
            rows.add(row);
        }
        String cut = in.readBoolean() ? text(in, 1 << 20) : null;
        return new SqlSandbox.Rows(columns, types, rows, cut != null, cut);
    }

    private static void value(DataOutputStream out, Object value) throws IOException {
        if (value == null) {
            out.writeByte(NULL);
        } else if (value instanceof String s) {
            out.writeByte(TEXT);
            text(out, s);
        } else if (value instanceof Boolean b) {
            out.writeByte(b ? TRUE : FALSE);
        } else if (value instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
        } else if (value instanceof Integer i) {
            out.writeByte(INT);
            out.writeInt(i);
        } else if (value instanceof Short s) {
            out.writeByte(SHORT);
            out.writeShort(s);
        } else if (value instanceof Byte b) {
            out.writeByte(BYTE);
            out.writeByte(b);
        } else if (value instanceof Double d) {
            out.writeByte(DOUBLE);
            out.writeDouble(d);
        } else if (value instanceof Float f) {
            out.writeByte(FLOAT);
            out.writeFloat(f);
        } else if (value instanceof BigDecimal d) {
            out.writeByte(DECIMAL);
            text(out, d.toString());
        } else if (value instanceof BigInteger i) {
            out.writeByte(BIG_INTEGER);
            text(out, i.toString());
        } else {
            out.writeByte(TEXT);
            text(out, value.toString());
        }
    }

    private static Object value(DataInputStream in) throws IOException {
        byte tag = in.readByte();
        return switch (tag) {
            case NULL -> null;
            case TEXT -> text(in, Integer.MAX_VALUE);
            case TRUE -> Boolean.TRUE;
            case FALSE -> Boolean.FALSE;
            case LONG -> in.readLong();
            case INT -> in.readInt();
            case SHORT -> in.readShort();
            case BYTE -> in.readByte();
            case DOUBLE -> in.readDouble();
            case FLOAT -> in.readFloat();
            case DECIMAL -> new BigDecimal(text(in, 1 << 16));
            case BIG_INTEGER -> new BigInteger(text(in, 1 << 16));
            default -> throw new IOException("a worker answered a value tagged " + tag);
        };
    }

    static void text(DataOutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    /** Reads a text of at most {@code max} bytes; the bytes are already in memory on the node's side. */
    static String text(DataInputStream in, int max) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > max) {
            throw new IOException("a text of " + length + " bytes");
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
