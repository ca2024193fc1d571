package io.podrouter.examples;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Requires.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Collectors;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The published API surface, checked on the compiled main classes of every library module (what a
 * consumer loads): nothing outside router-core uses its internal packages, the modules with a
 * {@code module-info} export exactly their API packages (router-core not its internals), every package of
 * every library module states nullness with JSpecify's {@code @NullMarked}, and no public field exposes a
 * mutable array.
 */
class ApiSurfaceTest {

    private static final String INTERNAL = "io.podrouter.core.internal..";

    /** The library's packages today, every one {@code @NullMarked}; a new package is checked too. */
    private static final Set<String> NULL_MARKED_PACKAGES = Set.of("io.podrouter.api", "io.podrouter.api.strategy",
            "io.podrouter.core", "io.podrouter.core.coldstart", "io.podrouter.core.telemetry",
            "io.podrouter.core.internal.select", "io.podrouter.core.internal.table",
            "io.podrouter.core.internal.health", "io.podrouter.core.internal.coldstart",
            "io.podrouter.core.internal.telemetry", "io.podrouter.strategies", "io.podrouter.strategies.compose",
            "io.podrouter.prometheus", "io.podrouter.prometheus.text", "io.podrouter.micrometer");

    private static JavaClasses library;

    @BeforeAll
    static void importMainClasses() {
        library = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.podrouter.api", "io.podrouter.core", "io.podrouter.strategies",
                        "io.podrouter.prometheus", "io.podrouter.micrometer", "io.podrouter.kubernetes", "io.podrouter.examples");
    }

    @Test
    void noClassOutsideRouterCoreDependsOnItsInternalPackage() {
        ArchRule rule = noClasses().that().resideOutsideOfPackages("io.podrouter.core..")
                .should().dependOnClassesThat().resideInAPackage(INTERNAL)
                .because("io.podrouter.core.internal.* is not API and router-core's module does not export it");
        rule.check(library);
    }

    @Test
    void theInternalRuleSeesDependenciesWhereThereAreSome() {
        // the router does use its internal package: the same kind of rule must fail on it, or the rule
        // above proves nothing
        assertThatThrownBy(() -> noClasses().that().resideInAPackage("io.podrouter.core")
                .should().dependOnClassesThat().resideInAPackage(INTERNAL).check(library))
                .isInstanceOf(AssertionError.class).hasMessageContaining("io.podrouter.core.Router");
    }

    @Test
    void routerCoreExportsItsApiPackagesAndNotItsInternals() throws Exception {
        ModuleDescriptor core = descriptorOf(io.podrouter.core.Router.class);
        assertThat(core.name()).isEqualTo("io.podrouter.core");
        assertThat(exported(core)).containsExactlyInAnyOrder("io.podrouter.core", "io.podrouter.core.coldstart",
                "io.podrouter.core.telemetry");
        // the internals are in the module, not exported (guards the line above against a descriptor without them)
        assertThat(core.packages()).contains("io.podrouter.core.internal.select", "io.podrouter.core.internal.table",
                "io.podrouter.core.internal.health", "io.podrouter.core.internal.coldstart",
                "io.podrouter.core.internal.telemetry");
        assertThat(requires(core)).containsEntry("io.podrouter.api", Set.of(Modifier.TRANSITIVE))
                .containsEntry("com.github.benmanes.caffeine", Set.of()).containsEntry("org.slf4j", Set.of())
                .containsEntry("org.jspecify", Set.of(Modifier.STATIC, Modifier.TRANSITIVE));
    }

    @Test
    void theApiAndStrategyModulesExportEveryPackage() throws Exception {
        ModuleDescriptor api = descriptorOf(io.podrouter.api.PodSelector.class);
        assertThat(api.name()).isEqualTo("io.podrouter.api");
        assertThat(exported(api)).isEqualTo(api.packages()).containsExactlyInAnyOrder("io.podrouter.api",
                "io.podrouter.api.strategy");
        ModuleDescriptor strategies = descriptorOf(io.podrouter.strategies.RoundRobinStrategy.class);
        assertThat(strategies.name()).isEqualTo("io.podrouter.strategies");
        assertThat(exported(strategies)).isEqualTo(strategies.packages())
                .containsExactlyInAnyOrder("io.podrouter.strategies", "io.podrouter.strategies.compose");
        assertThat(requires(strategies)).containsEntry("io.podrouter.api", Set.of(Modifier.TRANSITIVE));
        assertThat(requires(api)).containsEntry("org.jspecify", Set.of(Modifier.STATIC, Modifier.TRANSITIVE));
    }

    /** The modules {@code module} requires, with their modifiers. */
    private static Map<String, Set<Modifier>> requires(ModuleDescriptor module) {
        return module.requires().stream().collect(Collectors.toMap(ModuleDescriptor.Requires::name,
                ModuleDescriptor.Requires::modifiers));
    }

    /** The unqualified exports of {@code module}. */
    private static Set<String> exported(ModuleDescriptor module) {
        return module.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * The module descriptor compiled into the jar or classes directory that {@code member} was loaded from
     * (this module runs on the class path, where the descriptor is a plain resource of each entry).
     */
    private static ModuleDescriptor descriptorOf(Class<?> member) throws IOException, URISyntaxException {
        Path location = Path.of(member.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isDirectory(location)) {
            try (InputStream in = Files.newInputStream(location.resolve("module-info.class"))) {
                return ModuleDescriptor.read(in);
            }
        }
        try (JarFile jar = new JarFile(location.toFile());
             InputStream in = jar.getInputStream(Objects.requireNonNull(jar.getEntry("module-info.class"),
                     () -> location + ": no module-info.class"))) {
            return ModuleDescriptor.read(in);
        }
    }

    @Test
    void everyLibraryPackageIsNullMarked() {
        TreeMap<String, Boolean> marked = new TreeMap<>();
        for (JavaClass c : library) {
            String pkg = c.getPackageName();
            if (!pkg.startsWith("io.podrouter.examples")) {
                marked.computeIfAbsent(pkg, p -> c.reflect().getPackage().isAnnotationPresent(NullMarked.class));
            }
        }
        assertThat(marked.keySet()).as("packages found (guards against an empty import)")
                .containsAll(NULL_MARKED_PACKAGES);
        TreeSet<String> unmarked = new TreeSet<>();
        marked.forEach((pkg, isMarked) -> {
            if (!isMarked) {
                unmarked.add(pkg);
            }
        });
        assertThat(unmarked).as("packages without @NullMarked in their package-info.java").isEmpty();
    }

    @Test
    void noPublicFieldHoldsAnArray() {
        // A public array is mutable by every caller, even when final: expose an unmodifiable List or a copy.
        fields().that().areDeclaredInClassesThat().resideInAnyPackage("io.podrouter.api..", "io.podrouter.core..",
                        "io.podrouter.strategies..", "io.podrouter.prometheus..", "io.podrouter.micrometer..")
                .and().haveModifier(JavaModifier.PUBLIC)
                .should(notHaveAnArrayType())
                .allowEmptyShould(true)
                .check(library);
    }

    @Test
    void theArrayRuleSeesArraysWhereThereAreSome() {
        // guards the rule above: it must fail on a public array field
        JavaClasses withArray = new ClassFileImporter().importClasses(PublicArrayHolder.class);
        assertThatThrownBy(() -> fields().that().haveModifier(JavaModifier.PUBLIC).should(notHaveAnArrayType())
                .check(withArray)).isInstanceOf(AssertionError.class).hasMessageContaining("NAMES");
    }

    private static ArchCondition<JavaField> notHaveAnArrayType() {
        return new ArchCondition<>("not have an array type") {
            @Override
            public void check(JavaField field, ConditionEvents events) {
                if (field.getRawType().isArray()) {
                    events.add(SimpleConditionEvent.violated(field, field.getFullName() + " is a public array"));
                }
            }
        };
    }

    /** A class that breaks the array rule, for the rule's own check. */
    static final class PublicArrayHolder {
        public static final String[] NAMES = {"a"};
    }
}
