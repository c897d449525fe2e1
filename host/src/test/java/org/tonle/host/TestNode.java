package org.tonle.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real node for integration tests: the packaged bundles in Felix, Camel, a DuckDB file in a
 * temporary folder, and Jersey on a free loopback port. The repository's config/ is copied so
 * that a test may change its copy.
 */
public final class TestNode implements AutoCloseable {

    public static final String ADMIN_TOKEN = "test-admin-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final Node.Options options;
    private Node node;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private TestNode(Path root, Node.Options options) {
        this.root = root;
        this.options = options;
    }

    /** Copies config/ into {@code root}/config and starts a node with its data in {@code root}/data. */
    public static TestNode start(Path root) {
        return start(root, null);
    }

    public static TestNode start(Path root, String office) {
        return start(root, office, 0);
    }

    /** With Arrow Flight SQL on {@code flightPort} (0: off). */
    public static TestNode start(Path root, String office, int flightPort) {
        Path config = root.resolve("config");
        if (!Files.exists(config)) {
            copy(repository().resolve("config"), config);
        }
        TestNode node = new TestNode(root, new Node.Options(config, root.resolve("data"), "127.0.0.1", 0, flightPort, office,
                repository().resolve("host/target/bundles"), ADMIN_TOKEN));
        node.node = Node.start(node.options);
        return node;
    }

    /** Stops and starts the node again on the same data (a new port). */
    public void restart() {
        node.close();
        node = Node.start(options);
    }

    /** A free loopback port, for servers that cannot bind port 0 themselves. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path repository() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("config")) ? here : here.getParent();
    }

    /** The options of a java argument file such as config/jvm.options: one a line, '#' to the line's end a comment. */
    public static List<String> argumentFile(Path file) {
        try {
            return linesWithoutComments(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The lines of a text that say something, stripped, '#' to a line's end a comment: the form of
     * java's argument files and of service provider files alike.
     */
    public static List<String> linesWithoutComments(String text) {
        return text.lines().map(line -> line.replaceFirst("#.*", "").strip()).filter(line -> !line.isEmpty()).toList();
    }

    public Node node() {
        return node;
    }

    public Path root() {
        return root;
    }

    public Path config() {
        return options.config();
    }

    public Path data() {
        return options.data();
    }

    public String url() {
        return node.url();
    }

    public Response get(String path) {
        return get(path, ADMIN_TOKEN);
    }

    public Response get(String path, String token) {
        return send("GET", path, token, null, null, "application/json");
    }

    public Response post(String path, String body) {
        return send("POST", path, ADMIN_TOKEN, "application/json", body, "application/json");
    }

    public Response send(String method, String path, String token, String contentType, String body, String accept) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url() + path))
                .timeout(Duration.ofMinutes(2))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (accept != null) {
            request.header("Accept", accept);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP answer. */
    public record Response(int status, String contentType, String body) {

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }
    }

    @Override
    public void close() {
        if (node != null) {
            node.close();
        }
    }

    /** Copies a folder tree (a config/ to change in a test, say). */
    public static void copy(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
