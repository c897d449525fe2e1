package org.tonle.host.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.tonle.core.Json;

/**
 * How client commands talk to a running node: {@code --url} and the bearer token in
 * {@code TONLE_TOKEN}. Client commands never open the warehouse file themselves.
 */
final class NodeClient {

    private static final ObjectMapper JSON = Json.MAPPER;

    private final URI base;
    private final String token;
    private final HttpClient http;

    NodeClient(String url, String token) {
        this(url, token, null);
    }

    /** @param tls the certificates to trust over HTTPS, or null for the JDK's */
    NodeClient(String url, String token, SSLContext tls) {
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
        this.base = URI.create(url.endsWith("/") ? url : url + "/");
        if (token == null || token.isBlank()) {
            throw new ClientException("set TONLE_TOKEN to your bearer token (bin/tonle demo prints one)");
        }
        this.token = token;
    }

    static NodeClient fromEnvironment(String url) {
        return new NodeClient(url, System.getenv("TONLE_TOKEN"));
    }

    /** With the token from {@code TONLE_TOKEN}, trusting what {@code --cacert} (or {@code TONLE_CACERT}) names. */
    static NodeClient fromEnvironment(String url, NodeTrust trust) {
        return new NodeClient(url, System.getenv("TONLE_TOKEN"), trust == null ? null : trust.context());
    }

    HttpResponse<String> send(String method, String path, String contentType, byte[] body, String accept) {
        return exchange(method, path, contentType, publisher(body), accept, Duration.ofMinutes(10), HttpResponse.BodyHandlers.ofString());
    }

    /** A request with a streamed body (a large import); {@code timeout} bounds the whole exchange. */
    HttpResponse<String> send(String method, String path, String contentType, HttpRequest.BodyPublisher body, String accept,
                              Duration timeout) {
        return exchange(method, path, contentType, body, accept, timeout, HttpResponse.BodyHandlers.ofString());
    }

    /** A GET whose answer is kept as bytes (a PDF, say). */
    byte[] download(String path, String accept) {
        return exchange("GET", path, null, publisher(null), accept, Duration.ofMinutes(10), HttpResponse.BodyHandlers.ofByteArray()).body();
    }

    /** A request whose answer is kept as bytes (an Arrow stream, say). */
    HttpResponse<byte[]> sendForBytes(String method, String path, String contentType, byte[] body, String accept) {
        return exchange(method, path, contentType, publisher(body), accept, Duration.ofMinutes(10), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** A request whose answer is streamed (a backup); the caller closes the stream. */
    HttpResponse<InputStream> stream(String method, String path, String contentType, byte[] body, String accept, Duration timeout) {
        return exchange(method, path, contentType, publisher(body), accept, timeout, HttpResponse.BodyHandlers.ofInputStream());
    }

    private static HttpRequest.BodyPublisher publisher(byte[] body) {
        return body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body);
    }

    private <T> HttpResponse<T> exchange(String method, String path, String contentType, HttpRequest.BodyPublisher body, String accept,
                                         Duration timeout, HttpResponse.BodyHandler<T> handler) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Accept", accept)
                .method(method, body);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        try {
            HttpResponse<T> response = http.send(request.build(), handler);
            if (response.statusCode() >= 400) {
                String answer = response.body() instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8)
                        : response.body() instanceof InputStream in ? readAndClose(in)
                        : String.valueOf(response.body());
                throw new ClientException("the node answered " + response.statusCode() + ": " + detail(answer));
            }
            return response;
        } catch (SSLHandshakeException e) {
            throw new ClientException("the node at " + base + " has a certificate this command does not trust (" + e.getMessage()
                    + "); give the node's certificate with --cacert FILE or TONLE_CACERT (docs/OPERATIONS.md)");
        } catch (IOException e) {
            throw new ClientException("cannot reach a Tonle node at " + base + " (" + e.getMessage()
                    + "); start one with bin/tonle serve, or give --url");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException("interrupted");
        }
    }

    private static String readAndClose(InputStream in) throws IOException {
        try (in) {
            return new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        }
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new ClientException("the node's answer is not JSON");
        }
    }

    private static String detail(String body) {
        try {
            JsonNode problem = JSON.readTree(body);
            return problem.path("detail").asText(body);
        } catch (IOException e) {
            return body;
        }
    }

    /** A failure a person can act on; printed without a stack trace. */
    static final class ClientException extends RuntimeException {
        ClientException(String message) {
            super(message);
        }
    }
}
