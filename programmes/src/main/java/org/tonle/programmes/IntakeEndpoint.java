package org.tonle.programmes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.core.Json;
import org.tonle.programme.api.ActivityRecord;
import org.tonle.programme.api.IntakeTranslator;
import org.tonle.programme.api.PublishResult;
import org.tonle.programme.api.RecordPublisher;

/**
 * The host's intake endpoint {@value IntakeTranslator#ENDPOINT}, where programme routes hand
 * over submissions. The header {@value IntakeTranslator#HEADER} names the programme's
 * {@link IntakeTranslator}; the body is one JSON object in that programme's own format. The
 * records go through the one ingest pipeline; the exchange's body becomes the
 * {@link PublishResult}. A submission that cannot be read at all (not JSON, no translator, the
 * translator refuses it) fails the exchange, so a file route moves it to its failed folder.
 */
public final class IntakeEndpoint extends RouteBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(IntakeEndpoint.class);
    private static final ObjectMapper JSON = Json.MAPPER;

    private final BundleContext context;
    private final RecordPublisher publisher;

    public IntakeEndpoint(BundleContext context, RecordPublisher publisher) {
        this.context = context;
        this.publisher = publisher;
    }

    @Override
    public void configure() {
        // A failure goes back to the programme's route (RouteErrors), which sets its file aside.
        from(IntakeTranslator.ENDPOINT).routeId("tonle-intake")
                .process(this::intake);
    }

    private void intake(Exchange exchange) {
        String name = exchange.getMessage().getHeader(IntakeTranslator.HEADER, String.class);
        String source = exchange.getMessage().getHeader(Exchange.FILE_NAME, "submission", String.class);
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(source + ": no translator named; set the header " + IntakeTranslator.HEADER);
        }
        Map<String, Object> form;
        try {
            form = JSON.readValue(exchange.getMessage().getBody(String.class), new TypeReference<>() { });
        } catch (JsonProcessingException e) {
            // Where, not what: Jackson's own message quotes the text it choked on, and a form's
            // text holds raw case codes.
            throw new IllegalArgumentException(source + " is not a JSON object" + (e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        }
        List<ActivityRecord> records = translate(name, form, source);
        PublishResult result = publisher.publish(records, "intake:" + name + ":" + source);
        if (!result.rejected().isEmpty()) {
            // Rejected records are in the dead-letter store with their reasons, as for any entry point.
            LOG.warn("Intake {}: {} of {} records from {} rejected (see GET /api/v1/rejections)", name,
                    result.rejected().size(), records.size(), source);
        }
        exchange.getMessage().setBody(result);
    }

    private List<ActivityRecord> translate(String name, Map<String, Object> form, String source) {
        List<ServiceReference<IntakeTranslator>> references;
        try {
            references = new ArrayList<>(context.getServiceReferences(IntakeTranslator.class,
                    "(" + IntakeTranslator.NAME_PROPERTY + "=" + name.replaceAll("[()*\\\\]", "") + ")"));
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("no intake translator is named '" + name + "'");
        }
        references.sort(null);
        for (int i = references.size() - 1; i >= 0; i--) {
            ServiceReference<IntakeTranslator> reference = references.get(i);
            IntakeTranslator translator = context.getService(reference);
            if (translator == null) {
                continue;
            }
            try {
                return translator.translate(form, source);
            } finally {
                context.ungetService(reference);
            }
        }
        throw new IllegalStateException("no intake translator '" + name + "' is running; is its programme bundle active?");
    }
}
