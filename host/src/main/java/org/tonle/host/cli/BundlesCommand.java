package org.tonle.host.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import org.tonle.programmes.BundleTrust;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tonle bundles}: every bundle of a running node with its state, version, the programme
 * it declares, the offices that run it, and why it is not running when it is not.
 */
@Command(name = "bundles", mixinStandardHelpOptions = true,
        description = "List the bundles of a running node: state, version, programme, offices, error.",
        subcommands = BundlesCommand.Trust.class)
final class BundlesCommand implements Callable<Integer> {

    /**
     * {@code tonle bundles trust FILE.jar}: adds the jar's SHA-256 to
     * {@code <config>/trusted-bundles.yaml}; a running node starts the bundle within a second.
     */
    @Command(name = "trust", mixinStandardHelpOptions = true,
            description = {"Allow a bundle jar to run code on this node: adds its SHA-256 to <config>/trusted-bundles.yaml.",
                    "A running node starts the bundle within a second; a changed jar must be trusted again."})
    static final class Trust implements Callable<Integer> {

        @Parameters(paramLabel = "FILE.jar", arity = "1..*")
        List<Path> jars;

        @Option(names = "--config", defaultValue = "config", description = "configuration directory (default: ${DEFAULT-VALUE})")
        Path config;

        @Override
        public Integer call() throws IOException {
            for (Path jar : jars) {
                if (!Files.isRegularFile(jar)) {
                    throw new IllegalArgumentException(jar + " is not a file");
                }
                String digest = BundleTrust.trust(config, jar);
                System.out.println("trusted " + jar.getFileName() + " sha256:" + digest + " in " + config.resolve(BundleTrust.TRUST_FILE));
            }
            return 0;
        }
    }

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the node (default: ${DEFAULT-VALUE})")
    String url;

    @Mixin
    NodeTrust trust = new NodeTrust();

    @Override
    public Integer call() {
        NodeClient client = NodeClient.fromEnvironment(url, trust);
        JsonNode bundles = NodeClient.json(client.send("GET", "api/v1/programs/bundles", null, null, "application/json").body());
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "BUNDLE", "VERSION", "STATE", "PROGRAMME", "OFFICES", "ERROR"});
        for (JsonNode b : bundles) {
            List<String> offices = new ArrayList<>();
            b.path("offices").forEach(o -> offices.add(o.asText()));
            String programme = b.path("programme").asText("");
            String programmeState = b.path("programmeState").asText("");
            rows.add(new String[] {b.path("id").asText(), b.path("bundle").asText(), b.path("version").asText(), b.path("state").asText(),
                    programmeState.isEmpty() ? programme : (programme.isEmpty() ? "" : programme + " ") + "(" + programmeState + ")",
                    String.join(",", offices), b.path("error").asText("")});
        }
        int[] widths = new int[rows.get(0).length - 1];
        for (String[] row : rows) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            for (int i = 0; i < widths.length; i++) {
                out.append(String.format("%-" + widths[i] + "s  ", row[i]));
            }
            out.append(row[widths.length].strip()).append(System.lineSeparator());
        }
        System.out.print(out);
        return 0;
    }
}
