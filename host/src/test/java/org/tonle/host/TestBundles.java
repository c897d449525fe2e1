package org.tonle.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.tonle.programmes.BundleTrust;

/**
 * Builds programme bundles at test time with nothing but java.util.jar, as a programme author
 * would with the plain {@code jar} tool (docs/PLUGINS.md), and drops them into a node's deploy folder.
 */
final class TestBundles {

    private final Map<String, String> headers = new LinkedHashMap<>();
    private final Map<String, byte[]> entries = new LinkedHashMap<>();

    private TestBundles() {
    }

    /** A YAML-only programme bundle: four headers and the declaration. */
    static TestBundles programme(String symbolicName, String version, String declaration) {
        TestBundles bundle = new TestBundles();
        bundle.header("Bundle-ManifestVersion", "2").header("Bundle-SymbolicName", symbolicName)
                .header("Bundle-Version", version).header("Tonle-Programme", "TONLE-INF/programme.yaml");
        return bundle.entry("TONLE-INF/programme.yaml", declaration);
    }

    /** A jar with no OSGi headers at all. */
    static TestBundles plainJar() {
        return new TestBundles().entry("README.txt", "not a bundle");
    }

    TestBundles header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    TestBundles entry(String path, String text) {
        entries.put(path, text.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Copies a compiled test class into the bundle. */
    TestBundles classFile(Class<?> type) {
        String path = type.getName().replace('.', '/') + ".class";
        try (InputStream in = type.getClassLoader().getResourceAsStream(path)) {
            entries.put(path, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Writes the jar beside the deploy folder and moves it in at once, so FileInstall never sees half a jar. */
    void deploy(Path deployDir, String fileName) {
        try {
            Files.createDirectories(deployDir);
            Path staging = Files.createTempFile(deployDir.getParent(), fileName, ".tmp");
            write(staging);
            Files.move(staging, deployDir.resolve(fileName), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Trusts the jar by its SHA-256 in {@code config/trusted-bundles.yaml} (as
     * {@code bin/tonle bundles trust} does), then deploys it: for bundles that carry code.
     */
    void deployTrusted(Path config, Path deployDir, String fileName) {
        try {
            Files.createDirectories(deployDir);
            Path staging = Files.createTempFile(deployDir.getParent(), fileName, ".tmp");
            write(staging);
            BundleTrust.trust(config, staging);
            Files.move(staging, deployDir.resolve(fileName), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void write(Path jar) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        headers.forEach((name, value) -> main.put(new Attributes.Name(name), value));
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                out.putNextEntry(new JarEntry(entry.getKey()));
                out.write(entry.getValue());
                out.closeEntry();
            }
        }
    }
}
