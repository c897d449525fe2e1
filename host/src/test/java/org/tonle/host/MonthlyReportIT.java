package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.rendering.PDFRenderer;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.warehouse.AuditLog;

/**
 * The monthly report generated from the demo data (DESIGN.md section 7): its conclusions match
 * the seed report's figures and wording, as Markdown, as an HTML page rendered by headless
 * Chromium (screenshot under host/target), and as a PDF read back with PDFBox.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MonthlyReportIT {

    static final String DONOR_TOKEN = "donor-social-awareness-token";
    static final String STAFF_TOKEN = "staff-pnh-token";
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final String WITHHELD = "withheld";
    /** The seed's sentences, with the lists the data gives (read from the indicator API in start). */
    List<String> conclusions;
    static final String PRIVATE_HIGHLIGHT = "case conference notes";

    TestNode node;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final Path target = TestNode.repository().resolve("host/target");

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        Path config = root.resolve("config");
        TestNode.copy(TestNode.repository().resolve("config"), config);
        Files.writeString(config.resolve("access.yaml"), """
                principals:
                  - name: donor-sa
                    role: donor
                    token_sha256: %s
                    programs: [social, awareness]
                  - name: pnh-staff
                    role: staff
                    token_sha256: %s
                    offices: [PNH]
                """.formatted(sha256(DONOR_TOKEN), sha256(STAFF_TOKEN)));
        node = TestNode.start(root);
        String demo = Files.readString(TestNode.repository().resolve("config/demo/demo-2015.ndjson"));
        TestNode.Response answer = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", demo, null);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        // Highlights reach the report once a reviewer approved them (HighlightsIT has the review).
        for (var h : node.get("/api/v1/highlights?period=2015-08&state=pending").json().path("highlights")) {
            TestNode.Response approved = node.send("POST", "/api/v1/highlights/" + h.path("id").asText() + "/approve",
                    TestNode.ADMIN_TOKEN, "application/json", "{}", "application/json");
            assertThat(approved.status()).as(approved.body()).isEqualTo(200);
        }
        // Donors are given the figures of approved months only (docs/ACCESS.md): August is approved.
        for (String step : List.of("submit", "approve")) {
            TestNode.Response approved = node.send("POST", "/api/v1/periods/2015-08/" + step, TestNode.ADMIN_TOKEN, "application/json",
                    "{}", "application/json");
            assertThat(approved.status()).as(approved.body()).isEqualTo(200);
        }
        conclusions = List.of(
                "In conclusion, the legal department provided legal counseling and support to 27 victims and family members"
                        + " and 1 witness and represented 9 victims and families at the courts.",
                "In conclusion, the department met with 146 clients (F: 82, M: 64), 2 victims got the medical examination.",
                "In conclusion, the investigation department conducted 14 meetings with relevant stakeholders to work on child"
                        + " protection, received 27 cases through "
                        + listed("investigation.cases_received", "channel", Map.of("hotline", "Hotline", "email", "Email", "staff", "Staff",
                                "web", "Web"), true) + ".",
                "In conclusion, the awareness and training department conducted three trainings for 80 participants from different"
                        + " groups (" + listed("awareness.participants", "group", Map.of(), true) + ") in "
                        + listed("awareness.participants", "office", Map.of("PNH", "Phnom Penh", "SRP", "Siem Reap", "SHV", "Preah Sihanouk"),
                        false) + ".");
        Files.createDirectories(target);
    }

    /** A breakdown of August 2015 as an English sentence lists it: "Hotline (20), Email (4) and Staff (3)". */
    private String listed(String code, String dimension, Map<String, String> names, boolean withValues) {
        List<String> items = ReportLists.items(node, code, dimension, names, withValues, WITHHELD);
        return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.get(items.size() - 1);
    }

    @AfterAll
    void stop() {
        node.close();
    }

    @Test
    void markdownHasTheSeedConclusionsAndOnlyPublicHighlights() throws IOException {
        TestNode.Response md = node.send("GET", "/api/v1/reports/monthly/2015-08", TestNode.ADMIN_TOKEN, null, null, "text/markdown");
        assertThat(md.status()).as(md.body()).isEqualTo(200);
        Files.writeString(target.resolve("report-2015-08.md"), md.body());
        assertThat(md.contentType()).startsWith("text/markdown");
        assertThat(md.body()).startsWith("# Tonle demonstration organisation’s Achievement Highlights for August 2015");
        conclusions.forEach(sentence -> assertThat(md.body()).contains(sentence));
        // Programmes in the organisation's order, each highlight under its own programme.
        assertThat(md.body()).containsSubsequence("## Legal Support Program", "privacy screen", conclusions.get(0),
                "## Social Support Program", "16-year-old girl", conclusions.get(1),
                "## Investigation Program", "internet hotline", conclusions.get(2),
                "## Awareness and Training Program", "grooming techniques", conclusions.get(3));
        assertThat(md.body()).doesNotContain(PRIVATE_HIGHLIGHT);
        // The chart's figures as a table: August's clients by sex.
        assertThat(md.body()).contains("| 2015-08 | 82 | 64 | 146 |");
    }

    @Test
    void htmlRendersInChromiumWithAChartPerProgramme() throws Exception {
        TestNode.Response html = node.send("GET", "/api/v1/reports/monthly/2015-08", TestNode.ADMIN_TOKEN, null, null, "text/html");
        assertThat(html.status()).as(html.body()).isEqualTo(200);
        assertThat(html.contentType()).startsWith("text/html");
        conclusions.forEach(sentence -> assertThat(html.body()).contains(sentence));
        Path page = target.resolve("report-2015-08.html");
        Files.writeString(page, html.body());

        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM),
                "ASSUMPTION: /usr/bin/chromium is absent (bin/test installs Debian's chromium); the browser check is skipped");
        Path screenshot = target.resolve("report-2015-08.png");
        Files.deleteIfExists(screenshot);
        chromium("--screenshot=" + screenshot, "--window-size=1200,3000", page.toUri().toString());
        BufferedImage image = ImageIO.read(screenshot.toFile());
        assertThat(image).as("screenshot " + screenshot).isNotNull();
        assertThat(distinctColours(image)).as("colours in the screenshot").isGreaterThan(10);
        assertThat(hasColourNear(image, 0xc0467a)).as("the female bars of a chart are painted").isTrue();

        String dom = chromium("--dump-dom", page.toUri().toString());
        assertThat(count(dom, "<svg[^>]*class=\"chart\"")).isEqualTo(4);
        assertThat(count(dom, "<g class=\"bar\"")).isEqualTo(48);
        assertThat(dom).contains("data-indicator=\"social.clients_met\"").contains("data-indicator=\"awareness.participants\"");
    }

    @Test
    void pdfCarriesTheSameText() throws Exception {
        HttpResponse<byte[]> pdf = get("/api/v1/reports/monthly/2015-08", TestNode.ADMIN_TOKEN, "application/pdf");
        assertThat(pdf.statusCode()).isEqualTo(200);
        assertThat(pdf.headers().firstValue("Content-Type")).hasValue("application/pdf");
        Files.write(target.resolve("report-2015-08.pdf"), pdf.body());
        try (PDDocument document = Loader.loadPDF(pdf.body())) {
            assertThat(document.getNumberOfPages()).isGreaterThanOrEqualTo(1);
            String text = new PDFTextStripper().getText(document).replaceAll("\\s+", " ");
            assertThat(text).contains("Achievement Highlights for August 2015");
            conclusions.forEach(sentence -> assertThat(text).contains(sentence));
            assertThat(text).doesNotContain(PRIVATE_HIGHLIGHT);
            // Batik draws the charts into the PDF as shapes: the first page shows the bars' colour.
            BufferedImage page = new PDFRenderer(document).renderImageWithDPI(0, 50);
            ImageIO.write(page, "png", target.resolve("report-2015-08-pdf-page1.png").toFile());
            assertThat(hasColourNear(page, 0xc0467a)).as("a chart is drawn on the PDF's first page").isTrue();
        }
    }

    @Test
    void donorsGetTheirProgrammesOnly() {
        TestNode.Response md = node.send("GET", "/api/v1/reports/monthly/2015-08", DONOR_TOKEN, null, null, "text/markdown");
        assertThat(md.status()).as(md.body()).isEqualTo(200);
        assertThat(md.body()).contains("## Social Support Program", "## Awareness and Training Program")
                .doesNotContain("Legal Support Program", "Investigation Program", "legal department", PRIVATE_HIGHLIGHT);
        assertThat(md.body()).contains(conclusions.get(1), conclusions.get(3));
        // The donor's read of the report is audited, besides each indicator it read.
        assertThat(new AuditLog(node.node().warehouse()).list("donor-sa", "read", null, 1000))
                .extracting(AuditLog.Entry::endpoint)
                .contains("GET /api/v1/reports/2015-08", "GET /api/v1/indicators/social.clients_met/values")
                .noneMatch(endpoint -> endpoint.contains("legal."));
    }

    @Test
    void acceptChoosesTheFormatAndHtmlIsTheDefault() {
        assertThat(node.send("GET", "/api/v1/reports/monthly/2015-08", TestNode.ADMIN_TOKEN, null, null, "*/*").contentType())
                .startsWith("text/html");
        TestNode.Response json = node.send("GET", "/api/v1/reports/monthly/2015-08", TestNode.ADMIN_TOKEN, null, null, "application/json");
        assertThat(json.status()).isEqualTo(406);
        assertThat(json.contentType()).startsWith("application/problem+json");
    }

    @Test
    void staffAndBadMonthsAreRefusedWithProblems() {
        TestNode.Response staff = node.send("GET", "/api/v1/reports/monthly/2015-08", STAFF_TOKEN, null, null, "text/markdown");
        assertThat(staff.status()).isEqualTo(403);
        TestNode.Response bad = node.send("GET", "/api/v1/reports/monthly/2015-13", TestNode.ADMIN_TOKEN, null, null, "text/markdown");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.contentType()).startsWith("application/problem+json");
        assertThat(bad.json().path("detail").asText()).contains("month", "2015-13", "yyyy-mm");
        TestNode.Response none = node.send("GET", "/api/v1/reports/monthly/2015-08", null, null, null, "text/markdown");
        assertThat(none.status()).isEqualTo(401);
    }

    @Test
    void theReportCommandFetchesAPdf() throws Exception {
        Path out = target.resolve("report-2015-08-cli.pdf");
        Files.deleteIfExists(out);
        ProcessBuilder command = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.tonle.host.cli.TonleCommand",
                "report", "--month", "2015-08", "--format", "pdf", "--url", node.url(), "--out", out.toString())
                .redirectErrorStream(true);
        command.environment().put("TONLE_TOKEN", TestNode.ADMIN_TOKEN);
        Process process = command.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        try (PDDocument document = Loader.loadPDF(out.toFile())) {
            assertThat(new PDFTextStripper().getText(document).replaceAll("\\s+", " ")).contains(conclusions.get(1));
        }
    }

    private HttpResponse<byte[]> get(String path, String token, String accept) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(node.url() + path)).header("Authorization", "Bearer " + token)
                .header("Accept", accept).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Runs headless Chromium with a fresh profile and returns what it printed on standard output. */
    private String chromium(String... arguments) throws Exception {
        Path profile = Files.createTempDirectory(target, "chromium-profile");
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--hide-scrollbars", "--user-data-dir=" + profile));
        command.addAll(List.of(arguments));
        Path log = target.resolve("chromium.log");
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        byte[] stdout = process.getInputStream().readAllBytes();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("chromium did not finish in 90 s; see " + log);
        }
        return new String(stdout, StandardCharsets.UTF_8);
    }

    private static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) {
            for (int x = 0; x < image.getWidth(); x += 3) {
                colours.add(image.getRGB(x, y) & 0xffffff);
            }
        }
        return colours.size();
    }

    private static boolean hasColourNear(BufferedImage image, int rgb) {
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                if (Math.abs(((p >> 16) & 0xff) - ((rgb >> 16) & 0xff)) < 8 && Math.abs(((p >> 8) & 0xff) - ((rgb >> 8) & 0xff)) < 8
                        && Math.abs((p & 0xff) - (rgb & 0xff)) < 8) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static String sha256(String token) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    }
}
