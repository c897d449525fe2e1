package org.tonle.analytics;

import java.io.IOException;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;

import org.duckdb.DuckDBConnection;
import org.tonle.core.Json;

/**
 * DuckDB's parser and renderer for the sandbox's check ({@code json_serialize_sql} and
 * {@code json_deserialize_sql}), on an in-memory DuckDB instance of its own that holds no table
 * and reaches no file: both functions only parse or print a statement, they never bind it, so
 * they need no catalogue, and the warehouse's connections and threads are left to the queries.
 * Each connection keeps both statements prepared; a few connections serve concurrent checks.
 */
final class SqlParser implements AutoCloseable {

    /** Connections kept for reuse; more are opened when more checks run at once, and closed after. */
    private static final int KEPT = 4;

    private final DuckDBConnection root;
    private final Deque<Session> idle = new ArrayDeque<>();
    private boolean closed;

    SqlParser() {
        try {
            Properties properties = new Properties();
            properties.setProperty("autoinstall_known_extensions", "false");
            properties.setProperty("autoload_known_extensions", "false");
            root = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:", properties);
            try (Statement s = root.createStatement()) {
                s.execute("SET threads = 1");
                s.execute("SET memory_limit = '256MB'");
                s.execute("SET enable_external_access = false");
                s.execute("SET lock_configuration = true");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open DuckDB's parser: " + e.getMessage(), e);
        }
    }

    /** DuckDB's parse tree of {@code sql} as {@code json_serialize_sql} gives it (errors included, as fields). */
    JsonNode serialise(String sql) throws SQLException {
        Session session = take();
        boolean ok = false;
        try {
            JsonNode tree = session.serialise(sql);
            ok = true;
            return tree;
        } finally {
            give(session, ok);
        }
    }

    /** DuckDB's SQL for a (checked) parse tree. */
    String deserialise(JsonNode tree) throws SQLException {
        Session session = take();
        boolean ok = false;
        try {
            String text = session.deserialise(tree);
            ok = true;
            return text;
        } finally {
            give(session, ok);
        }
    }

    private Session take() throws SQLException {
        synchronized (idle) {
            if (closed) {
                throw new SQLException("the SQL parser is closed");
            }
            Session session = idle.pollFirst();
            if (session != null) {
                return session;
            }
        }
        return new Session((DuckDBConnection) root.duplicate());
    }

    private void give(Session session, boolean ok) {
        synchronized (idle) {
            if (ok && !closed && idle.size() < KEPT) {
                idle.addFirst(session);
                return;
            }
        }
        session.close();
    }

    @Override
    public void close() {
        synchronized (idle) {
            closed = true;
            idle.forEach(Session::close);
            idle.clear();
        }
        try {
            root.close();
        } catch (SQLException e) {
            // nothing to keep
        }
    }

    /** One connection with both statements prepared; used by one thread at a time. */
    private static final class Session {
        private final DuckDBConnection connection;
        private final PreparedStatement serialise;
        private final PreparedStatement deserialise;

        Session(DuckDBConnection connection) throws SQLException {
            this.connection = connection;
            try {
                this.serialise = connection.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)");
                this.deserialise = connection.prepareStatement("SELECT json_deserialize_sql(?::JSON)");
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
        }

        JsonNode serialise(String sql) throws SQLException {
            serialise.setString(1, sql);
            try (ResultSet rs = serialise.executeQuery()) {
                rs.next();
                return Json.MAPPER.readTree(rs.getString(1));
            } catch (IOException e) {
                throw new SQLException("unreadable parse tree", e);
            }
        }

        String deserialise(JsonNode tree) throws SQLException {
            deserialise.setString(1, tree.toString());
            try (ResultSet rs = deserialise.executeQuery()) {
                rs.next();
                return rs.getString(1).strip();
            }
        }

        void close() {
            try {
                connection.close();
            } catch (SQLException e) {
                // nothing to keep
            }
        }
    }
}
