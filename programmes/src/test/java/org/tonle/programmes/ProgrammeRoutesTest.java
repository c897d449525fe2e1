package org.tonle.programmes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a programme's route may do inside the host: the real YAML DSL loader, the host's allowlist. */
class ProgrammeRoutesTest {

    @TempDir
    Path data;
    DefaultCamelContext camel;
    ProgrammeRoutes routes;

    @BeforeEach
    void start() {
        camel = new DefaultCamelContext();
        ProgrammeRoutes.configure(camel, data);
        routes = new ProgrammeRoutes(camel, data);
    }

    @AfterEach
    void stop() {
        camel.stop();
    }

    /** The repository's root: tests run in the module's folder. */
    private static Path repository() {
        return Path.of("").toAbsolutePath().getParent();
    }

    @Test
    void theHotlineRouteIsAllowedAndNamedAfterItsProgramme() throws Exception {
        byte[] yaml = Files.readAllBytes(repository()
                .resolve("bundles/investigation/src/main/resources/TONLE-INF/routes/hotline.camel.yaml"));
        var definitions = routes.definitions("investigation", "TONLE-INF/routes/hotline.camel.yaml", yaml);
        assertThat(definitions).singleElement().satisfies(d -> assertThat(d.getRouteId()).isEqualTo("investigation.hotline-intake"));
    }

    @Test
    void noRouteReachesTheSecretsFolderEvenWhenItLiesUnderIntakeOrIsLinkedThere() throws Exception {
        // A secrets folder put (badly) under the intake folder is still out of reach.
        ProgrammeRoutes inside = new ProgrammeRoutes(camel, data, data.resolve("intake/keys"));
        String yaml = "- route:\n    from:\n      uri: \"file:{{tonle.data}}/intake/keys\"\n      steps:\n        - to: \"direct:tonle-intake\"\n";
        assertThatThrownBy(() -> inside.definitions("shelter", "TONLE-INF/routes/r.camel.yaml", yaml.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProgrammeRoutes.RouteRefused.class).hasMessageContaining("reaches the node's secrets folder");

        // A folder under intake that is a symbolic link to the secrets folder.
        Files.createDirectories(data.resolve("secrets"));
        Files.createDirectories(data.resolve("intake"));
        Files.createSymbolicLink(data.resolve("intake/linked"), data.resolve("secrets"));
        String linked = yaml.replace("intake/keys", "intake/linked/x");
        assertThatThrownBy(() -> routes.definitions("shelter", "TONLE-INF/routes/r.camel.yaml", linked.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProgrammeRoutes.RouteRefused.class).hasMessageContaining("reaches the node's secrets folder");

        String fine = yaml.replace("intake/keys", "intake/in");
        assertThat(routes.definitions("shelter", "TONLE-INF/routes/r.camel.yaml", fine.getBytes(StandardCharsets.UTF_8))).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "another component     | file:{{tonle.data}}/intake/in | to: \"http://example.org/steal\"                | may only use direct:tonle-intake",
            "a folder outside data | file:/etc              | to: \"direct:tonle-intake\"                     | uses the endpoint 'file:/etc'",
            "the node's own files  | file:{{tonle.data}}/secrets | to: \"direct:tonle-intake\"                | uses the endpoint 'file:{{tonle.data}}/secrets'",
            "climbing out of data  | file:{{tonle.data}}/../x | to: \"direct:tonle-intake\"                   | uses the endpoint",
            "a move out of data    | file:{{tonle.data}}/intake/in?move=../../elsewhere | to: \"direct:tonle-intake\" | may not leave the folder",
            "an encoded climb out  | file:{{tonle.data}}/intake/%2E%2E/secrets | to: \"direct:tonle-intake\"        | uses the endpoint",
            "an encoded move out   | file:{{tonle.data}}/intake/in?move=%2E%2E/%2E%2E/secrets | to: \"direct:tonle-intake\" | may not leave the folder",
            "a twice-encoded move  | file:{{tonle.data}}/intake/in?move=%252E%252E/x | to: \"direct:tonle-intake\"  | may not leave the folder",
            "an encoded slash      | file:{{tonle.data}}/intake/in?move=%2Ftmp%2Fx | to: \"direct:tonle-intake\"    | may not leave the folder",
            "an encoded to-folder  | file:{{tonle.data}}/intake/in | to: \"file:{{tonle.data}}/intake/in/%2e%2e/%2e%2e/deploy\" | uses the endpoint",
            "a failed copy in clear| file:{{tonle.data}}/intake/in?moveFailed=.failed | to: \"direct:tonle-intake\"  | is not allowed; files the host cannot read are kept sealed",
            "an encoded option name| file:{{tonle.data}}/intake/in?move%46ailed=.failed | to: \"direct:tonle-intake\" | is not allowed",
            "a file expression     | file:{{tonle.data}}/intake/in?move=${bean:x} | to: \"direct:tonle-intake\"       | may not leave the folder or use expressions",
            "a host route          | file:{{tonle.data}}/intake/in | to: \"direct:ingest\"                           | may only use direct:tonle-intake",
            "a bean                | file:{{tonle.data}}/intake/in | bean: {beanType: Runtime, method: exit} | uses the step 'bean'",
            "a log of the body     | file:{{tonle.data}}/intake/in | log: \"${body}\"                                 | uses the step 'log'",
            "a simple expression   | file:{{tonle.data}}/intake/in | setHeader: {name: x, simple: \"${body}\"}       | expression language 'simple'"})
    void aRouteThatReachesBeyondWhatTheHostAllowsIsRefused(String what, String from, String step, String reason) {
        String yaml = "- route:\n    from:\n      uri: \"" + from + "\"\n      steps:\n        - " + step + "\n";
        assertThatThrownBy(() -> routes.definitions("shelter", "TONLE-INF/routes/r.camel.yaml", yaml.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProgrammeRoutes.RouteRefused.class).hasMessageContaining(reason);
    }

    @Test
    void aRouteFileHoldsNothingButRoutes() {
        String yaml = "- beans:\n    - name: x\n      type: Object\n";
        assertThatThrownBy(() -> routes.definitions("shelter", "r.camel.yaml", yaml.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProgrammeRoutes.RouteRefused.class).hasMessageContaining("may only hold '- route:' entries; found 'beans'");
    }

    @Test
    void missingImportsAreNamedWithTheirVersionRange() {
        assertThat(ProgrammeExtender.describe("(&(osgi.wiring.package=org.example.nowhere)(version>=1.0.0)(!(version>=2.0.0)))"))
                .isEqualTo("package org.example.nowhere [1.0.0,2.0.0)");
        assertThat(ProgrammeExtender.describe("(&(osgi.wiring.package=a.b)(version>=1.1.0))")).isEqualTo("package a.b version 1.1.0 or later");
        assertThat(ProgrammeExtender.describe("(osgi.wiring.package=a.b)")).isEqualTo("package a.b");
    }
}
