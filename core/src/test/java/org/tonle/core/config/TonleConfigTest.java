package org.tonle.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void scheduledBackupsAreOffByDefaultAndTheirIntervalReadsAsPeopleWriteIt() {
        assertThat(CONFIG.settings().backup().folder()).isEmpty();
        assertThat(CONFIG.settings().backup().keep()).isEqualTo(14);
        assertThat(CONFIG.settings().backup().interval()).isEqualTo(Duration.ofHours(24));
        assertThat(new Settings.Backup("b", "30m", 0, null).interval()).isEqualTo(Duration.ofMinutes(30));
        assertThat(new Settings.Backup("b", "PT6H", 0, null).interval()).isEqualTo(Duration.ofHours(6));
        assertThat(new Settings.Backup("b", "2d", 0, null).interval()).isEqualTo(Duration.ofDays(2));
        assertThatThrownBy(() -> new Settings.Backup("b", "daily", 0, null).interval()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("backup.every: 'daily'");
    }

    @Test
    void deploymentsReloadedKeepPrincipalsAndSettingsAndABrokenFileSaysWhich(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config");
        Files.createDirectories(config.resolve("deployments"));
        for (String file : new String[] {"offices.yaml", "access.yaml", "tonle.yaml", "deployments/PNH.yaml", "deployments/SRP.yaml",
                "deployments/SHV.yaml"}) {
            Files.copy(CONFIG.directory().resolve(file), config.resolve(file));
        }
        TonleConfig loaded = TonleConfig.load(config);
        Files.writeString(config.resolve("deployments/SRP.yaml"), "programs: [legal]\n");
        TonleConfig reloaded = loaded.withDeploymentsReloaded();
        assertThat(reloaded.deployments().get("SRP")).containsExactly("legal");
        assertThat(reloaded.principals()).isEqualTo(loaded.principals());
        assertThat(reloaded.settings()).isEqualTo(loaded.settings());
        Files.writeString(config.resolve("offices.yaml"), "offices:\n  - code: PNH\n    nam: Phnom Penh\n");
        assertThatThrownBy(loaded::withDeploymentsReloaded).isInstanceOf(ConfigException.class).hasMessageContaining("offices.yaml");
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
    void theNodesWarehouseRunsOnOneDuckDbThreadUnlessConfiguredAndAnalystsKeepSqlThreads() {
        assertThat(CONFIG.settings().warehouse().threads()).isEqualTo(1);
        assertThat(CONFIG.settings().sql().threads()).isZero();
        assertThat(Settings.defaults().warehouse().threads()).isEqualTo(1);
        assertThat(new Settings.Warehouse(null, null, 0).threads()).isZero();
        assertThat(new Settings.Warehouse(null, null, 4).threads()).isEqualTo(4);
        assertThat(new Settings.Warehouse(null, null, -2).threads()).isZero();
    }

    @Test
    void theServerHasMoreRequestThreadsThanCoresByDefault() {
        assertThat(CONFIG.settings().http().workers()).isEqualTo(32);
        assertThat(Settings.defaults().http().workers()).isEqualTo(32);
        assertThat(new Settings.Http(0).workers()).isEqualTo(32);
        assertThat(new Settings.Http(8).workers()).isEqualTo(8);
    }

    @Test
    void analystAnswersHoldEveryCommitUnlessASnapshotAgeIsConfigured(@TempDir Path dir) throws Exception {
        assertThat(CONFIG.settings().sql().snapshotMaxAge()).isEqualTo(Duration.ZERO);
        assertThat(Settings.defaults().sql().snapshotMaxAge()).isEqualTo(Duration.ZERO);
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Path repository = Path.of("").toAbsolutePath().getParent().resolve("config");
        try (Stream<Path> files = Files.list(repository)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, config.resolve(file.getFileName()));
            }
        }
        Path yaml = config.resolve("tonle.yaml");
        Files.writeString(yaml, Files.readString(yaml).replace("snapshot_max_age_seconds: 0", "snapshot_max_age_seconds: 90"));
        assertThat(TonleConfig.load(config).settings().sql().snapshotMaxAge()).isEqualTo(Duration.ofSeconds(90));
    }
}
