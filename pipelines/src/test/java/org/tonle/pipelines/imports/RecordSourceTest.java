package org.tonle.pipelines.imports;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.pipelines.Item;
import org.tonle.programme.api.Violation;

class RecordSourceTest {

    static final String HEADER = "id,program,type,office,date,count,subject_ref,subject_role,subject_sex,subject_age,attr.topic,participants\n";

    @Test
    void csvRowsBecomeWireRecordsWithCompactTallies() throws Exception {
        List<Item> items = csv("\uFEFF" + HEADER
                + "a,awareness,training,SHV,2015-08-04,,,,,,grooming,taxi_driver:M:12; hotel_staff : F : 8\n"
                + "b,social,client_contact,PNH,2015-08-04,2,C-1,client,F,16,,\n", Mapping.NONE, Map.of());
        assertThat(items).hasSize(2);
        assertThat(items.get(0).line()).isEqualTo(2);
        assertThat(items.get(0).node().toString()).isEqualTo("{\"id\":\"a\",\"program\":\"awareness\",\"type\":\"training\",\"office\":\"SHV\","
                + "\"date\":\"2015-08-04\",\"attributes\":{\"topic\":\"grooming\"},\"participants\":[{\"group\":\"taxi_driver\",\"sex\":\"M\",\"count\":12},"
                + "{\"group\":\"hotel_staff\",\"sex\":\"F\",\"count\":8}]}");
        assertThat(items.get(1).node().path("count").isIntegralNumber()).isTrue();
        assertThat(items.get(1).node().path("subject").toString()).isEqualTo("{\"ref\":\"C-1\",\"role\":\"client\",\"sex\":\"F\",\"age\":16}");
        assertThat(items.get(1).pending()).isTrue();
    }

    @Test
    void raggedRowsBadTalliesAndForeignBytesAreRejectedWithLineAndField() throws Exception {
        byte[] good = (HEADER + "a,awareness,training,SHV,2015-08-04,,,,,,grooming,taxi_driver-M-12\n"
                + "b,social,client_contact,PNH\n"
                + "c,social,client_contact,PNH,2015-08-04,,,,,,,,,\n").getBytes(StandardCharsets.UTF_8);
        byte[] latin = "d,social,client_contact,PNH,2015-08-04,,,,,,caf\u00e9,\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[good.length + latin.length];
        System.arraycopy(good, 0, all, 0, good.length);
        System.arraycopy(latin, 0, all, good.length, latin.length);
        List<Item> items = read(new CsvSource(new ByteArrayInputStream(all), Mapping.NONE, null, Map.of()));
        assertThat(violation(items, 2)).extracting(Violation::field, Violation::rule).containsExactly("participants", "format");
        assertThat(violation(items, 3).reason()).contains("4 cells but the header names 12 columns");
        assertThat(violation(items, 4).rule()).isEqualTo("columns");
        assertThat(violation(items, 5)).extracting(Violation::field, Violation::rule).containsExactly("attr.topic", "encoding");
    }

    @Test
    void aFileCutOffInsideAQuoteKeepsWhatCameBefore() throws Exception {
        List<Item> items = csv(HEADER + "a,social,client_contact,PNH,2015-08-04,,,,,,,\n"
                + "b,social,client_contact,PNH,\"2015-08-04,,,,,,,\n", Mapping.NONE, Map.of());
        assertThat(items.get(0).pending()).isTrue();
        assertThat(violation(items, 3).rule()).isEqualTo("csv");
        assertThat(items.get(1).lineLength()).isNull();
    }

    @Test
    void aMappingRenamesColumnsTranslatesValuesAndDropsItsOwnColumns(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("form.yaml"), """
                separator: ";"
                ignore_other_columns: true
                constants: {program: investigation, type: case_intake}
                columns: {_uuid: id, g/sex: subject_sex, g/code: subject_ref, when: date}
                values: {subject_sex: {female: F}}
                """);
        Mapping mapping = Mapping.load(dir, "form");
        List<Item> items = csv("_index;_uuid;when;g/code;g/sex\n1;u-1;2015-08-01;K-1;female\n", mapping, Map.of("office", "SRP"));
        assertThat(items.get(0).node().toString()).isEqualTo("{\"program\":\"investigation\",\"type\":\"case_intake\",\"id\":\"u-1\","
                + "\"date\":\"2015-08-01\",\"subject\":{\"ref\":\"K-1\",\"sex\":\"F\"},\"office\":\"SRP\"}");
    }

    @Test
    void ndjsonLinesAreNumberedAsInTheFileAndBadOnesStandAlone() throws Exception {
        List<Item> items = read(new NdjsonSource(new ByteArrayInputStream("{\"id\":\"a\"}\n\n[1]\n{\"id\":\"b\",\"sub".getBytes(StandardCharsets.UTF_8)),
                Map.of("office", "PNH")));
        assertThat(items).extracting(Item::line).containsExactly(1, 3, 4);
        assertThat(items.get(0).node().path("office").asText()).isEqualTo("PNH");
        assertThat(violation(items, 3).rule()).isEqualTo("malformed_json");
        assertThat(violation(items, 4).reason()).contains("cut off");
    }

    @Test
    void sourcesStreamAndReadOnlyABatchAhead() throws Exception {
        // An endless file: a source that held the whole input would never return.
        InputStream endless = new InputStream() {
            final byte[] line = "{\"id\":\"x\"}\n".getBytes(StandardCharsets.UTF_8);
            int position;

            @Override
            public int read() {
                return line[position++ % line.length];
            }
        };
        NdjsonSource source = new NdjsonSource(endless, Map.of());
        assertThat(source.next(1000)).hasSize(1000);
        assertThat(source.bytesRead()).isLessThan(1 << 20);
    }

    static List<Item> csv(String text, Mapping mapping, Map<String, String> defaults) throws Exception {
        return read(new CsvSource(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), mapping, null, defaults));
    }

    static List<Item> read(RecordSource source) throws Exception {
        List<Item> all = new ArrayList<>();
        try (source) {
            for (List<Item> batch; !(batch = source.next(2)).isEmpty(); ) {
                all.addAll(batch);
            }
        }
        return all;
    }

    static Violation violation(List<Item> items, int line) {
        return items.stream().filter(i -> i.line() == line).findFirst().orElseThrow().violations().get(0);
    }
}
