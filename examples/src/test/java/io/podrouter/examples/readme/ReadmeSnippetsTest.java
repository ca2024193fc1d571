package io.podrouter.examples.readme;

import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README's Java snippets cannot rot: the tagged regions of the snippet sources (compiled here, and run
 * below) must appear in README.md verbatim, with the imports they need listed above them.
 */
class ReadmeSnippetsTest {

    private static final Path ROOT = Path.of("..");
    private static final Path HERE = Path.of("src/test/java/io/podrouter/examples/readme");

    @Test
    void readmeQuickStartAndScraperSnippetsAreTheCompiledOnesVerbatimWithTheirImports() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        for (String[] snippet : new String[][] {{"QuickStartSnippet.java", "quickstart"}, {"ScraperSnippet.java", "scraper"}}) {
            String source = Files.readString(HERE.resolve(snippet[0]));
            String expected = importsOf(source) + "\n\n" + region(source, snippet[1]);
            assertThat(readme).as("README.md must contain %s's '%s' region, with its imports, verbatim:%n%s",
                    snippet[0], snippet[1], expected).contains("```java\n" + expected + "\n```");
        }
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

    /** The file's import lines, as README shows them (one block, in file order). */
    private static String importsOf(String source) {
        return source.lines().filter(l -> l.startsWith("import ")).collect(Collectors.joining("\n"));
    }

    /** The lines between {@code tag::name[]} and {@code end::name[]}, without their common indentation. */
    private static String region(String source, String name) {
        Matcher m = Pattern.compile("// tag::" + name + "\\[\\]\\n(.*?)\\n\\s*// end::" + name + "\\[\\]", Pattern.DOTALL)
                .matcher(source);
        assertThat(m.find()).as("region %s", name).isTrue();
        List<String> lines = new ArrayList<>(m.group(1).lines().toList());
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).collect(Collectors.joining("\n"));
    }
}
