package org.tonle.programmes.xlsform;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Writes a YAML-only programme bundle (DESIGN.md section 3): a jar whose manifest carries the
 * OSGi headers bnd would write for a bundle without code (Bundle-ManifestVersion,
 * Bundle-SymbolicName, Bundle-Version, Bundle-Name) and {@code Tonle-Programme}, and the
 * declaration at {@code TONLE-INF/programme.yaml}. Without classes, imports or routes such a
 * bundle needs no trust entry (DESIGN.md 9.7).
 */
public final class ProgrammeBundle {

    public static final String DECLARATION = "TONLE-INF/programme.yaml";

    private ProgrammeBundle() {
    }

    /** Writes the bundle beside {@code jar} and moves it into place, so a watched folder never sees half a jar. */
    public static void write(Path jar, XlsFormConverter.Conversion conversion, String source) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", conversion.symbolicName());
        main.putValue("Bundle-Version", conversion.version());
        main.putValue("Bundle-Name", conversion.programme().name().in("en"));
        main.putValue("Bundle-Description", "Programme made from the XLSForm " + source + " by bin/tonle programme from-xlsform");
        main.putValue("Tonle-Programme", DECLARATION);
        Path dir = jar.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path staging = Files.createTempFile(dir, "." + jar.getFileName(), ".part");
        try {
            try (OutputStream file = Files.newOutputStream(staging); JarOutputStream out = new JarOutputStream(file, manifest)) {
                out.putNextEntry(new JarEntry("TONLE-INF/"));
                out.closeEntry();
                out.putNextEntry(new JarEntry(DECLARATION));
                out.write(conversion.programmeYaml().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
            Files.move(staging, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(staging);
        }
    }
}
