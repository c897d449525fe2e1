package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.PropertyDefaults;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import org.apache.camel.impl.DefaultCamelContext;
import org.slf4j.LoggerFactory;
import org.tonle.pipelines.imports.NdjsonSource;
import org.tonle.programme.api.PublishResult;
import org.tonle.warehouse.DeadLetterStore;
import org.tonle.warehouse.RecordStore;
import org.tonle.warehouse.Warehouse;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * The record contract (DESIGN.md section 4) as properties, through the real pipeline (Camel
 * route, Pseudonymise, Validate, Load, a DuckDB file): generated valid records are accepted and
 * canonicalised stably; generated mutations are rejected naming the record, field and rule; and
 * whatever is sent, a raw subject ref (all carry the mark {@value #MARK}, in every shape and
 * place a sender could put one) is in no rejection, no log line and no stored byte. Bounded:
 * under two hundred tries in all, a few seconds on an idle machine, so it runs in bin/test.
 */
@PropertyDefaults(shrinking = ShrinkingMode.BOUNDED)
class RecordContractPropertyTest {

    /** Every generated ref starts so; hex hashes and the fixtures never hold these letters. */
    static final String MARK = "QZRAW";
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    static Path dir;
    static Warehouse warehouse;
    static RecordStore store;
    static DefaultCamelContext camel;
    static Ingest ingest;
    static Validate validate;
    static Pseudonymise pseudonymise;
    static ListAppender<ILoggingEvent> log;

    @BeforeContainer
    static void start() throws Exception {
        dir = Files.createTempDirectory("tonle-contract");
        warehouse = Warehouse.open(dir.resolve("w.duckdb"));
        store = new RecordStore(warehouse);
        GroupCommitWriter writer = new GroupCommitWriter(store, new DeadLetterStore(warehouse), 64, Clock.systemUTC());
        validate = new Validate(Fixtures.registry(), Fixtures::config, p -> List.of(), Clock.systemUTC());
        pseudonymise = new Pseudonymise(SubjectKeys.fromFile(dir.resolve("secrets/subject-key"), true));
        camel = new DefaultCamelContext();
        camel.addRoutes(new RouteErrors());
        camel.addRoutes(new IngestRoutes(pseudonymise, validate, writer));
        camel.start();
        ingest = new Ingest(camel, writer);
        log = new ListAppender<>();
        log.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(log);
    }

    @AfterContainer
    static void stop() throws IOException {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(log);
        assertNoColumnHolds(MARK);
        camel.stop();
        store.close();
        warehouse.close();
        try {
            assertThat(log.list).allSatisfy(event -> assertThat(event.getFormattedMessage()).doesNotContain(MARK));
            // Every byte the pipeline left: the DuckDB file, its WAL, the key folder.
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).as(file.toString()).doesNotContain(MARK);
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    // --- properties

    @Property(tries = 40)
    void validRecordsAreAcceptedAndCanonicalisedStably(@ForAll("validRecords") ObjectNode record) {
        PublishResult first = submit(record.deepCopy());
        assertThat(first.rejected()).as(record.toString()).isEmpty();
        assertThat(first.accepted()).isEqualTo(1);

        // The same record with its members in another order and its ref padded is the same
        // canonical record: a duplicate, never a second record or a conflict.
        ObjectNode reordered = reversed(record);
        if (reordered.path("subject").has("ref")) {
            ((ObjectNode) reordered.get("subject")).put("ref", "  " + reordered.at("/subject/ref").asText() + " ");
        }
        assertThat(canonical(record)).isEqualTo(canonical(reordered));
        PublishResult again = submit(reordered);
        assertThat(again.duplicates()).as(again.toString()).isEqualTo(1);

        // The canonical form is a fixed point: validated again (as a replay would), it is itself.
        Item replayed = Submission.item(1, Fixtures.record(canonical(record).json()));
        Submission trusted = new Submission("t", "replay", null, Submission.Mode.CREATE, null, true, List.of(replayed));
        pseudonymise.process(trusted);
        validate.process(trusted);
        assertThat(replayed.canonical()).isEqualTo(canonical(record).json());
        assertThat(replayed.canonical()).doesNotContain(MARK);
    }

    @Property(tries = 60)
    void mutationsAreRejectedNamingRecordFieldAndRule(@ForAll("validRecords") ObjectNode record, @ForAll("mutations") Mutation mutation) {
        ObjectNode mutated = record.deepCopy();
        mutation.apply(mutated);
        // A rejection names the record by its id only when that is a UUID (any other text may be a case code).
        String id = mutated.path("id").isTextual() && Validate.isUuid(mutated.get("id").asText()) ? mutated.get("id").asText() : null;
        PublishResult result = submit(mutated);
        assertThat(result.accepted()).as(mutation.name() + ": " + mutated).isZero();
        assertThat(result.rejected()).as(mutation.name()).anySatisfy(r -> {
            assertThat(r.line()).isEqualTo(1);
            assertThat(r.id()).isEqualTo(id);
            assertThat(r.field()).isEqualTo(mutation.field());
            assertThat(r.rule()).isIn(mutation.rules());
        });
        assertThat(result.rejected()).allSatisfy(r -> {
            assertThat(r.reason()).isNotBlank().hasSizeLessThan(400);
            assertThat(r.field() + r.reason()).doesNotContain(MARK);
        });
        assertNothingStoredHolds(MARK);
    }

    /** A sender who puts the ref where it does not belong, in any shape: never stored, answered or logged. */
    @Property(tries = 60)
    void aRawRefNeverLeavesTheFirstStepWhereverItIsPut(@ForAll("validRecords") ObjectNode record, @ForAll("refs") String ref,
                                                       @ForAll("misplacements") Misplacement misplacement) {
        ObjectNode sent = record.deepCopy();
        misplacement.put(sent, ref);
        PublishResult result = submit(sent);
        assertThat(result.rejected()).as(misplacement.name()).allSatisfy(r -> assertThat(r.field() + " " + r.reason()).doesNotContain(MARK));
        assertNothingStoredHolds(MARK);
    }

    /** Lines that are not records: not JSON, cut off, not UTF-8, huge. Each rejected on its own line, none of it kept. */
    @Property(tries = 24)
    void unreadableLinesAreRejectedOnTheirOwnAndNotKept(@ForAll("validRecords") ObjectNode record, @ForAll("refs") String ref,
                                                        @ForAll("brokenLines") BrokenLine broken) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(record.toString().getBytes(StandardCharsets.UTF_8));
        body.write('\n');
        body.write(broken.bytes(ref));
        body.write('\n');
        List<Item> items;
        try (NdjsonSource source = new NdjsonSource(new ByteArrayInputStream(body.toByteArray()), Map.of())) {
            items = source.read(10).items();
        }
        PublishResult result = ingest.submit(Submission.create("tester", "import:test", null, items));
        assertThat(result.accepted()).isEqualTo(1);
        assertThat(result.rejected()).singleElement().satisfies(r -> {
            assertThat(r.line()).isEqualTo(2);
            assertThat(r.rule()).isEqualTo(broken.rule());
            assertThat(r.reason()).doesNotContain(MARK).hasSizeLessThan(400);
        });
        assertThat(items.get(1).lineLength()).isPositive();
        assertThat(items.get(1).lineHash()).hasSize(64);
        assertNothingStoredHolds(MARK);
    }

    // --- generators

    /**
     * Case codes as offices write them: capitals, digits, punctuation, any script. (A value
     * written like a declaration id, all lower-case letters, is taken for one and may be
     * repeated in a reason; see docs/IMPORTING.md.)
     */
    @Provide
    Arbitrary<String> refs() {
        Arbitrary<String> tail = Arbitraries.strings().withCharRange('A', 'Z').numeric().withChars('-', '/', ' ', '\'', '"', '\\', 'é', 'ក')
                .ofMinLength(1).ofMaxLength(20);
        return tail.map(t -> MARK + t);
    }

    @Provide
    Arbitrary<ObjectNode> validRecords() {
        Arbitrary<UUID> ids = Arbitraries.create(UUID::randomUUID);
        Arbitrary<LocalDate> dates = Arbitraries.integers().between(0, 365 * 20).map(d -> LocalDate.of(2000, 1, 1).plusDays(d));
        Arbitrary<ObjectNode> heads = Combinators.combine(ids, Arbitraries.of("PNH", "SRP"), dates, Arbitraries.integers().between(1, 40))
                .as((id, office, date, count) -> {
                    ObjectNode r = NODES.objectNode();
                    r.put("id", id.toString());
                    r.put("program", "cases");
                    r.put("office", office);
                    r.put("date", date.toString());
                    r.put("count", count);
                    return r;
                });
        Arbitrary<String> activities = Arbitraries.of("intake", "counselling", "meeting", "training");
        return Combinators.combine(heads, activities, subjects(), intakeAttributes(), tallies()).as((head, type, subject, attributes, tallies) -> {
            ObjectNode r = head.deepCopy();
            r.put("type", type);
            switch (type) {
                case "intake" -> {
                    r.set("attributes", attributes);
                    if (subject != null) {
                        ((ObjectNode) subject).put("role", subject.path("role").asText().equals("victim") ? "victim" : "reporter");
                        r.set("subject", subject);
                    }
                }
                case "counselling" -> r.set("subject", subject == null ? subjectOf("victim", "F") : subject);
                case "training" -> r.set("participants", tallies);
                default -> { }
            }
            return r;
        });
    }

    private static ObjectNode subjectOf(String role, String sex) {
        ObjectNode s = NODES.objectNode();
        s.put("role", role);
        s.put("sex", sex);
        return s;
    }

    /** A subject block, or null for none; with a ref (ours, marked) or anonymous, with or without age. */
    private Arbitrary<JsonNode> subjects() {
        return Combinators.combine(refs().injectNull(0.3), Arbitraries.of("victim", "family"), Arbitraries.of("F", "M", "X", "U"),
                Arbitraries.integers().between(0, 120).injectNull(0.3)).as((ref, role, sex, age) -> {
                    ObjectNode s = subjectOf(role, sex);
                    if (ref != null) {
                        s.put("ref", ref.trim());
                    }
                    if (age != null) {
                        s.put("age", age);
                    }
                    return (JsonNode) s;
                }).injectNull(0.2);
    }

    private Arbitrary<ObjectNode> intakeAttributes() {
        return Combinators.combine(Arbitraries.of("hotline", "email"), Arbitraries.strings().alpha().ofMaxLength(10).injectNull(0.5),
                Arbitraries.integers().between(0, 5).injectNull(0.5), Arbitraries.of(true, false).injectNull(0.5))
                .as((channel, note, calls, urgent) -> {
                    ObjectNode a = NODES.objectNode();
                    a.put("channel", channel);
                    if (note != null) {
                        a.put("note", note);
                    }
                    if (calls != null) {
                        a.put("calls", calls);
                    }
                    if (urgent != null) {
                        a.put("urgent", urgent);
                    }
                    return a;
                });
    }

    private Arbitrary<ArrayNode> tallies() {
        Arbitrary<ObjectNode> tally = Combinators.combine(Arbitraries.of("student", "villager"), Arbitraries.of("F", "M", "X", "U"),
                Arbitraries.integers().between(0, 200)).as((group, sex, count) -> {
                    ObjectNode t = NODES.objectNode();
                    t.put("group", group);
                    t.put("sex", sex);
                    t.put("count", count);
                    return t;
                });
        return tally.list().ofMaxSize(4).uniqueElements(t -> t.get("group").asText() + t.get("sex").asText()).map(list -> {
            ArrayNode array = NODES.arrayNode();
            list.forEach(array::add);
            return array;
        });
    }

    /** A change that breaks the contract, with the field and rules a rejection must name. */
    record Mutation(String name, String field, List<String> rules, Consumer<ObjectNode> change) {
        void apply(ObjectNode record) {
            change.accept(record);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @Provide
    Arbitrary<Mutation> mutations() {
        String huge = "x".repeat(1_000_000);
        List<Mutation> all = new ArrayList<>();
        for (String field : List.of("id", "program", "type", "office", "date")) {
            all.add(new Mutation("missing " + field, field, List.of("required"), r -> r.remove(field)));
        }
        all.add(new Mutation("an extra field", "remark", List.of("unknown_field"), r -> r.put("remark", "x")));
        all.add(new Mutation("id not a UUID", "id", List.of("format"), r -> r.put("id", "rec-17")));
        all.add(new Mutation("count as text", "count", List.of("type"), r -> r.put("count", "three")));
        all.add(new Mutation("count zero", "count", List.of("range"), r -> r.put("count", 0)));
        all.add(new Mutation("count huge", "count", List.of("range", "type"), r -> r.put("count", new BigInteger("9".repeat(40)))));
        all.add(new Mutation("date as number", "date", List.of("type", "format"), r -> r.put("date", 20150814)));
        all.add(new Mutation("date before 2000", "date", List.of("date_too_early"), r -> r.put("date", "1999-12-31")));
        all.add(new Mutation("date in the future", "date", List.of("future_date"), r -> r.put("date", "2999-01-01")));
        all.add(new Mutation("date not a day", "date", List.of("format"), r -> r.put("date", "2015-02-30")));
        all.add(new Mutation("unknown programme", "program", List.of("unknown_program"), r -> r.put("program", "shelter")));
        all.add(new Mutation("unknown office", "office", List.of("unknown_office"), r -> r.put("office", "KEP")));
        all.add(new Mutation("huge office", "office", List.of("unknown_office"), r -> r.put("office", huge)));
        all.add(new Mutation("unknown activity", "type", List.of("unknown_activity"), r -> r.put("type", "dancing")));
        all.add(new Mutation("subject not an object", "subject", List.of("type"), r -> {
            r.put("type", "counselling");
            r.remove(List.of("attributes", "participants"));
            r.set("subject", NODES.arrayNode().add("victim"));
        }));
        all.add(new Mutation("subject missing where required", "subject", List.of("required"), r -> {
            r.put("type", "counselling");
            r.remove(List.of("subject", "attributes", "participants"));
        }));
        all.add(new Mutation("age out of range", "subject.age", List.of("range"), r -> {
            r.put("type", "counselling");
            r.remove(List.of("attributes", "participants"));
            r.set("subject", subjectOf("victim", "F").put("age", 121));
        }));
        all.add(new Mutation("sex not a code", "subject.sex", List.of("enum"), r -> {
            r.put("type", "counselling");
            r.remove(List.of("attributes", "participants"));
            r.set("subject", subjectOf("victim", "female"));
        }));
        all.add(new Mutation("a subject where none is allowed", "subject", List.of("subject_not_allowed"), r -> {
            r.put("type", "meeting");
            r.remove(List.of("attributes", "participants"));
            r.set("subject", subjectOf("victim", "F"));
        }));
        all.add(new Mutation("note too long", "attributes.note", List.of("max_length"), r -> intake(r).put("note", "abcdefghijk")));
        all.add(new Mutation("huge note", "attributes.note", List.of("max_length"), r -> intake(r).put("note", huge)));
        all.add(new Mutation("calls out of range", "attributes.calls", List.of("range"), r -> intake(r).put("calls", 6)));
        all.add(new Mutation("urgent as text", "attributes.urgent", List.of("type"), r -> intake(r).put("urgent", "yes")));
        all.add(new Mutation("channel missing", "attributes.channel", List.of("required"), r -> intake(r).remove("channel")));
        all.add(new Mutation("unknown attribute", "attributes.colour", List.of("unknown_attribute"), r -> intake(r).put("colour", "red")));
        all.add(new Mutation("participants where none are declared", "participants", List.of("participants_not_allowed"), r -> {
            r.put("type", "meeting");
            r.remove(List.of("attributes", "subject"));
            r.set("participants", NODES.arrayNode());
        }));
        all.add(new Mutation("a tally count below zero", "participants[0].count", List.of("range"), r -> {
            r.put("type", "training");
            r.remove(List.of("attributes", "subject"));
            r.set("participants", NODES.arrayNode().add(NODES.objectNode().put("group", "student").put("sex", "F").put("count", -1)));
        }));
        return Arbitraries.of(all);
    }

    /** Makes the record a valid case intake (subject optional) and returns its attributes. */
    private static ObjectNode intake(ObjectNode r) {
        r.put("type", "intake");
        r.remove(List.of("participants", "subject"));
        ObjectNode attributes = NODES.objectNode().put("channel", "hotline");
        r.set("attributes", attributes);
        return attributes;
    }

    /** Where a sender could put a ref: the right place in odd shapes, and wrong places. */
    record Misplacement(String name, BiConsumer<ObjectNode, String> placing) {
        void put(ObjectNode record, String ref) {
            placing.accept(record, ref);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @Provide
    Arbitrary<Misplacement> misplacements() {
        return Arbitraries.of(
                new Misplacement("ref as a number-like string", (r, ref) -> block(r).put("ref", ref)),
                new Misplacement("ref as an object", (r, ref) -> block(r).set("ref", NODES.objectNode().put("code", ref))),
                new Misplacement("ref as an array", (r, ref) -> block(r).set("ref", NODES.arrayNode().add(ref))),
                new Misplacement("subject as the ref", (r, ref) -> r.put("subject", ref)),
                new Misplacement("subject as an array", (r, ref) -> r.set("subject", NODES.arrayNode().add(ref))),
                new Misplacement("ref spelt Ref", (r, ref) -> block(r).put("Ref", ref)),
                new Misplacement("a subject field named by the ref", (r, ref) -> block(r).put(ref, true)),
                new Misplacement("the ref beside the subject", (r, ref) -> r.put("ref", ref)),
                new Misplacement("a top-level field named by the ref", (r, ref) -> r.put(ref, 1)),
                new Misplacement("the ref as the office", (r, ref) -> r.put("office", ref)),
                new Misplacement("the ref as the programme", (r, ref) -> r.put("program", ref)),
                new Misplacement("the ref as the activity", (r, ref) -> r.put("type", ref)),
                new Misplacement("the ref as the role", (r, ref) -> block(r).put("role", ref)),
                new Misplacement("the ref as the sex", (r, ref) -> block(r).put("sex", ref)),
                new Misplacement("the ref as the age", (r, ref) -> block(r).put("age", ref)),
                new Misplacement("the ref as the count", (r, ref) -> r.put("count", ref)),
                new Misplacement("the ref as the date", (r, ref) -> r.put("date", ref)),
                new Misplacement("the ref as an enum attribute", (r, ref) -> intake(r).put("channel", ref)),
                new Misplacement("the ref as an unknown attribute", (r, ref) -> intake(r).put("case", ref)),
                new Misplacement("the ref naming an attribute", (r, ref) -> intake(r).put(ref, "x")),
                new Misplacement("the ref as a tally group", (r, ref) -> {
                    r.put("type", "training");
                    r.remove(List.of("attributes", "subject"));
                    r.set("participants", NODES.arrayNode().add(NODES.objectNode().put("group", ref).put("sex", "F").put("count", 1)));
                }),
                new Misplacement("the ref naming a tally field", (r, ref) -> {
                    r.put("type", "training");
                    r.remove(List.of("attributes", "subject"));
                    r.set("participants", NODES.arrayNode().add(NODES.objectNode().put("group", "student").put("sex", "F").put(ref, 1)));
                }),
                new Misplacement("a key chosen by the sender beside the ref", (r, ref) -> block(r).put("ref", ref)
                        .put("key", UUID.randomUUID().toString())));
    }

    /** The record's subject block, made a counselling record's if it has none. */
    private static ObjectNode block(ObjectNode r) {
        if (!r.path("subject").isObject()) {
            r.put("type", "counselling");
            r.remove(List.of("attributes", "participants"));
            r.set("subject", subjectOf("victim", "F"));
        }
        return (ObjectNode) r.get("subject");
    }

    /** A line that is not a record, holding the ref. */
    record BrokenLine(String name, String rule, Function<String, byte[]> make) {
        byte[] bytes(String ref) {
            return make.apply(ref);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @Provide
    Arbitrary<BrokenLine> brokenLines() {
        return Arbitraries.of(
                new BrokenLine("cut off", "malformed_json", ref -> utf8("{\"subject\": {\"ref\": \"" + ref)),
                new BrokenLine("escaped", "malformed_json", ref -> utf8("{\"subject\": {\"\\u0072ef\": \"" + ref + "\", ")),
                new BrokenLine("single quotes", "malformed_json", ref -> utf8("{'subject': {'ref': '" + ref + "'}}")),
                new BrokenLine("bare", "malformed_json", ref -> utf8(ref.replace("\"", "").replace("\\", ""))),
                new BrokenLine("trailing text", "malformed_json", ref -> utf8("{\"subject\": {\"role\": \"victim\"}} " + ref)),
                new BrokenLine("an array", "malformed_json", ref -> utf8("[\"" + ref.replace("\"", "").replace("\\", "") + "\"]")),
                new BrokenLine("huge", "malformed_json", ref -> utf8("{\"subject\": {\"ref\": \"" + ref + "x".repeat(2_000_000))),
                new BrokenLine("not UTF-8", "encoding", ref -> {
                    byte[] text = utf8("{\"subject\": {\"ref\": \"" + ref + "\"}, \"note\": \"caf");
                    byte[] bytes = Arrays.copyOf(text, text.length + 3);
                    bytes[text.length] = (byte) 0xE9;
                    bytes[text.length + 1] = '"';
                    bytes[text.length + 2] = '}';
                    return bytes;
                }));
    }

    // --- helpers

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static PublishResult submit(ObjectNode record) {
        return ingest.submit(Submission.create("tester", "test", null, List.of(Submission.item(1, record))));
    }

    private static Canonical.Form canonical(ObjectNode record) {
        Item item = Submission.item(1, record.deepCopy());
        Submission s = Submission.create("t", "test", null, List.of(item));
        pseudonymise.process(s);
        validate.process(s);
        assertThat(item.violations()).isEmpty();
        return new Canonical.Form(item.canonical(), item.contentHash());
    }

    private static ObjectNode reversed(ObjectNode record) {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = record.fields(); it.hasNext(); ) {
            entries.add(it.next());
        }
        Collections.reverse(entries);
        ObjectNode out = NODES.objectNode();
        for (Map.Entry<String, JsonNode> e : entries) {
            out.set(e.getKey(), e.getValue().isObject() ? reversed((ObjectNode) e.getValue()) : e.getValue().deepCopy());
        }
        return out;
    }

    /** What a try can have stored: its rejection (every column) and its record versions. */
    private static void assertNothingStoredHolds(String text) {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT concat_ws(' | ', record_id, program, office, field, rule, reason, body, line_hmac) FROM dead_letter"
                     + " WHERE concat_ws(' | ', record_id, program, office, field, rule, reason, body, line_hmac) LIKE '%" + text + "%'"
                     + " UNION ALL SELECT body FROM record_version WHERE body LIKE '%" + text + "%' LIMIT 1")) {
            assertThat(rs.next() ? rs.getString(1) : null).as("stored").isNull();
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    /** No text column of any table holds the text (DuckDB may compress a string on disk; SQL sees it whole). */
    private static void assertNoColumnHolds(String text) {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
            List<String[]> columns = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT table_name, column_name FROM information_schema.columns"
                    + " WHERE table_schema = 'main' AND data_type = 'VARCHAR'")) {
                while (rs.next()) {
                    columns.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
            assertThat(columns).hasSizeGreaterThan(10);
            for (String[] column : columns) {
                try (ResultSet rs = s.executeQuery("SELECT \"" + column[1] + "\" FROM \"" + column[0] + "\" WHERE \"" + column[1]
                        + "\" LIKE '%" + text + "%' LIMIT 1")) {
                    assertThat(rs.next() ? rs.getString(1) : null).as(column[0] + "." + column[1]).isNull();
                }
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }
}
