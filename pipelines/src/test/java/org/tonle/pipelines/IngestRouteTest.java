package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.programme.api.PublishResult;
import org.tonle.warehouse.RecordStore;
import org.tonle.warehouse.Warehouse;

/** The real Camel route into a real DuckDB file: duplicates, conflicts, corrections, voids, dead letters. */
class IngestRouteTest {

    static final String RECORD = """
            {"id": "%s", "program": "cases", "type": "counselling", "office": "PNH", "date": "2015-08-14",
             "subject": {"ref": "PNH-C-0042", "role": "victim", "sex": "%s", "age": 16}}""";

    @TempDir
    Path dir;
    Warehouse warehouse;
    IngestPipeline pipeline;
    Ingest ingest;
    RecordStore store;

    @BeforeEach
    void start() throws Exception {
        pipeline = new IngestPipeline(dir.resolve("w.duckdb"));
        warehouse = pipeline.warehouse;
        store = pipeline.store;
        ingest = pipeline.ingest;
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    PublishResult send(Submission.Mode mode, String target, String... records) {
        List<Item> items = new ArrayList<>();
        for (String r : records) {
            items.add(Submission.item(items.size() + 1, Fixtures.record(r)));
        }
        return ingest.submit(new Submission("tester", "test", null, mode, target, false, items));
    }

    PublishResult send(String... records) {
        return send(Submission.Mode.CREATE, null, records);
    }

    long count(String sql) throws Exception {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void validRecordsOfABatchAreKeptWhenOthersAreRejected() throws Exception {
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();
        PublishResult result = send(RECORD.formatted(a, "F"), RECORD.formatted(b, "female"), RECORD.formatted(UUID.randomUUID(), "M"),
                RECORD.formatted(UUID.randomUUID(), "M"));
        assertThat(result.accepted()).isEqualTo(3);
        assertThat(result.rejected()).singleElement().satisfies(r -> {
            assertThat(r.id()).isEqualTo(b);
            assertThat(r.line()).isEqualTo(2);
            assertThat(r.field()).isEqualTo("subject.sex");
            assertThat(r.rule()).isEqualTo("enum");
        });
        assertThat(count("SELECT count(*) FROM fact_activity")).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM dead_letter WHERE rule = 'enum' AND record_id = '" + b + "'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM dead_letter WHERE body LIKE '%PNH-C-0042%'")).isZero();
    }

    @Test
    void resendingIsADuplicateAndDifferentContentUnderTheSameIdAConflict() throws Exception {
        String id = UUID.randomUUID().toString();
        assertThat(send(RECORD.formatted(id, "F")).accepted()).isEqualTo(1);
        PublishResult again = send(RECORD.formatted(id, "F"));
        assertThat(again.duplicates()).isEqualTo(1);
        assertThat(again.accepted()).isZero();
        PublishResult changed = send(RECORD.formatted(id, "M"));
        assertThat(changed.rejected()).singleElement().satisfies(r -> {
            assertThat(r.rule()).isEqualTo("conflict");
            assertThat(r.reason()).contains("PUT /api/v1/activities/" + id);
        });
        assertThat(count("SELECT count(*) FROM fact_activity")).isEqualTo(1);
    }

    @Test
    void theSameIdTwiceInOneSubmissionCountsOnce() throws Exception {
        String id = UUID.randomUUID().toString();
        PublishResult result = send(RECORD.formatted(id, "F"), RECORD.formatted(id, "F"), RECORD.formatted(id, "M"));
        assertThat(result.accepted()).isEqualTo(1);
        assertThat(result.duplicates()).isEqualTo(1);
        assertThat(result.rejected()).extracting(PublishResult.Rejection::rule).containsExactly("conflict");
        assertThat(count("SELECT count(*) FROM fact_activity")).isEqualTo(1);
    }

    @Test
    void aCorrectionReplacesTheFactAndEveryVersionStaysADuplicate() throws Exception {
        String id = UUID.randomUUID().toString();
        send(RECORD.formatted(id, "F"));
        assertThat(send(Submission.Mode.CORRECT, id, RECORD.formatted(id, "M")).accepted()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM fact_activity WHERE sex = 'M'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM fact_activity")).isEqualTo(1);
        // A late retry of the first version must not undo the correction.
        assertThat(send(RECORD.formatted(id, "F")).duplicates()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM fact_activity WHERE sex = 'M'")).isEqualTo(1);
        assertThat(count("SELECT max(version) FROM record_version WHERE record_id = '" + id + "'")).isEqualTo(2);
    }

    @Test
    void correctingAnUnknownRecordIsRejected() {
        String id = UUID.randomUUID().toString();
        assertThat(send(Submission.Mode.CORRECT, id, RECORD.formatted(id, "M")).rejected())
                .extracting(PublishResult.Rejection::rule).containsExactly("not_found");
    }

    @Test
    void aVoidRemovesTheFactButKeepsTheHistory() throws Exception {
        String id = UUID.randomUUID().toString();
        send(RECORD.formatted(id, "F"));
        assertThat(ingest.voidRecord(UUID.fromString(id), "tester", "test")).isTrue();
        assertThat(count("SELECT count(*) FROM fact_activity")).isZero();
        assertThat(count("SELECT count(*) FROM record_version WHERE record_id = '" + id + "'")).isEqualTo(2);
        assertThat(ingest.voidRecord(UUID.fromString(id), "tester", "test")).isFalse();
    }

    @Test
    void malformedLinesAreRejectedOnTheirOwnAndTheirRefsHashed() throws Exception {
        List<Item> items = List.of(Submission.malformed(1, "{\"id\": \"1\", \"subject\": {\"ref\": \"PNH-C-0042\", ", "record 1 is not valid JSON"),
                Submission.item(2, Fixtures.record(RECORD.formatted(UUID.randomUUID(), "F"))));
        PublishResult result = ingest.submit(Submission.create("tester", "test", null, items));
        assertThat(result.accepted()).isEqualTo(1);
        assertThat(result.rejected()).extracting(PublishResult.Rejection::line, PublishResult.Rejection::rule)
                .containsExactly(Tuple.tuple(1, "malformed_json"));
        assertThat(count("SELECT count(*) FROM dead_letter WHERE body LIKE '%PNH-C-0042%'")).isZero();
        assertThat(count("SELECT count(*) FROM dead_letter WHERE rule = 'malformed_json'")).isEqualTo(1);
    }

    @Test
    void theRawRefIsNowhereInTheWarehouseFile() throws Exception {
        send(RECORD.formatted(UUID.randomUUID(), "F"), RECORD.formatted(UUID.randomUUID(), "bad"));
        warehouse.checkpoint();
        byte[] file = Files.readAllBytes(dir.resolve("w.duckdb"));
        assertThat(new String(file, StandardCharsets.ISO_8859_1)).doesNotContain("PNH-C-0042");
    }

    @Test
    void anAuditedWriteIsAuditedOnceWithWhatBecameOfItsRecordsEvenAcrossTransactions() throws Exception {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            items.add(Submission.item(items.size() + 1, Fixtures.record(RECORD.formatted(UUID.randomUUID(), "F"))));
        }
        items.add(Submission.item(items.size() + 1, Fixtures.record(RECORD.formatted(UUID.randomUUID(), "female"))));
        List<Item> again = new ArrayList<>();
        for (Item item : items.subList(0, 4)) {
            again.add(Submission.item(again.size() + 1, item.node().deepCopy()));
        }

        // Five records in transactions of three: the entry comes with the last one, counting all.
        PublishResult first = ingest.submit(Submission.create("tester", "http", null, items).audited("staff", "write", "POST /x"));
        assertThat(first.accepted()).isEqualTo(4);
        assertThat(count("SELECT count(*) FROM audit_log")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM audit_log WHERE principal = 'tester' AND role = 'staff' AND action = 'write'"
                + " AND endpoint = 'POST /x' AND parameters = '{\"records\":5,\"rejected\":1}' AND row_count = 4")).isEqualTo(1);

        // A write that stores nothing (all duplicates) is audited all the same.
        assertThat(ingest.submit(Submission.create("tester", "http", null, again).audited("staff", "write", "POST /x")).duplicates())
                .isEqualTo(4);
        assertThat(count("SELECT count(*) FROM audit_log WHERE row_count = 0 AND parameters = '{\"records\":4,\"rejected\":0}'"))
                .isEqualTo(1);

        // Submissions that do not ask (imports, replay, transport audit otherwise) leave no entry here.
        send(RECORD.formatted(UUID.randomUUID(), "M"));
        assertThat(count("SELECT count(*) FROM audit_log")).isEqualTo(2);
    }

    @Test
    void correctionsAndVoidsTakeTheRouteAndAreAuditedWithTheirTrailInTheirOwnTransaction() throws Exception {
        String id = UUID.randomUUID().toString();
        send(RECORD.formatted(id, "F"));
        List<Item> correction = List.of(Submission.item(1, Fixtures.record(RECORD.formatted(id, "M"))));
        PublishResult corrected = ingest.submit(new Submission("tester", "http", null, Submission.Mode.CORRECT, id, false, correction)
                .audited("staff", "correct", "PUT /x"));
        assertThat(corrected.accepted()).isEqualTo(1);
        // The trail holds the stored body before and after, pseudonymous: the sex changed, no ref anywhere.
        assertThat(count("SELECT count(*) FROM audit_log WHERE action = 'correct' AND row_count = 1"
                + " AND json_extract_string(parameters, '$.before.subject.sex') = 'F'"
                + " AND json_extract_string(parameters, '$.after.subject.sex') = 'M'"
                + " AND json_extract_string(parameters, '$.id') = '" + id + "'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM audit_log WHERE parameters LIKE '%PNH-C-0042%'")).isZero();

        PublishResult voided = ingest.submit(Submission.voiding("tester", "http", UUID.fromString(id)).audited("staff", "void", "DELETE /x"));
        assertThat(voided.accepted()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM audit_log WHERE action = 'void' AND row_count = 1"
                + " AND json_extract_string(parameters, '$.before.subject.sex') = 'M'"
                + " AND json_extract(parameters, '$.after') = 'null'")).isEqualTo(1);
        // Each audit entry was written by the transaction that wrote its version.
        assertThat(count("SELECT count(*) FROM record_version WHERE record_id = '" + id + "'")).isEqualTo(3);

        // A void of nothing is refused, audited as storing nothing, and leaves nothing to replay.
        PublishResult nothing = ingest.submit(Submission.voiding("tester", "http", UUID.randomUUID()).audited("staff", "void", "DELETE /x"));
        assertThat(nothing.rejected()).extracting(PublishResult.Rejection::rule).containsExactly("not_found");
        assertThat(count("SELECT count(*) FROM audit_log WHERE action = 'void' AND row_count = 0")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM dead_letter")).isZero();
    }
}
