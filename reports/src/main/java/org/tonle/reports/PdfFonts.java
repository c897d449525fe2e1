package org.tonle.reports;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDResources;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.pdmodel.font.PDType0Font;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;

/**
 * The fonts of one PDF: the standard Helvetica faces (not embedded, as every PDF reader has
 * them) and, only when the document holds Khmer, Noto Sans Khmer embedded whole, so that the
 * glyph ids the shaper chose are the font's own (Identity-H).
 */
final class PdfFonts {

    private static final PDType1Font HELVETICA = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
    private static final PDType1Font HELVETICA_BOLD = new PDType1Font(Standard14Fonts.FontName.HELVETICA_BOLD);

    private final PDDocument document;
    private PDType0Font khmer;
    private PDType0Font khmerBold;
    private final Map<Integer, Boolean> encodable = new HashMap<>();

    PdfFonts(PDDocument document) {
        this.document = document;
    }

    PDFont latin(boolean bold) {
        return bold ? HELVETICA_BOLD : HELVETICA;
    }

    PDType0Font khmer(boolean bold) {
        try {
            if (bold) {
                if (khmerBold == null) {
                    khmerBold = PDType0Font.load(document, new ByteArrayInputStream(ReportFonts.KHMER_BOLD.file()), false);
                }
                return khmerBold;
            }
            if (khmer == null) {
                khmer = PDType0Font.load(document, new ByteArrayInputStream(ReportFonts.KHMER.file()), false);
            }
            return khmer;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot embed the Khmer report font", e);
        }
    }

    /** Whether Helvetica's encoding (WinAnsi) has the character. */
    boolean encodable(int codePoint) {
        return encodable.computeIfAbsent(codePoint, c -> {
            try {
                HELVETICA.encode(Character.toString(c));
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
