package org.tonle.pipelines;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Finds the case codes of known subjects in free text and redacts them (DESIGN.md section 2: a
 * raw case code is never stored). Staff write highlights by hand, and a case code typed into
 * one ("we met PNH-C-0042 again") would otherwise reach the warehouse, the dead letter and, once
 * approved, a donor's report.
 *
 * <p>Case codes are not kept anywhere, so a code cannot be recognised by its text; it is
 * recognised by its pseudonym. Every code-shaped stretch of the text (one to
 * {@value #MAX_PIECES} runs of letters and digits, at least one with a digit) is tried as the
 * writer may have meant it: as written, with its pieces joined by {@code -}, {@code _},
 * {@code /}, {@code .}, a space or nothing, each in upper and lower case too, after Unicode
 * compatibility normalisation (full-width digits, non-breaking hyphens and zero-width marks
 * between pieces make no difference). A candidate whose keyed pseudonym is the key of a subject
 * the warehouse (or the same submission) knows is a case code: its stretch of text is replaced
 * by {@value #MARK}. A code-shaped word that is nobody's code (a date, "16-year-old") stays.
 */
public final class CaseCodes {

    /** What replaces a case code in stored text. */
    public static final String MARK = "[case code]";
    static final int MAX_PIECES = 4;
    private static final int MAX_CANDIDATE_LENGTH = 64;
    private static final List<String> JOINERS = List.of("-", "_", "/", ".", " ", "");
    private static final Pattern FORMAT = Pattern.compile("\\p{Cf}");

    private final SubjectKeys keys;
    private final Function<Collection<UUID>, Set<UUID>> known;

    /**
     * @param known which of the given subject keys belong to subjects the warehouse holds
     */
    public CaseCodes(SubjectKeys keys, Function<Collection<UUID>, Set<UUID>> known) {
        this.keys = keys;
        this.known = known;
    }

    /** A run of letters and digits in a text: its place and its compatibility-normalised content. */
    record Piece(int start, int end, String text, boolean digit) {
    }

    /** A stretch of text that may be a case code, and the keys its readings would have. */
    record Candidate(int start, int end, Set<UUID> keys) {
    }

    /** The code-shaped stretches of a text, each with the pseudonyms of its possible readings. */
    List<Candidate> candidates(String text) {
        if (asciiWithoutDigits(text)) {
            return List.of(); // every candidate has a digit, and ASCII normalises to itself
        }
        List<Piece> pieces = pieces(text);
        List<Candidate> candidates = new ArrayList<>();
        for (int i = 0; i < pieces.size(); i++) {
            for (int n = 1; n <= MAX_PIECES && i + n <= pieces.size(); n++) {
                List<Piece> window = pieces.subList(i, i + n);
                if (window.stream().noneMatch(Piece::digit)) {
                    continue;
                }
                Set<String> readings = new LinkedHashSet<>();
                String written = normalised(text.substring(window.get(0).start(), window.get(n - 1).end()));
                readings.add(written);
                for (String joiner : JOINERS) {
                    StringBuilder joined = new StringBuilder();
                    for (Piece p : window) {
                        if (!joined.isEmpty()) {
                            joined.append(joiner);
                        }
                        joined.append(p.text());
                    }
                    readings.add(joined.toString());
                }
                Set<UUID> pseudonyms = new LinkedHashSet<>();
                for (String reading : readings) {
                    if (reading.length() > MAX_CANDIDATE_LENGTH) {
                        continue;
                    }
                    pseudonyms.add(keys.pseudonym(reading));
                    pseudonyms.add(keys.pseudonym(reading.toUpperCase(Locale.ROOT)));
                    pseudonyms.add(keys.pseudonym(reading.toLowerCase(Locale.ROOT)));
                }
                if (!pseudonyms.isEmpty()) {
                    candidates.add(new Candidate(window.get(0).start(), window.get(n - 1).end(), pseudonyms));
                }
            }
        }
        return candidates;
    }

    /**
     * The texts with the case codes of known subjects replaced by {@value #MARK}; a text with
     * none is returned as it is. {@code alsoKnown} are subject keys of the same submission that
     * the warehouse may not hold yet. One look-up for all the texts.
     */
    public List<String> redact(List<String> texts, Set<UUID> alsoKnown) {
        List<List<Candidate>> all = new ArrayList<>();
        Set<UUID> asked = new LinkedHashSet<>();
        for (String text : texts) {
            List<Candidate> found = candidates(text);
            all.add(found);
            found.forEach(c -> asked.addAll(c.keys()));
        }
        if (asked.isEmpty()) {
            return texts;
        }
        Set<UUID> hits = new LinkedHashSet<>(known.apply(asked));
        asked.stream().filter(alsoKnown::contains).forEach(hits::add);
        List<String> redacted = new ArrayList<>();
        for (int t = 0; t < texts.size(); t++) {
            redacted.add(redact(texts.get(t), all.get(t), hits));
        }
        return redacted;
    }

    private static String redact(String text, List<Candidate> candidates, Set<UUID> hits) {
        // Mark every character of every matching stretch, then replace each marked span once.
        boolean[] covered = new boolean[text.length()];
        boolean any = false;
        for (Candidate c : candidates) {
            if (c.keys().stream().anyMatch(hits::contains)) {
                for (int i = c.start(); i < c.end(); i++) {
                    covered[i] = true;
                }
                any = true;
            }
        }
        if (!any) {
            return text;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            if (!covered[i]) {
                out.append(text.charAt(i));
            } else if (i == 0 || !covered[i - 1]) {
                out.append(MARK);
            }
        }
        return out.toString();
    }

    /** The runs of letters and digits of a text, normalised (NFKC) one by one. */
    static List<Piece> pieces(String text) {
        List<Piece> pieces = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            if (!Character.isLetterOrDigit(cp)) {
                i += Character.charCount(cp);
                continue;
            }
            int start = i;
            while (i < text.length() && inPiece(text.codePointAt(i))) {
                i += Character.charCount(text.codePointAt(i));
            }
            // A zero-width mark typed inside a code (PNH-C-00\u200B42) makes no difference.
            String content = normalised(text.substring(start, i));
            pieces.add(new Piece(start, i, content, hasDigit(content)));
        }
        return pieces;
    }

    /**
     * Text after Unicode compatibility normalisation (NFKC), without format characters (zero-width
     * marks). ASCII text is its own normal form and holds no format character, so it is returned
     * as it is: nearly every attribute value is ASCII, and this runs for each of their words.
     */
    static String normalised(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 128) {
                return FORMAT.matcher(Normalizer.normalize(text, Normalizer.Form.NFKC)).replaceAll("");
            }
        }
        return text;
    }

    private static boolean asciiWithoutDigits(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 128 || (c >= '0' && c <= '9')) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasDigit(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isDigit(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean inPiece(int cp) {
        int type = Character.getType(cp);
        return Character.isLetterOrDigit(cp) || type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.FORMAT;
    }
}
