package org.tonle.host.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.tonle.pipelines.OwnerOnly;
import org.tonle.pipelines.Quarantine;
import org.tonle.pipelines.SubjectKeys;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tonle unseal FILE.sealed}: gives an operator back an intake file the node could not
 * read and kept sealed under its key (DESIGN.md 9.2), to fix and drop in again. Reads the key
 * file, so it runs on the node's machine as the node's user; the output is owner-only, and
 * should be deleted once the fixed file was sent.
 */
@Command(name = "unseal", mixinStandardHelpOptions = true,
        description = "Decrypt an intake file the node kept sealed in a .failed/ folder, to fix and drop it in again.")
final class UnsealCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "the sealed file (…/.failed/NAME.sealed)")
    Path sealed;

    @Option(names = "--out", required = true, description = "where to write the file (must not exist)")
    Path out;

    @Option(names = "--config", defaultValue = "config", description = "configuration directory (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--data", defaultValue = "data", description = "data directory holding secrets/subject-key (default: ${DEFAULT-VALUE})")
    Path data;

    @Override
    public Integer call() throws IOException {
        Path keyFile = KeyCommand.keyFile(config, data);
        byte[] content = new Quarantine(SubjectKeys.fromFile(keyFile, false)).open(sealed);
        try (OutputStream file = OwnerOnly.newFile(out)) {
            file.write(content);
        }
        System.err.println("tonle unseal: wrote " + out + " (" + content.length + " bytes, owner-only); delete it once it is sent again");
        return 0;
    }
}
