package org.tonle.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.font.FontRenderContext;
import java.awt.font.GlyphVector;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.rendering.PDFRenderer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.tonle.core.i18n.Language;

/**
 * The Khmer report's PDF shapes Khmer as a browser does: the same report as HTML in headless
 * Chromium and as PDF rasterised by PDFBox, both at 192 dpi (Chromium at device scale 2); the
 * programme's heading ({@value SampleReports#KHMER_PROGRAMME}: subscript consonants after coeng,
 * and the pre-base vowel of ផ្នែក drawn before its consonant) is cropped from each and compared.
 * The same words drawn unshaped (each character its own glyph, as openhtmltopdf did) must differ
 * from Chromium's by more than the threshold, so this test fails if shaping is lost. Images are
 * left in reports/target.
 */
class KhmerShapingTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path TARGET = Path.of("target").toAbsolutePath();
    /** Heading: 14 pt at 192 dpi. */
    static final float HEADING_PX = 14f * 192 / 72;
    /** Largest ink difference (0 same, 1 disjoint) at which two renderings agree. */
    static final double THRESHOLD = 0.30;

    @Test
    void pdfAgreesWithChromiumOnKhmerAndUnshapedTextDoesNot() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "ASSUMPTION: /usr/bin/chromium is absent; the comparison is skipped");
        ReportRenderer renderer = new ReportRenderer();
        MonthlyReport report = SampleReports.legal(Language.KM);
        Path page = TARGET.resolve("khmer-report.html");
        Files.writeString(page, renderer.html(report));
        Path screenshot = TARGET.resolve("khmer-report-chromium.png");
        Files.deleteIfExists(screenshot);
        chromium("--force-device-scale-factor=2", "--window-size=900,1200", "--screenshot=" + screenshot, page.toUri().toString());
        BufferedImage browser = ImageIO.read(screenshot.toFile());

        BufferedImage pdf;
        try (PDDocument document = Loader.loadPDF(renderer.pdf(report))) {
            pdf = new PDFRenderer(document).renderImageWithDPI(0, 192);
        }
        ImageIO.write(pdf, "png", TARGET.resolve("khmer-report-pdf.png").toFile());

        BufferedImage browserHeading = crop(browser, headingBand(browser, 1));
        BufferedImage pdfHeading = crop(pdf, headingBand(pdf, 1));
        BufferedImage unshaped = crop(unshaped(SampleReports.KHMER_PROGRAMME), headingBand(unshaped(SampleReports.KHMER_PROGRAMME), 0));
        ImageIO.write(browserHeading, "png", TARGET.resolve("khmer-heading-chromium.png").toFile());
        ImageIO.write(pdfHeading, "png", TARGET.resolve("khmer-heading-pdf.png").toFile());
        ImageIO.write(unshaped, "png", TARGET.resolve("khmer-heading-unshaped.png").toFile());

        double shapedDifference = difference(pdfHeading, browserHeading);
        double unshapedDifference = difference(unshaped, browserHeading);
        System.out.printf("Khmer heading %dx%d px in Chromium, %dx%d in the PDF, %dx%d unshaped; ink difference PDF %.3f,"
                        + " unshaped %.3f (threshold %.2f)%n", browserHeading.getWidth(), browserHeading.getHeight(), pdfHeading.getWidth(),
                pdfHeading.getHeight(), unshaped.getWidth(), unshaped.getHeight(), shapedDifference, unshapedDifference, THRESHOLD);
        assertThat((double) pdfHeading.getWidth() / browserHeading.getWidth()).as("width of the heading, PDF / Chromium").isBetween(0.97, 1.03);
        assertThat((double) pdfHeading.getHeight() / browserHeading.getHeight()).as("height, PDF / Chromium").isBetween(0.93, 1.07);
        assertThat(shapedDifference).as("ink difference between the PDF and Chromium").isLessThan(THRESHOLD);
        assertThat(unshapedDifference).as("ink difference between unshaped text and Chromium").isGreaterThan(THRESHOLD);
    }

    /** The heading drawn the way a renderer without shaping draws it: one glyph per character, side by side. */
    static BufferedImage unshaped(String text) {
        Font font = ReportFonts.KHMER_BOLD.awt().deriveFont(HEADING_PX);
        BufferedImage image = new BufferedImage(1600, 200, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(new Color(0x1d4f6e));
        GlyphVector glyphs = font.createGlyphVector(new FontRenderContext(null, true, true), text);
        g.drawGlyphVector(glyphs, 20, 120);
        g.dispose();
        return image;
    }

    /** How much of a pixel is heading ink (#1d4f6e on white): 0 to 1, from its red channel; other colours count as none. */
    static double ink(int rgb) {
        int r = (rgb >> 16) & 0xff;
        int b = rgb & 0xff;
        if (b - r < 20) {
            return 0;
        }
        return Math.max(0, Math.min(1, (255 - r) / (255.0 - 0x1d)));
    }

    /** The ink box of the n-th band (from 0) of rows holding heading ink; the page title is band 0, the first programme band 1. */
    static Rectangle headingBand(BufferedImage image, int n) {
        List<int[]> bands = new ArrayList<>();
        int gapAllowed = 12;
        int start = -1;
        int last = -1;
        for (int y = 0; y < image.getHeight(); y++) {
            boolean inked = false;
            for (int x = 0; x < image.getWidth() && !inked; x++) {
                inked = ink(image.getRGB(x, y)) > 0.25;
            }
            if (inked) {
                if (start < 0 || y - last > gapAllowed) {
                    if (start >= 0) {
                        bands.add(new int[] {start, last});
                    }
                    start = y;
                }
                last = y;
            }
        }
        if (start >= 0) {
            bands.add(new int[] {start, last});
        }
        assertThat(bands.size()).as("bands of heading ink").isGreaterThan(n);
        int top = bands.get(n)[0];
        int bottom = bands.get(n)[1];
        int left = image.getWidth();
        int right = -1;
        for (int y = top; y <= bottom; y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if (ink(image.getRGB(x, y)) > 0.25) {
                    left = Math.min(left, x);
                    right = Math.max(right, x);
                }
            }
        }
        return new Rectangle(left, top, right - left + 1, bottom - top + 1);
    }

    static BufferedImage crop(BufferedImage image, Rectangle box) {
        BufferedImage out = new BufferedImage(box.width, box.height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(image.getSubimage(box.x, box.y, box.width, box.height), 0, 0, null);
        g.dispose();
        return out;
    }

    /**
     * Ink difference of two crops after scaling {@code b} to the size of {@code a}: the sum of
     * per-pixel ink differences over the sum of the larger ink, after a 3×3 box blur of both (so
     * that anti-aliasing and sub-pixel placement count little). 0 is the same, 1 disjoint.
     */
    static double difference(BufferedImage a, BufferedImage b) {
        BufferedImage scaled = new BufferedImage(a.getWidth(), a.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scaled.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(b, 0, 0, a.getWidth(), a.getHeight(), null);
        g.dispose();
        double[][] x = blur(a);
        double[][] y = blur(scaled);
        double diff = 0;
        double union = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[i].length; j++) {
                diff += Math.abs(x[i][j] - y[i][j]);
                union += Math.max(x[i][j], y[i][j]);
            }
        }
        return union == 0 ? 1 : diff / union;
    }

    private static double[][] blur(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        double[][] out = new double[h][w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double sum = 0;
                int n = 0;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int yy = y + dy;
                        int xx = x + dx;
                        if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
                            sum += ink(image.getRGB(xx, yy));
                            n++;
                        }
                    }
                }
                out[y][x] = sum / n;
            }
        }
        return out;
    }

    private static void chromium(String... arguments) throws Exception {
        Path profile = Files.createTempDirectory(TARGET, "chromium-profile");
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--no-first-run", "--hide-scrollbars",
                "--user-data-dir=" + profile));
        command.addAll(List.of(arguments));
        Path log = TARGET.resolve("chromium-khmer.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("chromium did not finish in 90 s; see " + log);
        }
        assertThat(process.exitValue()).as(Files.readString(log, StandardCharsets.UTF_8)).isZero();
    }
}
