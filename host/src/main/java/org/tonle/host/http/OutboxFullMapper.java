package org.tonle.host.http;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import org.tonle.warehouse.OutboxFullException;

/**
 * An office whose outbox to headquarters is full answers 503 with Retry-After: nothing of the
 * request was committed, and the records it accepted before are safe in the outbox.
 */
@Provider
public final class OutboxFullMapper implements ExceptionMapper<OutboxFullException> {

    @Override
    public Response toResponse(OutboxFullException e) {
        return Response.fromResponse(ProblemMappers.problem(503, "Service unavailable", "this office could not reach headquarters"
                        + " for long and its outbox is full (" + e.depth() + " of " + e.capacity() + " changes wait); nothing of this"
                        + " request was committed. Send it again once Kafka is reachable; see GET /api/v1/status."))
                .header("Retry-After", "60").build();
    }
}
