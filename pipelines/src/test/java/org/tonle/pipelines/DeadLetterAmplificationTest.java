package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.pipelines.imports.NdjsonSource;
import org.tonle.warehouse.DeadLetter;
import org.tonle.warehouse.DeadLetterStore;
import org.tonle.warehouse.Warehouse;

/**
 * One record with many problems (here 3,000 unknown members, a 29 KB line) once became one dead
 * letter per problem, each holding the whole pseudonymised body (about 99 KB: every unknown
 * value is hashed into a longer mark): 3,000 rows, about 300 MB in the warehouse, growing with
 * the square of the line (a 1 MB line would have written hundreds of GB, from one request of any
 * staff principal, an inbox file, or at headquarters one forwarded change). Now the body is
 * stored once and at most {@link GroupCommitWriter#MAX_KEPT_PER_RECORD} problems are kept.
 */
class DeadLetterAmplificationTest {

    @TempDir
    Path dir;

    @Test
    void aRecordWithManyProblemsDoesNotStoreItsBodyOncePerProblem() throws Exception {
        try (IngestPipeline pipeline = new IngestPipeline(dir.resolve("w.duckdb"))) {
            Warehouse warehouse = pipeline.warehouse;
            Ingest ingest = pipeline.ingest;
            StringBuilder text = new StringBuilder("{\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"program\":\"cases\",\"type\":\"meeting\","
                    + "\"office\":\"PNH\",\"date\":\"2015-01-01\"");
            for (int i = 0; i < 3000; i++) {
                text.append(",\"u").append(i).append("\":1");
            }
            byte[] body = text.append("}").toString().getBytes(StandardCharsets.US_ASCII);
            ingest.submit(Submission.create("tester", "test", null, NdjsonSource.items(body, NdjsonSource.Wording.BODY)));
            try (Connection c = warehouse.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT coalesce(sum(length(body)), 0) FROM dead_letter")) {
                rs.next();
                // A bound linear in the line (a few copies of its pseudonymised body), not in its square.
                assertThat(rs.getLong(1)).isLessThan(20L * 4 * body.length);
            }
            // At most MAX_KEPT_PER_RECORD rows, the last saying how many more there were; each shows the body.
            List<DeadLetter> kept = new DeadLetterStore(warehouse).list(null, null, "open", null, null, 10_000);
            assertThat(kept).hasSize(GroupCommitWriter.MAX_KEPT_PER_RECORD);
            assertThat(kept).allSatisfy(d -> assertThat(d.body()).contains("\"program\":\"cases\""));
            assertThat(kept).filteredOn(d -> d.reason().contains("more problems of this record, not kept")).singleElement()
                    .satisfies(d -> assertThat(d.reason()).contains("and " + (3000 - GroupCommitWriter.MAX_KEPT_PER_RECORD) + " more"));
        }
    }
}
