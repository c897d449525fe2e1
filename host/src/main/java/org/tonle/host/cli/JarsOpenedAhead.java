package org.tonle.host.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipFile;

/**
 * The class path's jars opened on a thread of its own while a node starts. A node's start
 * looks up classes and resources that the class-data archive cannot hold (picocli's, the
 * {@code META-INF/services} files every {@code ServiceLoader} asks for), and each such lookup
 * opens the jars of the class path in order until it finds them; the first that finds nothing
 * opens all 177, reading 62,000 entries of central directories on the main thread (about a
 * fifth of the main thread's start, docs/PERFORMANCE.md, "Start to healthy"). The JDK keeps one
 * parsed directory per open jar file, shared by every {@link JarFile} on it: a jar this thread
 * has opened, the class loader then opens at the cost of a lookup. The handles stay open until
 * {@link #close()} (the class loader holds the same parsed directory and file for the process's
 * life, so they cost no descriptor of their own).
 */
final class JarsOpenedAhead implements AutoCloseable {

    private final List<JarFile> opened = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean closed;

    private JarsOpenedAhead() {
    }

    /** Starts opening the jars of {@code java.class.path} and of their manifests' {@code Class-Path}, last first. */
    static JarsOpenedAhead start() {
        JarsOpenedAhead ahead = new JarsOpenedAhead();
        Thread thread = new Thread(ahead::openAll, "tonle-jars-ahead");
        thread.setDaemon(true);
        thread.start();
        return ahead;
    }

    private void openAll() {
        List<File> jars = new ArrayList<>(classPathJars(System.getProperty("java.class.path", "")));
        // The class loader opens them first to last: from the other end, this thread meets it half way
        // rather than racing it for the same jar.
        Collections.reverse(jars);
        for (File jar : jars) {
            if (closed) {
                return;
            }
            try {
                JarFile file = new JarFile(jar, true, ZipFile.OPEN_READ, JarFile.runtimeVersion());
                opened.add(file);
                if (closed) {
                    file.close();
                }
            } catch (IOException | RuntimeException unreadable) {
                // The class loader will meet it too, and say so where it matters.
            }
        }
    }

    /** The jars of a class path, each followed by those its manifest's {@code Class-Path} names, in the class loader's order. */
    static List<File> classPathJars(String classPath) {
        Set<File> jars = new LinkedHashSet<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            File file = new File(entry);
            if (!entry.endsWith(".jar") || !file.isFile()) {
                continue;
            }
            jars.add(file);
            jars.addAll(manifestClassPath(file));
        }
        return List.copyOf(jars);
    }

    private static List<File> manifestClassPath(File jar) {
        try (JarFile opened = new JarFile(jar, false)) {
            Manifest manifest = opened.getManifest();
            String classPath = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (classPath == null) {
                return List.of();
            }
            Path folder = jar.toPath().toAbsolutePath().getParent();
            List<File> named = new ArrayList<>();
            for (String relative : classPath.trim().split("\\s+")) {
                File file = folder.resolve(relative).toFile();
                if (relative.endsWith(".jar") && file.isFile()) {
                    named.add(file);
                }
            }
            return named;
        } catch (IOException | RuntimeException unreadable) {
            return List.of();
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (opened) {
            for (JarFile file : opened) {
                try {
                    file.close();
                } catch (IOException ignored) {
                    // Only a handle of our own; the class loader's stays open.
                }
            }
            opened.clear();
        }
    }
}
