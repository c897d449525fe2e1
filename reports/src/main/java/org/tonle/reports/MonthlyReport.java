package org.tonle.reports;

import java.util.List;

/**
 * The monthly "Achievement Highlights" report as data, ready for the templates: one section per
 * programme the reader may see, with the public highlights, the conclusion sentence and a
 * chart of the programme's headline indicator over the last twelve months. Every word is already
 * in the report's language ({@link ReportText}); the templates only lay it out.
 *
 * @param month         the period: {@code 2015-08}, {@code 2015-Q3} or {@code 2015}
 * @param monthName     the period's name: {@code August 2015}, {@code Q3 2015}, {@code 2015}
 * @param generated     the date the report was generated (ISO)
 * @param language      the language tag ({@code en}, {@code km})
 * @param generatedLine the sentence saying when and from what the report was generated
 * @param empty         what the report says when the reader may see no programme
 */
public record MonthlyReport(String title, String month, String monthName, String generated, List<Section> sections,
                            String language, String generatedLine, String empty) {

    public MonthlyReport {
        sections = List.copyOf(sections);
    }

    /**
     * One programme's part of the report; {@code conclusion} is the whole sentence ("In
     * conclusion, ..."); {@code challenges} and {@code plans} are the highlights of those kinds,
     * each list with its heading ({@code null} when empty); {@code targets} one line per
     * indicator with a target of its own for the report's period.
     */
    public record Section(String id, String name, List<String> highlights, String conclusion, Chart chart,
                          Titled challenges, Titled plans, Titled targets) {

        public Section {
            highlights = List.copyOf(highlights);
        }
    }

    /** A heading and its paragraphs. */
    public record Titled(String title, List<String> lines) {

        public Titled {
            lines = List.copyOf(lines);
        }

        /** The list, or {@code null} when it has no line (templates show nothing). */
        static Titled of(String title, List<String> lines) {
            return lines.isEmpty() ? null : new Titled(title, lines);
        }
    }
}
