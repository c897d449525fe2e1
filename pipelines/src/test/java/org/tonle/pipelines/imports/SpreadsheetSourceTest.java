package org.tonle.pipelines.imports;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.assertj.core.api.Assertions;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.tonle.pipelines.Item;
import org.tonle.pipelines.SubjectKeys;
import org.tonle.programme.api.Violation;

/** xlsx rows and keys as ids (DESIGN.md 9.5), read the way the import jobs read them. */
class SpreadsheetSourceTest {

    static final UUID NAMESPACE = UUID.fromString("3f1c2a4e-8d2b-4b7a-9c55-0d4e6f7a8b9c");
    static final SubjectKeys NODE_KEY = SubjectKeys.of(new byte[32]);
    static final RecordKeys KEYS = new RecordKeys(NAMESPACE, NODE_KEY);

    @Test
    void version5UuidsAreTheRfcs() {
        // RFC 9562 appendix A.4: "www.example.com" in the DNS namespace.
        UUID dns = UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
        assertThat(RecordKeys.v5(dns, "www.example.com")).isEqualTo(UUID.fromString("2ed6657d-e927-568b-95e1-2665a8aea6a2"));
        assertThat(RecordKeys.v5(dns, "www.example.com").version()).isEqualTo(5);
    }

    /**
     * Attack review (r2): keys are sometimes case codes, the namespace is logged and copied between
     * nodes, and analysts see record ids. The plain UUID v5 of {@code office/key} gave the key back
     * by hashing guesses ({@code PNH-2015-08-0001} to {@code -9999} is ten thousand SHA-1s); the id
     * is now made from a hash keyed by the organisation's pseudonymisation key: the same on every
     * node holding that key, and not the plain UUID v5 of any guess.
     */
    @Test
    void aRecordIdGivesNoKeyBackToGuessesFromTheNamespace() {
        UUID id = KEYS.id("PNH", "PNH-2015-08-0017");
        for (int n = 1; n <= 9999; n++) {
            String guess = "PNH/PNH-2015-08-%04d".formatted(n);
            assertThat(RecordKeys.v5(NAMESPACE, guess)).as(guess).isNotEqualTo(id);
        }
        assertThat(new RecordKeys(NAMESPACE, SubjectKeys.of(new byte[32])).id("PNH", "PNH-2015-08-0017"))
                .as("another node with the organisation's key").isEqualTo(id);
        byte[] other = new byte[32];
        other[0] = 1;
        assertThat(new RecordKeys(NAMESPACE, SubjectKeys.of(other)).id("PNH", "PNH-2015-08-0017")).isNotEqualTo(id);
        assertThat(id.version()).isEqualTo(5);
    }

    @Test
    void csvKeysBecomeTheSameUuidEveryTimeAndUuidsStay() throws Exception {
        String uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
        String csv = "id,program,type,office,date\n"
                + "PNH-2015-08-0017,social,client_contact,PNH,2015-08-03\n"
                + "PNH-2015-08-0017,social,client_contact,SRP,2015-08-03\n"
                + uuid + ",social,client_contact,PNH,2015-08-03\n"
                + "K".repeat(129) + ",social,client_contact,PNH,2015-08-03\n"
                + "K".repeat(128) + ",social,client_contact,PNH,2015-08-03\n"
                + "NO-OFFICE,social,client_contact,,2015-08-03\n";
        List<Item> items = RecordSourceTest.read(new CsvSource(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)),
                Mapping.NONE, null, Map.of(), KEYS));
        String pnh = KEYS.id("PNH", "PNH-2015-08-0017").toString();
        assertThat(items.get(0).node().path("id").asText()).isEqualTo(pnh);
        assertThat(items.get(0).recordId()).isEqualTo(pnh);
        assertThat(items.get(1).node().path("id").asText()).isEqualTo(KEYS.id("SRP", "PNH-2015-08-0017").toString())
                .isNotEqualTo(pnh);
        assertThat(items.get(2).node().path("id").asText()).isEqualTo(uuid);
        Violation tooLong = items.get(3).violations().get(0);
        assertThat(tooLong).extracting(Violation::field, Violation::rule).containsExactly("id", "key_length");
        assertThat(tooLong.reason()).contains("line 5", "129 characters", "1 to 128").doesNotContain("KKK");
        assertThat(items.get(4).pending()).isTrue();
        assertThat(items.get(5).violations()).extracting(Violation::rule).containsExactly("key_office");

        // The same file again, through a new reader: the same ids.
        List<Item> again = RecordSourceTest.read(new CsvSource(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)),
                Mapping.NONE, null, Map.of(), KEYS));
        assertThat(again.get(0).recordId()).isEqualTo(pnh);
    }

    @Test
    void xlsxRowsAreReadAsTheCsvColumnsWithExcelRowNumbers() throws Exception {
        byte[] book = xlsx(wb -> {
            wb.createSheet("notes").createRow(0).createCell(0).setCellValue("read me first");
            Sheet sheet = wb.createSheet("records");
            CellStyle dateStyle = wb.createCellStyle();
            dateStyle.setDataFormat(wb.createDataFormat().getFormat("dd/mm/yyyy"));
            String[] header = {"id", "program", "type", "office", "date", "subject_ref", "subject_role", "subject_sex", "subject_age",
                    "attr.online", "participants"};
            Row h = sheet.createRow(0);
            for (int i = 0; i < header.length; i++) {
                h.createCell(i).setCellValue(header[i]);
            }
            Row r = sheet.createRow(1);
            r.createCell(0).setCellValue("SRP-0001");
            r.createCell(1).setCellValue("investigation");
            r.createCell(2).setCellValue("case_intake");
            r.createCell(3).setCellValue("SRP");
            r.createCell(4).setCellValue(LocalDate.of(2015, 8, 14));
            r.getCell(4).setCellStyle(dateStyle);
            r.createCell(5).setCellValue("SRP-C-7");
            r.createCell(6).setCellValue("victim");
            r.createCell(7).setCellValue("F");
            r.createCell(8).setCellValue(16);
            r.createCell(9).setCellValue(true);
            // Row 3 left empty; row 4 has a stray value beyond the header and an Excel error.
            Row bad = sheet.createRow(3);
            bad.createCell(0).setCellValue("SRP-0002");
            bad.createCell(3).setCellValue("SRP");
            bad.createCell(8).setCellFormula("1/0");
            bad.createCell(13).setCellValue("stray");
        });
        try (XlsxSource source = new XlsxSource(new ByteArrayInputStream(book), Mapping.NONE, null, Map.of(), KEYS)) {
            assertThat(source.sheetName()).as("the first sheet with a header, not the notes before it").isEqualTo("records");
        }
        List<Item> items = read(book);
        assertThat(items).hasSize(2);
        Item first = items.get(0);
        assertThat(first.line()).isEqualTo(2);
        assertThat(first.node().path("id").asText()).isEqualTo(KEYS.id("SRP", "SRP-0001").toString());
        assertThat(first.node().path("date").asText()).isEqualTo("2015-08-14");
        assertThat(first.node().path("subject").toString()).isEqualTo("{\"ref\":\"SRP-C-7\",\"role\":\"victim\",\"sex\":\"F\",\"age\":16}");
        assertThat(first.node().path("attributes").path("online").asText()).isEqualToIgnoringCase("true");
        Item second = items.get(1);
        assertThat(second.line()).isEqualTo(4);
        assertThat(second.violations()).extracting(Violation::rule).containsExactlyInAnyOrder("columns", "cell_error");
        assertThat(second.violations()).filteredOn(v -> v.rule().equals("cell_error")).singleElement()
                .satisfies(v -> assertThat(v.field()).isEqualTo("subject_age"))
                .satisfies(v -> assertThat(v.reason()).contains("row 4", "subject_age", "#DIV/0!"));
        assertThat(second.violations()).filteredOn(v -> v.rule().equals("columns")).singleElement()
                .satisfies(v -> assertThat(v.reason()).contains("row 4", "column N"));
    }

    /**
     * Review r8: rejections found while reading a sheet repeated what a cell or a header held: the
     * participants part that was no tally, the header of a cell that is not UTF-8, a text cell
     * that begins with "ERROR:" (read as an Excel error) and its header. A case code typed there
     * reached the dead letter, the import job and the inbox report.
     */
    @Test
    void aCaseCodeInACellOrAHeaderIsNotRepeatedByARejection() throws Exception {
        String csv = "id,program,type,office,date,participants,PNH-C-0042\n"
                + "0f8fad5b-d9cb-469f-a165-70867728950e,awareness,training,PNH,2015-08-03,taxi_driver:M:2;PNH-C-0042,\n"
                + "1f8fad5b-d9cb-469f-a165-70867728950e,awareness,training,PNH,2015-08-03,,x\uFFFDPNH-C-0042\n";
        List<Item> rows = RecordSourceTest.read(new CsvSource(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)),
                Mapping.NONE, null, Map.of(), KEYS));
        assertThat(rows.get(0).violations()).extracting(Violation::rule).containsExactly("format");
        assertThat(rows.get(0).violations().get(0).reason()).contains("part 2");
        assertThat(rows.get(1).violations()).extracting(Violation::rule, Violation::field).containsExactly(Tuple.tuple("encoding", "(name not shown)"));
        byte[] book = xlsx(wb -> {
            Sheet sheet = wb.createSheet("records");
            String[] header = {"id", "office", "attr.text", "PNH-C-0042"};
            Row h = sheet.createRow(0);
            for (int i = 0; i < header.length; i++) {
                h.createCell(i).setCellValue(header[i]);
            }
            Row r = sheet.createRow(1);
            r.createCell(0).setCellValue("SRP-0001");
            r.createCell(1).setCellValue("SRP");
            r.createCell(2).setCellValue("ERROR:PNH-C-0042");
            r.createCell(3).setCellFormula("1/0");
        });
        List<Item> items = read(book);
        List<Violation> errors = items.get(0).violations();
        assertThat(errors).extracting(Violation::rule).containsExactly("cell_error", "cell_error");
        assertThat(errors.get(0).reason()).contains("row 2", "attr.text").doesNotContain("ERROR:", "(");
        assertThat(errors.get(1).reason()).contains("row 2", "column D", "#DIV/0!");
        assertThat(errors.get(1).field()).isEqualTo("(name not shown)");
        for (Item item : List.of(rows.get(0), rows.get(1), items.get(0))) {
            assertThat(item.violations()).allSatisfy(v -> assertThat(v.field() + " " + v.reason()).doesNotContain("0042"));
        }
    }

    @Test
    void aBodyThatIsNoWorkbookIsRefusedInWords() {
        Assertions.assertThatThrownBy(() -> new XlsxSource(new ByteArrayInputStream("id,program\n".getBytes(StandardCharsets.UTF_8)),
                Mapping.NONE, null, Map.of(), KEYS)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("xlsx");
    }

    /**
     * A sheet named by a case code whose XML breaks after its first row with an element named by
     * the same code: the parser's own message quotes the element, and it once reached the job's
     * report through the rejection. The rejection says where, not what.
     */
    @Test
    void aDamagedSheetIsReportedWithoutWhatTheParserCouldNotRead() throws Exception {
        byte[] book = xlsx(wb -> {
            Sheet sheet = wb.createSheet("PNH-C-0042");
            Row h = sheet.createRow(0);
            h.createCell(0).setCellValue("id");
            h.createCell(1).setCellValue("office");
            Row r = sheet.createRow(1);
            r.createCell(0).setCellValue("SRP-0001");
            r.createCell(1).setCellValue("SRP");
        });
        ByteArrayOutputStream damaged = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(book)); ZipOutputStream out = new ZipOutputStream(damaged)) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                byte[] content = in.readAllBytes();
                if (entry.getName().startsWith("xl/worksheets/")) {
                    String xml = new String(content, StandardCharsets.UTF_8);
                    content = xml.replace("</row><row", "</row><PNH-C-0042><row").replaceAll("</sheetData>.*", "")
                            .getBytes(StandardCharsets.UTF_8);
                }
                out.putNextEntry(new ZipEntry(entry.getName()));
                out.write(content);
                out.closeEntry();
            }
        }
        List<Item> items = read(damaged.toByteArray());
        Item broken = items.get(items.size() - 1);
        assertThat(broken.violations()).singleElement().satisfies(v -> assertThat(v.reason())
                .contains("cannot be read after row", "malformed XML at line").doesNotContain("0042"));
    }

    /** The bytes of an .xlsx file that {@code build} fills, its formulas evaluated as Excel would on saving. */
    private static byte[] xlsx(Consumer<XSSFWorkbook> build) throws IOException {
        try (XSSFWorkbook wb = new XSSFWorkbook(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            build.accept(wb);
            wb.getCreationHelper().createFormulaEvaluator().evaluateAll();
            wb.write(out);
            return out.toByteArray();
        }
    }

    private static List<Item> read(byte[] book) throws Exception {
        try (XlsxSource source = new XlsxSource(new ByteArrayInputStream(book), Mapping.NONE, null, Map.of(), KEYS)) {
            return RecordSourceTest.read(source);
        }
    }
}
