package org.tonle.programmes.xlsform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.core.declaration.Activity;
import org.tonle.core.declaration.AttributeType;
import org.tonle.core.declaration.DeclarationReader;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.SubjectRule;

class XlsFormConverterTest {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** A KoboToolbox-style form: groups, metadata, English and Khmer labels, one geopoint. */
    static byte[] form(List<String[]> extraSurvey) throws Exception {
        try (XSSFWorkbook wb = new XSSFWorkbook(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            Sheet survey = wb.createSheet("survey");
            rows(survey, new String[] {"type", "name", "label::English (en)", "label::Khmer (km)", "required", "tonle"},
                    new String[] {"start", "start", "", "", "", ""},
                    new String[] {"end", "end", "", "", "", ""},
                    new String[] {"begin_group", "visit", "Visit", "ការសួរសុខទុក្ខ", "", ""},
                    new String[] {"date", "visit_date", "Date of visit", "កាលបរិច្ឆេទ", "yes", ""},
                    new String[] {"select_one offices", "office", "Office", "ការិយាល័យ", "yes", ""},
                    new String[] {"select_one places", "place", "Place", "ទីកន្លែង", "yes", ""},
                    new String[] {"end_group", "", "", "", "", ""},
                    new String[] {"begin_group", "child", "Child", "កុមារ", "", ""},
                    new String[] {"text", "code", "Case code", "លេខករណី", "", "subject_ref"},
                    new String[] {"select_one sexes", "sex", "Sex", "ភេទ", "yes", ""},
                    new String[] {"integer", "age", "Age", "អាយុ", "", ""},
                    new String[] {"integer", "siblings", "Siblings", "បងប្អូន", "", ""},
                    new String[] {"note", "thanks", "Thank you", "អរគុណ", "", ""},
                    new String[] {"end_group", "", "", "", "", ""});
            for (String[] extra : extraSurvey) {
                rows(survey, null, extra);
            }
            rows(wb.createSheet("choices"), new String[] {"list_name", "name", "label::English (en)", "label::Khmer (km)", "tonle"},
                    new String[] {"offices", "pnh", "Phnom Penh", "ភ្នំពេញ", ""},
                    new String[] {"offices", "siem_reap", "Siem Reap", "សៀមរាប", "SRP"},
                    new String[] {"places", "home", "Home", "ផ្ទះ", ""},
                    new String[] {"places", "shelter", "Shelter", "ជម្រក", ""},
                    new String[] {"sexes", "female", "Female", "ស្រី", ""},
                    new String[] {"sexes", "male", "Male", "ប្រុស", ""});
            rows(wb.createSheet("settings"), new String[] {"form_title", "form_title::Khmer (km)", "form_id", "version"},
                    new String[] {"Home visits", "ការសួរសុខទុក្ខតាមផ្ទះ", "home_visit", "2015081401"});
            wb.write(out);
            return out.toByteArray();
        }
    }

    private static void rows(Sheet sheet, String[] header, String[]... rows) {
        int r = sheet.getPhysicalNumberOfRows();
        if (header != null) {
            write(sheet.createRow(r++), header);
        }
        for (String[] row : rows) {
            write(sheet.createRow(r++), row);
        }
    }

    private static void write(Row row, String[] cells) {
        for (int i = 0; i < cells.length; i++) {
            if (!cells[i].isEmpty()) {
                row.createCell(i).setCellValue(cells[i]);
            }
        }
    }

    @Test
    void aFormBecomesAValidProgrammeWithItsKhmerTitleAndAMappingForItsExports(@TempDir Path dir) throws Exception {
        XlsFormConverter.Conversion c = new XlsFormConverter().convert(new ByteArrayInputStream(form(List.of())), null);

        Programme read = new DeclarationReader().read(new ByteArrayInputStream(c.programmeYaml().getBytes(StandardCharsets.UTF_8)), "p.yaml");
        assertThat(read.id()).isEqualTo("home_visit");
        assertThat(read.name().in("km")).isEqualTo("ការសួរសុខទុក្ខតាមផ្ទះ");
        assertThat(read.name().in("en")).isEqualTo("Home visits");
        Activity visit = read.activities().get(0);
        assertThat(visit.subject()).as("sex is required, role is constant").isEqualTo(SubjectRule.REQUIRED);
        assertThat(visit.roles()).containsExactly("person");
        assertThat(visit.attribute("place").orElseThrow().values()).containsExactly("home", "shelter");
        assertThat(visit.attribute("place").orElseThrow().isRequired()).isTrue();
        assertThat(visit.attribute("siblings").orElseThrow().type()).isEqualTo(AttributeType.INTEGER);
        assertThat(visit.attributes()).extracting(a -> a.name()).containsExactly("place", "siblings");
        assertThat(read.indicators()).extracting(i -> i.code()).containsExactly("home_visit.records", "home_visit.persons");
        assertThat(read.indicator("home_visit.records").orElseThrow().by()).containsExactly("office", "place");
        // Khmer labels of the questions travel along in the declaration's header.
        assertThat(c.programmeYaml()).contains("visit/visit_date (date, date) en: Date of visit km: កាលបរិច្ឆេទ");
        assertThat(c.leftOut()).containsExactly("survey row 2: 'start' (start) is form metadata, not imported",
                "survey row 3: 'end' (end) is form metadata, not imported");
        assertThat(c.unsupported()).isEmpty();
        assertThat(c.version()).isEqualTo("2015081401.0.0");

        JsonNode mapping = YAML.readTree(c.mappingYaml());
        assertThat(mapping.path("columns").path("_uuid").asText()).isEqualTo("id");
        assertThat(mapping.path("columns").path("visit/visit_date").asText()).isEqualTo("date");
        assertThat(mapping.path("columns").path("visit_date").asText()).isEqualTo("date");
        assertThat(mapping.path("columns").path("child/code").asText()).isEqualTo("subject_ref");
        assertThat(mapping.path("columns").path("child/age").asText()).isEqualTo("subject_age");
        assertThat(mapping.path("columns").path("child/siblings").asText()).isEqualTo("attr.siblings");
        assertThat(mapping.path("values").path("office").path("pnh").asText()).isEqualTo("PNH");
        assertThat(mapping.path("values").path("office").path("siem_reap").asText()).isEqualTo("SRP");
        // "Labels" exports: the English and Khmer labels map to the same values.
        assertThat(mapping.path("values").path("subject_sex").path("ស្រី").asText()).isEqualTo("F");
        assertThat(mapping.path("values").path("attr.place").path("Shelter").asText()).isEqualTo("shelter");
        assertThat(mapping.path("constants").path("program").asText()).isEqualTo("home_visit");
        assertThat(mapping.path("constants").path("subject_role").asText()).isEqualTo("person");

        Path jar = dir.resolve("home-visit.jar");
        ProgrammeBundle.write(jar, c, "form.xlsx");
        try (JarFile file = new JarFile(jar.toFile())) {
            var main = file.getManifest().getMainAttributes();
            assertThat(main.getValue("Bundle-SymbolicName")).isEqualTo("org.tonle.xlsform.home_visit");
            assertThat(main.getValue("Bundle-Version")).isEqualTo("2015081401.0.0");
            assertThat(main.getValue("Bundle-ManifestVersion")).isEqualTo("2");
            assertThat(main.getValue("Tonle-Programme")).isEqualTo("TONLE-INF/programme.yaml");
            String yaml = new String(file.getInputStream(file.getEntry("TONLE-INF/programme.yaml")).readAllBytes(), StandardCharsets.UTF_8);
            assertThat(yaml).isEqualTo(c.programmeYaml());
        }
        assertThat(Files.list(dir).toList()).containsExactly(jar);
    }

    @Test
    void unsupportedQuestionTypesAreReportedByRow() throws Exception {
        XlsFormConverter.Conversion c = new XlsFormConverter().convert(new ByteArrayInputStream(form(List.of(
                new String[] {"geopoint", "where", "Where", "", "", ""},
                new String[] {"select_multiple places", "places", "Places", "", "", ""},
                new String[] {"begin_repeat", "siblings_info", "", "", "", ""},
                new String[] {"integer", "sibling_age", "", "", "", ""},
                new String[] {"end_repeat", "", "", "", "", ""}))), "visits");
        assertThat(c.unsupported()).containsExactly(
                "survey row 16: type 'geopoint' is not supported ('where')",
                "survey row 17: type 'select_multiple places' is not supported ('places')",
                "survey row 18: type 'begin_repeat' is not supported (a record is one submission; the questions of repeat 'siblings_info' are left out)",
                "survey row 19: 'sibling_age' is inside a repeat, which is not supported");
        assertThat(c.programme().id()).isEqualTo("visits");
        assertThat(c.mappingYaml()).contains("#   survey row 16: type 'geopoint' is not supported ('where')");
    }

    @Test
    void aFormThatCannotBeAProgrammeSaysWhyWithSheetAndRow() throws Exception {
        byte[] noDate = form(List.of());
        try (XSSFWorkbook wb = new XSSFWorkbook(new ByteArrayInputStream(noDate)); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            wb.getSheet("survey").getRow(4).getCell(0).setCellValue("text");
            wb.getSheet("choices").getRow(6).getCell(1).setCellValue("boy_or_girl");
            wb.write(out);
            assertThatThrownBy(() -> new XlsFormConverter().convert(new ByteArrayInputStream(out.toByteArray()), null))
                    .isInstanceOf(XlsFormConverter.XlsFormException.class)
                    .hasMessageContaining("the form has no date question")
                    .hasMessageContaining("choices row 7: 'boy_or_girl' of sexes needs a tonle column saying F, M, X or U");
        }
        assertThat(XlsFormConverter.identifier("Case Intake-2015")).isEqualTo("case_intake_2015");
        assertThat(XlsFormConverter.bundleVersion("vKvCEc5q.S")).isEqualTo("1.0.0.vKvCEc5q_S");
        assertThat(Map.of()).isEmpty();
    }
}
