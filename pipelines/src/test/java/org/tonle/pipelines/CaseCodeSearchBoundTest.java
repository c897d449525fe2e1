package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.pipelines.imports.NdjsonSource;
import org.tonle.programme.api.PublishResult;
import org.tonle.warehouse.DeadLetter;
import org.tonle.warehouse.DeadLetterStore;

/**
 * An attacker's text: 100,000 characters of {@code a1b2c3…} in one attribute, with a case code in
 * it. Searched for case codes, it once cost 43 s of CPU and asked the warehouse about 55 million
 * keys in one query string (the node's heap is 2 GB). No attribute may be that long, so the record
 * is rejected before the search, on both ingest paths (the draft path of NDJSON bodies and
 * imports, the tree path of records already parsed), and its dead letter keeps neither the text
 * nor the code; the records beside it are stored.
 */
class CaseCodeSearchBoundTest {

    @TempDir
    Path dir;

    static final String LONG_TEXT = "a1b2c3d4e5f6g7h8 ".repeat(5_900) + "met PNH-C-0042 again";

    static String record(String id, String note) {
        return "{\"id\":\"" + id + "\",\"program\":\"cases\",\"type\":\"intake\",\"office\":\"PNH\",\"date\":\"2015-08-14\","
                + "\"subject\":{\"ref\":\"PNH-C-0042\",\"role\":\"victim\",\"sex\":\"F\",\"age\":16},"
                + "\"attributes\":{\"channel\":\"hotline\",\"note\":\"" + note + "\"}}";
    }

    @Test
    void aTextLongerThanAnyAttributeMayBeIsRejectedUnsearchedOnTheDraftPath() throws Exception {
        String longOne = UUID.randomUUID().toString();
        byte[] body = (record(longOne, LONG_TEXT) + "\n" + record(UUID.randomUUID().toString(), "short") + "\n")
                .getBytes(StandardCharsets.UTF_8);
        try (IngestPipeline pipeline = new IngestPipeline(dir.resolve("w.duckdb"))) {
            PublishResult result = pipeline.ingest.submit(Submission.create("tester", "test", null,
                    NdjsonSource.items(body, NdjsonSource.Wording.BODY)));
            assertRejectedAndWithheld(pipeline, result, longOne);
        }
    }

    @Test
    void aTextLongerThanAnyAttributeMayBeIsRejectedUnsearchedOnTheTreePath() throws Exception {
        String longOne = UUID.randomUUID().toString();
        try (IngestPipeline pipeline = new IngestPipeline(dir.resolve("w.duckdb"))) {
            PublishResult result = pipeline.ingest.submit(Submission.create("tester", "test", null, List.of(
                    Submission.item(1, Fixtures.record(record(longOne, LONG_TEXT))),
                    Submission.item(2, Fixtures.record(record(UUID.randomUUID().toString(), "short"))))));
            assertRejectedAndWithheld(pipeline, result, longOne);
        }
    }

    private static void assertRejectedAndWithheld(IngestPipeline pipeline, PublishResult result, String longOne) {
        assertThat(result.accepted()).isEqualTo(1);
        assertThat(result.rejected()).singleElement().satisfies(r -> {
            assertThat(r.id()).isEqualTo(longOne);
            assertThat(r.field()).isEqualTo("attributes.note");
            assertThat(r.rule()).isEqualTo("max_length");
            assertThat(r.reason()).contains("100,").contains("8,192");
        });
        List<DeadLetter> letters = new DeadLetterStore(pipeline.warehouse).list(null, null, "open", null, null, 10);
        assertThat(letters).singleElement().satisfies(letter -> assertThat(letter.body())
                .contains(WithheldValues.WITHHELD).doesNotContain("a1b2c3").doesNotContain("0042"));
    }
}
