package org.tonle.host;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/ARCHITECTURE.md, stated once and checked on the compiled classes of
 * every module: a change that breaks it fails here, naming the offending dependency.
 */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        // Main classes only: tests (also those another module shares as a test jar) may reach across.
        ImportOption mainOnly = location -> !location.contains("/test-classes/") && !location.contains("-tests.jar");
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).withImportOption(mainOnly)
                .importPackages("org.tonle");
    }

    @Test
    void modulesDependOnlyDownwards() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Programme API").definedBy("org.tonle.programme.api..")
                .layer("Core").definedBy("org.tonle.core..")
                .layer("Warehouse").definedBy("org.tonle.warehouse..")
                .layer("Pipelines").definedBy("org.tonle.pipelines..")
                .layer("Programmes runtime").definedBy("org.tonle.programmes..")
                .layer("SQL analytics").definedBy("org.tonle.analytics..")
                .layer("Reports").definedBy("org.tonle.reports..")
                .layer("Pages").definedBy("org.tonle.pages..")
                .layer("Host").definedBy("org.tonle.host..")
                .whereLayer("Host").mayNotBeAccessedByAnyLayer()
                .whereLayer("Programmes runtime").mayOnlyBeAccessedByLayers("Host")
                .whereLayer("SQL analytics").mayOnlyBeAccessedByLayers("Host")
                .whereLayer("Reports").mayOnlyBeAccessedByLayers("Host")
                .whereLayer("Pages").mayOnlyBeAccessedByLayers("Host")
                .whereLayer("Pipelines").mayOnlyBeAccessedByLayers("Programmes runtime", "Host")
                .whereLayer("Warehouse").mayOnlyBeAccessedByLayers("Pipelines", "Programmes runtime", "SQL analytics", "Reports", "Host")
                .whereLayer("Core").mayOnlyBeAccessedByLayers("Warehouse", "Pipelines", "Programmes runtime", "SQL analytics", "Reports",
                        "Pages", "Host")
                .check(classes);
    }

    @Test
    void noPackageCycles() {
        slices().matching("org.tonle.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void servicesKnowNothingOfHttp() {
        noClasses().that().resideInAnyPackage("org.tonle.host.service..", "org.tonle.warehouse..", "org.tonle.pipelines..",
                        "org.tonle.analytics..", "org.tonle.reports..", "org.tonle.core..")
                .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..", "org.glassfish..", "org.tonle.host.http..")
                .check(classes);
    }
}
