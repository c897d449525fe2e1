package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * DESIGN.md section 2: a raw subject ref never reaches the warehouse, the dead-letter store,
 * any file under the data directory, the log, or an answer — whatever path the record takes
 * (accepted, rejected, malformed, corrected, voided).
 */
class PrivacyIT {

    static final String REF = "SECRET-CASE-4711";

    @Test
    void noRawRefAnywhere(@TempDir Path root) throws Exception {
        Logger rootLogger = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        rootLogger.addAppender(log);
        List<String> answers = new ArrayList<>();
        String id = UUID.randomUUID().toString();
        String record = """
                {"id": "%s", "program": "social", "type": "client_contact", "office": "PNH", "date": "2015-08-03",
                 "subject": {"ref": "%s", "role": "%s", "sex": "F", "age": 12}}""";
        try (TestNode node = TestNode.start(root)) {
            answers.add(node.post("/api/v1/activities", record.formatted(id, REF, "client")).body());
            answers.add(node.post("/api/v1/activities", record.formatted(UUID.randomUUID(), REF, "judge")).body());
            answers.add(node.post("/api/v1/activities", record.formatted(id, REF, "victim")).body());
            answers.add(node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson",
                    "{\"id\": \"1\", \"subject\": {\"ref\": \"" + REF + "\", \"role\": \n{\"subject\": \"" + REF + "\"}\n", null).body());
            answers.add(node.post("/api/v1/activities", "{\"subject\": {\"ref\": \"" + REF + "\"").body());
            answers.add(node.send("PUT", "/api/v1/activities/" + id, TestNode.ADMIN_TOKEN, "application/json",
                    record.formatted(id, REF, "family"), null).body());
            answers.add(node.send("DELETE", "/api/v1/activities/" + id, TestNode.ADMIN_TOKEN, null, null, null).body());
            assertThat(answers.get(0)).contains("\"accepted\":1");
            assertThat(answers.get(1)).contains("subject.role");
        } finally {
            rootLogger.detachAppender(log);
        }
        assertThat(answers).allSatisfy(answer -> assertThat(answer).doesNotContain(REF));
        assertThat(log.list).isNotEmpty().allSatisfy(event -> assertThat(event.getFormattedMessage()).doesNotContain(REF));
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root.resolve("data"))) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).anySatisfy(f -> assertThat(f.getFileName().toString()).isEqualTo("tonle.duckdb"));
        byte[] needle = REF.getBytes(StandardCharsets.UTF_8);
        for (Path file : files) {
            assertThat(indexOf(Files.readAllBytes(file), needle)).as("raw ref in " + file).isEqualTo(-1);
        }
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
