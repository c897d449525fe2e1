package org.tonle.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.tonle.host.TestNode;

/**
 * How long the monthly report takes as PDF, first and warm (issue 22 item 5: at most 2 s on
 * first render, 0.5 s warm), next to the same report as HTML in the same process (the baseline:
 * the same figures and words, no PDF). A node with the demo data; each figure is one
 * {@code GET /api/v1/reports/monthly/2015-08} over HTTP as a client sees it, the report's
 * indicator queries included. "First" is the first request of its kind after the node started
 * (the first PDF pays for PDFBox, AWT and the fonts; the first Khmer PDF for the Khmer font and
 * shaper). Warm: p50 and max of the next runs.
 *
 * <p>Run: {@code bin/bench report [RUNS]} (docs/PERFORMANCE.md).
 */
public final class ReportBench {

    private static final String PATH = "/api/v1/reports/monthly/2015-08";

    private ReportBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path root = Files.createTempDirectory("tonle-report-bench");
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (TestNode node = TestNode.start(root)) {
            String demo = Files.readString(TestNode.repository().resolve("config/demo/demo-2015.ndjson"));
            TestNode.Response loaded = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", demo, null);
            if (loaded.status() != 200) {
                throw new IllegalStateException("demo data refused: " + loaded.body());
            }
            String[][] kinds = {{"PDF, English", "application/pdf", "en"}, {"HTML, English (baseline)", "text/html", "en"},
                {"PDF, Khmer", "application/pdf", "km"}, {"HTML, Khmer (baseline)", "text/html", "km"}};
            double[] first = new double[kinds.length];
            int[] bytes = new int[kinds.length];
            for (int k = 0; k < kinds.length; k++) {
                long t0 = System.nanoTime();
                bytes[k] = get(http, node, kinds[k][1], kinds[k][2]);
                first[k] = (System.nanoTime() - t0) / 1e6;
            }
            List<List<Double>> warm = new ArrayList<>();
            for (int k = 0; k < kinds.length; k++) {
                warm.add(new ArrayList<>());
            }
            for (int i = 0; i < runs; i++) {
                for (int k = 0; k < kinds.length; k++) {
                    long t0 = System.nanoTime();
                    get(http, node, kinds[k][1], kinds[k][2]);
                    warm.get(k).add((System.nanoTime() - t0) / 1e6);
                }
            }
            System.out.printf("ReportBench: GET %s over HTTP, demo data (4 programmes, 4 charts), %d warm runs, %d cores%n",
                    PATH, runs, Runtime.getRuntime().availableProcessors());
            for (int k = 0; k < kinds.length; k++) {
                List<Double> w = warm.get(k);
                Collections.sort(w);
                System.out.printf("  %-26s first %7.0f ms   warm p50 %6.1f ms, max %6.1f ms   (%,d bytes)%n", kinds[k][0], first[k],
                        w.get(w.size() / 2), w.get(w.size() - 1), bytes[k]);
            }
        }
    }

    private static int get(HttpClient http, TestNode node, String accept, String language) throws Exception {
        HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(URI.create(node.url() + PATH + "?lang=" + language))
                .header("Authorization", "Bearer " + TestNode.ADMIN_TOKEN).header("Accept", accept).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException(accept + " " + language + ": " + answer.statusCode() + " " + new String(answer.body()));
        }
        return answer.body().length;
    }
}
