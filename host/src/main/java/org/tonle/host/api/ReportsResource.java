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
import org.tonle.reports.MonthlyReport;
import org.tonle.reports.MonthlyReportService;
import org.tonle.reports.ReportRenderer;

/**
 * {@code GET /api/v1/reports/{period}}: the Achievement Highlights report of a month
 * ({@code 2015-08}), a quarter ({@code 2015-Q3}) or a year ({@code 2015}), with targets against
 * actuals; {@code GET /api/v1/reports/monthly/{yyyy-mm}} stays for months. As Markdown, HTML or
 * PDF by {@code Accept} (HTML when the client takes anything), in the request's language
 * ({@code ?lang=km} or {@code Accept-Language: km}; English otherwise).
 */
@Path("/api/v1/reports")
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
    @Path("monthly/{month}")
    @Produces("text/html;qs=1")
    public Response monthlyHtml(@Context Caller caller, @Context Language language, @PathParam("month") String month) {
        return html(caller, language, MonthlyReportService.month(month).toString());
    }

    @GET
    @Path("monthly/{month}")
    @Produces(MARKDOWN + ";qs=0.9")
    public Response monthlyMarkdown(@Context Caller caller, @Context Language language, @PathParam("month") String month) {
        return markdown(caller, language, MonthlyReportService.month(month).toString());
    }

    @GET
    @Path("monthly/{month}")
    @Produces(PDF + ";qs=0.8")
    public Response monthlyPdf(@Context Caller caller, @Context Language language, @PathParam("month") String month) {
        return pdf(caller, language, MonthlyReportService.month(month).toString());
    }

    @GET
    @Path("{period}")
    @Produces("text/html;qs=1")
    public Response html(@Context Caller caller, @Context Language language, @PathParam("period") String period) {
        String html = renderer.html(reports.report(caller, period, language));
        return Response.ok(html, "text/html; charset=utf-8").header(HttpHeaders.CONTENT_LANGUAGE, language.tag()).build();
    }

    @GET
    @Path("{period}")
    @Produces(MARKDOWN + ";qs=0.9")
    public Response markdown(@Context Caller caller, @Context Language language, @PathParam("period") String period) {
        String markdown = renderer.markdown(reports.report(caller, period, language));
        return Response.ok(markdown, MARKDOWN + "; charset=utf-8").header(HttpHeaders.CONTENT_LANGUAGE, language.tag()).build();
    }

    @GET
    @Path("{period}")
    @Produces(PDF + ";qs=0.8")
    public Response pdf(@Context Caller caller, @Context Language language, @PathParam("period") String period) {
        MonthlyReport report = reports.report(caller, period, language);
        return Response.ok(renderer.pdf(report), PDF).header(HttpHeaders.CONTENT_LANGUAGE, language.tag())
                .header("Content-Disposition", "inline; filename=\"achievement-highlights-" + report.month() + ".pdf\"").build();
    }
}
