package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * One line of a request body (up to ingest.max_body_bytes, 64 MB) with a great many distinct
 * attribute names: the tree path reads it in linear time; the draft reader must not take
 * quadratic time over it (a duplicate check that scans the names read so far), or one request
 * holds a core for minutes. 300,000 names: about a second either way when linear, over a
 * minute when quadratic; the bound is far from both.
 */
class DraftManyAttributesTest {

    @Test
    void aLineOfManyAttributesIsReadInLinearTime() {
        StringBuilder text = new StringBuilder("{\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"attributes\":{");
        for (int i = 0; i < 300_000; i++) {
            text.append(i == 0 ? "" : ",").append("\"a").append(i).append("\":1");
        }
        byte[] line = text.append("},\"attributes2\":0}").toString().getBytes(StandardCharsets.US_ASCII);
        // Not a draft in the end (an unknown member after the attributes): every name is read first.
        Draft draft = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Draft.of(line, 0, line.length, Map.of()));
        assertThat(draft).isNull();
        byte[] twice = "{\"attributes\":{\"a\":1,\"b\":2,\"a\":3}}".getBytes(StandardCharsets.US_ASCII);
        assertThat(Draft.of(twice, 0, twice.length, Map.of())).as("a name twice is still no draft").isNull();
    }

    /**
     * The same line with a case code in every attribute, the code of the line's own subject (so
     * known): the draft is read, and Pseudonymise redacts every value of it, each in constant time
     * (not by looking its name up among all the names again).
     */
    @Test
    void aLineOfManyCaseCodesIsRedactedInLinearTime() {
        StringBuilder text = new StringBuilder("{\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"program\":\"cases\",\"type\":\"intake\","
                + "\"office\":\"PNH\",\"date\":\"2015-01-01\",\"subject\":{\"ref\":\"A1\",\"role\":\"victim\",\"sex\":\"F\"},\"attributes\":{");
        for (int i = 0; i < 200_000; i++) {
            text.append(i == 0 ? "" : ",").append("\"a").append(i).append("\":\"A1\"");
        }
        byte[] line = text.append("}}").toString().getBytes(StandardCharsets.US_ASCII);
        Item item = Submission.read(1, line, 0, line.length, Map.of());
        assertThat(item).isNotNull();
        Submission submission = Submission.create("p", "s", null, List.of(item));
        Pseudonymise pseudonymise = new Pseudonymise(SubjectKeys.of(new byte[32]));
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> pseudonymise.process(submission));
        assertThat(item.draft().attributeValues).containsOnly(CaseCodes.MARK);
        assertThat(item.node().get("attributes").get("a199999").asText()).isEqualTo(CaseCodes.MARK);
    }
}
