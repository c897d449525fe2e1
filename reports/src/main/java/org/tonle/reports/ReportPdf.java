package org.tonle.reports;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Calendar;
import java.util.List;

import com.ibm.icu.text.BreakIterator;

import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDResources;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.common.PDStream;

/**
 * The monthly report as PDF, laid out here from the same {@link MonthlyReport} (so the same
 * words) as the HTML page and with that page's print style: A4, the same sizes, colours and
 * spacing, a programme's section kept on one page where it fits, the charts drawn as rectangles
 * and text at the SVG's coordinates. Text goes through {@link PdfText}, which shapes Khmer; lines
 * break where ICU's line breaker allows (Khmer words by its dictionary).
 */
final class ReportPdf {

    private static final float MM = 72f / 25.4f;
    private static final float PAGE_WIDTH = PDRectangle.A4.getWidth();
    private static final float PAGE_HEIGHT = PDRectangle.A4.getHeight();
    private static final float LEFT = 16 * MM;
    private static final float TOP = 18 * MM;
    private static final float BOTTOM = 18 * MM;
    private static final float WIDTH = PAGE_WIDTH - 2 * LEFT;
    /** One CSS pixel in points: the SVG charts are laid out in pixels. */
    private static final float PX = 0.75f;
    private static final float LINE = 1.45f;
    /** Ascent and descent of the sans-serif faces in em, as browsers place a baseline in its line. */
    private static final float ASCENT = 0.905f;
    private static final float DESCENT = 0.212f;

    private static final int HEADING = 0x1d4f6e;
    private static final int TEXT = 0x222222;
    private static final int META = 0x666666;
    private static final int CAPTION = 0x555555;
    private static final int RULE = 0xc9d6df;

    /** A piece of the page: its height, and how it draws itself with its top at y. */
    private interface Block {
        float height();

        void draw(Canvas canvas, float top);
    }

    private final PDDocument document;
    private final PdfFonts fonts;
    private final PdfText text;
    private final PDResources resources = new PDResources();
    private final PdfFonts.Names names = new PdfFonts.Names(resources);
    private final List<Canvas> pages = new ArrayList<>();
    private Canvas page;
    private float y;

    private ReportPdf(PDDocument document) {
        this.document = document;
        this.fonts = new PdfFonts(document);
        this.text = new PdfText(fonts);
    }

    static byte[] write(MonthlyReport report) {
        try (PDDocument document = new PDDocument()) {
            ReportPdf pdf = new ReportPdf(document);
            pdf.layout(report);
            pdf.finish(report);
            pdf.fonts.subset();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            document.save(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report as PDF: " + e.getMessage(), e);
        }
    }

    private void layout(MonthlyReport report) {
        newPage();
        List<Block> head = new ArrayList<>(paragraph(report.title(), 20, true, HEADING, 0, 20 * 0.2f));
        head.addAll(paragraph(report.generatedLine(), 9, false, META, 0, 9 * 1.5f));
        place(head);
        for (MonthlyReport.Section section : report.sections()) {
            List<Block> blocks = new ArrayList<>();
            blocks.addAll(heading(section.name()));
            for (String highlight : section.highlights()) {
                blocks.addAll(paragraph(highlight, 11, false, TEXT, 0, 11 * 0.7f));
            }
            for (MonthlyReport.Titled titled : Arrays.asList(section.challenges(), section.plans())) {
                if (titled != null) {
                    blocks.addAll(paragraph(titled.title(), 12, true, HEADING, 0, 12 * 0.4f));
                    for (String line : titled.lines()) {
                        blocks.addAll(paragraph(line, 11, false, TEXT, 0, 11 * 0.7f));
                    }
                }
            }
            if (section.conclusion() != null && !section.conclusion().isEmpty()) {
                blocks.addAll(paragraph(section.conclusion(), 11, true, TEXT, 0, 11 * 0.7f));
            }
            if (section.targets() != null) {
                blocks.addAll(paragraph(section.targets().title(), 12, true, HEADING, 0, 12 * 0.4f));
                for (String line : section.targets().lines()) {
                    blocks.addAll(paragraph("- " + line, 11, false, TEXT, 0, 11 * 0.4f));
                }
            }
            if (section.chart() != null) {
                blocks.addAll(figure(section.chart()));
            }
            keepTogether(blocks);
            place(blocks);
        }
        if (report.sections().isEmpty()) {
            place(paragraph(report.empty(), 11, false, META, 0, 0));
        }
    }

    /** Starts a new page for a section that does not fit where it is but would fit on a page of its own. */
    private void keepTogether(List<Block> blocks) {
        float height = 0;
        for (Block b : blocks) {
            height += b.height();
        }
        if (height > y - BOTTOM && height <= PAGE_HEIGHT - TOP - BOTTOM) {
            newPage();
        }
    }

    private void place(List<Block> blocks) {
        for (Block block : blocks) {
            if (block.height() > y - BOTTOM && y < PAGE_HEIGHT - TOP) {
                newPage();
            }
            block.draw(page, y);
            y -= block.height();
        }
    }

    private void newPage() {
        page = new Canvas();
        pages.add(page);
        y = PAGE_HEIGHT - TOP;
    }

    private void finish(MonthlyReport report) throws IOException {
        for (Canvas canvas : pages) {
            PDPage pdPage = new PDPage(PDRectangle.A4);
            pdPage.setResources(resources);
            PDStream stream = new PDStream(document);
            try (OutputStream out = stream.createOutputStream(COSName.FLATE_DECODE)) {
                out.write(canvas.ops.toString().getBytes(StandardCharsets.US_ASCII));
            }
            pdPage.setContents(stream);
            document.addPage(pdPage);
        }
        PDDocumentInformation info = document.getDocumentInformation();
        info.setTitle(report.title());
        info.setProducer("Tonle");
        info.setCreationDate(Calendar.getInstance());
    }

    /** An h2: margin above, the text, a rule under it. */
    private List<Block> heading(String title) {
        float size = 14;
        List<Block> blocks = new ArrayList<>();
        blocks.add(space(size * 1.6f));
        blocks.addAll(lines(title, size, true, HEADING, 0));
        blocks.add(new Block() {
            @Override
            public float height() {
                return size * 0.15f + 0.75f + size * 0.5f;
            }

            @Override
            public void draw(Canvas canvas, float top) {
                float at = top - size * 0.15f - 0.375f;
                canvas.colour(RULE, true).append("0.75 w ").append(PdfText.num(LEFT)).append(' ').append(PdfText.num(at)).append(" m ")
                        .append(PdfText.num(LEFT + WIDTH)).append(' ').append(PdfText.num(at)).append(" l S\n");
            }
        });
        return blocks;
    }

    private List<Block> paragraph(String content, float size, boolean bold, int colour, float indent, float marginBottom) {
        List<Block> blocks = new ArrayList<>(lines(content, size, bold, colour, indent));
        blocks.add(space(marginBottom));
        return blocks;
    }

    /** A text broken into lines that fit the width, each a block of one line height. */
    private List<Block> lines(String content, float size, boolean bold, int colour, float indent) {
        List<Block> blocks = new ArrayList<>();
        for (String line : wrap(content.replaceAll("\\s+", " ").strip(), size, bold, WIDTH - indent)) {
            List<PdfText.Run> runs = text.runs(line, size, bold);
            blocks.add(new Block() {
                @Override
                public float height() {
                    return size * LINE;
                }

                @Override
                public void draw(Canvas canvas, float top) {
                    float baseline = top - (size * LINE - size * (ASCENT + DESCENT)) / 2 - size * ASCENT;
                    canvas.colour(colour, false);
                    text.draw(canvas.ops, runs, LEFT + indent, baseline, size, bold, names);
                }
            });
        }
        return blocks;
    }

    /** Lines of at most {@code width} points, broken at ICU's line-break opportunities (a longer word gets a line of its own). */
    List<String> wrap(String content, float size, boolean bold, float width) {
        List<String> lines = new ArrayList<>();
        if (content.isEmpty()) {
            return lines;
        }
        BreakIterator breaks = BreakIterator.getLineInstance();
        breaks.setText(content);
        // Each piece between two break opportunities is measured once; a line's width is the sum
        // of its pieces (trailing spaces not counted), as pieces meet at word or cluster boundaries.
        int start = 0;
        int fit = 0;
        float used = 0;
        float trailing = 0;
        int from = 0;
        for (int end = breaks.next(); end != BreakIterator.DONE; from = end, end = breaks.next()) {
            String piece = content.substring(from, end);
            String stripped = piece.stripTrailing();
            float pieceWidth = text.width(stripped, size, bold);
            float spaces = stripped.length() == piece.length() ? 0 : text.width(piece.substring(stripped.length()), size, bold);
            if (fit > start && used + trailing + pieceWidth > width) {
                lines.add(content.substring(start, fit).stripTrailing());
                start = fit;
                used = 0;
                trailing = 0;
            }
            used += trailing + pieceWidth;
            trailing = spaces;
            fit = end;
        }
        if (start < content.length()) {
            lines.add(content.substring(start).stripTrailing());
        }
        lines.removeIf(String::isEmpty);
        return lines;
    }

    private static Block space(float height) {
        return new Block() {
            @Override
            public float height() {
                return height;
            }

            @Override
            public void draw(Canvas canvas, float top) {
                // nothing to draw
            }
        };
    }

    /** The chart, its caption, legend and the note on withheld figures. */
    private List<Block> figure(Chart chart) {
        List<Block> blocks = new ArrayList<>();
        blocks.add(space(11 * 0.8f));
        blocks.add(new Block() {
            @Override
            public float height() {
                return chart.height() * PX;
            }

            @Override
            public void draw(Canvas canvas, float top) {
                drawChart(canvas, chart, top);
            }
        });
        float caption = 9;
        blocks.addAll(lines(chart.text().caption(), caption, false, CAPTION, 0));
        if (chart.stacked()) {
            blocks.add(legend(chart, caption));
        }
        if (chart.withheld()) {
            blocks.addAll(lines(chart.text().withheldNote(), caption, false, CAPTION, 0));
        }
        return blocks;
    }

    private Block legend(Chart chart, float size) {
        return new Block() {
            @Override
            public float height() {
                return size * LINE + size * 0.2f;
            }

            @Override
            public void draw(Canvas canvas, float top) {
                float baseline = top - size * 0.2f - (size * LINE - size * (ASCENT + DESCENT)) / 2 - size * ASCENT;
                float x = LEFT;
                for (Chart.Series series : chart.series()) {
                    float swatch = 9;
                    canvas.colour(hex(series.colour()), false);
                    canvas.rect(x, baseline - 1, swatch, swatch);
                    x += swatch + 3;
                    List<PdfText.Run> runs = text.runs(series.label(), size, false);
                    canvas.colour(CAPTION, false);
                    text.draw(canvas.ops, runs, x, baseline, size, false, names);
                    for (PdfText.Run run : runs) {
                        x += run.width();
                    }
                    x += size;
                }
            }
        };
    }

    private void drawChart(Canvas canvas, Chart chart, float top) {
        float labelSize = 9 * PX;
        for (Chart.Tick tick : chart.ticks()) {
            float ty = top - Float.parseFloat(tick.y()) * PX;
            canvas.colour(0xe1e6ea, true).append(PdfText.num(PX)).append(" w ").append(PdfText.num(LEFT + 44 * PX)).append(' ')
                    .append(PdfText.num(ty)).append(" m ").append(PdfText.num(LEFT + 628 * PX)).append(' ').append(PdfText.num(ty))
                    .append(" l S\n");
            label(canvas, tick.label(), LEFT + 38 * PX, ty - 3 * PX, labelSize, META, 1);
        }
        for (Chart.Bar bar : chart.months()) {
            for (Chart.Segment s : bar.segments()) {
                canvas.colour(hex(s.colour()), false);
                float h = Float.parseFloat(s.height()) * PX;
                canvas.rect(LEFT + Float.parseFloat(s.x()) * PX, top - Float.parseFloat(s.y()) * PX - h,
                        Float.parseFloat(s.width()) * PX, h);
            }
            float x = LEFT + Float.parseFloat(bar.labelX()) * PX;
            label(canvas, bar.total(), x, top - Float.parseFloat(bar.totalY()) * PX, labelSize, 0x333333, 0.5f);
            label(canvas, bar.label(), x, top - Float.parseFloat(bar.labelY()) * PX, labelSize, CAPTION, 0.5f);
        }
    }

    /** A chart label with its baseline at y, anchored at x: 0 start, 0.5 middle, 1 end. */
    private void label(Canvas canvas, String content, float x, float y, float size, int colour, float anchor) {
        List<PdfText.Run> runs = text.runs(content, size, false);
        float width = 0;
        for (PdfText.Run run : runs) {
            width += run.width();
        }
        canvas.colour(colour, false);
        text.draw(canvas.ops, runs, x - width * anchor, y, size, false, names);
    }

    private static int hex(String colour) {
        return Integer.parseInt(colour.substring(1), 16);
    }

    /** One page's content stream, as operators. */
    private static final class Canvas {
        final StringBuilder ops = new StringBuilder();

        StringBuilder colour(int rgb, boolean stroke) {
            ops.append(PdfText.num(((rgb >> 16) & 0xff) / 255f)).append(' ').append(PdfText.num(((rgb >> 8) & 0xff) / 255f))
                    .append(' ').append(PdfText.num((rgb & 0xff) / 255f)).append(stroke ? " RG " : " rg\n");
            return ops;
        }

        void rect(float x, float y, float width, float height) {
            ops.append(PdfText.num(x)).append(' ').append(PdfText.num(y)).append(' ').append(PdfText.num(width)).append(' ')
                    .append(PdfText.num(height)).append(" re f\n");
        }
    }
}
