package io.podrouter.prometheus;

import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.core.Router;
import io.podrouter.strategies.LeastKvCacheStrategy;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the example of {@link PrometheusScraper}'s class Javadoc, copied verbatim, so that it cannot rot. */
class PrometheusScraperJavadocExampleTest {

    @Test
    void theExampleBelowIsTheClassJavadocsWordForWord() throws Exception {
        List<String> javadoc = between(Files.readAllLines(Path.of("src/main/java/io/podrouter/prometheus/PrometheusScraper.java")),
                " * <pre>{@code", " * }</pre>");
        List<String> test = between(Files.readAllLines(Path.of("src/test/java/io/podrouter/prometheus/PrometheusScraperJavadocExampleTest.java")),
                "// ---- verbatim from the class Javadoc ----", "// ---- end of the example ----");
        assertThat(test).isNotEmpty().isEqualTo(javadoc);
    }

    /** The lines strictly between the first line ending with {@code from} and the next ending with {@code to}, unindented. */
    private static List<String> between(List<String> lines, String from, String to) {
        List<String> out = new ArrayList<>();
        boolean in = false;
        for (String l : lines) {
            String t = l.strip();
            if (!in && t.endsWith(from.strip())) {
                in = true;
            } else if (in && t.endsWith(to.strip())) {
                break;
            } else if (in) {
                out.add(t.startsWith("* ") ? t.substring(2).strip() : t);
            }
        }
        return out;
    }

    @Test
    void classJavadocExampleBuildsARouterThatSelectsAScrapedPod() throws Exception {
        try (FakePod server = new FakePod()) {
            server.serve(new FakePod.Text().gauge("vllm:kv_cache_usage_perc", "m", 0.2).toString());
            List<Pod> pods = List.of(server.pod("p1"));

            // ---- verbatim from the class Javadoc ----
            PrometheusScraper scraper = PrometheusScraper.builder().engine(EngineMapping.vllm()).build();
            scraper.start();
            Router router = Router.builder()
                    .metricsSource(scraper)
                    .strategies(new LeastKvCacheStrategy())
                    .build();
            // whenever discovery changes:
            scraper.updateTargets(pods);
            Candidates candidates = router.candidates(pods);
            // ---- end of the example ----

            try (scraper; router) {
                scraper.scrapeNow();
                router.refreshMetrics();
                PodSelection selection = router.selectPod(InferenceRequest.forModel("m"), candidates);
                assertThat(selection.pod().id()).isEqualTo("p1");
            }
        }
    }
}
