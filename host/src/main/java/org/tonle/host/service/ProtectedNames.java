package org.tonle.host.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.tonle.core.config.FileStamp;

/**
 * The names in {@code <config>/protected-names.txt} (one a line, {@code #} starts a comment
 * line): children and families whose names must never reach a donor. A highlight that contains
 * one is held for its reviewer.
 *
 * <p>A name matches as a whole word, ignoring case, accents (José = Jose), Unicode
 * compatibility forms (full-width letters) and invisible format characters (a zero-width space
 * typed inside it); a name of several words matches with any spacing or punctuation between
 * them. A name inside another word does not match ("Dara" is not found in "Daravuth"). The file
 * is read again when its size or modification time changes; a missing file holds no names.
 */
public final class ProtectedNames {

    public static final String FILE = "protected-names.txt";
    private static final Logger LOG = LoggerFactory.getLogger(ProtectedNames.class);
    private static final String WORD = "\\p{L}\\p{N}\\p{M}";
    private static final Pattern ACCENTS = Pattern.compile("[\\u0300-\\u036f]");
    private static final Pattern INVISIBLE = Pattern.compile("\\p{Cf}");
    private static final Pattern BETWEEN = Pattern.compile("[^" + WORD + "]+");

    /** One protected name as written in the file, and the pattern that finds it in folded text. */
    private record Name(String written, Pattern pattern) {
    }

    private final Path file;
    private volatile String stamp;
    private volatile List<Name> names = List.of();

    public ProtectedNames(Path file) {
        this.file = file;
        reloadIfChanged();
    }

    /** The protected names the text contains, as the file writes them, each once. */
    public List<String> foundIn(String text) {
        reloadIfChanged();
        String folded = fold(text);
        List<String> found = new ArrayList<>();
        for (Name name : names) {
            if (name.pattern().matcher(folded).find() && !found.contains(name.written())) {
                found.add(name.written());
            }
        }
        return found;
    }

    /** Case, accents, compatibility forms and invisible characters folded away. */
    static String fold(String text) {
        String s = Normalizer.normalize(text, Normalizer.Form.NFKC);
        s = INVISIBLE.matcher(s).replaceAll("");
        s = ACCENTS.matcher(Normalizer.normalize(s, Normalizer.Form.NFD)).replaceAll("");
        s = Normalizer.normalize(s, Normalizer.Form.NFC);
        // Upper then lower case: a full case fold for the letters that need it (ß, ﬁ).
        return s.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
    }

    static List<String> parse(List<String> lines) {
        List<String> names = new ArrayList<>();
        for (String line : lines) {
            String name = line.strip();
            if (!name.isEmpty() && !name.startsWith("#")) {
                names.add(name);
            }
        }
        return names;
    }

    private static Pattern pattern(String name) {
        List<String> words = new ArrayList<>();
        for (String word : BETWEEN.split(fold(name))) {
            if (!word.isEmpty()) {
                words.add(Pattern.quote(word));
            }
        }
        if (words.isEmpty()) {
            return null;
        }
        return Pattern.compile("(?<![" + WORD + "])" + String.join("[^" + WORD + "]+", words) + "(?![" + WORD + "])");
    }

    private void reloadIfChanged() {
        String now = FileStamp.of(file);
        if (now.equals(stamp)) {
            return;
        }
        synchronized (this) {
            if (now.equals(stamp)) {
                return;
            }
            List<Name> next = new ArrayList<>();
            if (Files.isRegularFile(file)) {
                try {
                    for (String name : parse(Files.readAllLines(file, StandardCharsets.UTF_8))) {
                        Pattern p = pattern(name);
                        if (p != null) {
                            next.add(new Name(name, p));
                        }
                    }
                } catch (IOException e) {
                    // Keep the names in force: a half-written file must not release a held highlight.
                    LOG.error("{} could not be read ({}); the protected names read before stay in force", file, e.getMessage());
                    return;
                }
            }
            names = List.copyOf(next);
            stamp = now;
            LOG.info("{}: {} protected names", file.getFileName(), next.size());
        }
    }

}
