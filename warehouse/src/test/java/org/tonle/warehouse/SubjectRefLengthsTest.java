package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lengths of pseudonymised refs: complete only where every subject went through this node. */
class SubjectRefLengthsTest {

    @TempDir
    Path dir;

    @Test
    void aNewWarehouseKnowsEveryLengthItSawAcrossRestarts() {
        Path file = dir.resolve("w.duckdb");
        try (Warehouse warehouse = Warehouse.open(file)) {
            SubjectRefLengths lengths = SubjectRefLengths.of(warehouse);
            assertThat(lengths.searched()).as("no subject yet: no reading can be a code").isEmpty();
            lengths.saw(10);
            lengths.saw(8);
            lengths.saw(10);
            assertThat(lengths.searched()).containsExactly(8, 10);
        }
        try (Warehouse warehouse = Warehouse.open(file)) {
            assertThat(SubjectRefLengths.of(warehouse).searched()).containsExactly(8, 10);
        }
    }

    @Test
    void aNodeThatTakesSubjectsItNeverSawSearchesEveryLengthFromThenOn() {
        Path file = dir.resolve("w.duckdb");
        try (Warehouse warehouse = Warehouse.open(file)) {
            SubjectRefLengths lengths = SubjectRefLengths.of(warehouse);
            lengths.saw(10);
            lengths.incomplete();
            assertThat(lengths.searched()).isNull();
            lengths.saw(12);
            assertThat(lengths.searched()).isNull();
        }
        try (Warehouse warehouse = Warehouse.open(file)) {
            assertThat(SubjectRefLengths.of(warehouse).searched()).as("on every later run too").isNull();
        }
    }

    @Test
    void aWarehouseThatHeldRecordsBeforeTheLengthsWereKeptSearchesEveryLength() throws Exception {
        Path file = ReleaseFixture.unpack(dir);
        try (Warehouse warehouse = Warehouse.open(file)) {
            assertThat(SubjectRefLengths.of(warehouse).searched()).as("its subjects' refs were never measured").isNull();
        }
    }
}
