package org.tonle.reports;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import com.openhtmltopdf.pdfboxout.PdfRendererBuilder;
import com.openhtmltopdf.svgsupport.BatikSVGDrawer;
import com.samskivert.mustache.Escapers;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.Template;

/**
 * Writes a {@link MonthlyReport} as Markdown, as a printable HTML page with inline SVG charts,
 * or as PDF rendered from that same page by openhtmltopdf (Batik draws the SVG), so the PDF
 * and the page never disagree. Templates are Mustache files beside this class.
 */
public final class ReportRenderer {

    /** Backslash-escapes what Markdown would read as markup or raw HTML in staff-written text. */
    private static final Mustache.Escaper MARKDOWN = raw -> {
        StringBuilder out = new StringBuilder(raw.length());
        for (char c : raw.toCharArray()) {
            if ("\\`*_[]<>#|".indexOf(c) >= 0) {
                out.append('\\');
            }
            out.append(c == '\n' || c == '\r' ? ' ' : c);
        }
        return out.toString();
    };

    private final Template markdown;
    private final Template html;

    public ReportRenderer() {
        PdfLogging.install();
        // Null or missing values render as nothing and close their sections; HTML is escaped
        // as XML too, because openhtmltopdf parses the page as XHTML.
        Mustache.Compiler compiler = Mustache.compiler().defaultValue("");
        this.markdown = compiler.withEscaper(MARKDOWN).compile(template("monthly.md.mustache"));
        this.html = compiler.withEscaper(Escapers.HTML).compile(template("monthly.html.mustache"));
    }

    public String markdown(MonthlyReport report) {
        return markdown.execute(report);
    }

    public String html(MonthlyReport report) {
        return html.execute(report);
    }

    public byte[] pdf(MonthlyReport report) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PdfRendererBuilder builder = new PdfRendererBuilder();
            builder.useFastMode();
            builder.useSVGDrawer(new BatikSVGDrawer());
            builder.withHtmlContent(html(report), null);
            builder.withProducer("Tonle");
            builder.toStream(out);
            builder.run();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render the report as PDF: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    private static Reader template(String name) {
        InputStream in = ReportRenderer.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("missing report template " + name);
        }
        return new InputStreamReader(in, StandardCharsets.UTF_8);
    }
}
