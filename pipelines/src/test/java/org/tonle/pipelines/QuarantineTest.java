package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuarantineTest {

    static final byte[] FORM = "{\"child\": {\"case_code\": \"HL-4711\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void aSealedFileShowsNothingOfItsContentAndOpensWithTheNodesKeyOnly(@TempDir Path dir) throws IOException {
        SubjectKeys keys = SubjectKeys.fromFile(dir.resolve("secrets/subject-key"), true);
        Quarantine quarantine = new Quarantine(keys);
        Path first = quarantine.seal(dir.resolve("intake/.failed"), "form.json", FORM);
        Path second = quarantine.seal(dir.resolve("intake/.failed"), "form.json", FORM);

        assertThat(first.getFileName()).hasToString("form.json.sealed");
        assertThat(second.getFileName()).hasToString("form.json-2.sealed");
        for (Path sealed : new Path[] {first, second}) {
            assertThat(new String(Files.readAllBytes(sealed), StandardCharsets.ISO_8859_1)).doesNotContain("HL-4711").doesNotContain("case_code");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sealed))).isEqualTo("rw-------");
            assertThat(quarantine.open(sealed)).isEqualTo(FORM);
        }
        // A fresh nonce per file: the same form twice gives different bytes.
        assertThat(Files.readAllBytes(first)).isNotEqualTo(Files.readAllBytes(second));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("intake/.failed")))).isEqualTo("rwx------");

        Quarantine otherNode = new Quarantine(SubjectKeys.of(new byte[32]));
        assertThatThrownBy(() -> otherNode.open(first)).isInstanceOf(IOException.class).hasMessageContaining("another key");
        byte[] altered = Files.readAllBytes(first);
        altered[altered.length - 1] ^= 1;
        Files.write(first, altered);
        assertThatThrownBy(() -> quarantine.open(first)).isInstanceOf(IOException.class).hasMessageContaining("altered");
    }

    @Test
    void theKeyFileAndItsFolderAreOwnerOnlyFromTheirCreation(@TempDir Path dir) throws IOException {
        Path key = dir.resolve("data/secrets/subject-key");
        SubjectKeys.fromFile(key, true);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key.getParent()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("data")))).isEqualTo("rwx------");
    }
}
