package org.tonle.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TargetsTest {

    @TempDir
    Path config;

    private Targets write(String yaml) throws Exception {
        Files.writeString(config.resolve("targets.yaml"), yaml);
        return Targets.load(config);
    }

    @Test
    void aPeriodHasItsOwnTargetOrElseItsQuartersOrYears() throws Exception {
        Targets targets = write("""
                targets:
                  social.clients_met:
                    2015: {target: 1800, baseline: 1500}
                    2015-Q3: {target: 450}
                    2015-08: {target: 150}
                """);
        assertThat(targets.of("social.clients_met", "2015-08", null)).contains(new Targets.Target("2015-08", null, 150.0, null));
        assertThat(targets.of("social.clients_met", "2015-07", null)).isEmpty();
        assertThat(targets.ofOrAround("social.clients_met", "2015-07", null).orElseThrow().period()).isEqualTo("2015-Q3");
        assertThat(targets.ofOrAround("social.clients_met", "2015-02", null).orElseThrow().period()).isEqualTo("2015");
        assertThat(targets.ofOrAround("social.clients_met", "2015-Q1", null).orElseThrow().period()).isEqualTo("2015");
        assertThat(targets.ofOrAround("social.clients_met", "2016", null)).isEmpty();
        assertThat(targets.ofOrAround("legal.court_represented", "2015", null)).isEmpty();
    }

    @Test
    void officesHaveTheirOwnTargetsAndTheOrganisationsIsTheirSumUnlessWritten() throws Exception {
        Targets targets = write("""
                targets:
                  social.clients_met:
                    2015: {offices: {PNH: {target: 1000, baseline: 900}, SHV: {target: 400}}}
                    2016: {target: 2000, offices: {PNH: {target: 1200}}}
                """);
        assertThat(targets.of("social.clients_met", "2015", null)).contains(new Targets.Target("2015", null, 1400.0, 900.0));
        assertThat(targets.of("social.clients_met", "2016", null)).contains(new Targets.Target("2016", null, 2000.0, null));
        assertThat(targets.of("social.clients_met", "2015", "PNH")).contains(new Targets.Target("2015", "PNH", 1000.0, 900.0));
        assertThat(targets.of("social.clients_met", "2015", "SRP")).isEmpty();
        assertThat(targets.ofOrAround("social.clients_met", "2015-08", "SHV").orElseThrow().target()).isEqualTo(400.0);
    }

    @Test
    void mistakesAreNamedWithTheirIndicatorAndPeriod() throws Exception {
        assertThatThrownBy(() -> write("""
                targets:
                  social.clients_met:
                    2015-13: {target: 1}
                    2015-Q5: {target: 1}
                    2015: {target: -1, offices: {PNH: {baseline: -2}}}
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'2015-13' is not a year")
                .hasMessageContaining("'2015-Q5' is not a year")
                .hasMessageContaining("social.clients_met 2015: target must be a number of at least 0")
                .hasMessageContaining("social.clients_met 2015 office PNH: baseline must be a number of at least 0");
        assertThatThrownBy(() -> write("""
                targets:
                  social.clients_met:
                    2015: {goal: 1}
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("goal");
    }

    @Test
    void theRepositorysOwnTargetsRead() {
        Targets targets = Targets.load(Path.of("").toAbsolutePath().getParent().resolve("config"));
        assertThat(targets.of("social.clients_met", "2015", null).orElseThrow().target()).isEqualTo(1800.0);
        assertThat(targets.of("social.clients_met", "2015-08", "PNH").orElseThrow().target()).isEqualTo(85.0);
    }
}
