package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Font;
import java.awt.font.FontRenderContext;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.ibm.icu.text.ListFormatter;
import com.ibm.icu.util.ULocale;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.Json;

/**
 * Languages through HTTP (docs/LANGUAGES.md): {@code ?lang=km} or {@code Accept-Language: km}
 * gives Khmer programme, activity, indicator and choice names, Khmer report texts in every format
 * and Khmer problem titles; English stays the default and the fallback.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LanguagesIT {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final String LEGAL_KM = "កម្មវិធីគាំទ្រផ្នែកច្បាប់";
    static final String WITHHELD = "មិនបង្ហាញ";
    /** The Khmer sentences, with the lists the data gives (read from the indicator API in start). */
    List<String> khmerConclusions;

    TestNode node;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final Path target = TestNode.repository().resolve("host/target");

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        node = TestNode.start(root);
        String demo = Files.readString(TestNode.repository().resolve("config/demo/demo-2015.ndjson"));
        TestNode.Response answer = node.send("POST", "/api/v1/activities", TestNode.ADMIN_TOKEN, "application/x-ndjson", demo, null);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        khmerConclusions = List.of(
                "សរុបមក នាយកដ្ឋានច្បាប់បានផ្តល់ការប្រឹក្សា និងការគាំទ្រផ្នែកច្បាប់ដល់ជនរងគ្រោះ និងសមាជិកគ្រួសារ 27 នាក់ និងសាក្សី 1 នាក់"
                        + " ហើយបានតំណាងជនរងគ្រោះ និងគ្រួសារ 9 នាក់ នៅតុលាការ។",
                "សរុបមក នាយកដ្ឋានបានជួបអតិថិជន 146 នាក់ (F: 82, M: 64) ជនរងគ្រោះ 2 នាក់ បានទទួលការពិនិត្យសុខភាព។",
                "សរុបមក នាយកដ្ឋានស៊ើបអង្កេតបានរៀបចំកិច្ចប្រជុំ 14 ដង ជាមួយភាគីពាក់ព័ន្ធ ដើម្បីធ្វើការលើកិច្ចការពារកុមារ និងបានទទួលករណី 27"
                        + " តាមរយៈ " + khmerList("investigation.cases_received", "channel", Map.of("hotline", "ខ្សែទូរស័ព្ទជំនួយ",
                        "email", "អ៊ីមែល", "staff", "បុគ្គលិក", "web", "គេហទំព័រ"), true) + "។",
                "សរុបមក នាយកដ្ឋានផ្សព្វផ្សាយ និងបណ្តុះបណ្តាលបានរៀបចំវគ្គបណ្តុះបណ្តាល បី វគ្គ សម្រាប់អ្នកចូលរួម 80 នាក់ មកពីក្រុមផ្សេងៗ ("
                        + khmerList("awareness.participants", "group", Map.of(), true) + ") នៅ "
                        + khmerList("awareness.participants", "office", Map.of("PNH", "Phnom Penh", "SHV", "Preah Sihanouk"), false) + "។");
        Files.createDirectories(target);
    }

    /** A breakdown of August 2015 as a Khmer sentence lists it; the joining words are CLDR's (ICU's list format). */
    private String khmerList(String code, String dimension, Map<String, String> names, boolean withValues) {
        return ListFormatter.getInstance(ULocale.forLanguageTag("km")).format(ReportLists.items(node, code, dimension, names, withValues, WITHHELD));
    }

    @AfterAll
    void stop() {
        node.close();
    }

    @Test
    void programmesInKhmerByParameterOrHeaderAndEnglishOtherwise() throws Exception {
        for (HttpResponse<byte[]> khmer : List.of(get("/api/v1/programs?lang=km", null, "application/json"),
                get("/api/v1/programs", "km-KH,km;q=0.9,en;q=0.5", "application/json"))) {
            assertThat(khmer.statusCode()).isEqualTo(200);
            JsonNode legal = programme(Json.MAPPER.readTree(khmer.body()), "legal");
            assertThat(legal.get("name").asText()).isEqualTo(LEGAL_KM);
            assertThat(legal.get("activities").get(0).get("name").asText()).isEqualTo("ការប្រឹក្សាផ្នែកច្បាប់");
            assertThat(legal.get("activities").get(0).get("attributes").get(0).get("labels").get("court").asText()).isEqualTo("តុលាការ");
            assertThat(legal.get("indicators").get(2).get("name").asText()).isEqualTo("ជនរងគ្រោះ និងគ្រួសារ ដែលត្រូវបានតំណាងនៅតុលាការ");
        }
        // English by default, for an unknown language, and when the header prefers English: names stay plain text.
        for (HttpResponse<byte[]> english : List.of(get("/api/v1/programs", null, "application/json"),
                get("/api/v1/programs?lang=fr", null, "application/json"), get("/api/v1/programs", "en, km;q=0.5", "application/json"))) {
            JsonNode legal = programme(Json.MAPPER.readTree(english.body()), "legal");
            assertThat(legal.get("name").asText()).isEqualTo("Legal Support Program");
            assertThat(legal.get("activities").get(0).get("name").isTextual()).isTrue();
            assertThat(legal.get("activities").get(0).get("attributes").get(0).get("labels").get("court").asText()).isEqualTo("Court");
            assertThat(legal.get("indicators").get(0).get("name").asText()).isEqualTo("Victims and family members given legal counselling and support");
        }
    }

    @Test
    void indicatorsInKhmer() throws Exception {
        JsonNode catalogue = Json.MAPPER.readTree(get("/api/v1/indicators", "km", "application/json").body());
        JsonNode clients = null;
        for (JsonNode entry : catalogue.get("indicators")) {
            if (entry.get("code").asText().equals("social.clients_met")) {
                clients = entry;
            }
        }
        assertThat(clients).isNotNull();
        assertThat(clients.get("name").asText()).isEqualTo("អតិថិជនដែលបានជួបជាមួយបុគ្គលិកសង្គមកិច្ច");
        JsonNode values = Json.MAPPER.readTree(get("/api/v1/indicators/social.clients_met/values?period=2015-08&lang=km", null,
                "application/json").body());
        assertThat(values.get("name").asText()).isEqualTo("អតិថិជនដែលបានជួបជាមួយបុគ្គលិកសង្គមកិច្ច");
        assertThat(values.get("rows").get(0).get("value").asInt()).isEqualTo(146);
        JsonNode english = Json.MAPPER.readTree(get("/api/v1/indicators/social.clients_met/values?period=2015-08", null,
                "application/json").body());
        assertThat(english.get("name").asText()).isEqualTo("Clients met by social workers");
    }

    @Test
    void problemTitlesInKhmerWithTheDetailUnchanged() throws Exception {
        HttpResponse<byte[]> khmer = get("/api/v1/reports/monthly/2015-13?lang=km", null, "text/markdown");
        assertThat(khmer.statusCode()).isEqualTo(400);
        JsonNode problem = Json.MAPPER.readTree(khmer.body());
        assertThat(problem.get("title").asText()).isEqualTo("សំណើមិនត្រឹមត្រូវ");
        assertThat(problem.get("detail").asText()).contains("2015-13");
        HttpResponse<byte[]> notFound = get("/api/v1/nothing-here", "km", "application/json");
        assertThat(Json.MAPPER.readTree(notFound.body()).get("title").asText()).isEqualTo("រកមិនឃើញ");
        HttpResponse<byte[]> english = get("/api/v1/reports/monthly/2015-13", null, "text/markdown");
        assertThat(Json.MAPPER.readTree(english.body()).get("title").asText()).isEqualTo("Bad request");
    }

    @Test
    void markdownReportInKhmer() throws Exception {
        HttpResponse<byte[]> md = get("/api/v1/reports/monthly/2015-08?lang=km", null, "text/markdown");
        assertThat(md.statusCode()).isEqualTo(200);
        assertThat(md.headers().firstValue("Content-Language")).hasValue("km");
        String body = new String(md.body(), StandardCharsets.UTF_8);
        Files.writeString(target.resolve("report-2015-08-km.md"), body);
        assertThat(body).startsWith("# សមិទ្ធផលសំខាន់ៗរបស់ Tonle demonstration organisation ប្រចាំខែ សីហា 2015").contains("## " + LEGAL_KM, "| ខែ | F | M | សរុប |",
                "| 2015-08 | 82 | 64 | 146 |", "បង្កើតដោយ Tonle ពីកំណត់ត្រា");
        khmerConclusions.forEach(sentence -> assertThat(body).contains(sentence));
    }

    @Test
    void htmlReportInKhmerRendersInChromium() throws Exception {
        HttpResponse<byte[]> html = get("/api/v1/reports/monthly/2015-08", "km", "text/html");
        assertThat(html.statusCode()).isEqualTo(200);
        assertThat(html.headers().firstValue("Content-Language")).hasValue("km");
        assertThat(html.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("font-src 'self' data:");
        String body = new String(html.body(), StandardCharsets.UTF_8);
        assertThat(body).contains("lang=\"km\"", "@font-face", "<h2>" + LEGAL_KM + "</h2>");
        khmerConclusions.forEach(sentence -> assertThat(body).contains(sentence));
        Path page = target.resolve("report-2015-08-km.html");
        Files.writeString(page, body);

        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "ASSUMPTION: /usr/bin/chromium is absent; the browser check is skipped");
        Path screenshot = target.resolve("report-2015-08-km.png");
        Files.deleteIfExists(screenshot);
        chromium("--screenshot=" + screenshot, "--window-size=1000,3000", page.toUri().toString());
        BufferedImage image = ImageIO.read(screenshot.toFile());
        // The first programme heading is Khmer in the page's own font: its ink is as wide as the
        // shaped text (a missing font draws boxes, unshaped text is a quarter wider).
        // Bands of heading ink: the title, with the organisation's name on two lines, then the first programme.
        int[] band = headingBand(image, 2);
        Font bold;
        try (InputStream in = getClass().getResourceAsStream("/org/tonle/reports/fonts/NotoSansKhmer-Bold.ttf")) {
            bold = Font.createFont(Font.TRUETYPE_FONT, in).deriveFont(14f * 96 / 72);
        }
        char[] text = LEGAL_KM.toCharArray();
        double shaped = bold.layoutGlyphVector(new FontRenderContext(null, true, true), text, 0, text.length, Font.LAYOUT_LEFT_TO_RIGHT)
                .getVisualBounds().getWidth();
        assertThat((band[1] - band[0] + 1) / shaped).as("heading ink width in Chromium / shaped width").isBetween(0.95, 1.05);
    }

    @Test
    void pdfReportInKhmerEmbedsItsFont() throws Exception {
        HttpResponse<byte[]> pdf = get("/api/v1/reports/monthly/2015-08?lang=km", null, "application/pdf");
        assertThat(pdf.statusCode()).isEqualTo(200);
        assertThat(pdf.headers().firstValue("Content-Language")).hasValue("km");
        Files.write(target.resolve("report-2015-08-km.pdf"), pdf.body());
        try (PDDocument document = Loader.loadPDF(pdf.body())) {
            List<String> embedded = new ArrayList<>();
            for (COSName name : document.getPage(0).getResources().getFontNames()) {
                PDFont font = document.getPage(0).getResources().getFont(name);
                if (font.isEmbedded()) {
                    embedded.add(font.getName());
                }
            }
            assertThat(embedded).anyMatch(n -> n.contains("NotoSansKhmer-Bold")).anyMatch(n -> n.contains("NotoSansKhmer-Regular"));
            String text = new PDFTextStripper().getText(document).replaceAll("\\s+", " ");
            assertThat(text).contains("2015", "Tonle", "146");
        }
        // English is unchanged: no Khmer font embedded.
        try (PDDocument document = Loader.loadPDF(get("/api/v1/reports/monthly/2015-08", null, "application/pdf").body())) {
            assertThat(new PDFTextStripper().getText(document).replaceAll("\\s+", " ")).contains("Achievement Highlights for August 2015");
            for (COSName name : document.getPage(0).getResources().getFontNames()) {
                assertThat(document.getPage(0).getResources().getFont(name).getName()).doesNotContain("Khmer");
            }
        }
    }

    private HttpResponse<byte[]> get(String path, String acceptLanguage, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.url() + path))
                .header("Authorization", "Bearer " + TestNode.ADMIN_TOKEN).header("Accept", accept);
        if (acceptLanguage != null) {
            request.header("Accept-Language", acceptLanguage);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode programme(JsonNode programmes, String id) {
        for (JsonNode p : programmes) {
            if (id.equals(p.path("id").asText())) {
                return p;
            }
        }
        throw new AssertionError("no programme " + id + " in " + programmes);
    }

    /** Left and right ink column of the n-th band (from 0) of rows holding heading-coloured ink (#1d4f6e): the title is band 0. */
    private static int[] headingBand(BufferedImage image, int n) {
        List<int[]> rows = new ArrayList<>();
        int start = -1;
        int last = -1;
        for (int y = 0; y < image.getHeight(); y++) {
            boolean inked = false;
            for (int x = 0; x < image.getWidth() && !inked; x++) {
                inked = headingInk(image.getRGB(x, y));
            }
            if (inked) {
                if (start < 0 || y - last > 6) {
                    if (start >= 0) {
                        rows.add(new int[] {start, last});
                    }
                    start = y;
                }
                last = y;
            }
        }
        if (start >= 0) {
            rows.add(new int[] {start, last});
        }
        assertThat(rows.size()).as("bands of heading ink").isGreaterThan(n);
        int left = image.getWidth();
        int right = -1;
        for (int y = rows.get(n)[0]; y <= rows.get(n)[1]; y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if (headingInk(image.getRGB(x, y))) {
                    left = Math.min(left, x);
                    right = Math.max(right, x);
                }
            }
        }
        return new int[] {left, right};
    }

    private static boolean headingInk(int rgb) {
        int r = (rgb >> 16) & 0xff;
        int b = rgb & 0xff;
        return b - r >= 20 && r < 200;
    }

    private void chromium(String... arguments) throws Exception {
        Path profile = Files.createTempDirectory(target, "chromium-profile");
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--no-first-run", "--hide-scrollbars",
                "--user-data-dir=" + profile));
        command.addAll(List.of(arguments));
        Path log = target.resolve("chromium-km.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("chromium did not finish in 90 s; see " + log);
        }
    }
}
