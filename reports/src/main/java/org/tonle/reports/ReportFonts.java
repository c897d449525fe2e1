package org.tonle.reports;

import java.awt.Font;
import java.awt.FontFormatException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Base64;

/**
 * The typefaces of the reports, shipped in this module so that a fresh machine with only Java
 * needs no font package. Khmer: Noto Sans Khmer (SIL Open Font License, fonts/OFL.txt), embedded
 * in Khmer PDFs, shaping their text through the JDK (HarfBuzz), and put into Khmer HTML pages as
 * an {@code @font-face}, so browser and PDF draw the same glyphs. Everything else in the PDF:
 * Liberation Sans (SIL Open Font License, fonts/LIBERATION-OFL.txt), with the metrics of the
 * page's Helvetica and Arial. The AWT font of a face is made only when it shapes (Khmer).
 */
final class ReportFonts {

    /** A face: its file's bytes, and the AWT font made from them on first use (for shaping, at 1 pt). */
    static final class Face {
        private final String name;
        private final byte[] file;
        private volatile Font awt;

        Face(String name, byte[] file) {
            this.name = name;
            this.file = file;
        }

        String name() {
            return name;
        }

        byte[] file() {
            return file;
        }

        Font awt() {
            Font font = awt;
            if (font == null) {
                try {
                    font = Font.createFont(Font.TRUETYPE_FONT, new ByteArrayInputStream(file));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read the report font " + name, e);
                } catch (FontFormatException e) {
                    throw new IllegalStateException("the report font " + name + " is not a TrueType font", e);
                }
                awt = font;
            }
            return font;
        }
    }

    static final Face LATIN = load("LiberationSans-Regular.ttf");
    static final Face LATIN_BOLD = load("LiberationSans-Bold.ttf");
    static final Face KHMER = load("NotoSansKhmer-Regular.ttf");
    static final Face KHMER_BOLD = load("NotoSansKhmer-Bold.ttf");

    /** The family name pages and PDFs use for it. */
    static final String FAMILY = "Noto Sans Khmer";

    /** The code points the Khmer face draws: Khmer, Khmer symbols, and the dotted circle. */
    static boolean isKhmer(int codePoint) {
        return (codePoint >= 0x1780 && codePoint <= 0x17FF) || (codePoint >= 0x19E0 && codePoint <= 0x19FF)
                || codePoint == 0x25CC;
    }

    /** Both faces as CSS {@code @font-face} rules with the fonts inline, limited to Khmer code points. */
    static String cssFontFaces() {
        return fontFace(KHMER, "normal") + fontFace(KHMER_BOLD, "bold");
    }

    private static String fontFace(Face face, String weight) {
        return "@font-face { font-family: \"" + FAMILY + "\"; font-weight: " + weight + "; src: url(data:font/ttf;base64,"
                + Base64.getEncoder().encodeToString(face.file()) + ") format(\"truetype\");"
                + " unicode-range: U+1780-17FF, U+19E0-19FF, U+200B-200D, U+25CC; }\n";
    }

    private ReportFonts() {
    }

    private static Face load(String file) {
        try (InputStream in = ReportFonts.class.getResourceAsStream("fonts/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing report font " + file);
            }
            return new Face(file, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the report font " + file, e);
        }
    }
}
