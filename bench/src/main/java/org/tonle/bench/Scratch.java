package org.tonle.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A bench's scratch folder (warehouses, nodes, a broker's log: hundreds of MB) goes when the bench ends. */
final class Scratch {

    private Scratch() {
    }

    /** Deletes the folder and everything in it; nothing when it does not exist. */
    static void delete(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the bench's scratch folder " + folder, e);
        }
    }
}
