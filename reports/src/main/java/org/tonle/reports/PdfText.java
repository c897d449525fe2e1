package org.tonle.reports;

import java.awt.Font;
import java.awt.font.FontRenderContext;
import java.awt.font.GlyphVector;
import java.awt.geom.Point2D;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.pdfbox.pdmodel.font.PDType0Font;

/**
 * Text for the PDF: split into runs of Khmer and of everything else, Khmer shaped by the JDK's
 * text layout (HarfBuzz: subscript consonants after coeng, pre-base vowels moved before their
 * consonant, stacked marks) and written as the positioned glyphs of the embedded Noto Sans Khmer;
 * other text in the embedded Liberation Sans (a character it has no glyph for prints as {@code ?}).
 */
final class PdfText {

    private static final FontRenderContext FRC = new FontRenderContext(null, true, true);

    /** One glyph placed relative to its run's start (x right, y up), in points. */
    record Glyph(int id, float x, float y) {
    }

    /** A run: Khmer ({@code glyphs} set) or not ({@code text}, already in the font's encoding range), and its advance. */
    record Run(String text, boolean khmer, List<Glyph> glyphs, float width) {
    }

    private final PdfFonts fonts;

    PdfText(PdfFonts fonts) {
        this.fonts = fonts;
    }

    /** Measured runs of {@code text} at {@code size} points. */
    List<Run> runs(String text, float size, boolean bold) {
        List<Run> runs = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            boolean khmer = khmer(text, start);
            int end = start;
            while (end < text.length() && khmer(text, end) == khmer) {
                end += Character.charCount(text.codePointAt(end));
            }
            String part = text.substring(start, end);
            runs.add(khmer ? shaped(part, size, bold) : latin(part, size, bold));
            start = end;
        }
        return runs;
    }

    float width(String text, float size, boolean bold) {
        float width = 0;
        for (Run run : runs(text, size, bold)) {
            width += run.width();
        }
        return width;
    }

    /** Khmer, and the joiners and marks inside Khmer text. */
    private static boolean khmer(String text, int at) {
        int c = text.codePointAt(at);
        if (ReportFonts.isKhmer(c)) {
            return true;
        }
        // Zero-width (non-)joiners and spaces between Khmer letters belong to the Khmer run.
        return c >= 0x200B && c <= 0x200D && at > 0 && ReportFonts.isKhmer(text.codePointBefore(at));
    }

    private Run shaped(String text, float size, boolean bold) {
        Font font = (bold ? ReportFonts.KHMER_BOLD : ReportFonts.KHMER).awt().deriveFont(size);
        char[] chars = text.toCharArray();
        GlyphVector vector = font.layoutGlyphVector(FRC, chars, 0, chars.length, Font.LAYOUT_LEFT_TO_RIGHT);
        List<Glyph> glyphs = new ArrayList<>(vector.getNumGlyphs());
        for (int i = 0; i < vector.getNumGlyphs(); i++) {
            int id = vector.getGlyphCode(i);
            // The JDK marks glyphs with nothing to draw (joiners) as 0xFFFF and 0xFFFE.
            if (id < 0xFFFE) {
                Point2D at = vector.getGlyphPosition(i);
                glyphs.add(new Glyph(id, (float) at.getX(), (float) -at.getY()));
            }
        }
        return new Run(text, true, glyphs, (float) vector.getGlyphPosition(vector.getNumGlyphs()).getX());
    }

    private Run latin(String text, float size, boolean bold) {
        PDType0Font font = fonts.latin(bold);
        StringBuilder encodable = new StringBuilder(text.length());
        text.codePoints().forEach(c -> encodable.append(fonts.encodable(c) ? Character.toString(c) : "?"));
        String safe = encodable.toString();
        try {
            return new Run(safe, false, List.of(), font.getStringWidth(safe) / 1000f * size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The content-stream operators that draw {@code runs} with their baseline starting at (x, y). */
    void draw(StringBuilder out, List<Run> runs, float x, float y, float size, boolean bold, PdfFonts.Names names) {
        float at = x;
        for (Run run : runs) {
            if (run.khmer()) {
                PDType0Font font = fonts.khmer(bold);
                out.append("BT /").append(names.of(font)).append(' ').append(num(size)).append(" Tf\n");
                for (Glyph g : run.glyphs()) {
                    out.append("1 0 0 1 ").append(num(at + g.x())).append(' ').append(num(y + g.y())).append(" Tm <");
                    for (int shift = 12; shift >= 0; shift -= 4) {
                        out.append(Character.forDigit((g.id() >> shift) & 0xF, 16));
                    }
                    out.append("> Tj\n");
                }
                out.append("ET\n");
            } else if (!run.text().isEmpty()) {
                PDType0Font font = fonts.latin(bold);
                // Written without PDFBox's content stream, so the subset is told which characters to keep.
                run.text().codePoints().forEach(font::addToSubset);
                out.append("BT /").append(names.of(font)).append(' ').append(num(size)).append(" Tf 1 0 0 1 ").append(num(at))
                        .append(' ').append(num(y)).append(" Tm <").append(hex(fonts.encode(font, run.text()))).append("> Tj ET\n");
            }
            at += run.width();
        }
    }

    /** A number for the content stream: at most three decimals, no trailing zeros (String.format is too slow here). */
    static String num(float v) {
        long thousandths = Math.round(v * 1000.0);
        StringBuilder out = new StringBuilder(12);
        if (thousandths < 0) {
            out.append('-');
            thousandths = -thousandths;
        }
        out.append(thousandths / 1000);
        long fraction = thousandths % 1000;
        if (fraction != 0) {
            out.append('.');
            int digits = 3;
            while (fraction % 10 == 0) {
                fraction /= 10;
                digits--;
            }
            String f = Long.toString(fraction);
            out.append("0".repeat(digits - f.length())).append(f);
        }
        return out.toString();
    }

    private static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            out.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return out.toString();
    }
}
