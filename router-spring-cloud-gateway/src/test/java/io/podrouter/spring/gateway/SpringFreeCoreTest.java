package io.podrouter.spring.gateway;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The core modules stay free of Spring, Reactor and Jackson: only this module depends on them. */
class SpringFreeCoreTest {

    private static final String[] SPRING_STACK = {"org.springframework..", "reactor..", "tools.jackson..", "com.fasterxml.."};

    @Test
    void noCoreModuleDependsOnTheSpringStack() {
        // the modules' class directories of this build, not a scan of the whole test classpath (which takes long)
        JavaClasses core = new ClassFileImporter().importPaths(Path.of("../router-api/target/classes"),
                Path.of("../router-core/target/classes"), Path.of("../router-strategies/target/classes"),
                Path.of("../router-prometheus/target/classes"), Path.of("../router-micrometer/target/classes"));
        assertThat(core.stream().map(c -> c.getPackageName()).distinct())
                .contains("io.podrouter.api", "io.podrouter.core", "io.podrouter.strategies", "io.podrouter.prometheus",
                        "io.podrouter.micrometer");
        noClasses().should().dependOnClassesThat().resideInAnyPackage(SPRING_STACK).check(core);
    }

    @Test
    void theRuleFailsWhereThereAreSuchDependencies() {
        JavaClasses adapter = new ClassFileImporter().importPaths(Path.of("target/classes"));
        assertThatThrownBy(() -> noClasses().should().dependOnClassesThat().resideInAnyPackage(SPRING_STACK).check(adapter))
                .isInstanceOf(AssertionError.class).hasMessageContaining("org.springframework.cloud.gateway");
    }
}
