package org.tonle.host.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.tonle.pipelines.Item;

/** NDJSON request bodies: lines found as bytes, numbered by record, each parsed on its own. */
class NdjsonBodyTest {

    @Test
    void recordsAreNumberedByPositionAcrossBlankLinesAndCrLf() {
        List<Item> items = ActivityService.ndjsonItems(bytes("{\"id\":\"a\"}\r\n\r\n  \n{\"id\":\"b\"}\n{\"id\":\"c\"}"));
        assertThat(items).extracting(Item::line).containsExactly(1, 2, 3);
        assertThat(items).extracting(Item::recordId).containsExactly("a", "b", "c");
        assertThat(items).allMatch(Item::pending);
    }

    @Test
    void aBadLineIsRejectedOnItsOwnWithItsLength() {
        List<Item> items = ActivityService.ndjsonItems(bytes("{\"id\":\"a\"}\n{\"id\":\"b\",\n[1,2]\n{\"id\":\"ក\"}\n"));
        assertThat(items).hasSize(4);
        assertThat(items.get(0).pending()).isTrue();
        assertThat(items.get(1).violations()).singleElement().satisfies(v -> {
            assertThat(v.rule()).isEqualTo("malformed_json");
            assertThat(v.reason()).startsWith("record 2 is not valid JSON");
        });
        assertThat(items.get(1).lineLength()).isEqualTo(10);
        assertThat(items.get(0).lineLength()).isNull();
        assertThat(items.get(2).violations()).singleElement().satisfies(v -> assertThat(v.reason()).contains("not a JSON object"));
        assertThat(items.get(3).recordId()).isEqualTo("ក");
    }

    @Test
    void aLineThatIsNotUtf8IsRejectedAsAnEncodingProblemWithoutItsBytes() {
        byte[] latin1 = "{\"id\":\"a\"}\n{\"id\":\"b\",\"note\":\"caf\u00e9\"}\n".getBytes(StandardCharsets.ISO_8859_1);
        List<Item> items = ActivityService.ndjsonItems(latin1);
        assertThat(items.get(0).pending()).isTrue();
        assertThat(items.get(1).violations()).singleElement().satisfies(v -> {
            assertThat(v.rule()).isEqualTo("encoding");
            assertThat(v.reason()).isEqualTo("record 2 holds bytes that are not UTF-8 text; send the body as UTF-8");
        });
        assertThat(items.get(1).lineLength()).isEqualTo(26);
    }

    @Test
    void anEmptyBodyHasNoRecords() {
        assertThat(ActivityService.ndjsonItems(bytes(""))).isEmpty();
        assertThat(ActivityService.ndjsonItems(bytes("\n\r\n"))).isEmpty();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
