package org.tonle.host.api;

import java.io.InputStream;
import java.net.URI;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.tonle.core.access.Caller;
import org.tonle.host.service.ImportService;
import org.tonle.pipelines.imports.ImportJob;

/** Import jobs: {@code POST /api/v1/imports} (NDJSON, CSV or xlsx body) and {@code GET /api/v1/imports/{id}}. */
@Path("/api/v1/imports")
@RolesAllowed({"staff", "admin"})
@Produces(MediaType.APPLICATION_JSON)
public final class ImportsResource {

    private final ImportService imports;

    public ImportsResource(ImportService imports) {
        this.imports = imports;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response create(@Context Caller caller, @HeaderParam(HttpHeaders.CONTENT_TYPE) String type,
                           @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long length, @QueryParam("mapping") String mapping,
                           InputStream body) {
        ImportJob.View job = imports.run(caller, body, type, mapping, length);
        return Response.created(URI.create("/api/v1/imports/" + job.id())).entity(job).build();
    }

    @GET
    public List<ImportJob.View> jobs(@Context Caller caller) {
        return imports.jobs(caller);
    }

    @GET
    @Path("{id}")
    public ImportJob.View job(@Context Caller caller, @PathParam("id") String id) {
        return imports.job(caller, id);
    }
}
