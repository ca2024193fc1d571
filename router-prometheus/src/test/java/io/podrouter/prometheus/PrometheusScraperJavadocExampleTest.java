package io.podrouter.prometheus;

import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.core.Router;
import io.podrouter.strategies.LeastKvCacheStrategy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the example of {@link PrometheusScraper}'s class Javadoc, copied verbatim, so that it cannot rot. */
class PrometheusScraperJavadocExampleTest {

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
