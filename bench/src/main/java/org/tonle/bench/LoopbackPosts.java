package org.tonle.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load generator of the HTTP ingest benchmark: {@code clients} threads, each on one kept-alive
 * loopback connection, posting pre-built requests and reading every answer in full (status 200
 * and no rejected record, or the run fails).
 *
 * <p>Why not {@link java.net.http.HttpClient}: on two cores the client shares the CPU with the
 * server it measures, and the JDK client spends several µs of CPU a record (its selector thread,
 * a request built and a body published per post, the answer decoded as a String) that the
 * server is then short of. Here the client costs well under 1 µs a record (printed with each
 * round), so the figure is the server's. {@code -Dtonle.bench.client=jdk} keeps the JDK client,
 * for comparison. This is a benchmark's load generator, not a product HTTP client: it speaks
 * just the HTTP/1.1 our server answers with (Content-Length or chunked bodies, keep-alive).
 */
final class LoopbackPosts {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private LoopbackPosts() {
    }

    /** CPU time the client threads of the last {@link #post} spent, in nanoseconds. */
    static final AtomicLong lastClientCpuNanos = new AtomicLong();

    /** Posts every body in {@code bodies} to {@code url} with {@code headers}, from {@code clients} threads. */
    static void post(URI url, List<String> headers, List<byte[]> bodies, int clients) throws Exception {
        List<byte[]> requests = new ArrayList<>(bodies.size());
        for (byte[] body : bodies) {
            requests.add(request(url, headers, body));
        }
        AtomicInteger next = new AtomicInteger();
        AtomicLong cpu = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                workers.add(pool.submit(() -> {
                    long before = THREADS.getCurrentThreadCpuTime();
                    Connection connection = null;
                    try {
                        for (int i = next.getAndIncrement(); i < requests.size(); i = next.getAndIncrement()) {
                            if (connection == null) {
                                connection = new Connection(url);
                            }
                            Answer answer = connection.exchange(requests.get(i));
                            if (answer.status() != 200 || !answer.body().contains("\"rejected\":[]")) {
                                throw new IllegalStateException("request " + i + ": " + answer.status() + " " + answer.body());
                            }
                            if (answer.closes()) {
                                connection.close();
                                connection = null;
                            }
                        }
                    } finally {
                        if (connection != null) {
                            connection.close();
                        }
                        cpu.addAndGet(THREADS.getCurrentThreadCpuTime() - before);
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                try {
                    worker.get();
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
            }
        } finally {
            pool.shutdown();
            lastClientCpuNanos.set(cpu.get());
        }
    }

    private static byte[] request(URI url, List<String> headers, byte[] body) {
        StringBuilder head = new StringBuilder("POST ").append(url.getRawPath()).append(" HTTP/1.1\r\n")
                .append("Host: ").append(url.getHost()).append(':').append(url.getPort()).append("\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        byte[] start = head.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[start.length + body.length];
        System.arraycopy(start, 0, request, 0, start.length);
        System.arraycopy(body, 0, request, start.length, body.length);
        return request;
    }

    record Answer(int status, String body, boolean closes) {
    }

    private static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;

        Connection(URI url) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(url.getHost(), url.getPort()));
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        }

        Answer exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String status = line();
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP answer: " + status);
            }
            int code = Integer.parseInt(parts[1]);
            long length = -1;
            boolean chunked = false;
            boolean closes = parts[0].equals("HTTP/1.0");
            for (String header = line(); !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                String name = header.substring(0, colon).trim();
                String value = header.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                    chunked = value.equalsIgnoreCase("chunked");
                } else if (name.equalsIgnoreCase("Connection")) {
                    closes = value.equalsIgnoreCase("close");
                }
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (chunked) {
                for (int size = Integer.parseInt(line().split(";", 2)[0].trim(), 16); size > 0;
                        size = Integer.parseInt(line().split(";", 2)[0].trim(), 16)) {
                    body.write(in.readNBytes(size));
                    line();
                }
                for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
                    // trailers carry nothing the benchmark checks
                }
            } else if (length >= 0) {
                body.write(in.readNBytes((int) length));
            } else {
                body.write(in.readAllBytes());
                closes = true;
            }
            return new Answer(code, body.toString(StandardCharsets.UTF_8), closes);
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("the server closed the connection mid-answer");
                }
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a loopback socket after the run: nothing to recover
            }
        }
    }
}
