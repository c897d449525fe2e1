package org.tonle.pipelines;

import org.apache.camel.builder.RouteBuilder;

/**
 * The one path every record takes, whatever brought it (HTTP, a file import, a bundle's intake,
 * a remote office): pseudonymise at the first hop, validate, then de-duplicate, batch and load.
 * The caller waits on the exchange, so an answer means the accepted records are committed.
 */
public final class IngestRoutes extends RouteBuilder {

    public static final String INGEST = "direct:ingest";

    private final Pseudonymise pseudonymise;
    private final Validate validate;
    private final GroupCommitWriter writer;

    public IngestRoutes(Pseudonymise pseudonymise, Validate validate, GroupCommitWriter writer) {
        this.pseudonymise = pseudonymise;
        this.validate = validate;
        this.writer = writer;
    }

    @Override
    public void configure() {
        // A failure (the warehouse did not commit, an office's outbox is full) goes back to the
        // caller, as RouteErrors has every route do.
        from(INGEST).routeId("ingest")
                .bean(pseudonymise, "process")
                .bean(validate, "process")
                // de-duplication and the batch's commit happen on the single writer, in one lock
                .bean(writer, "process");
    }
}
