package org.tonle.host.http;

import java.net.URI;
import java.util.List;

import org.glassfish.grizzly.threadpool.ThreadPoolConfig;
import org.glassfish.jersey.grizzly2.httpserver.GrizzlyHttpServerFactory;
import org.glassfish.jersey.jackson.JacksonFeature;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.ServerProperties;
import org.glassfish.jersey.server.filter.RolesAllowedDynamicFeature;
import org.tonle.host.auth.AccessControl;
import org.tonle.host.auth.Authentication;

/** The Jersey application on Grizzly. */
public final class HttpServer implements AutoCloseable {

    private final org.glassfish.grizzly.http.server.HttpServer server;

    private HttpServer(org.glassfish.grizzly.http.server.HttpServer server) {
        this.server = server;
    }

    /**
     * @param workers request threads (config/tonle.yaml {@code http.workers}): Grizzly's default
     *                of two per core leaves none free while writes wait for their commit
     */
    public static HttpServer start(String host, int port, int workers, AccessControl access, List<Object> resources) {
        ResourceConfig app = new ResourceConfig()
                .property(ServerProperties.WADL_FEATURE_DISABLE, true)
                .property(ServerProperties.BV_SEND_ERROR_IN_RESPONSE, false)
                .register(JacksonFeature.withoutExceptionMappers())
                .register(JsonMapper.class)
                .register(new Authentication(access))
                .register(RolesAllowedDynamicFeature.class)
                .register(SecurityHeaders.class)
                .register(ProblemMappers.Problems.class)
                .register(ProblemMappers.WebErrors.class)
                .register(ProblemMappers.JsonErrors.class)
                .register(ProblemMappers.WarehouseErrors.class)
                .register(ProblemMappers.Unexpected.class);
        app.registerInstances(resources.toArray());
        org.glassfish.grizzly.http.server.HttpServer server =
                GrizzlyHttpServerFactory.createHttpServer(URI.create("http://" + host + ":" + port + "/"), app, false);
        // Offices on weak connections: compress pages, scripts and JSON answers on the wire.
        for (var listener : server.getListeners()) {
            listener.getCompressionConfig().setCompressionMode(org.glassfish.grizzly.http.CompressionConfig.CompressionMode.ON);
            listener.getCompressionConfig().setCompressionMinSize(1024);
            listener.getCompressionConfig().setCompressibleMimeTypes(
                    "text/html", "text/css", "text/javascript", "application/json", "text/csv", "application/problem+json");
        }
        for (var listener : server.getListeners()) {
            listener.getTransport().setWorkerThreadPoolConfig(ThreadPoolConfig.defaultConfig()
                    .setPoolName("grizzly-http-server").setCorePoolSize(workers).setMaxPoolSize(workers));
        }
        try {
            server.start();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        return new HttpServer(server);
    }

    /** The port actually bound (useful when 0 asked for a free one). */
    public int port() {
        return server.getListeners().iterator().next().getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
