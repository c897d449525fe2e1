package org.tonle.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.tonle.core.i18n.Language;
import org.tonle.host.TestNode;
import org.tonle.reports.Chart;
import org.tonle.reports.ConclusionTemplate;
import org.tonle.reports.MonthlyReport;
import org.tonle.reports.ReportRenderer;
import org.tonle.reports.ReportText;

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
        renderOnly(runs);
        Path root = Files.createTempDirectory("tonle-report-bench");
        try {
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
        } finally {
            Scratch.delete(root);
        }
    }

    /**
     * The renderer alone, in this fresh JVM before any node starts: a report of twelve months and
     * four programmes built by hand, rendered as HTML then PDF, in English then Khmer.
     */
    private static void renderOnly(int runs) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        ReportRenderer renderer = new ReportRenderer();
        System.out.printf("ReportBench: ReportRenderer alone (no node, no queries), fresh JVM, %d warm runs; load average %.1f%n", runs,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        for (Language language : Language.values()) {
            MonthlyReport report = sample(language);
            long t0 = System.nanoTime();
            int html = renderer.html(report).length();
            long t1 = System.nanoTime();
            long cpu = threads.getCurrentThreadCpuTime();
            int pdf = renderer.pdf(report).length;
            long t2 = System.nanoTime();
            double firstCpu = (threads.getCurrentThreadCpuTime() - cpu) / 1e6;
            List<Double> htmlWarm = new ArrayList<>();
            List<Double> pdfWarm = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                long a = System.nanoTime();
                renderer.html(report);
                long b = System.nanoTime();
                renderer.pdf(report);
                long c = System.nanoTime();
                htmlWarm.add((b - a) / 1e6);
                pdfWarm.add((c - b) / 1e6);
            }
            Collections.sort(htmlWarm);
            Collections.sort(pdfWarm);
            System.out.printf("  %s  HTML (baseline) first %6.0f ms, warm p50 %5.1f ms (%,d chars)   PDF first %6.0f ms (thread CPU %.0f ms),"
                    + " warm p50 %5.1f ms (%,d bytes)%n", language.tag(), (t1 - t0) / 1e6, htmlWarm.get(runs / 2), html, (t2 - t1) / 1e6,
                    firstCpu, pdfWarm.get(runs / 2), pdf);
        }
    }

    private static MonthlyReport sample(Language language) {
        ReportText text = ReportText.of(language);
        YearMonth month = YearMonth.of(2015, 8);
        List<MonthlyReport.Section> sections = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            List<Chart.Month> months = new ArrayList<>();
            for (int i = 11; i >= 0; i--) {
                YearMonth m = month.minusMonths(i);
                months.add(new Chart.Month(m.toString(), text.shortMonth(m), new ConclusionTemplate.Figure("", 30L + i, false),
                        Map.of("F", new ConclusionTemplate.Figure("F", 20L + i, false), "M", new ConclusionTemplate.Figure("M", 10L, false))));
            }
            Chart chart = Chart.of("p" + p + ".x", "Indicator " + p, "persons", List.of("F", "M"), months, text);
            sections.add(new MonthlyReport.Section("p" + p, "Programme " + p + (language == Language.KM ? " កម្មវិធីគាំទ្រផ្នែកច្បាប់" : ""),
                    List.of("A highlight of the month, long enough to wrap onto a second line of the page, as the staff write them"
                            + (language == Language.KM ? " ក្មេងស្រីអាយុ ១៦ ឆ្នាំម្នាក់ បានផ្តល់សក្ខីកម្មនៅតុលាការ" : "") + "."),
                    text.get("report.conclusion", "the department met with 146 clients (F: 82, M: 64)."), chart, null, null, null));
        }
        String monthName = text.monthName(month);
        return new MonthlyReport(text.get("report.title", monthName), month.toString(), monthName, "2015-09-01", sections,
                language.tag(), text.get("report.generated", "2015-09-01"), text.get("report.empty"));
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
