package org.tonle.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.tonle.pipelines.CaseCodes;
import org.tonle.pipelines.SubjectKeys;
import org.tonle.warehouse.SubjectRefLengths;

/**
 * What the search for case codes in free text costs a character, on one thread, for texts of
 * four kinds (2,000 characters each, the investigation highlight's limit): English prose, Khmer
 * prose, a hotline report full of links and checksums, and the worst pattern found (letters and
 * digits in turn). Each is searched with every reading's length hashed (a node whose subjects'
 * ref lengths are not known: headquarters, a warehouse older than the lengths) and with only the
 * lengths of the refs pseudonymised (two code formats, 10 and 11 characters). The baseline, in
 * the same process: one keyed hash (HMAC-SHA-256) of every character's position, the least any
 * search by keyed pseudonym could cost.
 *
 * <p>Run: {@code bin/bench case-codes [ROUNDS]} (default 50, after half as many to warm up; docs/PERFORMANCE.md, "Case codes in text").
 */
public final class CaseCodeSearchBench {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int LENGTH = 2_000;

    private CaseCodeSearchBench() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        SubjectKeys keys = SubjectKeys.of("tonle case-code search bench key".getBytes());
        Set<UUID> known = Set.of(keys.pseudonym("PNH-C-0042"), keys.pseudonym("SRP-I-00107"));
        Map<String, String> texts = new LinkedHashMap<>();
        texts.put("English prose", fill("On 12 August 2015 the social worker met the family of PNH-C-0042 again at the shelter in"
                + " Phnom Penh; 3 girls aged 14-16 joined the group session, and the 2nd follow-up visit is planned. "));
        texts.put("Khmer prose", fill("\u1790\u17d2\u1784\u17c3\u1791\u17b8 \u17e1\u17e2 \u1781\u17c2\u179f\u17b8\u17a0\u17b6"
                + " \u1786\u17d2\u1793\u17b6\u17c6 \u17e2\u17e0\u17e1\u17e5 \u1794\u17bb\u1782\u17d2\u1782\u179b\u17b7\u1780"
                + "\u179f\u1784\u17d2\u1782\u1798\u1780\u17b7\u1785\u17d2\u1785\u1794\u17b6\u1793\u1787\u17bd\u1794 PNH-C-0042 "));
        texts.put("hotline report", fill("Reported link https://example.org/v/8f3a9c21d7e64b0a?ref=u7731x&t=1439 sha256 "
                + "9b74c9897bac770ffc029102a200c5de46f2a8e1d7c3b5a4 seen 2015-08-12 by caller 0977123456; "));
        texts.put("worst pattern", fill("a1b2c3d4e5f6g7h8i9j0"));

        System.out.printf("Case-code search, %,d-character texts, %d rounds each, one thread (CPU time)%n", LENGTH, rounds);
        System.out.printf("%-16s %14s %14s %14s %12s %12s %10s%n", "text", "every length", "ref lengths", "baseline",
                "keys/char", "keys/char", "speed-up");
        System.out.printf("%-16s %14s %14s %14s %12s %12s %10s%n", "", "µs/char", "µs/char", "µs/char", "every", "ref lengths", "");
        for (Map.Entry<String, String> text : texts.entrySet()) {
            LongAdder askedAll = new LongAdder();
            LongAdder askedSome = new LongAdder();
            CaseCodes all = new CaseCodes(keys, counting(askedAll, known));
            SubjectRefLengths lengths = SubjectRefLengths.inMemory();
            lengths.saw(10);
            lengths.saw(11);
            CaseCodes some = new CaseCodes(keys, counting(askedSome, known), lengths);
            List<String> one = List.of(text.getValue());
            int warm = Math.max(5, rounds / 2);
            for (int i = 0; i < warm; i++) {
                all.redact(one, Set.of());
                some.redact(one, Set.of());
                baseline(keys, text.getValue());
            }
            askedAll.reset();
            askedSome.reset();
            long allNanos = 0;
            long someNanos = 0;
            long baseNanos = 0;
            for (int i = 0; i < rounds; i++) {
                long t0 = THREADS.getCurrentThreadCpuTime();
                String a = all.redact(one, Set.of()).get(0);
                long t1 = THREADS.getCurrentThreadCpuTime();
                String b = some.redact(one, Set.of()).get(0);
                long t2 = THREADS.getCurrentThreadCpuTime();
                baseline(keys, text.getValue());
                long t3 = THREADS.getCurrentThreadCpuTime();
                if (!a.equals(b)) {
                    throw new IllegalStateException("the two searches redacted " + text.getKey() + " differently");
                }
                allNanos += t1 - t0;
                someNanos += t2 - t1;
                baseNanos += t3 - t2;
            }
            double chars = (double) LENGTH * rounds;
            System.out.printf("%-16s %14.2f %14.2f %14.2f %12.1f %12.1f %9.1fx%n", text.getKey(), allNanos / 1e3 / chars,
                    someNanos / 1e3 / chars, baseNanos / 1e3 / chars, askedAll.sum() / chars, askedSome.sum() / chars,
                    (double) allNanos / someNanos);
        }
    }

    private static String fill(String sentence) {
        StringBuilder text = new StringBuilder();
        while (text.length() < LENGTH) {
            text.append(sentence);
        }
        return text.substring(0, LENGTH);
    }

    private static Function<Collection<UUID>, Set<UUID>> counting(LongAdder asked, Set<UUID> known) {
        return keys -> {
            asked.add(keys.size());
            return keys.stream().filter(known::contains).collect(Collectors.toSet());
        };
    }

    /** One keyed hash of each character's position (the text from there, at most 10 characters). */
    private static long baseline(SubjectKeys keys, String text) {
        long sum = 0;
        for (int i = 0; i < text.length(); i++) {
            sum += keys.pseudonym(text.substring(i, Math.min(text.length(), i + 10))).getLeastSignificantBits();
        }
        return sum;
    }
}
