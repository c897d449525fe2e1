package org.tonle.host.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupRetentionTest {

    @Test
    void onlyTheNewestBackupsStayAndNothingElseInTheFolderIsTouched(@TempDir Path folder) throws Exception {
        for (String name : List.of("tonle-backup-20261128T020000Z.pgp", "tonle-backup-20261130T020000Z.pgp",
                "tonle-backup-20261129T020000Z.pgp", "tonle-backup-20261201T020000Z.pgp.part", "notes.txt", "other.pgp")) {
            Files.writeString(folder.resolve(name), name);
        }
        BackupService.prune(folder, 2);
        try (Stream<Path> files = Files.list(folder)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("notes.txt", "other.pgp",
                    "tonle-backup-20261129T020000Z.pgp", "tonle-backup-20261130T020000Z.pgp", "tonle-backup-20261201T020000Z.pgp.part");
        }
    }
}
