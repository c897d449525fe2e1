package org.tonle.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** Which programmes each office runs, read from the repository's own config/. */
class TonleConfigTest {

    static final TonleConfig CONFIG = TonleConfig.load(Path.of("").toAbsolutePath().getParent().resolve("config"));

    @Test
    void eachOfficeRunsTheProgrammesItsDeploymentNames() {
        assertThat(CONFIG.deployments().get("SRP")).containsExactly("legal", "social", "investigation");
        assertThat(CONFIG.officesRunning("awareness")).containsExactly("PNH", "SHV");
        assertThat(CONFIG.officesRunning("legal")).containsExactly("PNH", "SRP", "SHV");
        assertThat(CONFIG.officesRunning("shelter")).isEmpty();
    }

    @Test
    void forOfficeNarrowsOfficesAndDeploymentsToThatOffice() {
        TonleConfig siemReap = CONFIG.forOffice("SRP");
        assertThat(siemReap.offices()).extracting(Office::code).containsExactly("SRP");
        assertThat(siemReap.deployments()).containsOnlyKeys("SRP");
        assertThat(siemReap.officesRunning("awareness")).isEmpty();
        assertThat(siemReap.officesRunning("social")).containsExactly("SRP");
        assertThat(siemReap.principals()).isEqualTo(CONFIG.principals());
    }

    @Test
    void anUnknownOfficeIsRefusedWithTheKnownOnes() {
        assertThatThrownBy(() -> CONFIG.forOffice("KEP")).isInstanceOf(ConfigException.class)
                .hasMessage("--office KEP is not configured in offices.yaml (known: [PNH, SRP, SHV])");
    }

    @Test
    void theWarehouseFoldsItsLogAtTheConfiguredSizeOr256MB() {
        assertThat(CONFIG.settings().warehouse().checkpointWal()).isEqualTo("256MB");
        assertThat(Settings.defaults().warehouse().checkpointWal()).isEqualTo("256MB");
        assertThat(new Settings.Warehouse(" ").checkpointWal()).isEqualTo("256MB");
        assertThat(new Settings.Warehouse("1GB").checkpointWal()).isEqualTo("1GB");
    }

    @Test
    void theServerHasMoreRequestThreadsThanCoresByDefault() {
        assertThat(CONFIG.settings().http().workers()).isEqualTo(32);
        assertThat(Settings.defaults().http().workers()).isEqualTo(32);
        assertThat(new Settings.Http(0).workers()).isEqualTo(32);
        assertThat(new Settings.Http(8).workers()).isEqualTo(8);
    }
}
