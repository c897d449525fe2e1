package org.tonle.pipelines;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.tonle.programme.api.ActivityRecord;
import org.tonle.programme.api.ParticipantTally;

/**
 * The canonical JSON of a pseudonymised record: keys sorted, defaults written out, the subject
 * as its pseudonymous {@code key}. Two sendings of the same record give the same text, so its
 * SHA-256 decides "duplicate" versus "conflict".
 */
public final class Canonical {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Canonical() {
    }

    public static String json(ActivityRecord r) {
        Map<String, Object> root = new TreeMap<>();
        root.put("id", r.id());
        root.put("program", r.program());
        root.put("type", r.type());
        root.put("office", r.office());
        root.put("date", r.date().toString());
        root.put("count", r.count());
        root.put("attributes", new TreeMap<>(r.attributes()));
        if (r.subject() != null) {
            Map<String, Object> subject = new TreeMap<>();
            subject.put("key", r.subject().ref());
            subject.put("role", r.subject().role());
            subject.put("sex", r.subject().sex());
            subject.put("age", r.subject().age());
            root.put("subject", subject);
        }
        if (!r.participants().isEmpty()) {
            List<Map<String, Object>> tallies = new ArrayList<>();
            for (ParticipantTally t : r.participants()) {
                Map<String, Object> tally = new TreeMap<>();
                tally.put("group", t.group());
                tally.put("sex", t.sex());
                tally.put("count", t.count());
                tallies.add(tally);
            }
            root.put("participants", tallies);
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
