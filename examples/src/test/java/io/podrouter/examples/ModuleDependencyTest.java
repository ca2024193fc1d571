package io.podrouter.examples;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The published modules depend one way, toward the API, as their poms say: podrouter-api on no other
 * podrouter module, podrouter-strategies, podrouter-prometheus and podrouter-core on podrouter-api only,
 * the optional podrouter-micrometer on podrouter-core and podrouter-api only, and nothing on it;
 * podrouter-kubernetes on podrouter-api only (plus fabric8).
 * Checked on the compiled classes (what a consumer actually loads), so an import the pom happens to allow
 * transitively still fails here. Lives in examples because it is the module that sees all of them.
 */
class ModuleDependencyTest {

    private static final String API = "io.podrouter.api..";
    private static final String CORE = "io.podrouter.core..";
    private static final String STRATEGIES = "io.podrouter.strategies..";
    private static final String PROMETHEUS = "io.podrouter.prometheus..";
    private static final String MICROMETER = "io.podrouter.micrometer..";
    private static final String KUBERNETES = "io.podrouter.kubernetes..";
    private static final String BENCH = "io.podrouter.bench..";
    private static final String EXAMPLES = "io.podrouter.examples..";

    private static JavaClasses classes;

    @BeforeAll
    static void importLibraryClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.podrouter.api", "io.podrouter.core", "io.podrouter.strategies", "io.podrouter.prometheus",
                        "io.podrouter.micrometer", "io.podrouter.kubernetes");
    }

    @Test
    void everyLibraryModuleIsOnTheClasspath() {
        // guards the rules below against passing vacuously on an empty import
        for (String pkg : new String[] {"io.podrouter.api", "io.podrouter.core", "io.podrouter.strategies",
                "io.podrouter.prometheus", "io.podrouter.prometheus.text", "io.podrouter.micrometer", "io.podrouter.kubernetes"}) {
            assertThat(classes.stream().anyMatch(c -> c.getPackageName().equals(pkg))).as(pkg).isTrue();
        }
    }

    @Test
    void theRulesSeeDependenciesWhereThereAreSome() {
        // the examples do use the router: the same kind of rule must fail on them, or the rules above prove nothing
        JavaClasses examples = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.podrouter.examples");
        assertThatThrownBy(() -> noClasses().that().resideInAPackage(EXAMPLES)
                .should().dependOnClassesThat().resideInAnyPackage(CORE, PROMETHEUS).check(examples))
                .isInstanceOf(AssertionError.class).hasMessageContaining("io.podrouter.core.Router");
    }

    @Test
    void apiImportsNoOtherPodrouterModule() {
        check(noClasses().that().resideInAPackage(API)
                .should().dependOnClassesThat().resideInAnyPackage(CORE, STRATEGIES, PROMETHEUS, MICROMETER, KUBERNETES, BENCH, EXAMPLES));
    }

    @Test
    void strategiesImportOnlyTheApi() {
        check(noClasses().that().resideInAPackage(STRATEGIES)
                .should().dependOnClassesThat().resideInAnyPackage(CORE, PROMETHEUS, MICROMETER, BENCH, EXAMPLES));
    }

    @Test
    void prometheusImportsOnlyTheApi() {
        check(noClasses().that().resideInAPackage(PROMETHEUS)
                .should().dependOnClassesThat().resideInAnyPackage(CORE, STRATEGIES, MICROMETER, BENCH, EXAMPLES));
    }

    @Test
    void coreImportsOnlyTheApi() {
        check(noClasses().that().resideInAPackage(CORE)
                .should().dependOnClassesThat().resideInAnyPackage(STRATEGIES, PROMETHEUS, MICROMETER, BENCH, EXAMPLES));
    }

    @Test
    void micrometerImportsOnlyTheCoreAndTheApi() {
        check(noClasses().that().resideInAPackage(MICROMETER)
                .should().dependOnClassesThat().resideInAnyPackage(STRATEGIES, PROMETHEUS, BENCH, EXAMPLES));
    }

    @Test
    void kubernetesImportsOnlyTheApi() {
        check(noClasses().that().resideInAPackage(KUBERNETES)
                .should().dependOnClassesThat().resideInAnyPackage(CORE, STRATEGIES, PROMETHEUS, MICROMETER, BENCH, EXAMPLES));
    }

    @Test
    void theTextParserDoesNotDependOnTheScraper() {
        check(noClasses().that().resideInAPackage("io.podrouter.prometheus.text..")
                .should().dependOnClassesThat().resideInAPackage("io.podrouter.prometheus"));
    }

    @Test
    void noCycleBetweenModules() {
        check(slices().matching("io.podrouter.(*)..").should().beFreeOfCycles());
    }

    private static void check(ArchRule rule) {
        rule.check(classes);
    }
}
