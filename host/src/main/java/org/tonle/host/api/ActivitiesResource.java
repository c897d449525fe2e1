package org.tonle.host.api;

import java.io.InputStream;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.host.service.ActivityService;
import org.tonle.programme.api.PublishResult;

/** Recording activities: {@code POST}, {@code PUT} and {@code DELETE /api/v1/activities}. */
@Path("/api/v1/activities")
@RolesAllowed({"staff", "admin"})
@Produces(MediaType.APPLICATION_JSON)
public final class ActivitiesResource {

    private final ActivityService activities;

    public ActivitiesResource(ActivityService activities) {
        this.activities = activities;
    }

    @POST
    @Consumes({MediaType.APPLICATION_JSON, ActivityService.NDJSON})
    public PublishResult create(@Context Caller caller, @HeaderParam(HttpHeaders.CONTENT_TYPE) String type, InputStream body) {
        boolean ndjson = type != null && type.toLowerCase().startsWith(ActivityService.NDJSON);
        return activities.create(caller, body, ndjson);
    }

    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    public PublishResult correct(@Context Caller caller, @PathParam("id") String id, InputStream body) {
        return activities.correct(caller, id, body);
    }

    @DELETE
    @Path("{id}")
    public Response voidRecord(@Context Caller caller, @PathParam("id") String id) {
        if (!activities.voidRecord(caller, id)) {
            throw RequestRefused.notFound("there is no live record " + id);
        }
        return Response.noContent().build();
    }
}
