package org.tonle.host.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Supplier;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.tonle.core.access.Caller;
import org.tonle.core.i18n.Language;
import org.tonle.host.http.TableWriters;
import org.tonle.host.service.ImportTemplate;
import org.tonle.host.service.ProgrammeService;

/** {@code GET /api/v1/programs}: deployed programmes, their state, activities and indicators; and the bundles. */
@Path("/api/v1/programs")
public final class ProgramsResource {

    private final Supplier<ProgrammeService> programmes;
    private final ImportTemplate templates;

    /** @param programmes the service, given once the framework has started (before the port is bound) */
    public ProgramsResource(Supplier<ProgrammeService> programmes, ImportTemplate templates) {
        this.programmes = programmes;
        this.templates = templates;
    }

    /** Names of programmes, activities, indicators and choices in the request's language where declared. */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public List<ProgrammeService.ProgrammeView> list(@Context Caller caller, @Context Language language) {
        return programmes.get().list(caller, language);
    }

    /**
     * {@code GET /api/v1/programs/{id}/template.xlsx}: a workbook to fill and import, with the
     * CSV columns of the programme and its declared choices as drop-down lists.
     */
    @GET
    @Path("{id}/template.xlsx")
    @Produces(TableWriters.XLSX)
    @RolesAllowed({"admin", "staff"})
    public Response template(@Context Caller caller, @PathParam("id") String id) {
        ByteArrayOutputStream workbook = new ByteArrayOutputStream();
        try {
            // Written before answering, so an unknown programme is a 404 rather than a cut download.
            templates.write(caller, id, workbook);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Response.ok(workbook.toByteArray(), TableWriters.XLSX)
                .header("Content-Disposition", "attachment; filename=\"" + id + "-template.xlsx\"").build();
    }

    /** {@code GET /api/v1/programs/bundles}: every OSGi bundle of the node ({@code bin/tonle bundles}). */
    @GET
    @Path("bundles")
    @RolesAllowed({"admin", "analyst", "staff"})
    @Produces(MediaType.APPLICATION_JSON)
    public List<ProgrammeService.BundleView> bundles(@Context Caller caller) {
        return programmes.get().bundles(caller);
    }
}
