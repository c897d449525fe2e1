package org.tonle.host.api.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.tonle.host.http.JsonMapper;
import org.tonle.host.service.RejectionService;
import org.tonle.host.service.StatusService;
import org.tonle.warehouse.indicators.Cell;
import org.tonle.warehouse.indicators.IndicatorService;

/** The wire records write the members, order and nulls of the JSON contract (DESIGN.md section 5). */
class WireJsonTest {

    private final ObjectMapper json = new JsonMapper().getContext(Object.class);

    @Test
    void aValueRowPutsItsDimensionsBetweenPeriodAndValue() throws Exception {
        Map<String, String> dimensions = new LinkedHashMap<>();
        dimensions.put("sex", "F");
        dimensions.put("office", "PNH");
        assertThat(json.writeValueAsString(ValueRow.of(new Cell("2015-08", dimensions, 12L, false))))
                .isEqualTo("{\"period\":\"2015-08\",\"sex\":\"F\",\"office\":\"PNH\",\"value\":12,\"suppressed\":false}");
        assertThat(json.writeValueAsString(ValueRow.of(new Cell("2015-08", Map.of("sex", "X"), 3L, false).withSuppressed())))
                .isEqualTo("{\"period\":\"2015-08\",\"sex\":\"X\",\"value\":null,\"suppressed\":true}");
        assertThat(json.writeValueAsString(ValueRow.of(new Cell("2015-08", Map.of("sex", "F"), 82L, false), "approved")))
                .isEqualTo("{\"period\":\"2015-08\",\"sex\":\"F\",\"value\":82,\"suppressed\":false,\"revision\":\"approved\"}");
    }

    @Test
    void indicatorValuesLeaveOutTargetsOnlyWhenThereAreNone() throws Exception {
        IndicatorValues without = new IndicatorValues("social.clients_met", "Clients met", "clients", List.of(), List.of());
        assertThat(json.writeValueAsString(without))
                .isEqualTo("{\"indicator\":\"social.clients_met\",\"name\":\"Clients met\",\"unit\":\"clients\",\"rows\":[]}");
        IndicatorValues with = new IndicatorValues("social.clients_met", "Clients met", "clients", List.of(),
                List.of(new IndicatorService.Achievement("2015", 2015, "2015", null, 100.0, null, 80L, 80.0)));
        assertThat(json.readTree(json.writeValueAsString(with)).path("targets").path(0).toString())
                .isEqualTo("{\"period\":\"2015\",\"year\":2015,\"target_period\":\"2015\",\"target\":100.0,\"baseline\":null,\"value\":80,\"achievement\":80.0}");
    }

    @Test
    void analyticsItemsNameAUnitForIndicatorsOnly() throws Exception {
        assertThat(json.writeValueAsString(new AnalyticsAnswer.Item("Clients met", "clients")))
                .isEqualTo("{\"name\":\"Clients met\",\"unit\":\"clients\"}");
        assertThat(json.writeValueAsString(new AnalyticsAnswer.Item("August 2015", null))).isEqualTo("{\"name\":\"August 2015\"}");
    }

    @Test
    void serviceAnswersKeepTheirSnakeCaseMembers() throws Exception {
        assertThat(json.writeValueAsString(new RejectionService.Replayed(2, 1, 0, 1, List.of())))
                .isEqualTo("{\"replayed\":2,\"accepted\":1,\"duplicates\":0,\"not_replayable\":1,\"rejected\":[]}");
        assertThat(json.writeValueAsString(new StatusService.Status(new StatusService.Node(null, "2015-08-01T00:00:00Z", 5, 4),
                Map.of("role", "single"), Map.of())))
                .isEqualTo("{\"node\":{\"office\":null,\"started_at\":\"2015-08-01T00:00:00Z\",\"uptime_seconds\":5,\"programmes\":4},"
                        + "\"transport\":{\"role\":\"single\"}}");
    }

    @Test
    void aReplayBodyTakesIdsFiltersAndFixesAndIgnoresOtherMembers() throws Exception {
        RejectionService.Replay replay = json.readValue("{\"ids\": [3, 4], \"fix\": {\"3\": {\"attributes\": {\"setting\": \"shelter\"}}},"
                + " \"note\": \"ignored\"}", RejectionService.Replay.class);
        assertThat(replay.ids()).containsExactly(3L, 4L);
        assertThat(replay.fix().get("3").at("/attributes/setting").asText()).isEqualTo("shelter");
        assertThat(replay.program()).isNull();
    }
}
