package org.tonle.host.service;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.tonle.core.Json;
import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.pipelines.Ingest;
import org.tonle.pipelines.Item;
import org.tonle.pipelines.PeriodLock;
import org.tonle.pipelines.Submission;
import org.tonle.pipelines.imports.NdjsonSource;
import org.tonle.programme.api.PublishResult;
import org.tonle.warehouse.RecordOffices;

/**
 * Turns request bodies (one object, an array, or NDJSON) into submissions for the ingest
 * pipeline, and audits every write.
 */
public final class ActivityService {

    public static final String NDJSON = "application/x-ndjson";

    private static final ObjectMapper JSON = Json.MAPPER;

    private final Ingest ingest;
    private final long maxBodyBytes;
    private final RecordOffices offices;

    public ActivityService(Ingest ingest, long maxBodyBytes, RecordOffices offices) {
        this.ingest = ingest;
        this.maxBodyBytes = maxBodyBytes;
        this.offices = offices;
    }

    /** Staff change only records of their own offices; a record elsewhere is answered 403. */
    private void checkOfficeOf(Caller caller, String id) {
        if (caller.officeScope() == null) {
            return;
        }
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw RequestRefused.invalid("id must be a UUID");
        }
        offices.officeOf(uuid).filter(office -> !caller.officeScope().contains(office)).ifPresent(office -> {
            throw RequestRefused.notPermitted("record " + id + " belongs to office " + office
                    + "; you may change records of " + String.join(", ", caller.officeScope()) + " only");
        });
    }

    public PublishResult create(Caller caller, InputStream body, boolean ndjson) {
        List<Item> items = ndjson ? ndjsonItems(read(body)) : jsonItems(read(body));
        // Audited in the transaction that stores the records: a write is never stored unaudited.
        return ingest.submit(Submission.create(caller.name(), "http", caller.officeScope(), items)
                .audited(caller.role().id(), "write", "POST /api/v1/activities"));
    }

    public PublishResult correct(Caller caller, String id, InputStream body) {
        uuid(id);
        checkOfficeOf(caller, id);
        List<Item> items = jsonItems(read(body));
        if (items.size() != 1 || items.get(0).node() == null) {
            throw RequestRefused.invalid("a correction is one record as a JSON object");
        }
        // Audited with its trail (the body before and after) in the transaction that stores it.
        return unlessLocked(ingest.submit(new Submission(caller.name(), "http", caller.officeScope(), Submission.Mode.CORRECT, id,
                false, items).audited(caller.role().id(), "correct", "PUT /api/v1/activities/" + id)));
    }

    /** A correction or void of an approved period cell is refused as a whole (DESIGN.md 9.3): 409 with its rule. */
    private static PublishResult unlessLocked(PublishResult result) {
        result.rejected().stream().filter(r -> PeriodLock.RULE.equals(r.rule())).findFirst().ifPresent(r -> {
            throw new RequestRefused(RequestRefused.Reason.CONFLICT, r.reason(), PeriodLock.RULE);
        });
        return result;
    }

    public boolean voidRecord(Caller caller, String id) {
        UUID uuid = uuid(id);
        checkOfficeOf(caller, id);
        return unlessLocked(ingest.submit(Submission.voiding(caller.name(), "http", uuid)
                .audited(caller.role().id(), "void", "DELETE /api/v1/activities/" + id))).accepted() == 1;
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw RequestRefused.invalid("id must be a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e");
        }
    }

    private byte[] read(InputStream body) {
        try (InputStream in = body) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
                if (total > maxBodyBytes) {
                    throw new RequestRefused(RequestRefused.Reason.TOO_LARGE, "the body is larger than " + maxBodyBytes
                            + " bytes; send large files as an import (bin/tonle import or POST /api/v1/imports)");
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw RequestRefused.invalid("the body could not be read: " + e.getMessage());
        }
    }

    private static List<Item> jsonItems(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw RequestRefused.invalid("the body is not valid JSON" + where(e)
                    + "; send one record, an array of records, or NDJSON as application/x-ndjson");
        } catch (IOException e) {
            throw RequestRefused.invalid("the body could not be read");
        }
        if (root == null || root.isMissingNode()) {
            throw RequestRefused.invalid("the body is empty; send one record, an array of records, or NDJSON");
        }
        List<Item> items = new ArrayList<>();
        if (root.isObject()) {
            items.add(Submission.item(1, (ObjectNode) root));
        } else if (root.isArray()) {
            for (int i = 0; i < root.size(); i++) {
                JsonNode node = root.get(i);
                items.add(node.isObject() ? Submission.item(i + 1, (ObjectNode) node)
                        : Submission.malformed(i + 1, null, "record " + (i + 1) + " is not a JSON object"));
            }
        } else {
            throw RequestRefused.invalid("the body must be a JSON object or an array of objects");
        }
        return items;
    }

    /** One record per non-empty line, through the node's one NDJSON reader; a bad line is rejected on its own. */
    static List<Item> ndjsonItems(byte[] body) {
        return NdjsonSource.items(body, NdjsonSource.Wording.BODY);
    }

    private static String where(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " (at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }
}
