package org.tonle.pipelines;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.tonle.core.declaration.Attribute;
import org.tonle.warehouse.SubjectRefLengths;

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
 * between pieces make no difference), with digits of other scripts read as ASCII digits, and
 * with a line break inside it read as nothing. A stretch need not stand alone: it may begin or
 * end inside a run, after or before letters of any script or a digit run
 * ({@code xPNH-C-0042}, {@code caseABC-C-0001}, {@code 2015PNH-C-0042}, {@code ជួបPNH-C-0042}),
 * though never between two digits. A candidate whose keyed pseudonym is the key of a subject
 * the warehouse (or the same submission) knows is a case code: its stretch of text is replaced
 * by {@value #MARK}. A code-shaped word that is nobody's code (a date, "16-year-old") stays.
 *
 * <p>The search costs tens to hundreds of keyed hashes a character (a URL or a checksum in a
 * hotline report: about 200), so it is bounded: a text is at most {@value #MAX_TEXT_LENGTH}
 * characters ({@link Pseudonymise} rejects a longer one before it is searched, and no text
 * attribute may be declared longer), and the pseudonyms are looked up whenever the candidates
 * waiting hold {@value #LOOK_UP_SLICE} of them (repeats counted), so that the memory a
 * submission's search holds does not grow with its text.
 */
public final class CaseCodes {

    /** What replaces a case code in stored text. */
    public static final String MARK = "[case code]";
    static final int MAX_PIECES = 4;
    /** The longest text searched: the longest a text attribute may be declared. */
    public static final int MAX_TEXT_LENGTH = Attribute.MAX_TEXT_LENGTH;
    /** How many pseudonyms one look-up asks about, and how many readings' pseudonyms are remembered. */
    static final int LOOK_UP_SLICE = 65_536;
    private static final int MAX_CANDIDATE_LENGTH = SubjectRefLengths.LONGEST;
    private static final List<String> JOINERS = List.of("-", "_", "/", ".", " ", "");
    private static final Pattern FORMAT = Pattern.compile("\\p{Cf}");
    /** A line break and the spaces around it. */
    private static final Pattern LINE_BREAK = Pattern.compile("\\h*(?:\\R\\h*)+");

    private final SubjectKeys keys;
    private final Function<Collection<UUID>, Set<UUID>> known;
    private final SubjectRefLengths lengths;

    /**
     * Searching readings of every length.
     *
     * @param known which of the given subject keys belong to subjects the warehouse holds
     */
    public CaseCodes(SubjectKeys keys, Function<Collection<UUID>, Set<UUID>> known) {
        this(keys, known, SubjectRefLengths.UNKNOWN);
    }

    /**
     * @param known   which of the given subject keys belong to subjects the warehouse holds
     * @param lengths the lengths of the refs pseudonymised so far, when complete: only readings
     *                of those lengths are hashed
     */
    public CaseCodes(SubjectKeys keys, Function<Collection<UUID>, Set<UUID>> known, SubjectRefLengths lengths) {
        this.keys = keys;
        this.known = known;
        this.lengths = lengths;
    }

    /**
     * A subject ref is being pseudonymised: its length is kept (when new) before this returns,
     * so that its code is searched for once its record is stored.
     */
    public void sawRef(String ref) {
        lengths.saw(ref.trim().length());
    }

    /**
     * A run of letters and digits in a text: its place, its compatibility-normalised content, and
     * the places inside it where a code glued to its neighbours may begin ({@code starts}) or end
     * ({@code ends}), its own start and end included.
     */
    record Piece(int start, int end, String text, boolean digit, int[] starts, int[] ends) {
    }

    /** A stretch of text that may be a case code, and the keys its readings would have. */
    record Candidate(int start, int end, Set<UUID> keys) {
    }

    /**
     * Gives each code-shaped stretch of {@code text}, with the pseudonyms of its possible readings,
     * to {@code found}, reusing the pseudonyms already computed for other texts of the same call:
     * a reading met again (a short code typed in many attributes) is hashed once.
     */
    private void candidates(String text, Lengths lengths, Map<String, UUID> pseudonyms, Consumer<Candidate> found) {
        if (!mayHoldCode(text)) {
            return; // every candidate has a digit, and ASCII normalises to itself
        }
        List<Piece> pieces = pieces(text);
        boolean ascii = isAscii(text);
        for (int i = 0; i < pieces.size(); i++) {
            for (int n = 1; n <= MAX_PIECES && i + n <= pieces.size(); n++) {
                List<Piece> window = pieces.subList(i, i + n);
                if (!anyDigit(window)) {
                    continue;
                }
                Piece first = window.get(0);
                Piece last = window.get(n - 1);
                boolean[] wrapped = wrappedGaps(text, window);
                // A code glued to what stands before or after it ("xPNH-C-0042", "ជួបPNH-C-0042")
                // begins inside the window's first piece or ends inside its last: each edge is tried,
                // the shortest stretches first so that the length limit ends the search early.
                String[] tails = new String[last.ends().length];
                for (int s = first.starts().length - 1; s >= 0; s--) {
                    int from = first.starts()[s];
                    String head = n == 1 ? null : part(text, first, from, first.end());
                    boolean anyShortEnough = false;
                    // Within one piece, the first end after the start (a run may be long: no scan from its start).
                    int firstEnd = n == 1 ? firstAfter(last.ends(), from) : 0;
                    for (int e = firstEnd; e < last.ends().length; e++) {
                        int to = last.ends()[e];
                        String tail = n == 1 ? null : tails[e] != null ? tails[e] : (tails[e] = part(text, last, last.start(), to));
                        Set<String> readings = readings(text, ascii, window, from, to, head, tail, wrapped, lengths);
                        if (readings == null) {
                            break; // longer stretches from here are longer still
                        }
                        anyShortEnough = true;
                        if (!anyHasDigit(readings)) {
                            continue;
                        }
                        if (pseudonyms.size() > LOOK_UP_SLICE) {
                            pseudonyms.clear(); // a cache: a long text's readings are mostly met once
                        }
                        Set<UUID> keys = new LinkedHashSet<>();
                        for (String reading : readings) {
                            pseudonym(reading, lengths, pseudonyms, keys);
                            if (!isAscii(reading)) { // only then can a case form differ from it, or its length
                                pseudonym(reading.toUpperCase(Locale.ROOT), lengths, pseudonyms, keys);
                                pseudonym(reading.toLowerCase(Locale.ROOT), lengths, pseudonyms, keys);
                            } else if (lengths.searched(reading.length())) {
                                pseudonym(upperAscii(reading), lengths, pseudonyms, keys);
                                pseudonym(lowerAscii(reading), lengths, pseudonyms, keys);
                            }
                        }
                        if (!keys.isEmpty()) {
                            found.accept(new Candidate(from, to, keys));
                        }
                    }
                    // Over several pieces an earlier start only lengthens the stretch; within one piece
                    // its first end may come before this start, so every start is tried there.
                    if (!anyShortEnough && n > 1) {
                        break;
                    }
                }
            }
        }
    }

    /** Adds the pseudonym of a reading to {@code keys}, if a ref of its length was ever pseudonymised. */
    private void pseudonym(String reading, Lengths lengths, Map<String, UUID> pseudonyms, Set<UUID> keys) {
        // Measured as hashed: a pseudonym is of the trimmed text, and a few letters normalise to a
        // space and a mark (U+FE70, U+037A), so a reading may begin with a space its ref lacks.
        if (lengths.searched(reading.trim().length())) {
            keys.add(pseudonyms.computeIfAbsent(reading, this.keys::pseudonym));
        }
    }

    /**
     * The lengths of reading that are hashed: those of the refs pseudonymised so far when they
     * are known (a reading of another length cannot be a known subject's code), otherwise up to
     * {@value #MAX_CANDIDATE_LENGTH}. Upper and lower case are never shorter than a reading (no
     * code point's case mapping is), so a reading longer than the longest ref is passed over
     * with all its case forms.
     */
    private record Lengths(int[] refs) {

        /** The lengths in {@code now} that {@code before} lacks; every length when {@code now} no longer knows them all. */
        static Lengths added(int[] before, int[] now) {
            return now == null || before == null ? new Lengths(null)
                    : new Lengths(Arrays.stream(now).filter(length -> Arrays.binarySearch(before, length) < 0).toArray());
        }

        boolean searched(int length) {
            return refs == null ? length <= MAX_CANDIDATE_LENGTH : Arrays.binarySearch(refs, length) >= 0;
        }

        int longest() {
            return refs == null ? MAX_CANDIDATE_LENGTH : refs.length == 0 ? 0 : Math.min(MAX_CANDIDATE_LENGTH, refs[refs.length - 1]);
        }
    }

    /** The index of the first of the ascending places that is after {@code place}. */
    private static int firstAfter(int[] places, int place) {
        int found = Arrays.binarySearch(places, place + 1);
        return found >= 0 ? found : -found - 1;
    }

    /** The normalised text of a piece from {@code start} to {@code end}: its own content when whole. */
    private static String part(String text, Piece piece, int start, int end) {
        return start == piece.start() && end == piece.end() ? piece.text() : normalised(text.substring(start, end));
    }

    /**
     * Which gaps between the window's pieces hold a line break (index p: the gap before piece p).
     * A line break inside a code is where a form or an editor wrapped the line, not part of the
     * code: such a gap is also read as nothing ("PNH-C-00" / "42"). Null when none does.
     */
    private static boolean[] wrappedGaps(String text, List<Piece> window) {
        boolean[] wrapped = null;
        for (int p = 1; p < window.size(); p++) {
            if (LINE_BREAK.matcher(text).region(window.get(p - 1).end(), window.get(p).start()).find()) {
                if (wrapped == null) {
                    wrapped = new boolean[window.size()];
                }
                wrapped[p] = true;
            }
        }
        return wrapped;
    }

    /**
     * How the writer may have meant the stretch from {@code from} to {@code to} over the window's
     * pieces ({@code head} and {@code tail}: the normalised parts of its first and last pieces
     * inside it): as written, and with the pieces rejoined by each joiner; with digits of other
     * scripts read as ASCII digits too. Only readings that may be as long as a known ref are
     * made (the others could not be anyone's code); null when even the shortest reading is longer
     * than the longest ref. Lengths are measured with ASCII digits: a digit outside the Basic
     * Multilingual Plane takes two chars, its ASCII reading one.
     */
    private static Set<String> readings(String text, boolean ascii, List<Piece> window, int from, int to, String head, String tail,
                                        boolean[] wrapped, Lengths lengths) {
        int n = window.size();
        if (ascii && n == 1) {
            // ASCII is its own normal form: the reading's length is known before it is made.
            if (to - from > lengths.longest()) {
                return null;
            }
            if (!lengths.searched(to - from)) {
                return Set.of();
            }
        }
        Set<String> readings = new LinkedHashSet<>();
        if (n == 1) {
            String written = normalised(text.substring(from, to));
            if (asciiDigits(written).trim().length() > lengths.longest()) {
                return null;
            }
            add(readings, written, lengths);
            return readings;
        }
        int parts = head.length() + tail.length();
        int foldedParts = ascii ? parts : asciiDigits(head).trim().length() + asciiDigits(tail).trim().length();
        for (int p = 1; p < n - 1; p++) {
            parts += window.get(p).text().length();
            foldedParts += ascii ? window.get(p).text().length() : asciiDigits(window.get(p).text()).length();
        }
        if (foldedParts > lengths.longest()) {
            return null;
        }
        if (ascii && wrapped == null && !lengths.searched(to - from) && !lengths.searched(parts) && !lengths.searched(parts + n - 1)) {
            return Set.of(); // neither as written nor rejoined (by nothing or by one character) as long as a ref
        }
        String written = normalised(text.substring(from, to));
        add(readings, written, lengths);
        if (wrapped != null) {
            add(readings, LINE_BREAK.matcher(written).replaceAll(""), lengths);
        }
        // Parts of other scripts may have a case form longer than themselves (ß, SS): their joined
        // readings are made whatever their own length.
        boolean asciiParts = ascii || isAscii(head) && isAscii(tail) && window.subList(1, n - 1).stream().allMatch(p -> isAscii(p.text()));
        for (String joiner : JOINERS) {
            // The joined readings' lengths are known before they are made: most are not worth making.
            int joins = (n - 1) * joiner.length();
            if (!asciiParts || wrapped != null || lengths.searched(parts + joins) || lengths.searched(foldedParts + joins)) {
                add(readings, joined(window, head, tail, joiner, null), lengths);
                if (wrapped != null) {
                    add(readings, joined(window, head, tail, joiner, wrapped), lengths);
                }
            }
        }
        return readings;
    }

    /**
     * Adds a reading, and its reading with ASCII digits, where a known ref may be as long (a
     * reading that is not ASCII may have a case form longer than itself, so it is always added).
     */
    private static void add(Set<String> readings, String reading, Lengths lengths) {
        if (!isAscii(reading) || lengths.searched(reading.length())) {
            readings.add(reading);
        }
        String ascii = asciiDigits(reading);
        if (!ascii.equals(reading) && (!isAscii(ascii) || lengths.searched(ascii.trim().length()))) {
            readings.add(ascii);
        }
    }

    private static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 128) {
                return false;
            }
        }
        return true;
    }

    /** Upper case of ASCII text (as {@code toUpperCase(Locale.ROOT)} gives it, without its general case). */
    private static String upperAscii(String text) {
        char[] chars = text.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] >= 'a' && chars[i] <= 'z') {
                chars[i] -= 32;
            }
        }
        return new String(chars);
    }

    private static String lowerAscii(String text) {
        char[] chars = text.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] >= 'A' && chars[i] <= 'Z') {
                chars[i] += 32;
            }
        }
        return new String(chars);
    }

    /** The window's parts joined by {@code joiner}, or by nothing at the wrapped gaps when {@code wrapped} is given. */
    private static String joined(List<Piece> window, String head, String tail, String joiner, boolean[] wrapped) {
        StringBuilder out = new StringBuilder(head);
        for (int p = 1; p < window.size(); p++) {
            out.append(wrapped != null && wrapped[p] ? "" : joiner).append(p == window.size() - 1 ? tail : window.get(p).text());
        }
        return out.toString();
    }

    /**
     * The texts with the case codes of known subjects replaced by {@value #MARK}; a text with
     * none is returned as it is. {@code alsoKnown} are subject keys of the same submission that
     * the warehouse may not hold yet. One look-up for at most {@value #LOOK_UP_SLICE} pseudonyms.
     *
     * @throws IllegalArgumentException for a text longer than {@value #MAX_TEXT_LENGTH} characters
     */
    public List<String> redact(List<String> texts, Set<UUID> alsoKnown) {
        for (String text : texts) {
            if (text.length() > MAX_TEXT_LENGTH) {
                throw new IllegalArgumentException("a text of " + text.length() + " characters; at most " + MAX_TEXT_LENGTH + " are searched");
            }
        }
        Lookups lookups = new Lookups(texts, alsoKnown);
        Map<String, UUID> pseudonyms = new HashMap<>();
        int[] searched = lengths.searched();
        search(texts, new Lengths(searched), pseudonyms, lookups);
        // A length learned meanwhile (another request's first ref of that length, whose record may
        // have been committed before the look-up above): its readings are searched too.
        for (int[] now = lengths.searched(); now != searched; now = lengths.searched()) {
            search(texts, Lengths.added(searched, now), pseudonyms, lookups);
            searched = now;
        }
        List<String> redacted = new ArrayList<>();
        for (int t = 0; t < texts.size(); t++) {
            redacted.add(lookups.covered[t] == null ? texts.get(t) : redact(texts.get(t), lookups.covered[t]));
        }
        return redacted;
    }

    private void search(List<String> texts, Lengths searched, Map<String, UUID> pseudonyms, Lookups lookups) {
        for (int t = 0; t < texts.size(); t++) {
            int text = t;
            candidates(texts.get(t), searched, pseudonyms, candidate -> lookups.add(text, candidate));
        }
        lookups.flush();
    }

    /**
     * The candidates waiting for their look-up, at most {@value #LOOK_UP_SLICE} pseudonyms, and
     * the characters of each text that a known subject's code covers.
     */
    private final class Lookups {
        private final List<String> texts;
        private final Set<UUID> alsoKnown;
        private final boolean[][] covered;
        private final List<Integer> pendingTexts = new ArrayList<>();
        private final List<Candidate> pending = new ArrayList<>();
        private Set<UUID> asked = new LinkedHashSet<>();
        /**
         * Keys held by the pending candidates, repeats counted. It bounds the memory as well as the
         * query (the distinct keys are fewer): texts that repeat the same readings make many
         * candidates of few distinct keys.
         */
        private int held;

        Lookups(List<String> texts, Set<UUID> alsoKnown) {
            this.texts = texts;
            this.alsoKnown = alsoKnown;
            this.covered = new boolean[texts.size()][];
        }

        void add(int text, Candidate candidate) {
            pendingTexts.add(text);
            pending.add(candidate);
            asked.addAll(candidate.keys());
            held += candidate.keys().size();
            if (held >= LOOK_UP_SLICE) {
                flush();
            }
        }

        void flush() {
            if (asked.isEmpty()) {
                return;
            }
            Set<UUID> slice = asked;
            asked = new LinkedHashSet<>();
            Set<UUID> hits = new HashSet<>(known.apply(slice));
            slice.stream().filter(alsoKnown::contains).forEach(hits::add);
            for (int i = 0; i < pending.size(); i++) {
                Candidate c = pending.get(i);
                if (c.keys().stream().anyMatch(hits::contains)) {
                    int t = pendingTexts.get(i);
                    if (covered[t] == null) {
                        covered[t] = new boolean[texts.get(t).length()];
                    }
                    Arrays.fill(covered[t], c.start(), c.end(), true);
                }
            }
            pending.clear();
            pendingTexts.clear();
            held = 0;
        }
    }

    /** The text with each run of covered characters replaced by one {@value #MARK}. */
    private static String redact(String text, boolean[] covered) {
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
            List<Integer> starts = new ArrayList<>();
            List<Integer> ends = new ArrayList<>();
            boolean previousDigit = false;
            boolean previousEdge = false;
            while (i < text.length() && inPiece(text.codePointAt(i))) {
                int c = text.codePointAt(i);
                // A code glued to its neighbours begins at a Latin letter or a digit and ends after
                // one, whatever stands beside it (other letters, Khmer text); marks and zero-width
                // characters belong to the letter before them. A place between two digits is no
                // edge: "PNH-C-00421" is another number, not PNH-C-0042 and a 1. Khmer letters are
                // not cut between: a Khmer sentence is one run, and each place in it would cost a hash.
                if (Character.isLetterOrDigit(c)) {
                    boolean digit = Character.isDigit(c);
                    boolean edge = digit || Character.UnicodeScript.of(c) == Character.UnicodeScript.LATIN;
                    if (i > start && !(digit && previousDigit)) {
                        if (edge) {
                            starts.add(i);
                        }
                        if (previousEdge) {
                            ends.add(i);
                        }
                    }
                    previousDigit = digit;
                    previousEdge = edge;
                }
                i += Character.charCount(c);
            }
            starts.add(0, start);
            ends.add(i);
            // A zero-width mark typed inside a code (PNH-C-00\u200B42) makes no difference.
            String content = normalised(text.substring(start, i));
            pieces.add(new Piece(start, i, content, hasDigit(content),
                    starts.stream().mapToInt(Integer::intValue).toArray(), ends.stream().mapToInt(Integer::intValue).toArray()));
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

    /**
     * Whether a text may hold a case code at all: every reading of a code has a digit, and ASCII
     * is its own normal form, so ASCII text without a digit (nearly every attribute value: enum
     * values, names of places) holds none and need not be searched.
     */
    static boolean mayHoldCode(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 128 || (c >= '0' && c <= '9')) {
                return true;
            }
        }
        return false;
    }

    /** The text with every decimal digit of any script (Khmer ០..៩, Arabic-Indic, ...) as its ASCII digit. */
    static String asciiDigits(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int width = Character.charCount(cp);
            if (cp >= 128 && Character.isDigit(cp) && Character.digit(cp, 10) >= 0) {
                if (out == null) {
                    out = new StringBuilder(text.length()).append(text, 0, i);
                }
                out.append((char) ('0' + Character.digit(cp, 10)));
            } else if (out != null) {
                out.appendCodePoint(cp);
            }
            i += width;
        }
        return out == null ? text : out.toString();
    }

    private static boolean anyDigit(List<Piece> window) {
        for (Piece piece : window) {
            if (piece.digit()) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyHasDigit(Set<String> readings) {
        for (String reading : readings) {
            if (hasDigit(reading)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasDigit(String text) {
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (Character.isDigit(cp)) {
                return true;
            }
            i += Character.charCount(cp);
        }
        return false;
    }

    private static boolean inPiece(int cp) {
        int type = Character.getType(cp);
        return Character.isLetterOrDigit(cp) || type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.FORMAT;
    }
}
