package org.tonle.programmes;

import java.io.IOException;
import java.nio.file.Path;
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
import org.tonle.pipelines.Quarantine;
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
 * translator refuses it) is kept only sealed under the node's key ({@link Quarantine}), in
 * {@code .failed/} beside the file it came from, and the exchange completes, so the file route
 * deletes the raw file: a form holds a raw case code, which stays on disk in clear nowhere.
 * {@code bin/tonle unseal} gives an operator the file back to fix and drop in again.
 */
public final class IntakeEndpoint extends RouteBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(IntakeEndpoint.class);
    private static final ObjectMapper JSON = Json.MAPPER;

    private final BundleContext context;
    private final RecordPublisher publisher;
    private final Quarantine quarantine;
    private final Path intake;

    /** @param intake the node's intake folder; sealed files of submissions not read from a file go to its {@code .failed/} */
    public IntakeEndpoint(BundleContext context, RecordPublisher publisher, Quarantine quarantine, Path intake) {
        this.context = context;
        this.publisher = publisher;
        this.quarantine = quarantine;
        this.intake = intake.toAbsolutePath().normalize();
    }

    @Override
    public void configure() {
        // A failure to store goes back to the programme's route (RouteErrors), which logs it once; its file stays.
        from(IntakeTranslator.ENDPOINT).routeId("tonle-intake")
                .process(this::intakeOrSeal);
    }

    /**
     * A submission that cannot be read is sealed and the exchange completes; one that was read
     * but could not be stored (the warehouse failed) fails the exchange, so the file stays where
     * it was dropped and the route tries it again.
     */
    private void intakeOrSeal(Exchange exchange) throws IOException {
        String name = exchange.getMessage().getHeader(IntakeTranslator.HEADER, String.class);
        String source = exchange.getMessage().getHeader(Exchange.FILE_NAME, "submission", String.class);
        List<ActivityRecord> records;
        try {
            records = read(exchange, name, source);
        } catch (RuntimeException e) {
            Path sealed = quarantine.seal(failedFolder(exchange), Path.of(source).getFileName().toString(),
                    exchange.getMessage().getBody(byte[].class));
            // One line naming the file and why (locations and our own words), never its content.
            LOG.warn("Intake: {}; kept sealed as {} (bin/tonle unseal)", e.getMessage(), sealed);
            exchange.getMessage().setBody(new PublishResult(0, 0, List.of()));
            return;
        }
        PublishResult result = publisher.publish(records, "intake:" + name + ":" + source);
        if (!result.rejected().isEmpty()) {
            // Rejected records are in the dead-letter store with their reasons, as for any entry point.
            LOG.warn("Intake {}: {} of {} records from {} rejected (see GET /api/v1/rejections)", name,
                    result.rejected().size(), records.size(), source);
        }
        exchange.getMessage().setBody(result);
    }

    /** {@code .failed/} beside the file, when it came from a folder under the intake folder. */
    private Path failedFolder(Exchange exchange) {
        String parent = exchange.getMessage().getHeader(Exchange.FILE_PARENT, String.class);
        if (parent != null) {
            Path folder = Path.of(parent).toAbsolutePath().normalize();
            if (folder.startsWith(intake)) {
                return folder.resolve(".failed");
            }
        }
        return intake.resolve(".failed");
    }

    /** The records of a submission, or an exception saying (without its content) why it cannot be read. */
    private List<ActivityRecord> read(Exchange exchange, String name, String source) {
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
        return translate(name, form, source);
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
