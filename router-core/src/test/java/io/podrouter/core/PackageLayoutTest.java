package io.podrouter.core;

import io.podrouter.core.internal.telemetry.RouterLog;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * router-core's package layout, read from its main sources (plain file reads): imports between its packages
 * run one way, in {@link #ORDER}, and no source file is longer than {@value #MAX_LINES} lines. Imports and
 * fully qualified names in code count; comments and string literals do not (a Javadoc link or a log message
 * is no dependency).
 */
class PackageLayoutTest {

    /**
     * router-core's packages, the facade first: a package may refer only to packages after it. A strict order
     * also rules out cycles; a new package must be placed here.
     */
    static final List<String> ORDER = List.of(
            "io.podrouter.core",
            "io.podrouter.core.internal.select",
            "io.podrouter.core.internal.table",
            "io.podrouter.core.internal.health",
            "io.podrouter.core.internal.coldstart",
            "io.podrouter.core.internal.telemetry",
            "io.podrouter.core.coldstart",
            "io.podrouter.core.telemetry");

    /**
     * The facade's types that the packages after it may refer to: public settings values, which must
     * themselves refer to no other router-core type (checked), so that referring to them closes no cycle.
     */
    static final Set<String> FACADE_VALUE_TYPES = Set.of("io.podrouter.core.OutlierDetection");

    static final int MAX_LINES = 500;

    private static final Path MAIN = Path.of("src", "main", "java");

    /** A router-core reference: an import (single-type, static or on demand) or a qualified name in code. */
    private static final Pattern REFERENCE =
            Pattern.compile("\\bio\\.podrouter\\.core((?:\\.[a-z_][a-z0-9_]*)*)(\\.[A-Z][A-Za-z0-9_]*|\\.\\*)");
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);

    private static List<Source> sources;

    /** One source file: its path (for messages), its text. */
    record Source(String path, String text) {
    }

    @BeforeAll
    static void readMainSources() throws IOException {
        try (Stream<Path> files = Files.walk(MAIN)) {
            List<Source> read = new ArrayList<>();
            for (Path p : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                read.add(new Source(MAIN.relativize(p).toString(), Files.readString(p)));
            }
            sources = read;
        }
    }

    @Test
    void theSourcesAreFound() {
        // guards the rules below against passing on an empty read (e.g. a changed working directory)
        assertThat(sources).extracting(Source::path)
                .contains(Path.of("io", "podrouter", "core", "Router.java").toString(), "module-info.java");
    }

    @Test
    void everyPackageHasItsPlaceInTheOrder() {
        Set<String> found = new TreeSet<>();
        for (Source s : sources) {
            String pkg = packageOf(s);
            if (pkg != null) {
                found.add(pkg);
            }
        }
        assertThat(found).as("router-core's packages; place a new one in ORDER").containsExactlyInAnyOrderElementsOf(ORDER);
    }

    @Test
    void importsBetweenRouterCorePackagesRunOneWay() {
        assertThat(layoutViolations(sources)).isEmpty();
    }

    @Test
    void noMainSourceFileIsLongerThan500Lines() {
        assertThat(oversized(sources)).isEmpty();
    }

    @Test
    void theModuleExportsOnlyTheApiPackages() {
        Source info = sources.stream().filter(s -> s.path().equals("module-info.java")).findFirst().orElseThrow();
        Set<String> exported = new TreeSet<>();
        Matcher m = Pattern.compile("\\bexports\\s+([\\w.]+)\\s*;").matcher(code(info.text()));
        while (m.find()) {
            exported.add(m.group(1));
        }
        assertThat(exported).containsExactlyInAnyOrder("io.podrouter.core", "io.podrouter.core.coldstart",
                "io.podrouter.core.telemetry");
    }

    @Test
    void theRouterLinesKeepTheFacadesLoggerName() {
        // log configurations written for io.podrouter.core.Router keep working although the lines come from internals
        assertThat(RouterLog.NAME).isEqualTo(Router.class.getName());
        assertThat(RouterLog.logger().getName()).isEqualTo(Router.class.getName());
    }

    @Test
    void theLayoutRuleFailsOnAnUpwardImportACycleAndAQualifiedName() {
        List<Source> bad = List.of(
                new Source("a/Table.java", """
                        package io.podrouter.core.internal.table;
                        import io.podrouter.core.Router;
                        import io.podrouter.core.internal.select.*;
                        class Table { }
                        """),
                new Source("a/Health.java", """
                        package io.podrouter.core.internal.health;
                        class Health { io.podrouter.core.internal.table.PodHandle h; }
                        """),
                new Source("a/Rules.java", """
                        package io.podrouter.core.internal.table;
                        import static io.podrouter.core.internal.health.Health.LIMIT;
                        class Rules { }
                        """),
                new Source("a/Unknown.java", """
                        package io.podrouter.core.internal.misc;
                        class Unknown { }
                        """));
        assertThat(layoutViolations(bad)).anySatisfy(v -> assertThat(v).contains("a/Table.java")
                        .contains("io.podrouter.core.internal.table -> io.podrouter.core (Router)"))
                .anySatisfy(v -> assertThat(v).contains("io.podrouter.core.internal.table -> io.podrouter.core.internal.select (*)"))
                .anySatisfy(v -> assertThat(v).contains("a/Health.java")
                        .contains("io.podrouter.core.internal.health -> io.podrouter.core.internal.table (PodHandle)"))
                .anySatisfy(v -> assertThat(v).startsWith("cycle: ").contains("io.podrouter.core.internal.health")
                        .contains("io.podrouter.core.internal.table"))
                .anySatisfy(v -> assertThat(v).contains("io.podrouter.core.internal.misc").contains("not in ORDER"));
    }

    @Test
    void theLayoutRuleIgnoresCommentsAndStringsAndAllowsTheFacadeValueTypes() {
        List<Source> fine = List.of(
                new Source("b/Detector.java", """
                        package io.podrouter.core.internal.health;
                        import io.podrouter.core.OutlierDetection;
                        /** Applies {@link io.podrouter.core.Router}'s settings. */
                        class Detector {
                            // io.podrouter.core.Router refreshes it
                            static final String NAME = "io.podrouter.core.Router";
                            static final char Q = '"';
                            static final String BLOCK = \"""
                                    io.podrouter.core.internal.select.SelectionPipeline
                                    \""";
                            io.podrouter.core.internal.telemetry.RouterTelemetry t;
                        }
                        """),
                new Source("b/OutlierDetection.java", """
                        package io.podrouter.core;
                        import java.time.Duration;
                        public record OutlierDetection(Duration interval) { }
                        """));
        assertThat(layoutViolations(fine)).isEmpty();
        List<Source> leaky = List.of(new Source("c/OutlierDetection.java", """
                package io.podrouter.core;
                import io.podrouter.core.internal.health.OutlierDetector;
                public record OutlierDetection(int n) { }
                """));
        assertThat(layoutViolations(leaky)).anySatisfy(v -> assertThat(v).contains("c/OutlierDetection.java")
                .contains("facade value type io.podrouter.core.OutlierDetection refers to io.podrouter.core.internal.health"));
    }

    @Test
    void theLengthRuleFailsOnA501LineFile() {
        String lines501 = "package io.podrouter.core;\n" + "//\n".repeat(500);
        assertThat(oversized(List.of(new Source("d/Long.java", lines501), new Source("d/Short.java", "//\n".repeat(500)))))
                .containsExactly("d/Long.java: 501 lines (at most 500)");
    }

    /** Order and cycle violations, as readable lines; empty when the sources follow {@link #ORDER}. */
    static List<String> layoutViolations(List<Source> files) {
        List<String> violations = new ArrayList<>();
        // node -> nodes it refers to; a node is a package, or a facade value type on its own
        Map<String, Set<String>> graph = new TreeMap<>();
        for (Source s : files) {
            String pkg = packageOf(s);
            if (pkg == null || !pkg.startsWith("io.podrouter.core")) {
                continue;
            }
            if (!ORDER.contains(pkg)) {
                violations.add(s.path() + ": package " + pkg + " is not in ORDER");
                continue;
            }
            String self = pkg;
            String valueType = null;
            String file = Path.of(s.path()).getFileName().toString();
            for (String t : FACADE_VALUE_TYPES) {
                if (t.equals(pkg + "." + file.substring(0, file.length() - ".java".length()))) {
                    valueType = t;
                    self = t;
                }
            }
            graph.computeIfAbsent(self, k -> new TreeSet<>());
            Matcher m = REFERENCE.matcher(code(s.text()));
            while (m.find()) {
                String target = "io.podrouter.core" + m.group(1);
                String type = m.group(2).substring(1);
                String edge = pkg + " -> " + target + " (" + type + ")";
                if (valueType != null && !target.equals(pkg)) {
                    violations.add(s.path() + ": facade value type " + valueType + " refers to " + target + " (" + type + ")");
                    graph.get(self).add(target);
                    continue;
                }
                if (target.equals(pkg)) {
                    continue;
                }
                String qualified = target + "." + type;
                if (FACADE_VALUE_TYPES.contains(qualified) && ORDER.indexOf(pkg) > 0) {
                    graph.get(self).add(qualified);
                    continue;
                }
                graph.get(self).add(target);
                int from = ORDER.indexOf(pkg);
                int to = ORDER.indexOf(target);
                if (to < 0) {
                    violations.add(s.path() + ": " + edge + ": the target is not in ORDER");
                } else if (to < from) {
                    violations.add(s.path() + ": " + edge + ": against the declared order " + ORDER);
                }
            }
        }
        violations.addAll(cycles(graph));
        return violations;
    }

    /** One line per cycle found in {@code graph} (each reported once, from the node where the search met it). */
    private static List<String> cycles(Map<String, Set<String>> graph) {
        List<String> found = new ArrayList<>();
        Set<String> done = new HashSet<>();
        for (String start : graph.keySet()) {
            walk(start, graph, new LinkedHashSet<>(), done, found);
        }
        return found;
    }

    private static void walk(String node, Map<String, Set<String>> graph, LinkedHashSet<String> path, Set<String> done,
                             List<String> found) {
        if (path.contains(node)) {
            List<String> p = new ArrayList<>(path);
            List<String> loop = new ArrayList<>(p.subList(p.indexOf(node), p.size()));
            loop.add(node);
            found.add("cycle: " + String.join(" -> ", loop));
            return;
        }
        if (!done.add(node)) {
            return;
        }
        path.add(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            walk(next, graph, path, done, found);
        }
        path.remove(node);
    }

    /** Files longer than {@link #MAX_LINES} lines, as readable lines. */
    static List<String> oversized(List<Source> files) {
        return files.stream().filter(s -> s.text().lines().count() > MAX_LINES)
                .map(s -> s.path() + ": " + s.text().lines().count() + " lines (at most " + MAX_LINES + ")")
                .collect(Collectors.toList());
    }

    /** The package {@code s} declares; null for a file without a package declaration (module-info.java). */
    private static @Nullable String packageOf(Source s) {
        Matcher m = PACKAGE.matcher(code(s.text()));
        return m.find() ? m.group(1) : null;
    }

    /**
     * {@code src} with its comments, string literals (text blocks included) and character literals replaced by
     * spaces, line breaks kept: what remains is code, where a reference is a dependency.
     */
    static String code(String src) {
        StringBuilder out = new StringBuilder(src.length());
        int i = 0;
        int n = src.length();
        while (i < n) {
            int end;
            if (src.startsWith("//", i)) {
                end = src.indexOf('\n', i);
                end = end < 0 ? n : end;
            } else if (src.startsWith("/*", i)) {
                end = src.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
            } else if (src.startsWith("\"\"\"", i)) {
                end = closing(src, i + 3, "\"\"\"");
            } else if (src.charAt(i) == '"' || src.charAt(i) == '\'') {
                end = closing(src, i + 1, String.valueOf(src.charAt(i)));
            } else {
                out.append(src.charAt(i++));
                continue;
            }
            for (int k = i; k < end; k++) {
                out.append(src.charAt(k) == '\n' ? '\n' : ' ');
            }
            i = end;
        }
        return out.toString();
    }

    /** The index just past the first unescaped {@code quote} at or after {@code from} (the end when none). */
    private static int closing(String src, int from, String quote) {
        int k = from;
        while (k < src.length()) {
            if (src.charAt(k) == '\\') {
                k += 2;
            } else if (src.startsWith(quote, k)) {
                return k + quote.length();
            } else {
                k++;
            }
        }
        return src.length();
    }
}
