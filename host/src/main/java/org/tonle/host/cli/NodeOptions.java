package org.tonle.host.cli;

import java.net.URISyntaxException;
import java.nio.file.Path;

import picocli.CommandLine.Option;

import org.tonle.host.Node;

/** The options shared by {@code serve} and {@code demo} (DESIGN.md section 5). */
final class NodeOptions {

    @Option(names = "--config", defaultValue = "config", description = "configuration directory (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--data", defaultValue = "data", description = "data directory: warehouse, key, deploy/ (default: ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port, 0 for any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--flight-port", defaultValue = "32010", description = "Arrow Flight SQL port, 0 turns it off (default: ${DEFAULT-VALUE})")
    int flightPort;

    @Option(names = "--office", description = "run only this office's deployment (default: every office)")
    String office;

    @Option(names = "--bind", defaultValue = "127.0.0.1",
            description = "address to listen on; 0.0.0.0 for every interface (default: ${DEFAULT-VALUE})")
    String bind;

    Node.Options toOptions() {
        return toOptions(false);
    }

    /** @param deferReady the command marks the node ready itself (after loading the demo data) */
    Node.Options toOptions(boolean deferReady) {
        return new Node.Options(config, data, bind, port, flightPort, office, distributionBundles(), System.getenv("TONLE_ADMIN_TOKEN"),
                deferReady);
    }

    /** host/target/bundles beside the host jar (or target/classes when run from a build). */
    static Path distributionBundles() {
        String override = System.getProperty("tonle.bundles");
        if (override != null) {
            return Path.of(override);
        }
        try {
            Path location = Path.of(NodeOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return location.getParent().resolve("bundles");
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
