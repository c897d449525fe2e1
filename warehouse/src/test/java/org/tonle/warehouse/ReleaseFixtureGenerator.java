package org.tonle.warehouse;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the release fixture with the code it is compiled with, into {@code -Dtonle.fixture.out};
 * runs only when that is set. How the fixture in the test resources was made, from the tree of
 * the release it stands for: release-fixture/README.md. A fixture is regenerated only to add one
 * of a new release, never to make a failing comparison pass.
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
