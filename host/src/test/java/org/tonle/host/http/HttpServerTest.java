package org.tonle.host.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

import org.junit.jupiter.api.Test;
import org.tonle.host.api.HealthResource;
import org.tonle.host.auth.AccessControl;
import org.tonle.host.auth.Authentication;

class HttpServerTest {

    /**
     * Holds every request until released, counting the requests being served at once. Public
     * (a resource without {@code @PermitAll} needs a token: deny by default).
     */
    @Path("/probe")
    @PermitAll
    public static final class Blocking {
        final Semaphore arrived = new Semaphore(0);
        final CountDownLatch release = new CountDownLatch(1);

        @GET
        public String hold() throws InterruptedException {
            arrived.release();
            release.await(30, TimeUnit.SECONDS);
            return "done";
        }
    }

    @Test
    void servesAsManyRequestsAtOnceAsItHasWorkers() throws Exception {
        Blocking blocking = new Blocking();
        try (HttpServer server = HttpServer.start("127.0.0.1", 0, 3, List.of(new Authentication(new AccessControl(List.of(), "admin")), blocking))) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                answers.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/probe")).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            // Three workers take three requests while they wait; the fourth waits for a worker.
            assertThat(blocking.arrived.tryAcquire(3, 10, TimeUnit.SECONDS)).isTrue();
            assertThat(blocking.arrived.tryAcquire(1, 500, TimeUnit.MILLISECONDS)).isFalse();
            blocking.release.countDown();
            for (CompletableFuture<HttpResponse<String>> answer : answers) {
                assertThat(answer.get(10, TimeUnit.SECONDS).body()).isEqualTo("done");
            }
            assertThat(blocking.arrived.tryAcquire(1, 5, TimeUnit.SECONDS)).isTrue();
        }
    }

    /**
     * The node builds its application apart from binding the port (on another thread, beside the
     * bundles' start) and answers one request in memory before it binds: nothing of that answer
     * may reach the node's state, and the application then serves over HTTP as one started whole.
     */
    @Test
    void anApplicationBuiltApartAnswersInMemoryThenServesOnceBound() throws Exception {
        AtomicBoolean ready = new AtomicBoolean();
        AtomicBoolean asked = new AtomicBoolean();
        HttpServer.Application application = HttpServer.application(List.of(new Authentication(new AccessControl(List.of(), "admin")),
                new HealthResource(() -> {
                    asked.set(true);
                    return ready.get();
                })));
        assertThat(application.answerInMemory("/health/live")).isEqualTo(200);
        assertThat(asked).as("liveness reads nothing of readiness").isFalse();
        assertThat(application.answerInMemory("/nothing-here")).isEqualTo(404);
        ready.set(true);
        try (HttpServer server = HttpServer.serve("127.0.0.1", 0, 2, application, null)) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("ready");
            assertThat(server.resources()).isNotEmpty();
        }
    }
    /** Counts the shutdowns of the application it is registered in. */
    public static final class ShutdownCounter implements org.glassfish.jersey.server.spi.ContainerLifecycleListener {
        final java.util.concurrent.atomic.AtomicInteger shutdowns = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void onStartup(org.glassfish.jersey.server.spi.Container container) {
        }

        @Override
        public void onReload(org.glassfish.jersey.server.spi.Container container) {
        }

        @Override
        public void onShutdown(org.glassfish.jersey.server.spi.Container container) {
            shutdowns.incrementAndGet();
        }
    }

    /**
     * Review r8: an application built and never served (the node's start failed meanwhile) was
     * never shut down, and a server whose port was taken kept the threads it had started.
     */
    @Test
    void anApplicationNeverServedIsShutDownOnceAndAPortTakenLeavesNoServerThread() throws Exception {
        ShutdownCounter counter = new ShutdownCounter();
        HttpServer.Application application = HttpServer.application(List.of(counter));
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> HttpServer.serve("127.0.0.1", taken.getLocalPort(), 2, application, null))
                    .hasMessageContaining("cannot listen");
        }
        assertThat(Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t) && t.isAlive()).map(Thread::getName))
                .noneMatch(name -> name.startsWith("HttpServer-") || name.startsWith("grizzly"));
        application.close();
        application.close();
        assertThat(counter.shutdowns).hasValue(1);

        ShutdownCounter served = new ShutdownCounter();
        HttpServer.Application built = HttpServer.application(List.of(served));
        HttpServer.serve("127.0.0.1", 0, 2, built, null).close();
        built.close();
        assertThat(served.shutdowns).hasValue(1);
    }
}
