package org.tonle.host.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.tonle.core.access.Caller;
import org.tonle.core.i18n.Language;
import org.tonle.reports.MonthlyReportService;
import org.tonle.reports.ReportRenderer;

/**
 * {@code GET /api/v1/reports/monthly/{yyyy-mm}}: the monthly Achievement Highlights report as
 * Markdown, HTML or PDF by {@code Accept} (HTML when the client takes anything), in the
 * request's language ({@code ?lang=km} or {@code Accept-Language: km}; English otherwise).
 */
@Path("/api/v1/reports/monthly")
@RolesAllowed({"admin", "analyst", "donor"})
public final class ReportsResource {

    public static final String MARKDOWN = "text/markdown";
    public static final String PDF = "application/pdf";

    private final MonthlyReportService reports;
    private final ReportRenderer renderer;

    public ReportsResource(MonthlyReportService reports, ReportRenderer renderer) {
        this.reports = reports;
        this.renderer = renderer;
    }

    @GET
    @Path("{month}")
    @Produces("text/html;qs=1")
    public Response html(@Context Caller caller, @Context Language language, @PathParam("month") String month) {
        String html = renderer.html(reports.report(caller, month, language));
        return Response.ok(html, "text/html; charset=utf-8").header(HttpHeaders.CONTENT_LANGUAGE, language.tag()).build();
    }

    @GET
    @Path("{month}")
    @Produces(MARKDOWN + ";qs=0.9")
    public Response markdown(@Context Caller caller, @Context Language language, @PathParam("month") String month) {
        String markdown = renderer.markdown(reports.report(caller, month, language));
        return Response.ok(markdown, MARKDOWN + "; charset=utf-8").header(HttpHeaders.CONTENT_LANGUAGE, language.tag()).build();
    }

    @GET
    @Path("{month}")
    @Produces(PDF + ";qs=0.8")
    public Response pdf(@Context Caller caller, @Context Language language, @PathParam("month") String month) {
        byte[] pdf = renderer.pdf(reports.report(caller, month, language));
        return Response.ok(pdf, PDF).header(HttpHeaders.CONTENT_LANGUAGE, language.tag())
                .header("Content-Disposition", "inline; filename=\"achievement-highlights-" + month + ".pdf\"").build();
    }
}
