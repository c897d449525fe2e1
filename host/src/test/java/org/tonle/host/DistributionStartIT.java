package org.tonle.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/tonle serve} as an operator starts it, for what makes a start quick
 * (docs/PERFORMANCE.md, "Start to healthy"): DuckDB's native library is loaded from the file
 * unpacked at build time beside the driver, not unpacked again into a temporary file; the first
 * serve after a build records the class-data archive in the background, and the next commands
 * load their classes from it.
 */
class DistributionStartIT {

    private static final Path REPOSITORY = TestNode.repository();
    private static final Path LIB = REPOSITORY.resolve("host/target/lib");
    private static final Path ARCHIVE = REPOSITORY.resolve("host/target/tonle-host.jsa");
    private static final Path LOCK = REPOSITORY.resolve("host/target/tonle-host.jsa.lock");

    /** The library beside the driver is the pinned driver's own, and the driver in the distribution no longer holds it. */
    @Test
    void duckDbsLibraryIsUnpackedOnceAtBuildTime() throws IOException {
        // The pinned driver from the Maven repository: on the class path too, behind the distribution's
        // (tonle-host.jar's manifest names lib/ first), so found by a resource only the driver has.
        Path lib = LIB.toRealPath();
        Path pinned = Collections.list(getClass().getClassLoader().getResources("META-INF/services/java.sql.Driver")).stream()
                .map(URL::toString).filter(url -> url.startsWith("jar:file:") && url.contains("/duckdb_jdbc-"))
                .map(url -> Path.of(URI.create(url.substring("jar:".length(), url.indexOf("!/")))).toAbsolutePath())
                .filter(jar -> !jar.getParent().equals(lib)).findFirst().orElseThrow();
        try (ZipFile whole = new ZipFile(pinned.toFile());
                ZipFile inDistribution = new ZipFile(LIB.resolve(pinned.getFileName()).toFile())) {
            ZipEntry library = whole.stream().filter(e -> e.getName().equals(libraryName())).findFirst().orElseThrow();
            assertThat(inDistribution.getEntry(library.getName())).as("this platform's library in the distribution's driver").isNull();
            Path unpacked = LIB.resolve(library.getName());
            assertThat(Files.size(unpacked)).isEqualTo(library.getSize());
            try (InputStream in = whole.getInputStream(library); InputStream file = Files.newInputStream(unpacked)) {
                assertThat(sha256(file)).as("the pinned driver's library").isEqualTo(sha256(in));
            }
            assertThat(files(inDistribution)).isEqualTo(files(whole).stream().filter(name -> !name.equals(library.getName())).toList());
        }
    }

    @Test
    void theFirstServeRecordsTheArchiveTheNextCommandsUse(@TempDir Path scratch) throws Exception {
        Waiting.until("no class-data training under way", Duration.ofMinutes(2), () -> !Files.exists(LOCK));
        Files.deleteIfExists(ARCHIVE);

        int port;
        int flightPort;
        try (ServerSocket socket = new ServerSocket(0); ServerSocket flightSocket = new ServerSocket(0)) {
            port = socket.getLocalPort();
            flightPort = flightSocket.getLocalPort();
        }
        Path log = scratch.resolve("serve.log");
        ProcessBuilder serve = tonle(List.of("serve", "--data", scratch.resolve("data").toString(), "--port", String.valueOf(port),
                "--flight-port", String.valueOf(flightPort))).redirectErrorStream(true).redirectOutput(log.toFile());
        serve.environment().put("TONLE_ADMIN_TOKEN", "distribution-start-admin");
        Process node = serve.start();
        try {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1)).build();
            Waiting.until("the node healthy", Duration.ofMinutes(2), () -> {
                assertThat(node.isAlive()).as(() -> read(log)).isTrue();
                try {
                    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (IOException notYet) {
                    return false;
                }
            });
            assertThat(read(log)).contains("recording the classes a start loads");
            // Arrow Flight SQL (gRPC and Netty, which find their transports and codecs as services)
            // answers from the distribution's merged jar as it does from the separate ones.
            Properties flight = new Properties();
            flight.setProperty("token", "distribution-start-admin");
            flight.setProperty("useEncryption", "false");
            try (Connection c = DriverManager.getConnection("jdbc:arrow-flight-sql://127.0.0.1:" + flightPort, flight);
                 Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM offices")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).as("the configuration's offices").isEqualTo(3);
            }
            // bin/tonle execs java: the script's process is the node's JVM.
            Path maps = Path.of("/proc", String.valueOf(node.pid()), "maps");
            if (Files.exists(maps)) {
                assertThat(Files.readAllLines(maps)).filteredOn(line -> line.contains("libduckdb_java"))
                        .isNotEmpty().allSatisfy(line -> assertThat(line).endsWith(LIB.resolve(libraryName()).toRealPath().toString()));
            }
        } finally {
            node.destroy();
            assertThat(node.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
        }

        // The training (a node of its own, stopped once healthy) ends and leaves the archive.
        Waiting.until("the class-data archive recorded", Duration.ofMinutes(3), () -> !Files.exists(LOCK));
        assertThat(ARCHIVE).isNotEmptyFile();

        String shared = classLoading(List.of("--version"), false);
        assertThat(shared).contains("tonle ").contains("org.tonle.host.cli.TonleCommand source: shared objects file (top)");
        String plain = classLoading(List.of("--version"), true);
        assertThat(plain).contains("tonle ").doesNotContain("shared objects file (top)");

        // What the training itself loads to ask for /health is in the archive too, and every launch
        // maps and relocates all of it: no HTTP client of the JDK's (600 classes), which no node loads.
        String archived = output(List.of("--version"), "-XX:+PrintSharedArchiveAndExit", false);
        assertThat(archived).contains("org.tonle.host.Node ").doesNotContain("jdk.internal.net.http.", "java.net.http.");
    }

    /**
     * The class path is three jars: every library in {@code lib/tonle-libraries.jar}, which a
     * launch opens once instead of 177 (docs/PERFORMANCE.md, "Start to healthy", eleventh pass),
     * the programme API and DuckDB's driver. The merge keeps what the separate jars gave the class
     * loader: every file of every library (its classes, its multi-release versions), each service
     * file with the providers of every jar that has one, and no jar index or signature, which
     * would hide the packages an index does not list or refuse the classes a signature does not
     * cover. The separate jars are the ones on this test's class path, from the Maven repository.
     */
    @Test
    void theLibrariesAreOneJarThatKeepsWhatTheirJarsHeld() throws Exception {
        Path host = REPOSITORY.resolve("host/target/tonle-host.jar");
        List<String> classPath;
        try (JarFile jar = new JarFile(host.toFile())) {
            classPath = List.of(jar.getManifest().getMainAttributes().getValue("Class-Path").split(" "));
        }
        assertThat(classPath).hasSize(3).first().isEqualTo("lib/tonle-libraries.jar");
        assertThat(classPath).anyMatch(entry -> entry.startsWith("lib/tonle-programme-api-"))
                .anyMatch(entry -> entry.startsWith("lib/duckdb_jdbc-"));
        classPath.forEach(entry -> assertThat(host.resolveSibling(entry)).isRegularFile());

        try (JarFile merged = new JarFile(LIB.resolve("tonle-libraries.jar").toFile())) {
            assertThat(merged.getManifest().getMainAttributes().getValue("Multi-Release")).isEqualTo("true");
            assertThat(files(merged)).noneMatch(name -> name.equals("META-INF/INDEX.LIST") || name.matches("META-INF/[^/]+\\.(SF|RSA|DSA|EC)"));
            List<String> libraries = new ArrayList<>();
            for (URL manifest : Collections.list(getClass().getClassLoader().getResources("META-INF/MANIFEST.MF"))) {
                String url = manifest.toString();
                if (!url.startsWith("jar:file:")) {
                    continue;
                }
                Path jarPath = Path.of(URI.create(url.substring("jar:".length(), url.indexOf("!/"))));
                if (jarPath.toString().contains("/target/")) {
                    continue; // this build's own jars and the distribution's
                }
                try (JarFile library = new JarFile(jarPath.toFile())) {
                    List<String> names = files(library).stream().filter(name -> !name.startsWith("META-INF/") && !name.endsWith("module-info.class")).toList();
                    // Known by a class of its own (a file every jar may have, such as LICENSE, says nothing).
                    String own = names.stream().filter(name -> name.endsWith(".class")).findFirst()
                            .orElse(names.stream().filter(name -> name.contains("/")).findFirst().orElse(null));
                    if (own == null || merged.getEntry(own) == null) {
                        continue; // not a library of the node's: a test's, a bundle's, the programme API, DuckDB's driver
                    }
                    libraries.add(jarPath.getFileName().toString());
                    assertThat(names).as(jarPath.getFileName() + "'s files").allMatch(name -> merged.getEntry(name) != null);
                    for (String name : files(library)) {
                        if (name.startsWith("META-INF/versions/") && name.endsWith(".class") && !name.endsWith("module-info.class")) {
                            assertThat(merged.getEntry(name)).as(jarPath.getFileName() + ": " + name).isNotNull();
                        } else if (name.startsWith("META-INF/services/")) {
                            assertThat(providers(merged, name)).as(jarPath.getFileName() + ": " + name).containsAll(providers(library, name));
                        }
                    }
                }
            }
            assertThat(libraries).as("the libraries found in the merged jar").hasSizeGreaterThan(150);
        }
    }

    /** The lines of a service file that name something: no comment, no blank. */
    private static List<String> providers(JarFile jar, String name) throws IOException {
        try (InputStream in = jar.getInputStream(jar.getEntry(name))) {
            return TestNode.linesWithoutComments(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /**
     * {@code bin/tonle} gives the JVM config/jvm.options, the one place the node's JVM options are
     * written (the service unit and the benches read the same file): each {@code -XX} option in it
     * is set from the command line, and TONLE_HEAP replaces the file's maximum heap.
     */
    @Test
    void theJvmRunsWithTheOptionsFile() throws Exception {
        List<String> options = TestNode.argumentFile(REPOSITORY.resolve("config/jvm.options")).stream()
                .filter(option -> option.startsWith("-XX:"))
                // the JVM lists every flag but CompileCommand, a list of commands
                .filter(option -> !option.startsWith("-XX:CompileCommand=")).toList();
        assertThat(options).as("the file's -XX options").hasSizeGreaterThan(5);
        ProcessBuilder builder = tonle(List.of("--version")).redirectErrorStream(true);
        builder.environment().put("TONLE_JAVA_OPTS", "-XX:+PrintFlagsFinal");
        builder.environment().put("TONLE_HEAP", "3g");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();

        Map<String, String[]> flags = new HashMap<>();
        Matcher line = Pattern.compile("(?m)^\\s*\\S+\\s+(\\w+)\\s+:?=\\s*(\\S*)\\s+\\{[^}]*}\\s+\\{([^}]*)}").matcher(output);
        while (line.find()) {
            flags.put(line.group(1), new String[] {line.group(2), line.group(3)});
        }
        for (String option : options) {
            String flag = option.substring("-XX:".length());
            String name = flag.startsWith("+") || flag.startsWith("-") ? flag.substring(1) : flag.split("=", 2)[0];
            assertThat(flags).as(option).containsKey(name);
            String[] value = flags.get(name);
            assertThat(value[1]).as(option + " set from the command line").contains("command line");
            if (flag.startsWith("+") || flag.startsWith("-")) {
                assertThat(value[0]).as(option).isEqualTo(flag.startsWith("+") ? "true" : "false");
            } else if (value[1].equals("command line")) {
                assertThat(new BigDecimal(value[0])).as(option).isEqualByComparingTo(flag.split("=", 2)[1]);
            }
        }
        assertThat(flags.get("InitialHeapSize")[0]).as("-Xms256m").isEqualTo(String.valueOf(256L << 20));
        assertThat(flags.get("MaxHeapSize")[0]).as("TONLE_HEAP=3g over the file's -Xmx2g").isEqualTo(String.valueOf(3L << 30));
        String[] lines = output.strip().split("\\R");
        assertThat(lines[lines.length - 1]).as("the command's own line last").startsWith("tonle ");
        assertThat(output).as("no warning of the JVM's").doesNotContain("[warning]");
    }

    /** The command's output with the JVM's class-loading log, which names where each class came from. */
    private static String classLoading(List<String> args, boolean withoutArchive) throws Exception {
        return output(args, "-Xlog:class+load=info", withoutArchive);
    }

    private static String output(List<String> args, String javaOptions, boolean withoutArchive) throws Exception {
        ProcessBuilder builder = tonle(args).redirectErrorStream(true);
        builder.environment().put("TONLE_JAVA_OPTS", javaOptions);
        if (withoutArchive) {
            builder.environment().put("TONLE_CDS", "0");
        }
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    private static ProcessBuilder tonle(List<String> args) {
        List<String> command = new ArrayList<>(List.of(REPOSITORY.resolve("bin/tonle").toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(REPOSITORY.toFile());
        builder.environment().put("TONLE_SKIP_BUILD", "1");
        builder.environment().remove("TONLE_JAVA_OPTS");
        builder.environment().remove("TONLE_CDS");
        builder.environment().remove("TONLE_ADMIN_TOKEN");
        return builder;
    }

    /** The file name DuckDB's driver looks for on this platform (org.duckdb.DuckDBNative). */
    private static String libraryName() {
        String os = System.getProperty("os.name").toLowerCase();
        String arch = System.getProperty("os.arch").toLowerCase();
        if (os.startsWith("mac")) {
            return "libduckdb_java.so_osx_universal";
        }
        return "libduckdb_java.so_linux_" + (arch.equals("aarch64") || arch.equals("arm64") ? "arm64" : "amd64");
    }

    private static List<String> files(ZipFile zip) {
        return zip.stream().filter(e -> !e.isDirectory()).map(ZipEntry::getName).sorted().toList();
    }

    private static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
