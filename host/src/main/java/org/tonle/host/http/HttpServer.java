package org.tonle.host.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.concurrent.ExecutionException;

import javax.net.ssl.SSLContext;

import org.glassfish.grizzly.http.CompressionConfig;
import org.glassfish.grizzly.ssl.SSLEngineConfigurator;
import org.glassfish.grizzly.threadpool.ThreadPoolConfig;
import org.glassfish.jersey.grizzly2.httpserver.GrizzlyHttpContainer;
import org.glassfish.jersey.grizzly2.httpserver.GrizzlyHttpContainerProvider;
import org.glassfish.jersey.grizzly2.httpserver.GrizzlyHttpServerFactory;
import org.glassfish.jersey.internal.MapPropertiesDelegate;
import org.glassfish.jersey.jackson.JacksonFeature;
import org.glassfish.jersey.server.ContainerRequest;
import org.glassfish.jersey.server.ExtendedResourceContext;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.ServerProperties;
import org.glassfish.jersey.server.filter.RolesAllowedDynamicFeature;
import org.glassfish.jersey.server.model.Resource;

/** The Jersey application on Grizzly. */
public final class HttpServer implements AutoCloseable {

    private final org.glassfish.grizzly.http.server.HttpServer server;
    private final Application application;

    private HttpServer(org.glassfish.grizzly.http.server.HttpServer server, Application application) {
        this.server = server;
        this.application = application;
    }

    /**
     * @param workers request threads (config/tonle.yaml {@code http.workers}): Grizzly's default
     *                of two per core leaves none free while writes wait for their commit
     * @param components the resources and the request filters (authentication) the node composed
     */
    public static HttpServer start(String host, int port, int workers, List<Object> components) {
        return serve(host, port, workers, application(components), null);
    }

    /**
     * The node's Jersey application, built (resource model, its validation, the injection
     * manager) but not yet listening: the costly half of a start, which the node builds on a
     * thread of its own while the programmes' bundles start (docs/PERFORMANCE.md, "Start to healthy").
     *
     * @param components the resources and the request filters (authentication) the node composed
     */
    public static Application application(List<Object> components) {
        ResourceConfig app = new ResourceConfig()
                .property(ServerProperties.WADL_FEATURE_DISABLE, true)
                // Everything the application needs is registered below: no scan of the class path's
                // META-INF/services nor auto-discovered features at start (docs/PERFORMANCE.md, "Start to healthy").
                .property(ServerProperties.METAINF_SERVICES_LOOKUP_DISABLE, true)
                .property(ServerProperties.FEATURE_AUTO_DISCOVERY_DISABLE, true)
                .property(ServerProperties.BV_SEND_ERROR_IN_RESPONSE, false)
                .register(JacksonFeature.withoutExceptionMappers())
                .register(JsonMapper.class)
                .register(RolesAllowedDynamicFeature.class)
                .register(SecurityHeaders.class)
                .registerClasses(ProblemMappers.ALL.toArray(Class<?>[]::new));
        app.registerInstances(components.toArray());
        return new Application(new GrizzlyHttpContainerProvider().createContainer(GrizzlyHttpContainer.class, app));
    }

    /**
     * A built Jersey application, not yet served: {@link #serve} binds it to its port, and the
     * server then shuts it down with itself. One never served (a start that failed meanwhile) is
     * shut down by {@link #close}.
     */
    public static final class Application implements AutoCloseable {

        private final GrizzlyHttpContainer container;

        private Application(GrizzlyHttpContainer container) {
            this.container = container;
        }

        /**
         * Answers one {@code GET} of {@code path} in memory, through the application's request
         * scope, filters, resource and JSON writer, without a socket: the work of the first request
         * (Jersey's first request scope, the writers looked up, their code loaded) done before the
         * port is bound, on the thread that built the application.
         *
         * @return the answer's status
         */
        public int answerInMemory(String path) {
            ContainerRequest request = new ContainerRequest(URI.create("http://localhost/"), URI.create("http://localhost" + path), "GET",
                    null, new MapPropertiesDelegate(), container.getConfiguration());
            try {
                return container.getApplicationHandler().apply(request, new ByteArrayOutputStream()).get().getStatus();
            } catch (ExecutionException e) {
                throw new IllegalStateException("the application could not answer " + path + ": " + e.getCause().getMessage(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the application answered " + path, e);
            }
        }

        /**
         * Shuts the application down (its injection manager, the components' pre-destroy and
         * shutdown listeners), once: after it, or after the server that served it stopped, nothing more.
         */
        @Override
        public synchronized void close() {
            // The container forgets its handler when destroyed, by the server's stop or by this.
            if (container.getApplicationHandler() != null) {
                container.destroy();
            }
        }
    }

    /**
     * Binds the port and serves {@code application}: from here on requests reach it.
     *
     * @param workers request threads (config/tonle.yaml {@code http.workers}): Grizzly's default
     *                of two per core leaves none free while writes wait for their commit
     * @param tls     the server's key for HTTPS; {@code null} for plain HTTP
     */
    public static HttpServer serve(String host, int port, int workers, Application application, SSLContext tls) {
        GrizzlyHttpContainer container = application.container;
        org.glassfish.grizzly.http.server.HttpServer server =
                GrizzlyHttpServerFactory.createHttpServer(URI.create((tls == null ? "http://" : "https://") + host + ":" + port + "/"),
                        container, tls != null, tls == null ? null : new SSLEngineConfigurator(tls, false, false, false), false);
        // Offices on weak connections: compress pages, scripts and JSON answers on the wire.
        for (var listener : server.getListeners()) {
            listener.getCompressionConfig().setCompressionMode(CompressionConfig.CompressionMode.ON);
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
        } catch (IOException e) {
            // Grizzly started its own threads before the bind failed: stopped here, since no one else holds the server.
            server.shutdownNow();
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        return new HttpServer(server, application);
    }

    /** The resources as Jersey serves them, from its runtime model: the routes the OpenAPI document must name. */
    public List<Resource> resources() {
        return application.container.getApplicationHandler().getInjectionManager().getInstance(ExtendedResourceContext.class)
                .getResourceModel().getResources();
    }

    /** The port actually bound (useful when 0 asked for a free one). */
    public int port() {
        return server.getListeners().iterator().next().getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
        // Grizzly destroys only the handlers its start set up; the application is shut down here whatever it did.
        application.close();
    }
}
