package org.tonle.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.tonle.reports.ConclusionTemplate.Figure;

class ConclusionTemplateTest {

    /** Figures from maps: totals by code, breakdowns by "code/dimension". */
    record Fixed(Map<String, Figure> totals, Map<String, List<Figure>> breakdowns) implements ConclusionTemplate.Figures {
        @Override
        public Figure total(String code) {
            return totals.get(code);
        }

        @Override
        public List<Figure> breakdown(String code, String dimension) {
            return breakdowns.get(code + "/" + dimension);
        }
    }

    static Figure total(long value) {
        return new Figure("", value, false);
    }

    @Test
    void singularAndPluralFollowTheValue() {
        String template = "{a} {witness|witnesses:a} and {b} {witness|witnesses:b} and {c} {victim|victims:c}.";
        Fixed figures = new Fixed(Map.of("a", total(1), "b", total(2), "c", total(0)), Map.of());
        assertThat(ConclusionTemplate.render(template, figures)).isEqualTo("1 witness and 2 witnesses and 0 victims.");
    }

    @Test
    void wordsSpellZeroToTenAndDigitsAbove() {
        Fixed figures = new Fixed(Map.of("t", total(3), "z", total(0), "ten", total(10), "big", total(11)), Map.of());
        assertThat(ConclusionTemplate.render("{t:words}, {z:words}, {ten:words}, {big:words}", figures))
                .isEqualTo("three, zero, ten, 11");
    }

    @Test
    void breakdownsLeaveZeroCategoriesOut() {
        Fixed figures = new Fixed(Map.of("c", total(146)), Map.of("c/sex", List.of(new Figure("F", 82L, false),
                new Figure("M", 64L, false), new Figure("X", 0L, false), new Figure("U", 0L, false))));
        assertThat(ConclusionTemplate.render("met with {c} {client|clients:c} ({c:sex}).", figures))
                .isEqualTo("met with 146 clients (F: 82, M: 64).");
    }

    @Test
    void withheldFiguresAreNeverGuessed() {
        Fixed figures = new Fixed(Map.of("s", new Figure("", null, true)), Map.of("s/office", List.of(
                new Figure("PNH", 12L, false), new Figure("SRP", null, true), new Figure("SHV", null, true))));
        assertThat(ConclusionTemplate.render("{s} {person|people:s} ({s:office})", figures))
                .isEqualTo("withheld people (PNH: 12, SRP: withheld, SHV: withheld)");
    }

    @Test
    void foldedWhitespaceAndDecimalsReadNaturally() {
        Fixed figures = new Fixed(Map.of("r", new Figure("", new BigDecimal("85.50"), false), "n", new Figure("", null, false)),
                Map.of("r/sex", List.of(new Figure("F", 0L, false))));
        assertThat(ConclusionTemplate.render("  a rate of\n {r} percent,   {n} and {r:sex}. ", figures))
                .isEqualTo("a rate of 85.5 percent, n/a and none.");
    }

    @Test
    void codesAreListedOnceInOrderOfMention() {
        assertThat(ConclusionTemplate.codes("{b} {one|many:a} ({b:sex}) {a:words} {c}")).containsExactly("b", "a", "c");
    }
}
