package org.tonle.host.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.tonle.core.Json;

/**
 * Writes the demo dataset: August 2015 exactly as the seed report tells it (DESIGN.md section
 * 7), after eleven months of lighter history so that charts and year figures have something
 * to show. Deterministic: the same run always writes the same file, ids included, so loading
 * it twice changes nothing.
 *
 * <p>Run {@code bin/generate-demo-data} to rewrite {@code config/demo/demo-2015.ndjson}.
 * Refs are made-up case codes; no child's name appears anywhere, highlights included.
 */
public final class DemoData {

    public static final YearMonth SEED_MONTH = YearMonth.of(2015, 8);
    private static final ObjectMapper JSON = Json.MAPPER;
    private static final String[] OFFICES = {"PNH", "SRP", "SHV"};

    private final List<Map<String, Object>> records = new ArrayList<>();
    private final Random random = new Random(20150831L);
    private int sequence;

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "config/demo/demo-2015.ndjson");
        Files.createDirectories(out.toAbsolutePath().getParent());
        try (PrintStream print = new PrintStream(Files.newOutputStream(out), false, StandardCharsets.UTF_8)) {
            for (String line : new DemoData().generate()) {
                print.println(line);
            }
        }
        System.out.println("wrote " + out);
    }

    public List<String> generate() {
        for (YearMonth month = SEED_MONTH.minusMonths(11); month.isBefore(SEED_MONTH); month = month.plusMonths(1)) {
            history(month);
        }
        seedMonth();
        List<String> lines = new ArrayList<>();
        for (Map<String, Object> record : records) {
            try {
                lines.add(JSON.writeValueAsString(record));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return lines;
    }

    /** August 2015: every figure of the seed report. */
    private void seedMonth() {
        YearMonth m = SEED_MONTH;
        // Legal: 27 victims and family members counselled (18 victims, 9 family), 1 witness;
        // 9 of them represented at court. People come back, so there are more sessions than people.
        int[] legalOffices = {15, 6, 6};
        int person = 0;
        for (int o = 0; o < OFFICES.length; o++) {
            for (int i = 0; i < legalOffices[o]; i++, person++) {
                String ref = OFFICES[o] + "-L-" + String.format("%04d", 100 + person);
                String role = person % 3 == 2 ? "family" : "victim";
                String sex = person % 5 < 3 ? "F" : "M";
                int age = role.equals("victim") ? 8 + person % 10 : 30 + person % 20;
                int sessions = 1 + person % 3;
                for (int s = 0; s < sessions; s++) {
                    subjectRecord("legal", "counselling", OFFICES[o], day(m), ref, role, sex, age,
                            Map.of("setting", pick("office", "court", "shelter", "phone")));
                }
                if (person % 3 == 0) {
                    for (int h = 0; h < 1 + person % 2; h++) {
                        subjectRecord("legal", "court_representation", OFFICES[o], day(m), ref, role, sex, age,
                                Map.of("hearing", pick("investigation", "trial", "verdict")));
                    }
                }
            }
        }
        subjectRecord("legal", "counselling", "SHV", day(m), "SHV-W-0001", "witness", "F", 35, Map.of("setting", "court"));

        // Social: 146 distinct clients (82 F, 64 M) over several contacts; 2 victims examined.
        int[] socialOffices = {80, 36, 30};
        int client = 0;
        for (int o = 0; o < OFFICES.length; o++) {
            for (int i = 0; i < socialOffices[o]; i++, client++) {
                String ref = OFFICES[o] + "-C-" + String.format("%04d", client);
                String sex = client < 82 ? "F" : "M";
                String role = client % 4 == 0 ? "victim" : client % 4 == 1 ? "family" : "client";
                int age = role.equals("family") ? 25 + client % 30 : 6 + client % 12;
                int contacts = 1 + client % 4;
                for (int c = 0; c < contacts; c++) {
                    subjectRecord("social", "client_contact", OFFICES[o], day(m), ref, role, sex, age,
                            Map.of("setting", pick("office", "shelter", "home", "community"),
                                    "service", pick("counselling", "follow_up", "referral", "reintegration")));
                }
            }
        }
        subjectRecord("social", "medical_exam", "PNH", day(m), "PNH-C-0000", "victim", "F", 6, Map.of());
        subjectRecord("social", "medical_exam", "SRP", day(m), "SRP-C-0080", "victim", "F", 14, Map.of());

        // Investigation: 14 stakeholder meetings; 27 cases through hotline, email and staff.
        int[] meetings = {6, 4, 4};
        for (int o = 0; o < OFFICES.length; o++) {
            for (int i = 0; i < meetings[o]; i++) {
                plainRecord("investigation", "stakeholder_meeting", OFFICES[o], day(m),
                        Map.of("stakeholder", pick("police", "government", "ngo", "court")));
            }
        }
        String[] channels = new String[27];
        for (int i = 0; i < 27; i++) {
            channels[i] = i < 15 ? "hotline" : i < 20 ? "email" : "staff";
        }
        for (int i = 0; i < 27; i++) {
            String office = OFFICES[i % 3];
            Map<String, Object> attributes = Map.of("channel", channels[i], "online", channels[i].equals("hotline"));
            if (channels[i].equals("staff")) {
                subjectRecord("investigation", "case_intake", office, day(m), office + "-I-" + String.format("%04d", i),
                        "victim", i % 2 == 0 ? "F" : "M", 9 + i % 8, attributes);
            } else {
                // Anonymous reports: the hotline and email never ask who is calling.
                anonymousRecord("investigation", "case_intake", office, day(m), "reporter", "U", attributes);
            }
        }

        // Awareness: three trainings for 80 participants in Phnom Penh and Preah Sihanouk.
        training(m, "PNH", List.of(tally("taxi_driver", "M", 12), tally("hotel_staff", "F", 8), tally("hotel_staff", "M", 5),
                tally("cook", "F", 4), tally("tour_guide", "M", 3)));
        training(m, "PNH", List.of(tally("student", "F", 9), tally("student", "M", 7), tally("university_student", "F", 6),
                tally("university_student", "M", 4)));
        training(m, "SHV", List.of(tally("villager", "F", 8), tally("villager", "M", 6), tally("ngo_staff", "F", 3),
                tally("local_authority", "M", 5)));

        highlights(m);
    }

    /** Public highlights of the month, rewritten from the seed so that no child is named. */
    private void highlights(YearMonth m) {
        highlight("legal", "PNH", m, "The legal department developed a questionnaire to interview victims and their"
                + " families about their knowledge and feelings while taking part in the court process, to improve the"
                + " support we give our clients.", true);
        highlight("legal", "SHV", m, "Sihanouk provincial court used the privacy screen donated by APLE during a trial."
                + " The girl victim was less afraid of seeing the perpetrator's face: a good child-friendly procedure.", true);
        highlight("social", "PNH", m, "The social work department followed up with a 16-year-old girl, one of seven"
                + " girls rescued by the Anti-Human Trafficking and Juvenile Protection Unit before a forced marriage abroad."
                + " She received counselling, health care, education and life skills training, and attends vocational"
                + " training as a tailor.", true);
        highlight("social", "SRP", m, "Meeting to discuss revictimization and vulnerable children in Siem Reap province"
                + " with the Department of Social Affairs, Veteran and Youth Rehabilitation.", true);
        highlight("investigation", "PNH", m, "APLE runs an internet hotline where anyone can anonymously report online"
                + " sexual crimes against children, and reaches out to teens about the dangers of sexting.", true);
        highlight("investigation", "SHV", m, "Meeting with the Sihanouk Provincial Committee of Consultation on Women and"
                + " Children Affairs and NGO partners to discuss solutions to some challenges.", true);
        highlight("awareness", "PNH", m, "The trainings focused on child sexual abuse and exploitation, grooming techniques"
                + " by offenders and how to report incidents to the relevant authorities.", true);
        highlight("social", "PNH", m, "Internal: case conference notes are kept in the case file, not here.", false);
    }

    /** A quieter month before August: a few people per programme, some of whom come back in later months. */
    private void history(YearMonth m) {
        for (int i = 0; i < 8 + random.nextInt(8); i++) {
            String office = OFFICES[random.nextInt(3)];
            String role = pick("victim", "family");
            subjectRecord("legal", "counselling", office, day(m), office + "-L-" + String.format("%04d", random.nextInt(60)),
                    role, pick("F", "M"), role.equals("victim") ? 8 + random.nextInt(10) : 30 + random.nextInt(20),
                    Map.of("setting", pick("office", "court", "shelter", "phone")));
        }
        for (int i = 0; i < 40 + random.nextInt(40); i++) {
            String office = OFFICES[random.nextInt(3)];
            subjectRecord("social", "client_contact", office, day(m), office + "-C-" + String.format("%04d", random.nextInt(200)),
                    pick("client", "victim", "family"), pick("F", "F", "M"), 6 + random.nextInt(12),
                    Map.of("setting", pick("office", "shelter", "home"), "service", pick("counselling", "follow_up")));
        }
        for (int i = 0; i < 6 + random.nextInt(8); i++) {
            plainRecord("investigation", "stakeholder_meeting", OFFICES[random.nextInt(3)], day(m),
                    Map.of("stakeholder", pick("police", "government", "ngo")));
        }
        for (int i = 0; i < 10 + random.nextInt(15); i++) {
            anonymousRecord("investigation", "case_intake", OFFICES[random.nextInt(3)], day(m), "reporter", "U",
                    Map.of("channel", pick("hotline", "hotline", "email", "staff", "web")));
        }
        if (random.nextBoolean()) {
            training(m, pick("PNH", "SHV"), List.of(tally("student", "F", 5 + random.nextInt(15)),
                    tally("student", "M", 5 + random.nextInt(15)), tally("villager", pick("F", "M"), random.nextInt(10))));
        }
    }

    private void training(YearMonth m, String office, List<Map<String, Object>> tallies) {
        Map<String, Object> r = base("awareness", "training", office, day(m));
        r.put("attributes", Map.of("topic", pick("abuse_and_exploitation", "grooming", "reporting")));
        r.put("participants", tallies);
        records.add(r);
    }

    private void highlight(String program, String office, YearMonth m, String text, boolean isPublic) {
        Map<String, Object> r = base(program, "highlight", office, m.atEndOfMonth());
        r.put("attributes", Map.of("text", text, "public", isPublic));
        records.add(r);
    }

    private void subjectRecord(String program, String type, String office, LocalDate date, String ref, String role,
                               String sex, int age, Map<String, Object> attributes) {
        Map<String, Object> r = base(program, type, office, date);
        Map<String, Object> subject = new LinkedHashMap<>();
        subject.put("ref", ref);
        subject.put("role", role);
        subject.put("sex", sex);
        subject.put("age", age);
        r.put("subject", subject);
        if (!attributes.isEmpty()) {
            r.put("attributes", attributes);
        }
        records.add(r);
    }

    private void anonymousRecord(String program, String type, String office, LocalDate date, String role, String sex,
                                 Map<String, Object> attributes) {
        Map<String, Object> r = base(program, type, office, date);
        r.put("subject", Map.of("role", role, "sex", sex));
        r.put("attributes", attributes);
        records.add(r);
    }

    private void plainRecord(String program, String type, String office, LocalDate date, Map<String, Object> attributes) {
        Map<String, Object> r = base(program, type, office, date);
        r.put("attributes", attributes);
        records.add(r);
    }

    private Map<String, Object> base(String program, String type, String office, LocalDate date) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", UUID.nameUUIDFromBytes(("tonle-demo-" + sequence++).getBytes(StandardCharsets.UTF_8)).toString());
        r.put("program", program);
        r.put("type", type);
        r.put("office", office);
        r.put("date", date.toString());
        return r;
    }

    private static Map<String, Object> tally(String group, String sex, int count) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("group", group);
        t.put("sex", sex);
        t.put("count", count);
        return t;
    }

    private LocalDate day(YearMonth m) {
        return m.atDay(1 + random.nextInt(m.lengthOfMonth()));
    }

    @SafeVarargs
    private <T> T pick(T... choices) {
        return choices[random.nextInt(choices.length)];
    }
}
