package org.tonle.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.tonle.reports.ConclusionTemplate.Figure;

class ChartTest {

    @Test
    void barsStackBySexAndLeaveEmptyCategoriesOutOfTheLegend() {
        List<Chart.Month> months = List.of(
                new Chart.Month("2015-07", "Jul 15", new Figure("", 10L, false), Map.of(
                        "F", new Figure("F", 6L, false), "M", new Figure("M", 4L, false), "U", new Figure("U", 0L, false))),
                new Chart.Month("2015-08", "Aug 15", new Figure("", 146L, false), Map.of(
                        "F", new Figure("F", 82L, false), "M", new Figure("M", 64L, false), "U", new Figure("U", 0L, false))));
        Chart chart = Chart.of("social.clients_met", "Clients met", "persons", List.of("F", "M", "U"), months);
        assertThat(chart.series()).extracting(Chart.Series::label).containsExactly("F (female)", "M (male)");
        assertThat(chart.months()).hasSize(2);
        assertThat(chart.months().get(1).segments()).hasSize(2);
        assertThat(chart.months().get(1).total()).isEqualTo("146");
        assertThat(chart.ticks().get(4).label()).isEqualTo("200");
        assertThat(chart.withheld()).isFalse();
        // The taller month reaches 146/200 of the plot height.
        double height = chart.months().get(1).segments().stream().mapToDouble(s -> Double.parseDouble(s.height())).sum();
        assertThat(height).isCloseTo(178 * 146 / 200.0, Offset.offset(0.2));
        assertThat(chart.table().get(1)).containsExactly("2015-08", "82", "64", "146");
    }

    @Test
    void withheldCellsAreMarkedNotDrawn() {
        List<Chart.Month> months = List.of(new Chart.Month("2015-08", "Aug 15", new Figure("", 9L, false), Map.of(
                "F", new Figure("F", 7L, false), "M", new Figure("M", null, true))));
        Chart chart = Chart.of("x", "X", "persons", List.of("F", "M"), months);
        assertThat(chart.withheld()).isTrue();
        assertThat(chart.months().get(0).segments()).hasSize(1);
        assertThat(chart.months().get(0).total()).isEqualTo("9*");
        assertThat(chart.table().get(0)).containsExactly("2015-08", "7", "withheld", "9");
    }

    @Test
    void niceCeilings() {
        assertThat(Chart.niceCeiling(0)).isEqualTo(4);
        assertThat(Chart.niceCeiling(3)).isEqualTo(4);
        assertThat(Chart.niceCeiling(14)).isEqualTo(20);
        assertThat(Chart.niceCeiling(27)).isEqualTo(40);
        assertThat(Chart.niceCeiling(80)).isEqualTo(80);
        assertThat(Chart.niceCeiling(100)).isEqualTo(100);
        assertThat(Chart.niceCeiling(146)).isEqualTo(200);
    }
}
