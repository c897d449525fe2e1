package org.tonle.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TargetsFileTest {

    @TempDir
    Path config;

    private void write(String yaml) throws Exception {
        Path file = config.resolve(TargetsFile.FILE);
        // Written beside and moved over, as an editor saves: a new identity even within the same millisecond.
        Path next = config.resolve("targets.yaml.new");
        Files.writeString(next, yaml);
        Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static Double target(TargetsFile file) {
        return file.get().of("social.clients_met", "2015", null).map(Targets.Target::target).orElse(null);
    }

    @Test
    void anEditedTargetIsAnsweredWithoutARestart() throws Exception {
        write("targets: {social.clients_met: {2015: {target: 1800}}}\n");
        TargetsFile file = new TargetsFile(config);
        assertThat(target(file)).isEqualTo(1800.0);

        write("targets: {social.clients_met: {2015: {target: 1900}}}\n");
        assertThat(target(file)).isEqualTo(1900.0);

        Files.delete(config.resolve(TargetsFile.FILE));
        assertThat(target(file)).as("the file removed: no targets").isNull();

        write("targets: {social.clients_met: {2015: {target: 2000}}}\n");
        assertThat(target(file)).as("a file added after the start").isEqualTo(2000.0);
    }

    @Test
    void anEditThatDoesNotReadKeepsTheTargetsReadBefore() throws Exception {
        write("targets: {social.clients_met: {2015: {target: 1800}}}\n");
        TargetsFile file = new TargetsFile(config);

        write("targets: {social.clients_met: {2015: {target: -5}}}\n");
        assertThat(target(file)).isEqualTo(1800.0);
        write("targets: {social.clients_met: [unclosed\n");
        assertThat(target(file)).isEqualTo(1800.0);

        write("targets: {social.clients_met: {2015: {target: 1850}}}\n");
        assertThat(target(file)).as("the next good edit is read").isEqualTo(1850.0);
    }

    @Test
    void aFileThatDoesNotReadAtStartIsRefusedWithItsReason() throws Exception {
        write("targets: {social.clients_met: {2015: {target: -5}}}\n");
        assertThatThrownBy(() -> new TargetsFile(config)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("social.clients_met 2015: target must be a number of at least 0");
    }
}
