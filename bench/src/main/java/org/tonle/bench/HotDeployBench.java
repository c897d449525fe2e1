package org.tonle.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.tonle.host.Node;
import org.tonle.host.TestNode;

/**
 * How long a programme takes to go live after its jar is dropped into {@code <data>/deploy}
 * (Felix FileInstall polling every 300 ms, then the extender), to be replaced by a new version,
 * and to be withdrawn after the jar is deleted; next to the baseline of installing and starting
 * the same jar directly through the framework in the same process (no polling).
 *
 * <p>Run from the repository root after {@code mvn -B -q package -DskipTests}:
 * {@code java -cp "bench/target/classes:host/target/tonle-host.jar:host/target/lib/*" org.tonle.bench.HotDeployBench [rounds]}
 */
public final class HotDeployBench {

    private static final String DECLARATION = """
            id: shelter
            name: Shelter
            department: shelter team
            activities:
              - {id: stay, name: Night in the shelter, subject: required, roles: [child]}
            indicators:
              - {code: shelter.children_sheltered, name: Children given shelter, measure: distinct_subjects, activity: stay, by: [office]}
            """;

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Path root = Files.createTempDirectory("tonle-hotdeploy-bench");
        try {
            Path repository = Path.of("").toAbsolutePath();
            TestNode.copy(repository.resolve("config"), root.resolve("config"));
            Files.writeString(root.resolve("config/deployments/PNH.yaml"), "programs: [legal, social, investigation, awareness, shelter]\n");
            Node.Options options = new Node.Options(root.resolve("config"), root.resolve("data"), "127.0.0.1", 0, 0, null,
                    repository.resolve("host/target/bundles"), null);
            List<Long> live = new ArrayList<>();
            List<Long> replaced = new ArrayList<>();
            List<Long> withdrawn = new ArrayList<>();
            List<Long> direct = new ArrayList<>();
            try (Node node = Node.start(options)) {
                Path deploy = root.resolve("data/deploy");
                for (int round = 0; round < rounds; round++) {
                    String first = "1.0." + round;
                    String second = "1.1." + round;
                    live.add(timed(() -> drop(jar(root, first), deploy), () -> version(node, first)));
                    replaced.add(timed(() -> drop(jar(root, second), deploy), () -> version(node, second)));
                    withdrawn.add(timed(() -> Files.delete(deploy.resolve("shelter.jar")), () -> node.registry().programme("shelter").isEmpty()));
                    Thread.sleep(400); // let FileInstall see the folder empty before the next round
                }
                for (int round = 0; round < rounds; round++) {
                    String version = "2.0." + round;
                    Path jar = jar(root, version);
                    Bundle[] installed = new Bundle[1];
                    direct.add(timed(() -> {
                        installed[0] = node.osgi().context().installBundle(jar.toUri().toString());
                        installed[0].start();
                    }, () -> version(node, version)));
                    installed[0].uninstall();
                }
            }
            System.out.println("hot deployment, " + rounds + " rounds, ms (p50 / max):");
            System.out.println("  jar dropped -> programme live:        " + summary(live));
            System.out.println("  new version dropped -> re-read:       " + summary(replaced));
            System.out.println("  jar deleted -> programme withdrawn:   " + summary(withdrawn));
            System.out.println("  baseline installBundle+start -> live: " + summary(direct));
        } finally {
            Scratch.delete(root);
        }
    }

    private static boolean version(Node node, String version) {
        return node.registry().entries().stream().anyMatch(e -> e.active() && e.programme().id().equals("shelter")
                && e.version().equals(version));
    }

    interface Action {
        void run() throws Exception;
    }

    private static long timed(Action action, BooleanSupplier done) throws Exception {
        long started = System.nanoTime();
        action.run();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - started > 30_000_000_000L) {
                throw new IllegalStateException("no change after 30 s");
            }
            Thread.sleep(2);
        }
        return (System.nanoTime() - started) / 1_000_000;
    }

    private static String summary(List<Long> millis) {
        long[] sorted = millis.stream().mapToLong(Long::longValue).sorted().toArray();
        return sorted[sorted.length / 2] + " / " + sorted[sorted.length - 1] + "   " + Arrays.toString(millis.toArray());
    }

    private static void drop(Path jar, Path deploy) throws IOException {
        Files.move(jar, deploy.resolve("shelter.jar"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static Path jar(Path root, String version) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", "org.example.shelter");
        main.putValue("Bundle-Version", version);
        main.putValue("Tonle-Programme", "TONLE-INF/programme.yaml");
        Path jar = root.resolve("shelter-" + version + ".jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.putNextEntry(new JarEntry("TONLE-INF/programme.yaml"));
            out.write(DECLARATION.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }
}
