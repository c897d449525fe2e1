package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tonle.warehouse.SubjectRefLengths;

/** The case codes of known subjects found in free text however they are typed, and nothing else. */
class CaseCodesTest {

    final SubjectKeys keys = SubjectKeys.of("0123456789abcdef0123456789abcdef".getBytes());
    final List<Collection<UUID>> lookups = new ArrayList<>();
    final CaseCodes codes = new CaseCodes(keys, knowing("PNH-C-0042", "SRP/2015/7", "shv_i_12"));
    /** The same subjects, with the lengths of their refs known: it must find exactly what {@link #codes} finds. */
    final CaseCodes measured = new CaseCodes(keys, knowing("PNH-C-0042", "SRP/2015/7", "shv_i_12"),
            lengthsOf("PNH-C-0042", "SRP/2015/7", "shv_i_12"));

    static SubjectRefLengths lengthsOf(String... refs) {
        SubjectRefLengths lengths = SubjectRefLengths.inMemory();
        for (String ref : refs) {
            lengths.saw(ref.length());
        }
        return lengths;
    }

    Function<Collection<UUID>, Set<UUID>> knowing(String... refs) {
        Set<UUID> known = new HashSet<>();
        for (String ref : refs) {
            known.add(keys.pseudonym(ref));
        }
        return asked -> {
            lookups.add(asked);
            return asked.stream().filter(known::contains).collect(Collectors.toSet());
        };
    }

    String redact(String text) {
        String redacted = codes.redact(List.of(text), Set.of()).get(0);
        assertThat(measured.redact(List.of(text), Set.of()).get(0)).as("searching only the refs' lengths").isEqualTo(redacted);
        return redacted;
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "We met PNH-C-0042 again.",
            "We met pnh-c-0042 again.",
            "We met Pnh-C-0042 again.",
            "We met (PNH-C-0042) again.",
            "We met \"PNH-C-0042\", again.",
            "We met PNH-C-0042. again.",
            "We met PNH - C - 0042 again.",
            "We met PNH C 0042 again.",
            "We met PNH_C_0042 again.",
            "We met PNH.C.0042 again.",
            "We met PNH/C/0042 again.",
            "We met PNH C-0042 again.",
            "We met PNH\u2011C\u20110042 again.",            // non-breaking hyphens
            "We met PNH\u00a0C\u00a00042 again.",            // non-breaking spaces
            "We met \uff30\uff2e\uff28-\uff23-\uff10\uff10\uff14\uff12 again.", // full-width letters and digits
            "We met PNH-C-00\u200b42 again.",                // a zero-width space inside the number
            "We met\nPNH-C-0042\nagain.",
            "We met #PNH-C-0042# again."})
    void aKnownCodeIsRedactedHoweverItIsTyped(String text) {
        String stored = redact(text);
        assertThat(stored).startsWith("We met").contains(CaseCodes.MARK).endsWith("again.")
                .doesNotContainIgnoringCase("0042").doesNotContain("PNH").doesNotContain("\uff10");
    }

    /** Review r8: a code glued to what stands before or after it kept its code in the stored text. */
    @ParameterizedTest
    @ValueSource(strings = {
            "We met xPNH-C-0042 again.",
            "We met XPNH-C-0042 again.",                     // glued to a capital: no change of case to cut at
            "We met casePNH-C-0042 again.",
            "We met CASEPNH-C-0042 again.",
            "We met PNH-C-0042x again.",
            "We met PNH-C-0042th again.",
            "We met 2015PNH-C-0042 again.",
            "We met No.PNH-C-0042, again.",
            "We met #1:PNH-C-0042; again.",
            "We met xPNH_C_0042y again.",
            "We met xpnh c 0042y again.",
            "We met \u1787\u17bd\u1794PNH-C-0042\u1798\u17d2\u178f\u1784 again.", // Khmer letters either side
            "We met \uff58\uff30\uff2e\uff28-\uff23-\uff10\uff10\uff14\uff12 again.", // full-width, glued to a full-width x
            "We met PNH-C-\u17e0\u17e0\u17e4\u17e2 again.",  // Khmer digits
            "We met x\u200bPNH-C-0042 again.",              // a zero-width space as the glue
            "We met PNH-C-\n0042 again.",
            "We met PNH-C-00\n42 again.",                   // wrapped inside the number
            "We met PNH-C-00\r\n42 again.",
            "We met PNH\n-C-\n0042 again.",
            "We met xPNH-C-00\n42y again."})
    void aKnownCodeGluedToItsNeighboursIsRedacted(String text) {
        String stored = redact(text);
        assertThat(stored).as(text).startsWith("We met").contains(CaseCodes.MARK).endsWith("again.")
                .doesNotContainIgnoringCase("0042").doesNotContain("PNH").doesNotContain("\uff10").doesNotContain("\u17e0\u17e0")
                .doesNotContain("00\n42").doesNotContain("00\r\n42");
    }

    @Test
    void codesOfOtherShapesGluedToo() {
        CaseCodes glued = new CaseCodes(keys, knowing("ABC-C-0001", "SRP/2015/7", "0042"));
        assertThat(glued.redact(List.of("caseABC-C-0001 closed", "fileSRP/2015/7 closed", "client0042 met"), Set.of()))
                .containsExactly("case" + CaseCodes.MARK + " closed", "file" + CaseCodes.MARK + " closed", "client" + CaseCodes.MARK + " met");
    }

    @Test
    void gluedWordsOfNobodyStayAndANumberIsNotCutInside() {
        String text = "Met 12girls and 7boys (age16), room B12a; in 2015 a 16-year-old; PNH-C-00421 and PNH-C-10042 are others.";
        assertThat(redact(text)).isEqualTo(text);
        CaseCodes numbers = new CaseCodes(keys, knowing("12", "7"));
        assertThat(numbers.redact(List.of("in 2012, 112 and 71 met"), Set.of())).containsExactly("in 2012, 112 and 71 met");
    }

    @Test
    void codesOfOtherShapesToo() {
        assertThat(redact("file SRP/2015/7 closed")).isEqualTo("file " + CaseCodes.MARK + " closed");
        assertThat(redact("file srp 2015 7 closed")).isEqualTo("file " + CaseCodes.MARK + " closed");
        assertThat(redact("SHV-I-12 and shv_i_12")).isEqualTo(CaseCodes.MARK + " and " + CaseCodes.MARK);
    }

    @Test
    void codeShapedWordsOfNobodyStay() {
        String text = "A 16-year-old girl, one of 7, met on 2015-08-12 at room B12; PNH-C-0043 is nobody.";
        assertThat(redact(text)).isEqualTo(text);
    }

    @Test
    void aCodeInsideAnotherCodeIsNotOneAndTextWithoutDigitsIsNotLookedUp() {
        assertThat(redact("PNH-C-00421")).isEqualTo("PNH-C-00421");
        lookups.clear();
        assertThat(redact("Meeting with the provincial committee on child protection.")).isNotEmpty();
        assertThat(lookups).isEmpty();
    }

    @Test
    void subjectsOfTheSameSubmissionCountAsKnown() {
        CaseCodes none = new CaseCodes(keys, asked -> Set.of());
        assertThat(none.redact(List.of("met PNH-C-0099"), Set.of(keys.pseudonym("PNH-C-0099"))))
                .containsExactly("met " + CaseCodes.MARK);
        assertThat(none.redact(List.of("met PNH-C-0099"), Set.of())).containsExactly("met PNH-C-0099");
    }

    @Test
    void oneLookupForManyTexts() {
        lookups.clear();
        assertThat(codes.redact(List.of("a PNH-C-0042", "b 12", "c none"), Set.of()))
                .containsExactly("a " + CaseCodes.MARK, "b 12", "c none");
        assertThat(lookups).hasSize(1);
    }

    @Test
    void aLongCodeDenseTextIsLookedUpInBoundedSlicesAndItsCodeStillFound() {
        // Words of letters and digits in turn, none repeated: hundreds of distinct keyed readings
        // a character. 8,000 characters of them once made one look-up of over a million keys
        // (one 100,000-character text: tens of millions, in one query string).
        Random random = new Random(22);
        StringBuilder text = new StringBuilder();
        while (text.length() < 7_900) {
            for (int i = 0; i < 6; i++) {
                text.append(i % 2 == 0 ? (char) ('a' + random.nextInt(26)) : (char) ('0' + random.nextInt(10)));
            }
            text.append(' ');
        }
        text.append("met PNH-C-0042 again");
        lookups.clear();
        String redacted = redact(text.toString());
        assertThat(redacted).endsWith("met " + CaseCodes.MARK + " again").doesNotContain("0042");
        assertThat(lookups).hasSizeGreaterThan(1).allSatisfy(slice -> assertThat(slice).hasSizeLessThan(CaseCodes.LOOK_UP_SLICE + 64));
    }

    /**
     * Attacker review: 600 texts of "1 1 1 …" (8,192 characters each) repeat the same few
     * readings, so the distinct keys never filled a slice and every candidate waited in memory
     * until the end: a 4.9 MB body ran a 2 GB heap out. The candidates waiting are bounded too.
     */
    @Test
    void textsThatRepeatTheSameReadingsAreLookedUpInBoundedSlicesToo() {
        lookups.clear();
        List<String> texts = java.util.Collections.nCopies(40, "1 ".repeat(4_096));
        List<String> redacted = codes.redact(texts, Set.of());
        assertThat(redacted).isEqualTo(texts);
        assertThat(lookups).hasSizeGreaterThan(1);
    }

    @Test
    void aTextLongerThanAnyAttributeMayBeIsNotSearched() {
        String tooLong = "x".repeat(CaseCodes.MAX_TEXT_LENGTH) + " PNH-C-0042";
        assertThatThrownBy(() -> redact(tooLong)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8192");
        assertThat(lookups).isEmpty();
    }

    @Test
    void theRecordStoredHoldsNoCode() {
        Pseudonymise pseudonymise = new Pseudonymise(keys, codes);
        Submission s = new Submission("t", "test", null, Submission.Mode.CREATE, null, false, List.of(Submission.item(1,
                Fixtures.record("{\"type\": \"highlight\", \"attributes\": {\"text\": \"Follow-up of pnh-c-0042 went well\", \"public\": true}}"))));
        pseudonymise.process(s);
        assertThat(s.items().get(0).node().toString()).doesNotContainIgnoringCase("0042")
                .contains("Follow-up of " + CaseCodes.MARK + " went well");
    }

    /**
     * Only readings as long as some pseudonymised ref are hashed: a hotline report with links and
     * a checksum asks far fewer keys, and still gives its code away to nobody.
     */
    @Test
    void withTheRefsLengthsKnownAHotlineReportCostsAFractionOfTheHashes() {
        String report = ("Reported link https://example.org/v/8f3a9c21d7e64b0a?ref=u7731x&t=1439 sha256 "
                + "9b74c9897bac770ffc029102a200c5de46f2a8e1d7c3b5a4 seen 2015-08-12 by caller 0977123456; ").repeat(12)
                + "victim is PNH-C-0042.";
        List<Integer> everyLength = new ArrayList<>();
        List<Integer> refLengths = new ArrayList<>();
        CaseCodes all = new CaseCodes(keys, counting(everyLength, "PNH-C-0042"));
        CaseCodes some = new CaseCodes(keys, counting(refLengths, "PNH-C-0042"), lengthsOf("PNH-C-0042", "SRP/2015/7"));
        assertThat(all.redact(List.of(report), Set.of()).get(0)).endsWith("victim is " + CaseCodes.MARK + ".");
        assertThat(some.redact(List.of(report), Set.of()).get(0)).endsWith("victim is " + CaseCodes.MARK + ".");
        int asked = refLengths.stream().mapToInt(Integer::intValue).sum();
        int askedOfAll = everyLength.stream().mapToInt(Integer::intValue).sum();
        assertThat(asked).as("keys asked with the lengths known, against %d", askedOfAll).isPositive().isLessThan(askedOfAll / 5);
    }

    @Test
    void aNodeThatNeverPseudonymisedARefHashesNothing() {
        List<Integer> asked = new ArrayList<>();
        CaseCodes none = new CaseCodes(keys, counting(asked, "PNH-C-0042"), SubjectRefLengths.inMemory());
        assertThat(none.redact(List.of("met PNH-C-0042 on 2015-08-12"), Set.of())).containsExactly("met PNH-C-0042 on 2015-08-12");
        assertThat(asked).isEmpty();
    }

    /** The length of a ref is kept as it is pseudonymised, so its code is found in the texts that follow. */
    @Test
    void pseudonymisingARefMakesItsCodeSearched() {
        Set<UUID> stored = new HashSet<>();
        CaseCodes learning = new CaseCodes(keys, asked -> asked.stream().filter(stored::contains).collect(Collectors.toSet()),
                SubjectRefLengths.inMemory());
        Pseudonymise pseudonymise = new Pseudonymise(keys, learning);
        Submission first = new Submission("t", "test", null, Submission.Mode.CREATE, null, false, List.of(Submission.item(1,
                Fixtures.record("{\"type\": \"counselling\", \"subject\": {\"ref\": \" BTB-X-77 \", \"role\": \"victim\"}}"))));
        pseudonymise.process(first);
        stored.add(keys.pseudonym("BTB-X-77"));
        assertThat(learning.redact(List.of("met btb x 77 and BTB-X-77x"), Set.of()))
                .containsExactly("met " + CaseCodes.MARK + " and " + CaseCodes.MARK + "x");
    }

    /**
     * Attacker review of the lengths: codes the search with every length found, or should have,
     * and the one with the refs' lengths missed. A code of one run glued to a longer run of
     * digits (an earlier start of a run may end before a later one); a part whose upper case is
     * longer than itself ({@code ß}); digits outside the Basic Multilingual Plane (Osmanya); a
     * letter that normalises to a space and a mark (U+FE70), the space trimmed before hashing.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "PNH0042 | ជួបPNH0042ទូរស័ព្ទ៨៥៥០១២៣៤៥៦៧៨៩",
            "PNH0042 | Called PNH0042tel8550123456789",
            "0042 | ជួប0042ថ្ងៃ២០១៥០៨៣០",
            "C0042 | caseC0042x123456",
            "C0042 | caseC0042x12345678901234567890123456789012345678901234567890123456789012345",
            "42 | 42ﬃ",
            "STRASSE-0042 | Met straße/0042 at court",
            "PNH-SS-0042 | met pnh ß 0042",
            "\uD801\uDCA0 | ßı\uD801\uDCA0",
            "GT \uD801\uDCA4 KI | 2015GT \uD801\uDCA4 KI_",
            "\u064B0042 | case \uFE700042 seen"})
    void codesTheLengthsOnceMissedAreFoundEitherWay(String ref, String text) {
        assertThat(new CaseCodes(keys, knowing(ref)).redact(List.of(text), Set.of()).get(0)).as("every length").contains(CaseCodes.MARK);
        assertThat(new CaseCodes(keys, knowing(ref), lengthsOf(ref)).redact(List.of(text), Set.of()).get(0)).as("the ref's length")
                .contains(CaseCodes.MARK);
    }

    /**
     * Attacker review: a length first learned by another request while this search runs, whose
     * subject is committed before this search looks its pseudonyms up, is searched too.
     */
    @Test
    void aLengthLearnedDuringTheSearchIsSearchedBeforeItEnds() {
        SubjectRefLengths lengths = lengthsOf("PNH-C-0042");
        Set<UUID> stored = new HashSet<>(Set.of(keys.pseudonym("PNH-C-0042")));
        boolean[] otherRequest = {false};
        CaseCodes racing = new CaseCodes(keys, asked -> {
            if (!otherRequest[0]) {
                otherRequest[0] = true; // another request pseudonymises PNH-42 and commits its record now
                lengths.saw("PNH-42".length());
                stored.add(keys.pseudonym("PNH-42"));
            }
            return asked.stream().filter(stored::contains).collect(Collectors.toSet());
        }, lengths);
        assertThat(racing.redact(List.of("Met PNH-C-0042, then PNH-42 at the shelter"), Set.of()))
                .containsExactly("Met " + CaseCodes.MARK + ", then " + CaseCodes.MARK + " at the shelter");
    }

    @Test
    void refsLongerThanAnyCodeSearchedAreNotKept() {
        SubjectRefLengths lengths = lengthsOf("PNH-C-0042", "x".repeat(65), "");
        assertThat(lengths.searched()).containsExactly(10);
    }

    /** How many keys each look-up asks about, answering as known the pseudonyms of {@code refs}. */
    Function<Collection<UUID>, Set<UUID>> counting(List<Integer> sizes, String... refs) {
        Set<UUID> known = new HashSet<>();
        for (String ref : refs) {
            known.add(keys.pseudonym(ref));
        }
        return asked -> {
            sizes.add(asked.size());
            return asked.stream().filter(known::contains).collect(Collectors.toSet());
        };
    }
}
