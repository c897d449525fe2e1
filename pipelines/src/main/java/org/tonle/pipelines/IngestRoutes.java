package org.tonle.pipelines;

import org.apache.camel.builder.RouteBuilder;

/**
 * The one path every record takes, whatever brought it (HTTP, a file import, a bundle's intake,
 * a remote office): pseudonymise at the first hop, validate, then de-duplicate, batch and load.
 * The caller waits on the exchange, so an answer means the accepted records are committed.
 */
public final class IngestRoutes extends RouteBuilder {

    public static final String INGEST = "direct:ingest";
    public static final String LOAD = "direct:load";

    private final Pseudonymise pseudonymise;
    private final Validate validate;
    private final Load load;

    public IngestRoutes(Pseudonymise pseudonymise, Validate validate, Load load) {
        this.pseudonymise = pseudonymise;
        this.validate = validate;
        this.load = load;
    }

    @Override
    public void configure() {
        // A failure (the warehouse did not commit, an office's outbox is full) goes back to the
        // caller, who answers or reports it and logs it once; Camel's default handler would log
        // every refused exchange again at ERROR with its stack trace.
        errorHandler(noErrorHandler());

        from(INGEST).routeId("ingest")
                .bean(pseudonymise, "process")
                .bean(validate, "process")
                .to(LOAD);

        from(LOAD).routeId("load")
                .bean(load, "process");
    }
}
