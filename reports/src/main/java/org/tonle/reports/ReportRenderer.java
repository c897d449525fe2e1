package org.tonle.reports;

import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.samskivert.mustache.Escapers;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.Template;

/**
 * Writes a {@link MonthlyReport} as Markdown, as a printable HTML page with inline SVG charts,
 * or as PDF ({@link ReportPdf}: the same words and print style, Khmer shaped). Templates are
 * Mustache files beside this class. A Khmer page carries Noto Sans Khmer inline, so a browser
 * without a Khmer font draws the same glyphs as the PDF.
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

    private static final String SANS = "\"Helvetica Neue\", Helvetica, Arial, sans-serif";
    private static final Map<String, Object> LATIN = Map.of("fontFamily", SANS, "chartFontFamily", "Helvetica, Arial, sans-serif");

    public ReportRenderer() {
        // Null or missing values render as nothing and close their sections; the page stays
        // well-formed XHTML.
        Mustache.Compiler compiler = Mustache.compiler().defaultValue("");
        this.markdown = compiler.withEscaper(MARKDOWN).compile(template("monthly.md.mustache"));
        this.html = compiler.withEscaper(Escapers.HTML).compile(template("monthly.html.mustache"));
    }

    public String markdown(MonthlyReport report) {
        return markdown.execute(report);
    }

    public String html(MonthlyReport report) {
        StringWriter out = new StringWriter();
        html.execute(report, report.language().equals("en") ? LATIN : KhmerPage.CONTEXT, out);
        return out.toString();
    }

    public byte[] pdf(MonthlyReport report) {
        return ReportPdf.write(report);
    }

    /** The page's fonts in a language other than English: Noto Sans Khmer first, made once (it is 300 kB of base64). */
    private static final class KhmerPage {
        static final Map<String, Object> CONTEXT = Map.of("fontFamily", "\"" + ReportFonts.FAMILY + "\", " + SANS,
                "chartFontFamily", ReportFonts.FAMILY + ", Helvetica, Arial, sans-serif", "fontFaces", ReportFonts.cssFontFaces());
    }

    private static Reader template(String name) {
        InputStream in = ReportRenderer.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("missing report template " + name);
        }
        return new InputStreamReader(in, StandardCharsets.UTF_8);
    }
}
