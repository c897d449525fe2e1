package org.tonle.host.http;

import java.io.OutputStream;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.glassfish.jersey.grizzly2.httpserver.GrizzlyHttpContainer;
import org.glassfish.jersey.grizzly2.httpserver.GrizzlyHttpContainerProvider;
import org.glassfish.jersey.grizzly2.httpserver.GrizzlyHttpServerFactory;
import org.glassfish.jersey.internal.MapPropertiesDelegate;
import org.glassfish.jersey.server.ApplicationHandler;
import org.glassfish.jersey.server.ContainerRequest;
import org.glassfish.jersey.server.ContainerResponse;
import org.glassfish.jersey.server.spi.ContainerResponseWriter;

/**
 * The HTTP stack's first use, done ahead on a second thread while the node starts its other
 * parts (docs/PERFORMANCE.md, "Start to healthy"): the node's application (its features,
 * providers and mappers) with one probe resource, built by Jersey and HK2 and asked once in
 * memory, and a Grizzly server made around it but never started. Nothing of it is kept: the
 * classes it loaded and initialised are, so the real server starts quicker. It binds no port and
 * serves nobody.
 */
public final class HttpWarmUp {

    private HttpWarmUp() {
    }

    public static void run() {
        GrizzlyHttpContainer container = new GrizzlyHttpContainerProvider().createContainer(GrizzlyHttpContainer.class,
                HttpServer.application().register(Probe.class));
        ApplicationHandler handler = container.getApplicationHandler();
        try {
            ContainerRequest request = new ContainerRequest(URI.create("http://localhost/"), URI.create("http://localhost/warm-up"),
                    "GET", null, new MapPropertiesDelegate(), handler.getConfiguration());
            request.setWriter(new Discard());
            handler.handle(request);
            GrizzlyHttpServerFactory.createHttpServer(URI.create("http://127.0.0.1:0/"), container, false, null, false);
        } finally {
            handler.getInjectionManager().shutdown();
        }
    }

    /** The one resource of the warm-up application. */
    @Path("warm-up")
    @PermitAll
    public static final class Probe {
        @GET
        @Produces(MediaType.APPLICATION_JSON)
        public Map<String, String> get() {
            return Map.of("status", "warm");
        }
    }

    /** Throws the probe's answer away. */
    private static final class Discard implements ContainerResponseWriter {
        @Override
        public OutputStream writeResponseStatusAndHeaders(long contentLength, ContainerResponse response) {
            return OutputStream.nullOutputStream();
        }

        @Override
        public boolean suspend(long timeOut, TimeUnit timeUnit, TimeoutHandler timeoutHandler) {
            return false;
        }

        @Override
        public void setSuspendTimeout(long timeOut, TimeUnit timeUnit) {
            // never suspended
        }

        @Override
        public void commit() {
            // nothing to send
        }

        @Override
        public void failure(Throwable error) {
            // nothing was sent
        }

        @Override
        public boolean enableResponseBuffering() {
            return false;
        }
    }
}
