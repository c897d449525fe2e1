package org.tonle.pipelines;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files and folders only their owner may read, created so from the start: the permissions go
 * with the creating call, so there is no window in which another user could open a key or a
 * sealed form (as with write, then chmod). On a file system without POSIX permissions (not a
 * supported deployment) the platform's default applies.
 */
public final class OwnerOnly {

    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> FOLDER = PosixFilePermissions.fromString("rwx------");

    private OwnerOnly() {
    }

    /** Creates the folder and any missing parents, each new one owner-only; existing ones are left as they are. */
    public static Path createDirectories(Path folder) throws IOException {
        Path absolute = folder.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return absolute;
        }
        if (absolute.getParent() != null) {
            createDirectories(absolute.getParent());
        }
        try {
            return posix(absolute) ? Files.createDirectory(absolute, attribute(FOLDER)) : Files.createDirectory(absolute);
        } catch (FileAlreadyExistsException raced) {
            return absolute;
        }
    }

    /** Creates a new file (failing if it exists) holding {@code content}, owner-only. */
    public static void createFile(Path file, byte[] content) throws IOException {
        try (OutputStream out = newFile(file)) {
            out.write(content);
        }
    }

    /** Opens a new file (failing if it exists) for writing, owner-only from its creation. */
    public static OutputStream newFile(Path file) throws IOException {
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return Channels.newOutputStream(posix(file.toAbsolutePath().getParent())
                ? Files.newByteChannel(file, options, attribute(FILE)) : Files.newByteChannel(file, options));
    }

    private static boolean posix(Path folder) {
        return folder.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static FileAttribute<Set<PosixFilePermission>> attribute(Set<PosixFilePermission> permissions) {
        return PosixFilePermissions.asFileAttribute(permissions);
    }
}
