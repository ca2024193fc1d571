package io.podrouter.examples.readme;

import io.podrouter.api.MetricsLookup;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.core.Router;
import io.podrouter.examples.fakevllm.FakeVllmBackend;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The docs' Java snippets cannot rot: every {@code ```java} block of README.md and of each page under
 * {@code docs/} must be, below its import
 * lines, a tagged region ({@code // tag::name[]} ... {@code // end::name[]}) of a Java source file that the
 * build compiles (any module's {@code src}), and its import lines must be exactly the imports of that file
 * that the region uses. The regions of this package are also run below.
 */
class ReadmeSnippetsTest {

    private static final Path ROOT = Path.of("..");
    private static final Pattern JAVA_BLOCK = Pattern.compile("(?m)^```java\\n(.*?)\\n```$", Pattern.DOTALL);
    private static final Pattern REGION = Pattern.compile(
            "(?m)^[ \\t]*// tag::([\\w-]+)\\[\\]\\n(.*?)\\n[ \\t]*// end::\\1\\[\\]$", Pattern.DOTALL);

    /** One tagged region of a compiled source file. */
    record Region(Path file, String name, String text, List<String> fileImports) {
    }

    @Test
    void everyJavaBlockOfTheReadmeAndTheDocsPagesIsACompiledRegionWithTheImportsItUses() throws IOException {
        List<Region> regions = regions();
        assertThat(regions).extracting(Region::name)
                .contains("quickstart", "scraper", "gateway", "cache-aware", "micrometer", "listener");
        List<Path> pages = new ArrayList<>();
        pages.add(ROOT.resolve("README.md"));
        Path docs = ROOT.resolve("docs");
        if (Files.isDirectory(docs)) {
            try (Stream<Path> list = Files.list(docs)) {
                list.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
            }
        }
        List<String> problems = new ArrayList<>();
        int blocks = 0;
        for (Path page : pages) {
            blocks += checkJavaBlocks(page, regions, problems);
        }
        assertThat(blocks).as("java blocks in README.md and docs/*.md").isGreaterThanOrEqualTo(6);
        assertThat(problems).as("java blocks of README.md and docs/*.md").isEmpty();
    }

    /** Checks every java block of one page against the tagged regions; returns how many blocks it has. */
    private static int checkJavaBlocks(Path page, List<Region> regions, List<String> problems) throws IOException {
        String text = Files.readString(page);
        String where = ROOT.relativize(page).toString();
        Matcher m = JAVA_BLOCK.matcher(text);
        int blocks = 0;
        while (m.find()) {
            blocks++;
            String block = m.group(1);
            List<String> lines = block.lines().toList();
            int bodyStart = 0;
            Set<String> imports = new LinkedHashSet<>();
            while (bodyStart < lines.size() && (lines.get(bodyStart).startsWith("import ")
                    || (lines.get(bodyStart).isBlank() && !imports.isEmpty()))) {
                if (!lines.get(bodyStart).isBlank()) {
                    imports.add(lines.get(bodyStart));
                }
                bodyStart++;
            }
            String body = String.join("\n", lines.subList(bodyStart, lines.size()));
            Region match = regions.stream().filter(r -> r.text().equals(body)).findFirst().orElse(null);
            String head = lines.get(Math.min(bodyStart, lines.size() - 1));
            if (match == null) {
                problems.add(where + " block " + blocks + " (starting '" + head.strip() + "') is no tagged region of a "
                        + "compiled source file (copy it verbatim from one, between // tag::name[] and // end::name[])");
                continue;
            }
            Set<String> used = usedImports(match);
            if (!imports.equals(used)) {
                problems.add(where + " block " + blocks + " ('" + match.name() + "' of " + match.file() + ") imports "
                        + imports + " (expected: the imports of the file that the region uses, " + used + ")");
            }
        }
        return blocks;
    }

    @Test
    void quickStartRoutesToTheEmptierPod() {
        Instant now = Instant.now();
        QuickStartSnippet q = new QuickStartSnippet(List.of(Pod.ready("a", "10.0.0.1", 8000, now.minusSeconds(60)),
                Pod.ready("b", "10.0.0.2", 8000, now.minusSeconds(60))));
        q.latest.put("a", PodMetrics.observedAt(now).withKvCacheUsage(0.9));
        q.latest.put("b", PodMetrics.observedAt(now).withKvCacheUsage(0.1));
        assertThat(q.run()).isEqualTo("10.0.0.2:8000");
    }

    @Test
    void scraperSnippetRuns() {
        assertThat(ScraperSnippet.run(List.of(Pod.ready("a", "127.0.0.1", 1, Instant.now())))).isEqualTo(1);
    }

    @Test
    void cacheAwareSnippetBuildsARouterThatRoutesItsRequest() {
        CacheAwareSnippet c = new CacheAwareSnippet((pod, model) -> MetricsLookup.present(PodMetrics.observedAt(Instant.now())),
                "You are a helpful assistant.\nuser: hello", "conversation-1");
        try (Router router = c.router; PodSelection s = router.selectPod(c.request,
                router.candidates(List.of(Pod.ready("a", "10.0.0.1", 8000, Instant.now().minusSeconds(60)))))) {
            assertThat(c.request.loraAdapter()).isEqualTo("sql-lora");
            assertThat(s.pod().id()).isEqualTo("a");
            s.complete(Outcome.SUCCESS, 1);
        }
    }

    @Test
    void gatewaySnippetRetriesOnAnotherPodAndServesMicrometersScrape() throws Exception {
        try (FakeVllmBackend failing = FakeVllmBackend.builder("failing", "m").timeToFirstToken(Duration.ofMillis(1))
                .timePerOutputToken(Duration.ofMillis(1)).build().start();
             FakeVllmBackend good = FakeVllmBackend.builder("good", "m").timeToFirstToken(Duration.ofMillis(1))
                     .timePerOutputToken(Duration.ofMillis(1)).build().start();
             GatewaySnippet gateway = new GatewaySnippet()) {
            failing.setFailing(true);
            String body = "{\"model\":\"m\",\"prompt\":\"hi\",\"max_tokens\":2}";
            assertThat(gateway.completions("m", body).status()).as("no pod yet").isEqualTo(503);

            Instant ready = Instant.now().minusSeconds(60);
            gateway.onDiscoveryChange(List.of(Pod.ready("failing", failing.host(), failing.port(), ready)));
            assertThat(gateway.completions("m", body).status()).as("the only pod fails, none left to retry on")
                    .isEqualTo(502);

            gateway.onDiscoveryChange(List.of(Pod.ready("failing", failing.host(), failing.port(), ready),
                    Pod.ready("good", good.host(), good.port(), ready)));
            for (int i = 0; i < 6; i++) {
                GatewaySnippet.Answer a = gateway.completions("m", body);
                assertThat(a.status()).as(a.body()).isEqualTo(200);
            }
            String metrics = gateway.metrics();
            assertThat(metrics).contains("# TYPE podrouter_selections_total counter",
                    "podrouter_outcomes_total{outcome=\"SUCCESS\"} 6.0", "podrouter_pod_in_flight{pod=\"good\"} 0.0",
                    "# TYPE pod_coldstart_duration_seconds histogram");
        }
    }

    /** Every tagged region of the Java sources the build compiles. */
    private static List<Region> regions() throws IOException {
        List<Region> regions = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(ROOT)) {
            files = walk.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> ROOT.relativize(p).toString().replace('\\', '/').matches("([\\w.-]+/)+src/.*"))
                    .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.git/"))
                    .toList();
        }
        for (Path f : files) {
            String source = Files.readString(f);
            List<String> imports = source.lines().filter(l -> l.startsWith("import ")).toList();
            Matcher m = REGION.matcher(source);
            while (m.find()) {
                regions.add(new Region(ROOT.relativize(f), m.group(1), dedent(m.group(2)), imports));
            }
        }
        return regions;
    }

    /** The file's imports whose simple name (or static member) the region's text mentions. */
    private static Set<String> usedImports(Region r) {
        Set<String> used = new LinkedHashSet<>();
        for (String imp : r.fileImports()) {
            String name = imp.substring(imp.lastIndexOf('.') + 1, imp.length() - 1);
            if (Pattern.compile("\\b" + Pattern.quote(name) + "\\b").matcher(r.text()).find()) {
                used.add(imp);
            }
        }
        return used;
    }

    /** The lines without their common indentation. */
    private static String dedent(String text) {
        List<String> lines = text.lines().toList();
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).collect(Collectors.joining("\n"));
    }
}
