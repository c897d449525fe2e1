package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.DataFormatter;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.ss.util.AreaReference;
import org.apache.poi.xssf.usermodel.XSSFDataValidation;
import org.apache.poi.xssf.usermodel.XSSFSheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spreadsheets on a real node (DESIGN.md 9.5): a programme's template downloaded, filled with
 * POI as an office would fill it (keys as ids, one key too long), imported through HTTP, the
 * command line and an inbox, and again (duplicates, never doubles); indicator values, SQL
 * answers and rejections as workbooks by Accept.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpreadsheetsIT {

    static final String XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    static final String STAFF_TOKEN = "pnh-sheets-token";
    static final String ANALYST_TOKEN = "sheets-analyst-token";
    static final ObjectMapper JSON = new ObjectMapper();

    TestNode node;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final DataFormatter text = new DataFormatter();

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        TestNode.copy(TestNode.repository().resolve("config"), root.resolve("config"));
        Files.writeString(root.resolve("config/access.yaml"), "principals:\n"
                + "  - {name: pnh-staff, role: staff, offices: [PNH], token_sha256: " + sha256(STAFF_TOKEN) + "}\n"
                + "  - {name: analyst, role: analyst, token_sha256: " + sha256(ANALYST_TOKEN) + "}\n");
        node = TestNode.start(root);
    }

    @AfterAll
    void stop() {
        node.close();
    }

    @Test
    void aFilledTemplateWithKeysAsIdsImportsOnceThroughHttpCliAndInbox(@TempDir Path dir) throws Exception {
        HttpResponse<byte[]> download = send("GET", "/api/v1/programs/social/template.xlsx", STAFF_TOKEN, null, null, XLSX);
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.headers().firstValue("Content-Disposition").orElse("")).contains("social-template.xlsx");
        byte[] filled;
        try (XSSFWorkbook template = new XSSFWorkbook(new ByteArrayInputStream(download.body()))) {
            XSSFSheet records = template.getSheet("records");
            assertThat(template.getSheetIndex(records)).isZero();
            assertThat(template.isSheetHidden(template.getSheetIndex("lists"))).isTrue();
            List<String> header = cells(records.getRow(0));
            assertThat(header).containsExactly("id", "program", "type", "office", "date", "count", "subject_ref", "subject_role",
                    "subject_sex", "subject_age", "attr.setting", "attr.service", "attr.facility", "attr.text", "attr.public", "attr.kind");
            // The declared choices as drop-down lists; offices only those the staff member may record for.
            assertThat(choices(template, records, header.indexOf("office"))).containsExactly("PNH");
            assertThat(choices(template, records, header.indexOf("type"))).containsExactly("client_contact", "medical_exam", "highlight");
            assertThat(choices(template, records, header.indexOf("subject_sex"))).containsExactly("F", "M", "X", "U");
            assertThat(choices(template, records, header.indexOf("subject_role"))).containsExactly("client", "victim", "family");
            assertThat(choices(template, records, header.indexOf("attr.setting"))).containsExactly("office", "shelter", "home", "community", "phone");
            assertThat(choices(template, records, header.indexOf("attr.public"))).containsExactly("true", "false");

            // Filled as an office would: its own keys, a real date cell, numbers as numbers.
            fill(records, header, 1, "PNH-2015-08-0001", "SHEET-C-1", "F", 12, "shelter");
            fill(records, header, 2, "PNH-2015-08-0002", "SHEET-C-2", "M", 15, "home");
            fill(records, header, 3, "PNH-2015-08-0003", "SHEET-C-1", "F", 12, "office");
            fill(records, header, 4, "K".repeat(129), "SHEET-C-3", "F", 9, "home");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            template.write(out);
            filled = out.toByteArray();
        }
        long before = clients("F");

        JsonNode first = importXlsx(filled);
        assertThat(first.path("format").asText()).isEqualTo("xlsx");
        assertThat(first.path("accepted").asInt()).as(first.toString()).isEqualTo(3);
        assertThat(first.path("rejected").asInt()).isEqualTo(1);
        JsonNode tooLong = first.path("rejections").get(0);
        assertThat(tooLong.path("line").asInt()).isEqualTo(5);
        assertThat(tooLong.path("field").asText()).isEqualTo("id");
        assertThat(tooLong.path("rule").asText()).isEqualTo("key_length");
        assertThat(tooLong.path("reason").asText()).contains("row 5", "129 characters");
        assertThat(first.toString()).doesNotContain("SHEET-C-");
        assertThat(clients("F") - before).isEqualTo(1);

        // The same sheet again: every stored row is a duplicate, nothing counts twice.
        JsonNode second = importXlsx(filled);
        assertThat(second.path("accepted").asInt()).isZero();
        assertThat(second.path("duplicates").asInt()).isEqualTo(3);
        assertThat(clients("F") - before).isEqualTo(1);

        // And through bin/tonle import.
        Path file = dir.resolve("august.xlsx");
        Files.write(file, filled);
        ProcessBuilder cli = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                TestNode.repository().resolve("host/target/tonle-host.jar").toString(), "import", file.toString(), "--url", node.url(), "--quiet")
                .redirectErrorStream(true);
        cli.environment().put("TONLE_TOKEN", STAFF_TOKEN);
        Process process = cli.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isEqualTo(3);
        assertThat(output).contains("row 5 (id ").contains(": id [key_length]").contains("4 records: 0 accepted, 3 duplicates, 1 rejected");

        // And dropped into the office's inbox.
        Path inbox = node.data().resolve("inbox/PNH");
        Files.write(inbox.resolve("august.xlsx.tmp"), filled);
        Files.move(inbox.resolve("august.xlsx.tmp"), inbox.resolve("august.xlsx"));
        Path report = inbox.resolve("failed/august.xlsx.report.json");
        // The report is written before the route's exchange completes, and the file deleted after it.
        Waiting.until("the inbox reports the sheet and deletes it", () -> Files.exists(report) && !Files.exists(inbox.resolve("august.xlsx")));
        JsonNode inboxReport = JSON.readTree(Files.readString(report));
        assertThat(inboxReport.path("duplicates").asInt()).isEqualTo(3);
        assertThat(inboxReport.path("rejections").get(0).path("rule").asText()).isEqualTo("key_length");
        assertThat(clients("F") - before).isEqualTo(1);

        // The rejections as a workbook, to fix the sheet from.
        HttpResponse<byte[]> rejections = send("GET", "/api/v1/rejections?rule=key_length", STAFF_TOKEN, null, null, XLSX);
        assertThat(rejections.statusCode()).isEqualTo(200);
        try (XSSFWorkbook book = new XSSFWorkbook(new ByteArrayInputStream(rejections.body()))) {
            Sheet sheet = book.getSheetAt(0);
            List<String> head = cells(sheet.getRow(0));
            assertThat(head).contains("line", "field", "rule", "reason");
            assertThat(sheet.getLastRowNum()).isGreaterThanOrEqualTo(3);
            assertThat(cells(sheet.getRow(1)).get(head.indexOf("rule"))).isEqualTo("key_length");
            assertThat(sheet.getRow(1).getCell(head.indexOf("line")).getNumericCellValue()).isEqualTo(5);
        }
    }

    @Test
    void indicatorValuesAndSqlAnswersComeAsWorkbooksByAccept() throws Exception {
        for (int i = 0; i < 3; i++) {
            node.post("/api/v1/activities", ProgrammeLifecycleIT.CLIENT.formatted(UUID.randomUUID(), "ACCEPT-" + i));
        }
        String values = "/api/v1/indicators/social.clients_met/values?period=2015-08&by=office,sex";
        JsonNode json = node.get(values).json();
        HttpResponse<byte[]> xlsx = send("GET", values, TestNode.ADMIN_TOKEN, null, null, XLSX);
        assertThat(xlsx.statusCode()).isEqualTo(200);
        assertThat(xlsx.headers().firstValue("Content-Type").orElse("")).startsWith(XLSX);
        try (XSSFWorkbook book = new XSSFWorkbook(new ByteArrayInputStream(xlsx.body()))) {
            Sheet sheet = book.getSheetAt(0);
            assertThat(cells(sheet.getRow(0))).containsExactly("period", "office", "sex", "value", "suppressed", "revision");
            assertThat(sheet.getLastRowNum()).isEqualTo(json.path("rows").size());
            for (int r = 1; r <= sheet.getLastRowNum(); r++) {
                JsonNode row = json.path("rows").get(r - 1);
                Row cells = sheet.getRow(r);
                assertThat(text.formatCellValue(cells.getCell(1))).isEqualTo(row.path("office").asText());
                assertThat(text.formatCellValue(cells.getCell(2))).isEqualTo(row.path("sex").asText());
                assertThat(cells.getCell(3).getNumericCellValue()).isEqualTo(row.path("value").asDouble());
                assertThat(cells.getCell(4).getBooleanCellValue()).isEqualTo(row.path("suppressed").asBoolean());
                assertThat(text.formatCellValue(cells.getCell(5))).isEqualTo(row.path("revision").asText());
            }
        }

        String sql = "{\"sql\": \"SELECT office, count(*) AS records, min(activity_date) AS first_day FROM activities GROUP BY office ORDER BY office\"}";
        JsonNode answer = JSON.readTree(send("POST", "/api/v1/sql", ANALYST_TOKEN, "application/json", sql.getBytes(StandardCharsets.UTF_8),
                "application/json").body());
        HttpResponse<byte[]> sheetAnswer = send("POST", "/api/v1/sql", ANALYST_TOKEN, "application/json", sql.getBytes(StandardCharsets.UTF_8), XLSX);
        assertThat(sheetAnswer.statusCode()).as(new String(sheetAnswer.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        try (XSSFWorkbook book = new XSSFWorkbook(new ByteArrayInputStream(sheetAnswer.body()))) {
            Sheet sheet = book.getSheetAt(0);
            assertThat(cells(sheet.getRow(0))).containsExactly("office", "records", "first_day");
            assertThat(sheet.getLastRowNum()).isEqualTo(answer.path("rows").size()).isPositive();
            for (int r = 1; r <= sheet.getLastRowNum(); r++) {
                JsonNode row = answer.path("rows").get(r - 1);
                assertThat(sheet.getRow(r).getCell(0).getStringCellValue()).isEqualTo(row.get(0).asText());
                assertThat(sheet.getRow(r).getCell(1).getNumericCellValue()).isEqualTo(row.get(1).asDouble());
                Cell day = sheet.getRow(r).getCell(2);
                assertThat(day.getLocalDateTimeCellValue().toLocalDate().toString()).isEqualTo(row.get(2).asText());
            }
        }
    }

    private void fill(Sheet sheet, List<String> header, int r, String key, String ref, String sex, int age, String setting) {
        Row row = sheet.createRow(r);
        put(row, header, "id", key);
        put(row, header, "program", "social");
        put(row, header, "type", "client_contact");
        put(row, header, "office", "PNH");
        Cell date = row.createCell(header.indexOf("date"));
        date.setCellValue(LocalDate.of(2015, 8, 10 + r));
        date.setCellStyle(sheet.getColumnStyle(header.indexOf("date")));
        put(row, header, "subject_ref", ref);
        put(row, header, "subject_role", "client");
        put(row, header, "subject_sex", sex);
        row.createCell(header.indexOf("subject_age")).setCellValue(age);
        put(row, header, "attr.setting", setting);
    }

    private static void put(Row row, List<String> header, String column, String value) {
        row.createCell(header.indexOf(column)).setCellValue(value);
    }

    /** The values of the drop-down list that validates a column's cells, read from the hidden sheet it points to. */
    private List<String> choices(XSSFWorkbook book, XSSFSheet sheet, int column) {
        for (XSSFDataValidation validation : sheet.getDataValidations()) {
            var region = validation.getRegions().getCellRangeAddress(0);
            if (region.getFirstColumn() == column && region.getFirstRow() == 1) {
                String formula = validation.getValidationConstraint().getFormula1();
                var ref = new AreaReference(formula, book.getSpreadsheetVersion());
                Sheet lists = book.getSheet(ref.getFirstCell().getSheetName());
                List<String> values = new ArrayList<>();
                for (int r = ref.getFirstCell().getRow(); r <= ref.getLastCell().getRow(); r++) {
                    values.add(text.formatCellValue(lists.getRow(r).getCell(ref.getFirstCell().getCol())));
                }
                return values;
            }
        }
        throw new AssertionError("no drop-down list on column " + column);
    }

    private List<String> cells(Row row) {
        List<String> values = new ArrayList<>();
        for (int c = 0; c < row.getLastCellNum(); c++) {
            values.add(text.formatCellValue(row.getCell(c)));
        }
        return values;
    }

    private long clients(String sex) {
        JsonNode rows = node.get("/api/v1/indicators/social.clients_met/values?period=2015-08&office=PNH&by=sex").json().path("rows");
        for (JsonNode row : rows) {
            if (row.path("sex").asText().equals(sex)) {
                return row.path("value").asLong();
            }
        }
        throw new AssertionError(rows.toString());
    }

    private JsonNode importXlsx(byte[] body) throws Exception {
        HttpResponse<byte[]> response = send("POST", "/api/v1/imports", STAFF_TOKEN, XLSX, body, "application/json");
        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        return JSON.readTree(response.body());
    }

    private HttpResponse<byte[]> send(String method, String path, String token, String contentType, byte[] body, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.url() + path)).timeout(Duration.ofMinutes(2))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Authorization", "Bearer " + token).header("Accept", accept);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String sha256(String token) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    }
}
