package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.pipelines.imports.NdjsonSource;
import org.tonle.programme.api.PublishResult;

/**
 * A case code typed into a record's {@code id} (not a UUID, so refused): the dead letter withholds
 * it in the body, and must not keep it in clear in its record_id column either (DESIGN.md 2; the
 * answer to the sender repeats the id it sent, as section 4 asks). Through the real route, the draft path and the tree path alike.
 */
class CaseCodeInIdTest {

    @TempDir
    Path dir;
    IngestPipeline pipeline;

    @BeforeEach
    void start() throws Exception {
        pipeline = new IngestPipeline(dir.resolve("w.duckdb"));
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    @Test
    void aCaseCodeSentAsTheIdIsNotStoredInTheDeadLetter() throws Exception {
        // Line 1 is read as a draft (the usual shape), line 2 as a tree (an unknown member).
        String draft = "{\"id\":\"PNH-C-0042\",\"program\":\"cases\",\"type\":\"meeting\",\"office\":\"PNH\",\"date\":\"2015-01-01\"}";
        String tree = "{\"id\":\"SRP/2015/7\",\"program\":\"cases\",\"type\":\"meeting\",\"office\":\"PNH\",\"date\":\"2015-01-01\",\"x\":1}";
        byte[] body = (draft + "\n" + tree).getBytes(StandardCharsets.UTF_8);
        PublishResult result = pipeline.ingest.submit(Submission.create("tester", "test", null, NdjsonSource.items(body, NdjsonSource.Wording.BODY)));

        assertThat(result.rejected()).extracting(PublishResult.Rejection::rule).contains("format");
        assertThat(count("SELECT count(*) FROM dead_letter")).isPositive();
        assertThat(count("SELECT count(*) FROM dead_letter WHERE concat_ws('|', record_id, program, office, field, reason, body)"
                + " LIKE '%PNH-C-0042%' OR concat_ws('|', record_id, program, office, field, reason, body) LIKE '%SRP/2015/7%'")).isZero();
    }

    long count(String sql) throws Exception {
        try (Connection c = pipeline.warehouse.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
