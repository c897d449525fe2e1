package org.tonle.core.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What tells a configuration file changed without reading it: its size, modification time and
 * identity. The identity matters because tools replace a file by moving a new one over it
 * ({@code bin/tonle token add}), which can happen within the same millisecond and keep the size.
 */
public final class FileStamp {

    private FileStamp() {
    }

    /** The stamp of a file, {@code "absent"} when there is none, {@code "unreadable"} when its attributes cannot be read. */
    public static String of(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return attributes.size() + ":" + attributes.lastModifiedTime().toMillis() + ":" + attributes.fileKey();
        } catch (NoSuchFileException e) {
            return "absent";
        } catch (IOException e) {
            return "unreadable";
        }
    }
}
