package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.tonle.core.Json;
import org.tonle.pipelines.imports.NdjsonSource;
import org.tonle.programme.api.RecordCheck;
import org.tonle.programme.api.Violation;

/**
 * The draft path (a record read straight from its bytes, {@link Draft}) against the tree path it
 * short-cuts: random records, most of them nearly valid, each mutated in a way a sender could get
 * wrong (unknown, duplicate or mistyped members, values out of range, case codes in text, keys
 * sent by untrusted senders, cut-off lines, trailing junk), read once by {@link NdjsonSource} (drafts
 * where it can) and once as trees as the reader made them before, then pseudonymised and validated.
 * Every item must end the same: outcome, violations (field, rule and reason, in order), the
 * record, its canonical body and hash, and the pseudonymised tree the dead letter store would keep.
 */
class DraftPathTest {

    static final String[] PROGRAMS = {"cases", "other", "nope", "Cases", "PNH-C-0042"};
    static final String[] TYPES = {"intake", "counselling", "meeting", "training", "visit", "bogus"};
    static final String[] OFFICES = {"PNH", "SRP", "KPT", "pnh"};
    static final String[] ROLES = {"victim", "reporter", "family", "judge", ""};
    static final String[] SEXES = {"F", "M", "X", "U", "Q", "f"};
    static final String[] CODES = {"PNH-C-0042", "SRP/2015/7", "PNH-C-9999"};

    final SubjectKeys keys = SubjectKeys.of("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));
    final Clock clock = Clock.fixed(Instant.parse("2026-06-15T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void theDraftPathEndsEveryRecordAsTheTreePathDoes() throws Exception {
        Set<UUID> known = new HashSet<>(List.of(keys.pseudonym("PNH-C-0042"), keys.pseudonym("SRP/2015/7")));
        CaseCodes codes = new CaseCodes(keys, asked -> {
            Set<UUID> hits = new HashSet<>(asked);
            hits.retainAll(known);
            return hits;
        });
        Pseudonymise pseudonymise = new Pseudonymise(keys, codes);
        // The "other" programme's own check refuses records of SRP: a draft the declaration accepts, refused after.
        RecordCheck notSrp = r -> r.office().equals("SRP") ? List.of(new Violation("office", "own_rule", "not here")) : List.of();
        Validate validate = new Validate(Fixtures.registry(), Fixtures::config,
                p -> p.equals("other") ? List.of(notSrp) : List.of(), clock);
        Random random = new Random(22);
        int drafts = 0;
        int acceptedDrafts = 0;
        int rejectedDrafts = 0;
        for (int round = 0; round < 1000; round++) {
            int n = 1 + random.nextInt(random.nextInt(10) == 0 ? 40 : 8);
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                lines.add(line(random));
            }
            if (round < EDGES.size()) {
                lines.add(EDGES.get(round));
            }
            Map<String, String> defaults = random.nextInt(4) == 0 ? Map.of("office", "PNH") : Map.of();
            boolean trusted = random.nextInt(5) == 0;
            Set<String> offices = random.nextInt(4) == 0 ? Set.of("PNH") : null;
            Submission.Mode mode = n == 1 && random.nextInt(3) == 0 ? Submission.Mode.CORRECT : Submission.Mode.CREATE;
            String target = mode == Submission.Mode.CREATE ? null : random.nextBoolean() ? ID : UUID.randomUUID().toString();
            byte[] body = String.join("\n", lines).getBytes(StandardCharsets.UTF_8);

            List<Item> viaDrafts;
            try (NdjsonSource source = new NdjsonSource(new ByteArrayInputStream(body), defaults, NdjsonSource.Wording.BODY)) {
                viaDrafts = source.read(Integer.MAX_VALUE).items();
            }
            List<Item> viaTrees = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                Item tree = treeItem(i + 1, lines.get(i), defaults);
                if (tree == null) {
                    // Not a JSON object: no draft either; the same reason, as the reader words it.
                    Item read = viaDrafts.get(i);
                    assertThat(read.draft()).isNull();
                    Violation why = read.violations().get(0);
                    tree = Submission.malformed(i + 1, lines.get(i), why.rule(), why.reason());
                }
                viaTrees.add(tree);
            }
            for (Item item : viaDrafts) {
                if (item.draft() != null) {
                    drafts++;
                    // A draft is made only of a line the tree reader reads as one object.
                    assertThat(treeItem(item.line(), lines.get(item.line() - 1), defaults)).isNotNull();
                }
            }
            Submission a = new Submission("p", "s", offices, mode, target, trusted, viaDrafts);
            Submission b = new Submission("p", "s", offices, mode, target, trusted, viaTrees);
            pseudonymise.process(a);
            validate.process(a);
            pseudonymise.process(b);
            validate.process(b);
            assertThat(a.items()).hasSameSizeAs(b.items());
            for (int i = 0; i < b.items().size(); i++) {
                Item x = a.items().get(i);
                Item y = b.items().get(i);
                String what = "round " + round + ", line " + lines.get(i);
                if (x.draft() != null) {
                    if (x.pending()) {
                        acceptedDrafts++;
                    } else {
                        rejectedDrafts++;
                    }
                }
                assertThat(x.line()).as(what).isEqualTo(y.line());
                assertThat(x.outcome()).as(what).isEqualTo(y.outcome());
                assertThat(x.recordId()).as(what).isEqualTo(y.recordId());
                assertThat(x.violations()).as(what).isEqualTo(y.violations());
                assertThat(x.record()).as(what).isEqualTo(y.record());
                assertThat(x.canonical()).as(what).isEqualTo(y.canonical());
                assertThat(x.contentHash()).as(what).isEqualTo(y.contentHash());
                assertThat(x.lineHash()).as(what).isEqualTo(y.lineHash());
                assertThat(String.valueOf(x.node())).as(what).isEqualTo(String.valueOf(y.node()));
            }
        }
        // The inputs exercise both ends: drafts accepted, and drafts the rules sent to the tree path.
        assertThat(drafts).isGreaterThan(500);
        assertThat(acceptedDrafts).isGreaterThan(200);
        assertThat(rejectedDrafts).isGreaterThan(100);
    }

    /** The item as the reader made it before drafts: the tree of the line with the defaults; null for a line that is no JSON object. */
    static Item treeItem(int line, String text, Map<String, String> defaults) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(text);
        } catch (Exception e) {
            return null;
        }
        if (node == null || !node.isObject()) {
            return null;
        }
        ObjectNode record = (ObjectNode) node;
        defaults.forEach((field, value) -> {
            if (!record.hasNonNull(field)) {
                record.put(field, value);
            }
        });
        return Submission.item(line, record);
    }

    static final String ID = "0f8fad5b-d9cb-469f-a165-70867728950e";

    /** Records one step from valid, each sent once besides the random ones. */
    static final List<String> EDGES = List.of(
            "{\"id\":\"" + ID + "\",\"program\":\"cases\",\"type\":\"training\",\"office\":\"PNH\",\"date\":\"2015-01-01\","
                    + "\"participants\":[{\"group\":\"student\",\"sex\":\"F\",\"count\":-1}]}",
            "{\"id\":\"" + ID + "\",\"program\":\"cases\",\"type\":\"training\",\"office\":\"PNH\",\"date\":\"2015-01-01\","
                    + "\"participants\":[{\"group\":\"student\",\"sex\":\"F\",\"count\":0}]}",
            "{\"id\":\"" + ID + "\",\"program\":\"cases\",\"type\":\"training\",\"office\":\"PNH\",\"date\":\"2015-01-01\","
                    + "\"participants\":[{\"group\":\"student\",\"sex\":\"F\",\"count\":3000000000}]}",
            "{\"id\":\"" + ID + "\",\"program\":\"cases\",\"type\":\"training\",\"office\":\"PNH\",\"date\":\"2015-01-01\","
                    + "\"participants\":[]}",
            "{\"id\":\"" + ID + "\",\"program\":\"cases\",\"type\":\"meeting\",\"office\":\"PNH\",\"date\":\"2015-01-01\","
                    + "\"participants\":[]}",
            "{\"id\":\"" + ID + "\",\"program\":\"cases\",\"type\":\"counselling\",\"office\":\"PNH\",\"date\":\"2015-01-01\","
                    + "\"subject\":{\"ref\":\"a\",\"role\":\"family\",\"sex\":\"X\",\"age\":120}}",
            "{\"id\":\"" + ID + "\",\"program\":\"cases\",\"type\":\"counselling\",\"office\":\"PNH\",\"date\":\"2015-01-01\","
                    + "\"subject\":{\"ref\":\"a\",\"role\":\"family\",\"sex\":\"X\",\"age\":121}}",
            "{\"id\":\"" + ID + "\",\"program\":\"cases\",\"type\":\"counselling\",\"office\":\"PNH\",\"date\":\"2015-01-01\","
                    + "\"subject\":{\"role\":\"family\",\"sex\":\"X\",\"age\":-1}}",
            "{\"id\":\"" + ID + "\",\"program\":\"cases\",\"type\":\"intake\",\"office\":\"PNH\",\"date\":\"2015-01-01\","
                    + "\"count\":0,\"attributes\":{\"channel\":\"email\",\"calls\":6}}",
            "{\"id\":\"" + ID + "\",\"program\":\"cases\",\"type\":\"intake\",\"office\":\"PNH\",\"date\":\"2015-01-01\","
                    + "\"attributes\":{\"channel\":\"email\",\"calls\":-1,\"note\":\"PNH-C-0042\"}}",
            "{\"id\":\"" + ID + "\",\"program\":\"cases\",\"type\":\"intake\",\"office\":\"PNH\",\"date\":\"2015-01-01\","
                    + "\"attributes\":{\"channel\":\"email\",\"note\":\"PNH-C-9999\",\"urgent\":null,\"reported_on\":\"2015-02-29\"}}");

    static String line(Random r) {
        mode = r.nextInt(5) < 2 ? 0 : r.nextInt(3) < 2 ? 1 : 2;
        chances = 0;
        target = 1 + r.nextInt(30);
        List<String[]> members = new ArrayList<>();
        int program = !rare(r, 5) || r.nextInt(10) < 8 ? 0 : r.nextInt(PROGRAMS.length);
        String type = rare(r, 3) ? pick(r, TYPES, true) : pick(r, new String[] {"intake", "counselling", "meeting", "training"}, true);
        if (program == 1 && r.nextBoolean()) {
            type = "visit";
        }
        members.add(new String[] {"id", rare(r, 30) ? odd(r) : q(r.nextInt(10) == 0 ? ID.toUpperCase() : r.nextInt(3) == 0 ? ID
                : UUID.randomUUID().toString())});
        members.add(new String[] {"program", rare(r, 30) ? odd(r) : q(PROGRAMS[program])});
        members.add(new String[] {"type", rare(r, 30) ? odd(r) : q(type)});
        if (r.nextInt(8) != 0) {
            members.add(new String[] {"office", rare(r, 30) ? odd(r) : q(rare(r, 4) ? pick(r, OFFICES, true) : r.nextBoolean() ? "PNH" : "SRP")});
        }
        members.add(new String[] {"date", rare(r, 30) ? odd(r) : q(date(r))});
        if (r.nextInt(6) != 0) {
            members.add(new String[] {"subject", rare(r, 25) ? odd(r) : subject(r)});
        }
        if (r.nextInt(3) == 0) {
            members.add(new String[] {"count", rare(r, 4) ? odd(r) : !rare(r, 2) ? String.valueOf(1 + r.nextInt(5)) : pick(r, new String[] {"0", "-1", "1", "2147483647", "2147483648"}, true)});
        }
        if (r.nextInt(4) != 0) {
            members.add(new String[] {"attributes", rare(r, 25) ? odd(r) : attributes(r)});
        }
        if (type.equals("training") ? r.nextInt(4) != 0 : rare(r, 5)) {
            members.add(new String[] {"participants", rare(r, 10) ? odd(r) : participants(r)});
        }
        if (rare(r, 25)) {
            members.add(new String[] {r.nextBoolean() ? "case" : "PNH-C-0042", q("PNH-C-0042")});
        }
        if (rare(r, 25)) {
            members.add(members.get(r.nextInt(members.size())).clone());
        }
        if (r.nextInt(6) == 0) {
            Collections.shuffle(members, r);
        }
        String text = object(r, members);
        return switch (!rare(r, 8) ? 5 : r.nextInt(5)) {
            case 0 -> text.substring(0, 1 + r.nextInt(text.length() - 1));
            case 1 -> text + " x";
            case 2 -> text + " {}";
            case 3 -> "[" + text + "]";
            case 4 -> "  " + text + "\t ";
            default -> text;
        };
    }

    static String subject(Random r) {
        List<String[]> members = new ArrayList<>();
        if (r.nextInt(5) != 0) {
            String ref = switch (r.nextInt(12)) {
                case 0 -> "null";
                case 1 -> q("  ");
                case 2 -> String.valueOf(r.nextInt(100));
                case 3 -> q(pick(r, CODES));
                default -> q("ref-" + r.nextInt(50));
            };
            members.add(new String[] {"ref", ref});
        }
        if (r.nextInt(12) != 0) {
            members.add(new String[] {"role", rare(r, 20) ? odd(r) : q(r.nextInt(3) == 0 ? pick(r, ROLES) : "victim")});
        }
        if (r.nextInt(12) != 0) {
            members.add(new String[] {"sex", rare(r, 20) ? odd(r) : q(r.nextInt(3) == 0 ? pick(r, SEXES) : "F")});
        }
        if (r.nextInt(3) == 0) {
            members.add(new String[] {"age", rare(r, 6) ? odd(r) : !rare(r, 2) ? String.valueOf(r.nextInt(121)) : pick(r, new String[] {"-1", "121", "0", "120", "126"}, true)});
        }
        if (r.nextInt(20) == 0) {
            members.add(new String[] {"key", q(r.nextBoolean() ? UUID.randomUUID().toString() : "mine")});
        }
        if (r.nextInt(30) == 0) {
            members.add(new String[] {"name", q("Sokha")});
        }
        if (r.nextInt(30) == 0 && !members.isEmpty()) {
            members.add(members.get(0).clone());
        }
        return object(r, members);
    }

    static String attributes(Random r) {
        List<String[]> members = new ArrayList<>();
        if (r.nextInt(8) != 0) {
            members.add(new String[] {"channel", rare(r, 10) ? odd(r) : q(rare(r, 5) ? "fax" : r.nextBoolean() ? "hotline" : "email")});
        }
        if (r.nextInt(3) == 0) {
            String note = switch (!rare(r, 2) ? 5 : r.nextInt(6)) {
                case 0 -> pick(r, CODES);
                case 1 -> "see " + pick(r, CODES);
                case 2 -> "a note that is far too long";
                case 3 -> "";
                default -> "ok " + r.nextInt(100);
            };
            members.add(new String[] {"note", rare(r, 10) ? odd(r) : q(note)});
        }
        if (r.nextInt(3) == 0) {
            members.add(new String[] {"calls", rare(r, 6) ? odd(r) : !rare(r, 2) ? String.valueOf(r.nextInt(6)) : pick(r, new String[] {"-1", "6", "0", "5"}, true)});
        }
        if (r.nextInt(3) == 0) {
            members.add(new String[] {"urgent", rare(r, 6) ? odd(r) : String.valueOf(r.nextBoolean())});
        }
        if (r.nextInt(3) == 0) {
            members.add(new String[] {"reported_on", rare(r, 6) ? odd(r) : q(date(r))});
        }
        if (r.nextInt(15) == 0) {
            members.add(new String[] {r.nextBoolean() ? "colour" : "SRP/2015/7", q("blue")});
        }
        if (r.nextInt(20) == 0 && !members.isEmpty()) {
            members.add(members.get(0).clone());
        }
        if (r.nextInt(8) == 0 && !members.isEmpty()) {
            members.get(r.nextInt(members.size()))[1] = "null";
        }
        return object(r, members);
    }

    static String participants(Random r) {
        List<String> tallies = new ArrayList<>();
        for (int i = r.nextInt(4); i > 0; i--) {
            List<String[]> members = new ArrayList<>();
            if (r.nextInt(10) != 0) {
                members.add(new String[] {"group", rare(r, 8) ? odd(r) : q(rare(r, 4) ? "teacher" : "student")});
            }
            if (r.nextInt(10) != 0) {
                members.add(new String[] {"sex", rare(r, 8) ? odd(r) : q(pick(r, SEXES))});
            }
            if (r.nextInt(10) != 0) {
                members.add(new String[] {"count", rare(r, 8) ? odd(r) : !rare(r, 2) ? String.valueOf(r.nextInt(20)) : pick(r, new String[] {"-1", "0", "2147483647"}, true)});
            }
            if (r.nextInt(20) == 0) {
                members.add(new String[] {"age", "3"});
            }
            tallies.add(rare(r, 30) ? odd(r) : object(r, members));
        }
        return "[" + String.join(r.nextBoolean() ? "," : ", ", tallies) + "]";
    }

    /**
     * How a record is sent: 0 with every member as it should be, 1 with one thing wrong (the
     * target-th chance to go wrong is taken), 2 with each chance taken at its own odds.
     */
    static int mode;
    static int chances;
    static int target;

    static boolean rare(Random r, int in) {
        chances++;
        return mode == 1 ? chances == target : mode == 2 && r.nextInt(in) == 0;
    }

    /** A value of a type or size a field may not expect. */
    static String odd(Random r) {
        return switch (r.nextInt(14)) {
            case 0 -> "null";
            case 1 -> "true";
            case 2 -> "1.5";
            case 3 -> "12345678901234567890";
            case 4 -> "3000000000";
            case 5 -> "[]";
            case 6 -> "{}";
            case 7 -> q("");
            case 8 -> q(" ");
            case 9 -> "-7";
            case 10 -> "1e2";
            case 11 -> q("caf\\u00e9");
            case 12 -> "[1,{\"a\":null}]";
            default -> q("x\\\"y");
        };
    }

    static String date(Random r) {
        return switch (!rare(r, 2) ? 11 : r.nextInt(12)) {
            case 0 -> "2026-06-16";
            case 1 -> "1999-12-31";
            case 2 -> "2015-8-1";
            case 3 -> "2015-02-30";
            case 4 -> "2000-01-01";
            case 5 -> "2026-06-15";
            default -> "2015-0" + (1 + r.nextInt(9)) + "-1" + r.nextInt(10);
        };
    }

    static String object(Random r, List<String[]> members) {
        StringBuilder text = new StringBuilder("{");
        for (int i = 0; i < members.size(); i++) {
            text.append(i == 0 ? "" : r.nextInt(5) == 0 ? " , " : ",").append(q(members.get(i)[0])).append(r.nextInt(5) == 0 ? " : " : ":")
                    .append(members.get(i)[1]);
        }
        return text.append("}").toString();
    }

    static String q(String text) {
        return "\"" + text + "\"";
    }

    static String pick(Random r, String[] values, boolean any) {
        return values[r.nextInt(values.length)];
    }

    static String pick(Random r, String[] values) {
        return !rare(r, 2) ? values[0] : values[r.nextInt(values.length)];
    }
}
