package org.tonle.warehouse;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the release fixture with the code of this checkout; runs only when asked:
 * {@code mvn -B -pl warehouse -am test -Dtest=ReleaseFixtureGenerator -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtonle.fixture.out=$PWD/warehouse/src/test/resources/org/tonle/warehouse/release-fixture}
 * (see the README in that folder). A fixture stands for the release that wrote it, so it is
 * regenerated only to add a fixture of a new release, never to make a failing comparison pass.
 */
class ReleaseFixtureGenerator {

    @Test
    @EnabledIfSystemProperty(named = "tonle.fixture.out", matches = ".+")
    void generate() throws Exception {
        Path out = Path.of(System.getProperty("tonle.fixture.out"));
        // Surefire runs in the module folder; the demo data and bundles are beside it.
        ReleaseFixture.generate(Path.of("").toAbsolutePath().getParent(), out);
    }
}
