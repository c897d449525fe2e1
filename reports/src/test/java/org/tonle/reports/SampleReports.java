package org.tonle.reports;

import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.tonle.core.i18n.Language;
import org.tonle.reports.ConclusionTemplate.Figure;

/** A monthly report built by hand (no warehouse): the legal programme's section, in either language. */
final class SampleReports {

    static final String KHMER_PROGRAMME = "កម្មវិធីគាំទ្រផ្នែកច្បាប់";
    static final String KHMER_CONCLUSION = "នាយកដ្ឋានច្បាប់បានផ្តល់ការប្រឹក្សា និងការគាំទ្រផ្នែកច្បាប់ដល់ជនរងគ្រោះ និងសមាជិកគ្រួសារ"
            + " {v} នាក់ និងសាក្សី {w} នាក់ ហើយបានតំណាងជនរងគ្រោះ និងគ្រួសារ {c} នាក់ នៅតុលាការ។";
    static final String ENGLISH_CONCLUSION = "the legal department provided legal counseling and support to {v} victims and"
            + " family members and {w} {witness|witnesses:w} and represented {c} victims and families at the courts.";

    private SampleReports() {
    }

    static MonthlyReport legal(Language language) {
        ReportText text = ReportText.of(language);
        YearMonth month = YearMonth.of(2015, 8);
        List<Chart.Month> months = new ArrayList<>();
        for (int i = 11; i >= 0; i--) {
            YearMonth m = month.minusMonths(i);
            long f = 10 + i;
            long male = 5 + i % 3;
            months.add(new Chart.Month(m.toString(), text.shortMonth(m), new Figure("", f + male, false),
                    Map.of("F", new Figure("F", f, false), "M", new Figure("M", male, false))));
        }
        boolean km = language == Language.KM;
        String name = km ? "ជនរងគ្រោះ និងសមាជិកគ្រួសារ ដែលបានទទួលការប្រឹក្សាផ្នែកច្បាប់" : "Victims and family members given legal counselling";
        Chart chart = Chart.of("legal.counselled_victims_family", name, "persons", List.of("F", "M"), months, text);
        ConclusionTemplate.Figures figures = new ConclusionTemplate.Figures() {
            @Override
            public Figure total(String code) {
                return new Figure("", switch (code) {
                    case "v" -> 27L;
                    case "w" -> 1L;
                    default -> 9L;
                }, false);
            }

            @Override
            public List<Figure> breakdown(String code, String dimension) {
                return List.of();
            }
        };
        String conclusion = text.get("report.conclusion", ConclusionTemplate.render(km ? KHMER_CONCLUSION : ENGLISH_CONCLUSION, figures, text));
        String highlight = km ? "ក្មេងស្រីអាយុ ១៦ ឆ្នាំម្នាក់ បានផ្តល់សក្ខីកម្មនៅតុលាការ ដោយមានរបាំងការពារឯកជនភាព។"
                : "A 16-year-old girl testified in court behind a privacy screen.";
        MonthlyReport.Section section = new MonthlyReport.Section("legal", km ? KHMER_PROGRAMME : "Legal Support Program",
                List.of(highlight), conclusion, chart, null, null, null);
        String monthName = text.monthName(month);
        return new MonthlyReport(text.get("report.title", monthName), month.toString(), monthName, "2015-09-01", List.of(section),
                language.tag(), text.get("report.generated", "2015-09-01"), text.get("report.empty"));
    }
}
