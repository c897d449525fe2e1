package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.host.cli.TonleCommand;

/**
 * A KoboToolbox XLSForm (select_one, integer, date, labels in English and Khmer) becomes a
 * programme bundle with {@code bin/tonle programme from-xlsform}; dropped into a running node's
 * deploy folder it goes live, and the form's exports (CSV with XML values, xlsx with Khmer
 * labels) come in through the generated mapping, once.
 */
class XlsFormIT {

    static final String XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    @TempDir
    Path root;

    static Path form(Path dir) throws Exception {
        Path file = dir.resolve("home-visits.xlsx");
        try (XSSFWorkbook wb = new XSSFWorkbook(); OutputStream out = Files.newOutputStream(file)) {
            rows(wb.createSheet("survey"),
                    new String[] {"type", "name", "label::English (en)", "label::Khmer (km)", "required"},
                    new String[] {"start", "start", "", "", ""},
                    new String[] {"begin_group", "visit", "Visit", "ការសួរសុខទុក្ខ", ""},
                    new String[] {"date", "visit_date", "Date of visit", "កាលបរិច្ឆេទ", "yes"},
                    new String[] {"select_one offices", "office", "Office", "ការិយាល័យ", "yes"},
                    new String[] {"select_one places", "place", "Place", "ទីកន្លែង", "yes"},
                    new String[] {"end_group", "", "", "", ""},
                    new String[] {"text", "case_code", "Case code", "លេខករណី", ""},
                    new String[] {"select_one sexes", "sex", "Sex", "ភេទ", "yes"},
                    new String[] {"integer", "age", "Age", "អាយុ", ""},
                    new String[] {"integer", "siblings", "Siblings", "បងប្អូន", ""});
            rows(wb.createSheet("choices"),
                    new String[] {"list_name", "name", "label::English (en)", "label::Khmer (km)"},
                    new String[] {"offices", "pnh", "Phnom Penh", "ភ្នំពេញ"},
                    new String[] {"places", "home", "Home", "ផ្ទះ"},
                    new String[] {"places", "shelter", "Shelter", "ជម្រក"},
                    new String[] {"sexes", "female", "Female", "ស្រី"},
                    new String[] {"sexes", "male", "Male", "ប្រុស"});
            rows(wb.createSheet("settings"), new String[] {"form_title", "form_title::Khmer (km)", "form_id", "version"},
                    new String[] {"Home visits", "ការសួរសុខទុក្ខតាមផ្ទះ", "home_visit", "2015081401"});
            wb.write(out);
        }
        return file;
    }

    private static void rows(Sheet sheet, String[]... rows) {
        for (int r = 0; r < rows.length; r++) {
            Row row = sheet.createRow(r);
            for (int c = 0; c < rows[r].length; c++) {
                if (!rows[r][c].isEmpty()) {
                    row.createCell(c).setCellValue(rows[r][c]);
                }
            }
        }
    }

    @Test
    void anXlsFormBecomesALiveProgrammeThatTakesTheFormsExports() throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Files.writeString(root.resolve("config/deployments/PNH.yaml"), "programs: [legal, social, investigation, awareness, home_visit]\n");
        Path work = Files.createDirectories(root.resolve("work"));
        Path jar = work.resolve("home-visits.jar");

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream err = System.err;
        int exit;
        try {
            System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
            exit = TonleCommand.run("programme", "from-xlsform", form(work).toString(), "--out", jar.toString());
        } finally {
            System.setErr(err);
        }
        assertThat(exit).as(printed.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("survey row 2: 'start' (start) is form metadata, not imported");
        Path mapping = work.resolve("home_visit.yaml");
        assertThat(mapping).exists();

        try (TestNode node = TestNode.start(root)) {
            Files.copy(mapping, node.config().resolve("mappings/home_visit.yaml"));
            Path deploy = Files.createDirectories(node.data().resolve("deploy"));
            Files.copy(jar, work.resolve("staged.jar"));
            Files.move(work.resolve("staged.jar"), deploy.resolve("home-visits.jar"), StandardCopyOption.ATOMIC_MOVE);
            Waiting.until("the XLSForm bundle goes live", () -> "active".equals(programme(node, "home_visit").path("state").asText()));
            JsonNode programme = programme(node, "home_visit");
            assertThat(programme.path("state").asText()).as(String.valueOf(programme)).isEqualTo("active");
            assertThat(programme.path("name").asText()).isEqualTo("Home visits");
            assertThat(node.node().registry().programme("home_visit").orElseThrow().name().in("km")).isEqualTo("ការសួរសុខទុក្ខតាមផ្ទះ");
            assertThat(programme.path("version").asText()).isEqualTo("2015081401.0.0");

            // KoboToolbox's CSV export, XML values and headers with groups, separated by ';'.
            String kobo = "start;visit/visit_date;visit/office;visit/place;case_code;sex;age;siblings;_id;_uuid;_submission_time\n"
                    + "2015-08-01T09:00;2015-08-01;pnh;home;PNH-HV-1;female;9;2;1;" + UUID.randomUUID() + ";2015-08-01T09:11\n"
                    + "2015-08-02T09:00;2015-08-02;pnh;shelter;PNH-HV-2;male;13;0;2;" + UUID.randomUUID() + ";2015-08-02T09:11\n"
                    + "2015-08-03T09:00;2015-08-03;pnh;garden;PNH-HV-3;male;11;1;3;" + UUID.randomUUID() + ";2015-08-03T09:11\n";
            JsonNode job = post(node, "/api/v1/imports?mapping=home_visit", "text/csv", kobo.getBytes(StandardCharsets.UTF_8));
            assertThat(job.path("accepted").asInt()).as(job.toString()).isEqualTo(2);
            assertThat(job.path("rejections").get(0).path("line").asInt()).isEqualTo(4);
            assertThat(job.path("rejections").get(0).path("field").asText()).as(job.toString()).isEqualTo("attributes.place");
            assertThat(records(node, "place", "home")).isEqualTo(1);
            assertThat(records(node, "place", "shelter")).isEqualTo(1);
            JsonNode again = post(node, "/api/v1/imports?mapping=home_visit", "text/csv", kobo.getBytes(StandardCharsets.UTF_8));
            assertThat(again.path("duplicates").asInt()).isEqualTo(2);
            assertThat(records(node, "place", "home")).isEqualTo(1);

            // Kobo's xlsx export with labels, here the Khmer ones, and no group names in the headers.
            byte[] labelled;
            try (XSSFWorkbook wb = new XSSFWorkbook(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
                rows(wb.createSheet("home_visit"),
                        new String[] {"visit_date", "office", "place", "case_code", "sex", "age", "_uuid"},
                        new String[] {"2015-08-04", "ភ្នំពេញ", "ផ្ទះ", "PNH-HV-4", "ស្រី", "7", UUID.randomUUID().toString()});
                wb.write(out);
                labelled = out.toByteArray();
            }
            JsonNode fromXlsx = post(node, "/api/v1/imports?mapping=home_visit", XLSX, labelled);
            assertThat(fromXlsx.path("accepted").asInt()).as(fromXlsx.toString()).isEqualTo(1);
            assertThat(records(node, "place", "home")).isEqualTo(2);
            JsonNode persons = node.get("/api/v1/indicators/home_visit.persons/values?period=2015-08&by=sex").json();
            assertThat(persons.path("rows").toString()).contains("{\"period\":\"2015-08\",\"sex\":\"F\",\"value\":2");
        }
    }

    private static JsonNode programme(TestNode node, String id) {
        for (JsonNode p : node.get("/api/v1/programs").json()) {
            if (id.equals(p.path("id").asText())) {
                return p;
            }
        }
        return MissingNode.getInstance();
    }

    private static long records(TestNode node, String dimension, String value) {
        JsonNode rows = node.get("/api/v1/indicators/home_visit.records/values?period=2015-08&by=" + dimension).json().path("rows");
        for (JsonNode row : rows) {
            if (row.path(dimension).asText().equals(value)) {
                return row.path("value").asLong();
            }
        }
        throw new AssertionError(rows.toString());
    }

    private static JsonNode post(TestNode node, String path, String type, byte[] body) throws Exception {
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(URI.create(node.url() + path))
                .header("Authorization", "Bearer " + TestNode.ADMIN_TOKEN).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return new ObjectMapper().readTree(response.body());
    }
}
