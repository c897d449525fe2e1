package org.tonle.reports;

import java.util.List;

/**
 * The monthly "Achievement Highlights" report as data, ready for the templates: one section per
 * programme the reader may see, with the public highlights, the conclusion sentence and a
 * chart of the programme's headline indicator over the last twelve months. Every word is already
 * in the report's language ({@link ReportText}); the templates only lay it out.
 *
 * @param month         {@code 2015-08}
 * @param monthName     {@code August 2015}
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

    /** One programme's part of the report; {@code conclusion} is the whole sentence ("In conclusion, ..."). */
    public record Section(String id, String name, List<String> highlights, String conclusion, Chart chart) {

        public Section {
            highlights = List.copyOf(highlights);
        }
    }
}
