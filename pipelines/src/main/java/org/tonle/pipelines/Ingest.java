package org.tonle.pipelines;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.tonle.core.Json;
import org.tonle.programme.api.ActivityRecord;
import org.tonle.programme.api.PublishResult;
import org.tonle.programme.api.RecordPublisher;

/**
 * The entry to the ingest route for Java callers: the REST resources, importers, and bundles
 * (as their {@link RecordPublisher}).
 */
public final class Ingest implements RecordPublisher {

    private static final ObjectMapper JSON = Json.MAPPER;

    private final ProducerTemplate producer;
    private final GroupCommitWriter writer;

    public Ingest(CamelContext camel, GroupCommitWriter writer) {
        this.producer = camel.createProducerTemplate();
        this.writer = writer;
    }

    /** Sends a submission down the pipeline and returns once its accepted records are committed. */
    public PublishResult submit(Submission submission) {
        try {
            producer.requestBody(IngestRoutes.INGEST, submission);
        } catch (CamelExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
        return submission.result();
    }

    /**
     * Voids a live record through the pipeline, unaudited (a remote office's void is audited
     * where it was made).
     *
     * @return false when there is no live record with this id
     */
    public boolean voidRecord(UUID id, String principal, String source) {
        return submit(Submission.voiding(principal, source, id)).accepted() == 1;
    }

    /** What the pipeline's single writer has done since start (for /metrics). */
    public GroupCommitWriter.Stats writerStats() {
        return writer.stats();
    }

    @Override
    public PublishResult publish(List<ActivityRecord> records, String source) {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            items.add(Submission.item(i + 1, JSON.valueToTree(asWire(records.get(i)))));
        }
        return submit(Submission.create("bundle:" + source, "bundle:" + source, null, items));
    }

    /** A record in the wire shape of DESIGN.md section 4, so bundle records are validated like any other. */
    private static ObjectNode asWire(ActivityRecord r) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", r.id());
        node.put("program", r.program());
        node.put("type", r.type());
        node.put("office", r.office());
        if (r.date() != null) {
            node.put("date", r.date().toString());
        }
        if (r.subject() != null) {
            ObjectNode subject = node.putObject("subject");
            if (r.subject().ref() != null) {
                subject.put("ref", r.subject().ref());
            }
            subject.put("role", r.subject().role());
            subject.put("sex", r.subject().sex());
            if (r.subject().age() != null) {
                subject.put("age", r.subject().age());
            }
        }
        node.put("count", r.count());
        if (!r.attributes().isEmpty()) {
            node.set("attributes", JSON.valueToTree(r.attributes()));
        }
        if (!r.participants().isEmpty()) {
            node.set("participants", JSON.valueToTree(r.participants()));
        }
        return node;
    }
}
