package org.tonle.host.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;

import org.tonle.core.access.Caller;
import org.tonle.reports.iati.IatiExport;

/** {@code GET /api/v1/exports/iati?year=YYYY}: IATI 2.03 activity XML for admins and donors. */
@Path("/api/v1/exports")
@RolesAllowed({"admin", "donor"})
public final class ExportsResource {

    public static final String XML = "application/xml";

    private final IatiExport iati;

    public ExportsResource(IatiExport iati) {
        this.iati = iati;
    }

    @GET
    @Path("iati")
    @Produces(XML)
    public Response iati(@Context Caller caller, @QueryParam("year") String year) throws IOException {
        int y = IatiExport.year(year);
        // Built whole before answering, so that a failure is a problem document, never half a file.
        ByteArrayOutputStream xml = new ByteArrayOutputStream();
        iati.write(caller, y, xml);
        return Response.ok(xml.toByteArray(), XML + "; charset=utf-8")
                .header("Content-Disposition", "attachment; filename=\"iati-activities-" + y + ".xml\"").build();
    }
}
