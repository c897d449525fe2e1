package org.tonle.warehouse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.tonle.core.config.Office;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.DeclarationException;
import org.tonle.core.declaration.DeclarationReader;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.programme.api.ParticipantTally;
import org.tonle.warehouse.indicators.Cell;
import org.tonle.warehouse.indicators.IndicatorEngine;
import org.tonle.warehouse.indicators.IndicatorQuery;
import org.tonle.warehouse.indicators.Period;

/**
 * A warehouse written by an earlier release, kept as test data (src/test/resources/.../release-fixture,
 * README there), and the figures that release computed on it. {@link #generate} writes both with
 * whatever code it is compiled against, so it was run once on the release the fixture stands for;
 * {@link #figures} is what the newer release computes on the same file to compare.
 */
final class ReleaseFixture {

    /** The fixture folder in the test resources. */
    static final String RESOURCE = "release-fixture/";
    static final String DATABASE = "tonle.duckdb.fixture.gz";
    static final String FIGURES = "figures.json";
    /** A demo key: the demo subject refs are invented, and the fixture holds only their keys. */
    private static final byte[] SUBJECT_KEY = "tonle release fixture subject key".getBytes(StandardCharsets.UTF_8);
    /** Activities with fewer demo records than this are taken whole; the others one in {@link #STRIDE}. */
    private static final int RARE = 20;
    private static final int STRIDE = 5;
    /** Periods the figures are computed for: the demo data spans 2014-09 to 2015-08. */
    private static final List<String> PERIODS = List.of("2014-09..2015-08", "2014-Q3..2015-Q3", "2014..2015");
    /** The view whose rows depend on today's date. */
    private static final String CALENDAR = "calendar";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private ReleaseFixture() {
    }

    /**
     * Writes the fixture folder: the gzipped warehouse, the configuration and declarations it was
     * written with, and the figures computed on it.
     *
     * @param repository the root of the Tonle checkout (demo data, offices, programme bundles)
     * @param out        the fixture folder to (re)write
     */
    static void generate(Path repository, Path out) throws IOException, SQLException, DeclarationException {
        Path config = out.resolve("config");
        Files.createDirectories(config.resolve("deployments"));
        Files.createDirectories(config.resolve("programmes"));
        Files.copy(repository.resolve("config/offices.yaml"), config.resolve("offices.yaml"), StandardCopyOption.REPLACE_EXISTING);
        try (Stream<Path> files = Files.list(repository.resolve("config/deployments"))) {
            for (Path f : files.toList()) {
                Files.copy(f, config.resolve("deployments").resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        try (Stream<Path> bundles = Files.list(repository.resolve("bundles"))) {
            for (Path bundle : bundles.sorted().toList()) {
                Path declaration = bundle.resolve("src/main/resources/TONLE-INF/programme.yaml");
                if (Files.exists(declaration)) {
                    Files.copy(declaration, config.resolve("programmes").resolve(bundle.getFileName() + ".yaml"),
                            StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        TonleConfig tonleConfig = TonleConfig.load(config);
        ProgrammeRegistry registry = registry(config);

        Path work = Files.createTempDirectory("tonle-fixture");
        Path file = work.resolve("tonle.duckdb");
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            dimensions(warehouse, tonleConfig, registry);
            // Two commits, as the pipeline makes them: a commit's corrections and voids apply to stored versions.
            for (List<Change> commit : changes(repository.resolve("config/demo/demo-2015.ndjson"))) {
                store.commit(commit);
            }
            Files.writeString(out.resolve(FIGURES), JSON.writeValueAsString(figures(warehouse, tonleConfig, registry)));
            warehouse.checkpoint();
        }
        try (InputStream in = Files.newInputStream(file); OutputStream gz = new GZIPOutputStream(Files.newOutputStream(out.resolve(DATABASE)))) {
            in.transferTo(gz);
        }
        try (Stream<Path> files = Files.list(work)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(work);
    }

    /** Unpacks the fixture's warehouse into {@code dir} and returns its path. */
    static Path unpack(Path dir) throws IOException {
        Path file = dir.resolve("tonle.duckdb");
        try (InputStream gz = new GZIPInputStream(resource(DATABASE))) {
            Files.copy(gz, file);
        }
        return file;
    }

    /** The fixture's configuration folder, copied out of the class path into {@code dir}. */
    static Path config(Path dir) throws IOException {
        Path config = dir.resolve("config");
        Files.createDirectories(config.resolve("deployments"));
        Files.createDirectories(config.resolve("programmes"));
        for (String name : List.of("offices.yaml", "deployments/PNH.yaml", "deployments/SRP.yaml", "deployments/SHV.yaml",
                "programmes/awareness.yaml", "programmes/investigation.yaml", "programmes/legal.yaml", "programmes/social.yaml")) {
            try (InputStream in = resource("config/" + name)) {
                Files.copy(in, config.resolve(name));
            }
        }
        return config;
    }

    static JsonNode storedFigures() throws IOException {
        try (InputStream in = resource(FIGURES)) {
            return JSON.readTree(in);
        }
    }

    static ProgrammeRegistry registry(Path config) throws IOException, DeclarationException {
        ProgrammeRegistry registry = new ProgrammeRegistry();
        long bundleId = 1;
        try (Stream<Path> files = Files.list(config.resolve("programmes"))) {
            for (Path f : files.sorted().toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    Programme p = new DeclarationReader().read(in, f.getFileName().toString());
                    registry.add(bundleId++, p.id(), "1", p);
                }
            }
        }
        return registry;
    }

    /**
     * Every figure of every declared indicator over the fixture's months, quarters and years,
     * whole and broken down by each of its dimensions, plus the rows of each analytics view
     * (as a count and a digest; the calendar, which follows today's date, by its columns only).
     */
    static JsonNode figures(Warehouse warehouse, TonleConfig config, ProgrammeRegistry registry) throws SQLException, IOException {
        IndicatorEngine engine = new IndicatorEngine(warehouse, registry, config);
        ObjectNode root = JSON.createObjectNode();
        ObjectNode indicators = root.putObject("indicators");
        for (Programme programme : registry.programmes()) {
            for (Indicator indicator : programme.indicators()) {
                List<List<String>> breakdowns = new ArrayList<>();
                breakdowns.add(List.of());
                indicator.by().forEach(d -> breakdowns.add(List.of(d)));
                for (String period : PERIODS) {
                    for (List<String> by : breakdowns) {
                        put(indicators, indicator.code() + " " + period + " by " + by, engine.evaluate(new IndicatorQuery(indicator, Period.parse(period), null, by)));
                    }
                    for (Office office : config.offices()) {
                        put(indicators, indicator.code() + " " + period + " office " + office.code(),
                                engine.evaluate(new IndicatorQuery(indicator, Period.parse(period), office.code(), List.of())));
                    }
                }
            }
        }
        ObjectNode views = root.putObject("views");
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            for (String view : Schema.analyticsViews()) {
                ObjectNode v = views.putObject(view);
                List<String> values = new ArrayList<>();
                try (ResultSet rs = s.executeQuery("SELECT column_name, data_type FROM information_schema.columns"
                        + " WHERE table_name = '" + view + "' ORDER BY ordinal_position")) {
                    ArrayNode columns = v.putArray("columns");
                    while (rs.next()) {
                        columns.add(rs.getString(1) + " " + rs.getString(2));
                        // A TIMESTAMPTZ as text follows the machine's time zone; its instant does not.
                        String column = '"' + rs.getString(1) + '"';
                        values.add("coalesce(" + (rs.getString(2).equals("TIMESTAMP WITH TIME ZONE") ? "epoch_us(" + column + ")" : column)
                                + "::VARCHAR, 'NULL')");
                    }
                }
                if (view.equals(CALENDAR)) {
                    continue;
                }
                String row = "concat_ws(chr(9), " + String.join(", ", values) + ")";
                try (ResultSet rs = s.executeQuery("SELECT count(*), md5(coalesce(string_agg(" + row + ", chr(10) ORDER BY " + row + "), ''))"
                        + " FROM " + view)) {
                    rs.next();
                    v.put("rows", rs.getLong(1));
                    v.put("digest", rs.getString(2));
                }
            }
        }
        // As stored: numbers read back as the JSON types of their text, so that trees compare by value.
        return JSON.readTree(JSON.writeValueAsString(root));
    }

    private static void put(ObjectNode indicators, String key, List<Cell> cells) {
        ArrayNode array = indicators.putArray(key);
        for (Cell cell : cells) {
            ObjectNode o = array.addObject();
            o.put("period", cell.period());
            o.set("dimensions", JSON.valueToTree(cell.dimensions()));
            o.set("value", JSON.valueToTree(cell.value()));
        }
    }

    /** The offices and programmes, as a node keeps them in step with its configuration and bundles. */
    private static void dimensions(Warehouse warehouse, TonleConfig config, ProgrammeRegistry registry) throws SQLException {
        // First: the programmes' rows it writes are then stamped with the fixture's fixed time below.
        new AnalyticsDictionary(warehouse).sync(registry.programmes());
        try (Connection c = warehouse.connect();
             PreparedStatement office = c.prepareStatement("INSERT OR REPLACE INTO dim_office VALUES (?, ?)");
             PreparedStatement programme = c.prepareStatement("INSERT OR REPLACE INTO dim_programme VALUES (?, ?, ?, TIMESTAMPTZ '2015-09-01 00:00:00+00')")) {
            for (Office o : config.offices()) {
                office.setString(1, o.code());
                office.setString(2, o.name());
                office.execute();
            }
            for (Programme p : registry.programmes()) {
                programme.setString(1, p.id());
                programme.setString(2, p.name().toString());
                programme.setString(3, p.department());
                programme.execute();
            }
        }
    }

    /**
     * A few hundred demo records, pseudonymised as the pipeline does (the subject ref replaced by
     * a keyed hash), with some corrections and voids so that record_version holds every action.
     */
    private static List<List<Change>> changes(Path demo) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        Map<String, Integer> perActivity = new HashMap<>();
        for (String line : Files.readAllLines(demo)) {
            JsonNode r = JSON.readTree(line);
            lines.add(r);
            perActivity.merge(r.path("program").asText() + "/" + r.path("type").asText(), 1, Integer::sum);
        }
        Map<String, Integer> seen = new HashMap<>();
        List<Change> changes = new ArrayList<>();
        Instant at = Instant.parse("2015-09-01T00:00:00Z");
        for (JsonNode r : lines) {
            String activity = r.path("program").asText() + "/" + r.path("type").asText();
            int n = seen.merge(activity, 1, Integer::sum);
            if (perActivity.get(activity) >= RARE && n % STRIDE != 0) {
                continue;
            }
            changes.add(change((ObjectNode) r.deepCopy(), 1, Change.Action.CREATE, at));
        }
        // Every 40th kept record is corrected a day later (its date moved by one day), every 60th voided.
        List<Change> later = new ArrayList<>();
        for (int i = 0; i < changes.size(); i++) {
            Change first = changes.get(i);
            ObjectNode body = (ObjectNode) JSON.readTree(first.body());
            if (i % 60 == 59) {
                later.add(new Change(first.recordId(), 2, Change.Action.VOID, sha256(""), null, null, "fixture", "fixture", at.plusSeconds(86_400)));
            } else if (i % 40 == 39) {
                body.put("date", LocalDate.parse(body.path("date").asText()).plusDays(1).toString());
                later.add(change(body, 2, Change.Action.CORRECT, at.plusSeconds(86_400)));
            }
        }
        return List.of(changes, later);
    }

    private static Change change(ObjectNode json, int version, Change.Action action, Instant at) {
        UUID key = null;
        PseudonymousRecord.Subject subject = null;
        if (json.has("subject")) {
            ObjectNode s = (ObjectNode) json.get("subject");
            key = subjectKey(s.path("ref").asText());
            s.put("ref", key.toString());
            subject = new PseudonymousRecord.Subject(key, s.path("role").asText(null), s.path("sex").asText(null),
                    s.hasNonNull("age") ? s.get("age").asInt() : null);
        }
        Map<String, Object> attributes = new LinkedHashMap<>();
        json.path("attributes").fields().forEachRemaining(e -> attributes.put(e.getKey(),
                e.getValue().isNumber() ? e.getValue().numberValue() : e.getValue().isBoolean() ? e.getValue().asBoolean() : e.getValue().asText()));
        List<ParticipantTally> participants = new ArrayList<>();
        json.path("participants").forEach(p -> participants.add(new ParticipantTally(p.path("group").asText(), p.path("sex").asText(), p.path("count").asInt())));
        PseudonymousRecord record = new PseudonymousRecord(UUID.fromString(json.path("id").asText()), json.path("program").asText(), json.path("type").asText(),
                json.path("office").asText(), LocalDate.parse(json.path("date").asText()), subject, json.path("count").asInt(1),
                attributes, participants);
        String body = json.toString();
        return new Change(record.id(), version, action, sha256(body), body, record, "fixture", "fixture", at);
    }

    /** As the pipeline does: the first 128 bits of HMAC-SHA-256 of the ref under the organisation's key. */
    private static UUID subjectKey(String ref) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(SUBJECT_KEY, "HmacSHA256"));
            byte[] h = mac.doFinal(ref.getBytes(StandardCharsets.UTF_8));
            ByteBuffer b = ByteBuffer.wrap(h);
            return new UUID(b.getLong(), b.getLong());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = ReleaseFixture.class.getResourceAsStream(RESOURCE + name);
        if (in == null) {
            throw new IOException("missing test resource " + RESOURCE + name);
        }
        return in;
    }
}
