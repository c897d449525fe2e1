package org.tonle.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Supplier;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.postgresql.PGConnection;
import org.tonle.core.Dimensions;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.DeclarationReader;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.warehouse.Warehouse;
import org.tonle.warehouse.indicators.IndicatorCube;
import org.tonle.warehouse.indicators.IndicatorEngine;
import org.tonle.warehouse.indicators.IndicatorQuery;
import org.tonle.warehouse.indicators.Period;

/**
 * Indicator query latency on N synthetic client contacts (social.clients_met, distinct
 * persons): Tonle's engine (the Roaring-bitmap cube), the same engine's SQL over DuckDB, and
 * the same query in PostgreSQL 15 with an index, all on the same rows in the same run.
 *
 * <pre>bin/bench indicators [--records 1000000,10000000] [--postgres jdbc:postgresql://...]</pre>
 */
public final class IndicatorBench {

    private static final String[] OFFICES = {"PNH", "SRP", "SHV"};
    private static final String[] ROLES = {"client", "victim", "family"};
    private static final String[] SEXES = {"F", "M", "X", "U"};
    private static final String[] SETTINGS = {"office", "shelter", "home", "community", "phone"};
    private static final LocalDate START = LocalDate.of(2015, 1, 1);

    private record Query(String name, String period, List<String> by) {
    }

    private static final List<Query> QUERIES = List.of(
            new Query("month by sex", "2015-08", List.of("sex")),
            new Query("month by office", "2015-08", List.of("office")),
            new Query("quarter by sex", "2015-Q3", List.of("sex")),
            new Query("quarter by office", "2015-Q3", List.of("office")),
            new Query("year by office,sex", "2015", List.of("office", "sex")));

    public static void main(String[] args) throws Exception {
        long[] sizes = {1_000_000, 10_000_000};
        String postgres = null;
        Path work = Path.of("bench/target/indicator-bench");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--records" -> sizes = Arrays.stream(args[++i].split(",")).mapToLong(Long::parseLong).toArray();
                case "--postgres" -> postgres = args[++i];
                case "--work" -> work = Path.of(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("bin/bench indicators [--records 1000000,10000000] [--postgres JDBC-URL] [--work DIR]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf("Indicator benchmark, %d cores, max heap %d MiB, Java %s%n", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.version"));
        for (long records : sizes) {
            run(records, work, postgres);
            System.out.println("load average (1, 5, 15 min, running/all): " + loadAverage());
        }
    }

    /** One synthetic row: deterministic from the row number, in date order. */
    private record Row(UUID id, String office, LocalDate date, UUID subject, String role, String sex, Integer age, String setting) {
    }

    private static final class Rows {
        final long n;
        final int persons;
        final SplittableRandom random = new SplittableRandom(20150801);
        long i;

        Rows(long n) {
            this.n = n;
            // About 5 contacts per person a year: 10 M records, ~1.9 M persons (DESIGN.md 8).
            this.persons = (int) Math.max(1, n / 5.3);
        }

        boolean hasNext() {
            return i < n;
        }

        Row next() {
            LocalDate date = START.plusDays(i * 365 / n);
            i++;
            UUID subject = null;
            if (random.nextInt(50) != 0) { // 2 % anonymous
                long p = random.nextInt(persons);
                subject = new UUID(0x5eed_0000_0000_0000L ^ (p * 0x9E3779B97F4A7C15L), p * 0xC2B2AE3D27D4EB4FL + 17);
            }
            return new Row(new UUID(i, 42), OFFICES[random.nextInt(3)], date, subject, ROLES[random.nextInt(3)],
                    SEXES[random.nextInt(10) < 5 ? 0 : random.nextInt(10) < 9 ? 1 : random.nextInt(4)],
                    random.nextInt(20) == 0 ? null : random.nextInt(25), SETTINGS[random.nextInt(5)]);
        }
    }

    private static void run(long records, Path work, String postgresUrl) throws Exception {
        System.out.printf("%n== %,d records (social/client_contact, 2015, in date order) ==%n", records);
        System.out.println("load average before (1, 5, 15 min, running/all): " + loadAverage());
        Path dir = work.resolve(records + "");
        Files.createDirectories(dir);
        Path file = dir.resolve("tonle.duckdb");
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir.resolve("tonle.duckdb.wal"));
        try (Warehouse warehouse = Warehouse.open(file)) {
            long t = System.nanoTime();
            loadDuckDb(warehouse, new Rows(records));
            System.out.printf("DuckDB load (Appender): %.1f s%n", (System.nanoTime() - t) / 1e9);

            ProgrammeRegistry registry = new ProgrammeRegistry();
            registry.add(1, "social", "bench", social());
            TonleConfig config = TonleConfig.load(Path.of("config"));
            IndicatorCube cube = new IndicatorCube(warehouse);
            IndicatorEngine engine = new IndicatorEngine(warehouse, registry, config, cube);
            Indicator clients = registry.indicator("social.clients_met").orElseThrow();

            t = System.nanoTime();
            engine.evaluate(new IndicatorQuery(clients, Period.parse("2015"), null, List.of()));
            System.gc();
            Runtime rt = Runtime.getRuntime();
            System.out.printf("Cube build (first query): %.1f s, %,d persons, heap in use after GC %d MiB%n",
                    (System.nanoTime() - t) / 1e9, cube.persons(), (rt.totalMemory() - rt.freeMemory()) >> 20);

            Connection pg = null;
            if (postgresUrl != null) {
                pg = DriverManager.getConnection(postgresUrl);
                t = System.nanoTime();
                loadPostgres(pg, new Rows(records));
                System.out.printf("PostgreSQL load (COPY, index, ANALYZE): %.1f s%n", (System.nanoTime() - t) / 1e9);
            }

            System.out.printf("%-20s %12s %12s %14s %14s %14s %14s %9s %9s%n", "query", "cube p50", "cube p99",
                    "DuckDB SQL p50", "DuckDB SQL p99", "PG p50", "PG p99", "PG/cube", "SQL/cube");
            for (Query q : QUERIES) {
                IndicatorQuery query = new IndicatorQuery(clients, Period.parse(q.period()), null, q.by());
                if (!engine.evaluate(query).equals(engine.evaluateFromScratch(query))) {
                    throw new IllegalStateException(q.name() + ": the cube and SQL disagree");
                }
                double[] cubeMs = measure(() -> engine.evaluate(query), 50, 500);
                double[] sqlMs = measure(() -> engine.evaluateFromScratch(query), 2, 10);
                double[] pgMs = null;
                if (pg != null) {
                    Connection c = pg;
                    pgMs = measure(() -> postgresQuery(c, q), 1, 10);
                }
                System.out.printf(Locale.ROOT, "%-20s %9.2f ms %9.2f ms %11.1f ms %11.1f ms %11s %11s %9s %9.0fx%n", q.name(),
                        p(cubeMs, 50), p(cubeMs, 99), p(sqlMs, 50), p(sqlMs, 99),
                        pgMs == null ? "-" : String.format(Locale.ROOT, "%.1f ms", p(pgMs, 50)),
                        pgMs == null ? "-" : String.format(Locale.ROOT, "%.1f ms", p(pgMs, 99)),
                        pgMs == null ? "-" : String.format(Locale.ROOT, "%.0fx", p(pgMs, 50) / p(cubeMs, 50)),
                        p(sqlMs, 50) / p(cubeMs, 50));
            }
            if (pg != null) {
                try (Statement s = pg.createStatement()) {
                    s.execute("DROP TABLE fact_activity");
                }
                pg.close();
            }
        }
    }

    private static Programme social() throws Exception {
        try (InputStream in = Files.newInputStream(Path.of("bundles/social/src/main/resources/TONLE-INF/programme.yaml"))) {
            return new DeclarationReader().read(in, "social programme.yaml");
        }
    }

    private static void loadDuckDb(Warehouse warehouse, Rows rows) throws SQLException {
        try (DuckDBConnection c = warehouse.connect(); DuckDBAppender a = c.createAppender("fact_activity")) {
            while (rows.hasNext()) {
                Row r = rows.next();
                a.beginRow().append(r.id()).append("social").append("client_contact").append(r.office()).append(r.date());
                if (r.subject() == null) {
                    a.appendNull();
                } else {
                    a.append(r.subject());
                }
                a.append(r.role()).append(r.sex());
                if (r.age() == null) {
                    a.appendNull();
                } else {
                    a.append(r.age().shortValue());
                }
                a.append(Dimensions.ageBand(r.age())).append(1).append("{\"setting\":\"" + r.setting() + "\"}").endRow();
            }
        }
    }

    private static void loadPostgres(Connection pg, Rows rows) throws Exception {
        try (Statement s = pg.createStatement()) {
            s.execute("DROP TABLE IF EXISTS fact_activity");
            s.execute(resource("postgres-schema.sql"));
        }
        // COPY from a reader that renders rows on demand, so 10 M rows never sit in memory.
        Reader csv = new Reader() {
            private final StringBuilder buffer = new StringBuilder();
            private int position;

            @Override
            public int read(char[] target, int offset, int length) {
                if (position == buffer.length()) {
                    buffer.setLength(0);
                    position = 0;
                    for (int k = 0; k < 10_000 && rows.hasNext(); k++) {
                        Row r = rows.next();
                        buffer.append(r.id()).append(",social,client_contact,").append(r.office()).append(',').append(r.date()).append(',')
                                .append(r.subject() == null ? "" : r.subject().toString()).append(',').append(r.role()).append(',')
                                .append(r.sex()).append(',').append(r.age() == null ? "" : r.age().toString()).append(',')
                                .append(Dimensions.ageBand(r.age())).append(",1,\"{\"\"setting\"\":\"\"").append(r.setting())
                                .append("\"\"}\"\n");
                    }
                    if (buffer.length() == 0) {
                        return -1;
                    }
                }
                int n = Math.min(length, buffer.length() - position);
                buffer.getChars(position, position + n, target, offset);
                position += n;
                return n;
            }

            @Override
            public void close() {
            }
        };
        ((PGConnection) pg.unwrap(PGConnection.class)).getCopyAPI().copyIn("COPY fact_activity FROM STDIN WITH (FORMAT csv)", csv);
        try (Statement s = pg.createStatement()) {
            s.execute(resource("postgres-index.sql"));
            s.execute("ANALYZE fact_activity");
        }
    }

    private static Object postgresQuery(Connection pg, Query q) {
        Period period = Period.parse(q.period()).get(0);
        String dimensions = String.join(", ", q.by());
        String sql = resource("postgres-query.sql").replace("${dimensions}", dimensions);
        try (PreparedStatement ps = pg.prepareStatement(sql)) {
            ps.setObject(1, period.start());
            ps.setObject(2, period.end());
            List<Long> values = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getLong(q.by().size() + 1));
                }
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = IndicatorBench.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The machine's load while measuring: figures from a loaded machine read accordingly. */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Latencies in ms of {@code runs} calls after {@code warmup} calls. */
    private static double[] measure(Supplier<Object> call, int warmup, int runs) {
        for (int i = 0; i < warmup; i++) {
            call.get();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            call.get();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }

    private static double p(double[] sorted, int percentile) {
        int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
