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
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;

/**
 * The attacker review of this round's import mends (helper report, 2026-12-02): what a staff
 * member's file says about a child must not come back through its parser's messages, the file's
 * name, or the log, whether it arrives over {@code POST /api/v1/imports} or in an office inbox.
 */
class ImportPrivacyIT {

    /** Damaged parts of a workbook whose parser messages quote a case code (an entity, an element). */
    static final List<String[]> DAMAGED = List.of(
            new String[] {"xl/styles.xml", "<?xml version=\"1.0\"?><styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
                    + "&PNH-C-0042;</styleSheet>"},
            new String[] {"xl/workbook.xml", "<?xml version=\"1.0\"?><PNH-C-0042></x>"},
            new String[] {"xl/worksheets/sheet1.xml", "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
                    + "<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>id</t></is></c></row><PNH-C-0042></x></sheetData></worksheet>"});

    @Test
    void aDamagedWorkbookIsAnsweredReportedAndLoggedWithoutWhatItsParserQuotes(@TempDir Path root) throws Exception {
        ListAppender<ILoggingEvent> log = PrivacyIT.capturedLog();
        List<String> answers = new ArrayList<>();
        try (TestNode node = TestNode.start(root)) {
            HttpClient http = HttpClient.newHttpClient();
            Path inbox = node.data().resolve("inbox/PNH");
            for (int i = 0; i < DAMAGED.size(); i++) {
                byte[] book = rewrite(workbook(), DAMAGED.get(i)[0], DAMAGED.get(i)[1]);
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(node.url() + "/api/v1/imports"))
                        .header("Authorization", "Bearer " + TestNode.ADMIN_TOKEN)
                        .header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                        .header("Accept", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(book)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).as(answer.body()).isLessThan(500);
                answers.add(answer.body());
                Files.write(inbox.resolve(".damaged.part"), book);
                Files.move(inbox.resolve(".damaged.part"), inbox.resolve("damaged-" + i + ".xlsx"));
            }
            Waiting.until("the damaged workbooks are handled", () -> reports(inbox).size() == DAMAGED.size());
            for (Path report : reports(inbox)) {
                answers.add(Files.readString(report));
            }
            answers.add(node.get("/api/v1/imports").body());
        } finally {
            PrivacyIT.rootLogger().detachAppender(log);
        }
        assertThat(answers).allSatisfy(answer -> assertThat(answer).doesNotContainPattern(digits("0042")));
        assertThat(log.list).allSatisfy(event -> assertThat(text(event)).doesNotContainPattern(digits("0042")));
    }

    /**
     * A file named after a case its records name, all of them rejected, so that the warehouse
     * never learns the subject; and a name too long for its report's name. Neither name is
     * repeated with the code, and both files are read once and deleted.
     */
    @Test
    void anInboxFileNamedAfterANewCaseOrTooLongLeavesNoCodeAndIsDeleted(@TempDir Path root) throws Exception {
        ListAppender<ILoggingEvent> log = PrivacyIT.capturedLog();
        String header = "id,program,type,office,date,subject_ref,subject_role,subject_sex\n";
        String rejected = header + "0f8fad5b-d9cb-469f-a165-70867728950e,social,client_contact,PNH,2015-08-03,PNH-C-0099,client,nobody\n";
        String newCase = "PNH-C-0099 intake.csv";
        String tooLong = "PNH-C-0099 " + "ក".repeat(75) + ".csv";
        List<String> names = new ArrayList<>();
        try (TestNode node = TestNode.start(root)) {
            Path inbox = node.data().resolve("inbox/PNH");
            for (String name : List.of(newCase, tooLong)) {
                Files.writeString(inbox.resolve(".file.part"), rejected);
                Files.move(inbox.resolve(".file.part"), inbox.resolve(name));
                Waiting.until("the file is handled", () -> !Files.exists(inbox.resolve(name)) && reports(inbox).size() == names.size() + 1);
                reports(inbox).forEach(report -> names.add(report.getFileName().toString()));
            }
            assertThat(reports(inbox)).extracting(report -> report.getFileName().toString())
                    .contains("[case code] intake.csv.report.json")
                    .anySatisfy(name -> assertThat(name).startsWith("[case code] ក").endsWith("….report.json"));
            for (Path report : reports(inbox)) {
                assertThat(Files.readString(report)).doesNotContainPattern(digits("0099"));
            }
            try (Stream<Path> left = Files.list(inbox)) {
                assertThat(left.filter(Files::isRegularFile)).as("the raw files are deleted").isEmpty();
            }
        } finally {
            PrivacyIT.rootLogger().detachAppender(log);
        }
        assertThat(names).allSatisfy(name -> assertThat(name).doesNotContainPattern(digits("0099")));
        assertThat(log.list).isNotEmpty().allSatisfy(event -> assertThat(text(event)).doesNotContainPattern(digits("0099")));
    }

    /**
     * The case code's number on its own, however the code around it is spelled: not inside a
     * longer run of digits or hex, where a timestamp's nanoseconds or an import's UUID may hold it
     * by chance (CI, stop 38: "21:32:32.300992243Z" holds "0099").
     */
    private static Pattern digits(String number) {
        return Pattern.compile("(?<![0-9A-Fa-f])" + number + "(?![0-9A-Fa-f])");
    }

    private static List<Path> reports(Path inbox) throws Exception {
        List<Path> reports = new ArrayList<>();
        for (String folder : List.of("done", "failed")) {
            Path dir = inbox.resolve(folder);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    files.filter(f -> f.getFileName().toString().endsWith(".report.json")).forEach(reports::add);
                }
            }
        }
        return reports;
    }

    private static String text(ILoggingEvent event) {
        return event.getFormattedMessage() + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()));
    }

    private static byte[] workbook() throws Exception {
        try (XSSFWorkbook wb = new XSSFWorkbook(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            wb.createSheet("records").createRow(0).createCell(0).setCellValue("id");
            wb.write(out);
            return out.toByteArray();
        }
    }

    private static byte[] rewrite(byte[] zip, String part, String content) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip)); ZipOutputStream z = new ZipOutputStream(out)) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                byte[] data = in.readAllBytes();
                if (entry.getName().equals(part)) {
                    data = content.getBytes(StandardCharsets.UTF_8);
                }
                z.putNextEntry(new ZipEntry(entry.getName()));
                z.write(data);
                z.closeEntry();
            }
        }
        return out.toByteArray();
    }
}
