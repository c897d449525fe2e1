package org.tonle.reports;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

import org.apache.fontbox.ttf.TTFParser;
import org.apache.fontbox.ttf.TrueTypeFont;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.io.RandomAccessReadBuffer;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDResources;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.pdmodel.font.PDType0Font;

/**
 * The fonts of one PDF, all shipped in this module and embedded, none looked up on the machine:
 * Liberation Sans (metrics of Arial and Helvetica, the page's fonts) as a subset of the glyphs
 * used, and, only when the document holds Khmer, Noto Sans Khmer embedded whole so that the glyph
 * ids the shaper chose are the font's own (Identity-H). PDFBox's standard 14 fonts are not used:
 * their first use scans every font of the machine (2 s here).
 */
final class PdfFonts {

    private final PDDocument document;
    private PDType0Font latin;
    private PDType0Font latinBold;
    private PDType0Font khmer;
    private PDType0Font khmerBold;
    private final Map<Integer, Boolean> encodable = new HashMap<>();

    PdfFonts(PDDocument document) {
        this.document = document;
    }

    PDType0Font latin(boolean bold) {
        if (bold) {
            latinBold = latinBold != null ? latinBold : load(ReportFonts.LATIN_BOLD, true);
            return latinBold;
        }
        latin = latin != null ? latin : load(ReportFonts.LATIN, true);
        return latin;
    }

    PDType0Font khmer(boolean bold) {
        if (bold) {
            khmerBold = khmerBold != null ? khmerBold : load(ReportFonts.KHMER_BOLD, false);
            return khmerBold;
        }
        khmer = khmer != null ? khmer : load(ReportFonts.KHMER, false);
        return khmer;
    }

    private PDType0Font load(ReportFonts.Face face, boolean subset) {
        try {
            TrueTypeFont font = new TTFParser().parse(new RandomAccessReadBuffer(face.file()));
            return PDType0Font.load(document, font, subset);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot embed the report font " + face.name(), e);
        }
    }

    /**
     * Cuts the Latin faces down to the characters used. PDFBox does this on save only for fonts
     * set through its content stream, which the report does not use.
     */
    void subset() {
        try {
            for (PDType0Font font : new PDType0Font[] {latin, latinBold}) {
                if (font != null) {
                    font.subset();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot subset the report font", e);
        }
    }

    /** Whether the Latin face has a glyph for the character (its regular and bold faces cover the same characters). */
    boolean encodable(int codePoint) {
        return encodable.computeIfAbsent(codePoint, c -> {
            try {
                latin(false).encode(Character.toString(c));
                return true;
            } catch (IOException | IllegalArgumentException e) {
                return false;
            }
        });
    }

    byte[] encode(PDFont font, String text) {
        try {
            return font.encode(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The resource names of the fonts a page uses. */
    static final class Names {
        private final PDResources resources;
        private final Map<PDFont, COSName> names = new HashMap<>();

        Names(PDResources resources) {
            this.resources = resources;
        }

        String of(PDFont font) {
            return names.computeIfAbsent(font, resources::add).getName();
        }
    }
}
