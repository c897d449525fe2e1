package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.host.demo.DemoLoader;

/**
 * Online backups through {@code POST /api/v1/backup} and restores through {@code bin/tonle
 * restore} (the packaged command line, as an operator runs it): consistency under concurrent
 * writes, identical figures after a restore, the refusals, and a SIGKILL in the middle.
 */
class BackupIT {

    static final String PASSPHRASE = "a long passphrase for the drill";
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aBackupTakenWhileEightClientsWriteHoldsWholeSubmissionsOnly(@TempDir Path root) throws Exception {
        Path config = root.resolve("node/config");
        TestNode.copy(TestNode.repository().resolve("config"), config);
        // Small warehouse transactions: each 120-record submission spans three of them, so a
        // snapshot taken at any commit would catch submissions half in.
        Path settings = config.resolve("tonle.yaml");
        Files.writeString(settings, Files.readString(settings).replace("batch_size: 5000", "batch_size: 40"));
        int clients = 8;
        int perSubmission = 120;
        Map<UUID, String> submissionOf = new ConcurrentHashMap<>();
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        Set<String> acknowledgedBeforeBackup;
        Set<String> acknowledgedAfterBackup;
        Path backup = root.resolve("node.pgp");
        try (TestNode node = TestNode.start(root.resolve("node"))) {
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                Thread writer = new Thread(() -> {
                    for (int s = 0; !stop.get(); s++) {
                        String submission = "c" + client + "-s" + s;
                        StringBuilder ndjson = new StringBuilder();
                        for (int i = 0; i < perSubmission; i++) {
                            UUID id = UUID.nameUUIDFromBytes((submission + "-r" + i).getBytes(StandardCharsets.UTF_8));
                            submissionOf.put(id, submission);
                            ndjson.append(record(id, i));
                        }
                        TestNode.Response answer = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson",
                                ndjson.toString(), "application/json");
                        if (answer.status() == 200 && answer.json().path("accepted").asInt() == perSubmission) {
                            acknowledged.add(submission);
                        }
                    }
                });
                writer.start();
                writers.add(writer);
            }
            Waiting.until("24 submissions acknowledged before the backup", () -> acknowledged.size() >= 24);
            acknowledgedBeforeBackup = Set.copyOf(acknowledged);
            HttpResponse<InputStream> answer = backup(node.url(), TestNode.ADMIN_TOKEN, PASSPHRASE);
            assertThat(answer.statusCode()).isEqualTo(200);
            try (InputStream in = answer.body()) {
                Files.copy(in, backup);
            }
            acknowledgedAfterBackup = Set.copyOf(acknowledged);
            stop.set(true);
            for (Thread writer : writers) {
                writer.join();
            }
            assertThat(acknowledged.size()).as("writes went on during the backup").isGreaterThan(acknowledgedAfterBackup.size() - 1);
            JsonNode status = node.get("/api/v1/status").json().path("backup").path("last");
            assertThat(status.path("ok").asBoolean()).isTrue();
        }

        Path data = root.resolve("restored/data");
        restore(backup, data, PASSPHRASE).assertSucceeded();
        Map<String, Integer> restored = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + data.resolve("tonle.duckdb"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT record_id FROM record_version")) {
            while (rs.next()) {
                restored.merge(submissionOf.get(rs.getObject(1, UUID.class)), 1, Integer::sum);
            }
        }
        assertThat(restored).as("every submission in the backup is whole").allSatisfy((submission, records) ->
                assertThat(records).as(submission).isEqualTo(perSubmission));
        assertThat(restored.keySet()).as("acknowledged before the backup was asked for").containsAll(acknowledgedBeforeBackup);
        assertThat(acknowledgedAfterBackup).as("nothing in the backup that was not acknowledged by its end").containsAll(restored.keySet());
        System.out.printf("backup under load: %d submissions acknowledged before it, %d in it, %d by its end%n",
                acknowledgedBeforeBackup.size(), restored.size(), acknowledgedAfterBackup.size());

        try (TestNode node = TestNode.start(root.resolve("restored"))) {
            long cases = node.get("/api/v1/indicators/investigation.cases_received/values?period=2015").json()
                    .path("rows").get(0).path("value").asLong();
            assertThat(cases).as("the restored node counts what the backup holds").isEqualTo((long) restored.size() * perSubmission);
        }
    }

    @Test
    void aRestoredNodeAnswersEveryFigureAsTheOriginalDid(@TempDir Path root) throws Exception {
        Path backup = root.resolve("demo.pgp");
        Map<String, String> original;
        try (TestNode node = TestNode.start(root.resolve("original"))) {
            DemoLoader.load(node.node().ingest(), node.config().resolve("demo"));
            original = figures(node);
            HttpResponse<InputStream> answer = backup(node.url(), TestNode.ADMIN_TOKEN, PASSPHRASE);
            assertThat(answer.statusCode()).isEqualTo(200);
            try (InputStream in = answer.body()) {
                Files.copy(in, backup);
            }
            // The backup is sealed: none of the warehouse's text is readable in it.
            assertThat(new String(Files.readAllBytes(backup), StandardCharsets.ISO_8859_1)).doesNotContain("record_version")
                    .doesNotContain("case_intake");
            assertThat(backup(node.url(), TestNode.ADMIN_TOKEN, "short").statusCode()).as("a weak passphrase").isEqualTo(400);
            assertThat(node.get("/api/v1/audit?action=backup").json().path("entries")).hasSize(1);
        }
        assertThat(original).hasSizeGreaterThan(20);

        Path restoredRoot = root.resolve("restored");
        Path data = restoredRoot.resolve("data");
        Cli wrong = restore(backup, data, "not the passphrase of this backup");
        assertThat(wrong.exit).isEqualTo(1);
        assertThat(wrong.output).contains("wrong passphrase");
        assertThat(data).as("the wrong passphrase restores nothing").doesNotExist();

        Files.createDirectories(data);
        Files.writeString(data.resolve("keep-me.txt"), "an operator's file");
        Cli full = restore(backup, data, PASSPHRASE);
        assertThat(full.exit).isEqualTo(1);
        assertThat(full.output).contains("not empty");
        try (var files = Files.list(data)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("keep-me.txt");
        }
        Files.delete(data.resolve("keep-me.txt"));

        restore(backup, data, PASSPHRASE).assertSucceeded();
        try (TestNode node = TestNode.start(restoredRoot)) {
            assertThat(figures(node)).isEqualTo(original);
        }
    }

    @Test
    void aSigkillDuringABackupLeavesTheNodeAndItsDataIntact(@TempDir Path root) throws Exception {
        Path config = root.resolve("config");
        TestNode.copy(TestNode.repository().resolve("config"), config);
        Path data = root.resolve("data");
        List<String> batches = DurabilityIT.batches();
        ChildNode killed = DurabilityIT.start(config, data, root.resolve("server-1.log"));
        DurabilityIT durability = new DurabilityIT();
        try {
            for (String batch : batches) {
                assertThat(durability.post(killed, batch).path("accepted").asInt()).isEqualTo(DurabilityIT.BATCH);
            }
            Thread backup = new Thread(() -> {
                try {
                    backup(killed.url, DurabilityIT.TOKEN, PASSPHRASE).body().transferTo(OutputStream.nullOutputStream());
                } catch (IOException | InterruptedException | RuntimeException cut) {
                    // the node is killed under it
                }
            });
            backup.start();
            // Kill once DuckDB is writing the Parquet exports.
            Path staging = data.resolve("duckdb-spill/backup-staging");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!hasFiles(staging) && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            assertThat(hasFiles(staging)).as("the backup was under way when killed").isTrue();
            killed.kill();
            backup.join();
        } finally {
            killed.kill();
        }

        ChildNode server = DurabilityIT.start(config, data, root.resolve("server-2.log"));
        try {
            assertThat(data.resolve("duckdb-spill/backup-staging")).as("the clear staging copies are gone").doesNotExist();
            long cases = durability.get(server, "/api/v1/indicators/investigation.cases_received/values?period=2015")
                    .path("rows").get(0).path("value").asLong();
            assertThat(cases).isEqualTo(DurabilityIT.RECORDS);
            for (String batch : batches.subList(0, 3)) {
                assertThat(durability.post(server, batch).path("duplicates").asInt()).isEqualTo(DurabilityIT.BATCH);
            }
            // And the next backup works, through the command line an operator uses.
            Cli taken = cli(List.of("backup", "--out", root.resolve("after-kill.pgp").toString(), "--url", server.url),
                    Map.of("TONLE_TOKEN", DurabilityIT.TOKEN, "TONLE_BACKUP_PASSPHRASE", PASSPHRASE));
            taken.assertSucceeded();
            assertThat(taken.output).contains("checked: " + DurabilityIT.RECORDS + " record versions");
        } finally {
            server.stop(Duration.ofSeconds(30));
        }
        restore(root.resolve("after-kill.pgp"), root.resolve("again/data"), PASSPHRASE).assertSucceeded();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + root.resolve("again/data/tonle.duckdb"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM record_version")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(DurabilityIT.RECORDS);
        }
    }

    /** Every indicator the admin sees, for the seed month by each dimension it allows and for the year. */
    static Map<String, String> figures(TestNode node) {
        Map<String, String> figures = new TreeMap<>();
        for (JsonNode indicator : node.get("/api/v1/indicators").json().path("indicators")) {
            String code = indicator.path("code").asText();
            List<String> queries = new ArrayList<>(List.of("period=2015-08", "period=2015", "period=2015-Q3&by=office"));
            for (JsonNode by : indicator.path("by")) {
                queries.add("period=2015-08&by=" + by.asText());
            }
            for (String query : queries) {
                TestNode.Response answer = node.get("/api/v1/indicators/" + code + "/values?" + query);
                figures.put(code + "?" + query, answer.status() + " " + answer.json().path("rows"));
            }
        }
        return figures;
    }

    static String record(UUID id, int i) {
        return "{\"id\":\"" + id + "\",\"program\":\"investigation\",\"type\":\"case_intake\",\"office\":\"" + (i % 2 == 0 ? "PNH" : "SRP")
                + "\",\"date\":\"" + LocalDate.of(2015, 1, 1).plusDays(i % 365) + "\",\"attributes\":{\"channel\":\"hotline\"}}\n";
    }

    static HttpResponse<InputStream> backup(String url, String token, String passphrase) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/backup")).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").timeout(Duration.ofMinutes(5))
                .POST(passphrase == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString("{\"passphrase\":\"" + passphrase + "\"}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
    }

    static boolean hasFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var files = Files.list(dir)) {
            return files.findAny().isPresent();
        } catch (NoSuchFileException gone) {
            return false;
        }
    }

    static Cli restore(Path backup, Path data, String passphrase) throws Exception {
        return cli(List.of("restore", backup.toString(), "--data", data.toString()), Map.of("TONLE_BACKUP_PASSPHRASE", passphrase));
    }

    /** The packaged command line as a child process. */
    static Cli cli(List<String> args, Map<String, String> environment) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-jar", TestNode.repository().resolve("host/target/tonle-host.jar").toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("TONLE_BACKUP_PASSPHRASE");
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new Cli(process.exitValue(), output);
    }

    record Cli(int exit, String output) {
        void assertSucceeded() {
            assertThat(exit).as(output).isZero();
        }
    }
}
