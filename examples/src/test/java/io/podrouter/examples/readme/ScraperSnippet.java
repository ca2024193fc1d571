package io.podrouter.examples.readme;

import io.podrouter.api.Candidates;
import io.podrouter.core.Router;
import io.podrouter.prometheus.EngineMapping;
import io.podrouter.prometheus.PrometheusScraper;
import io.podrouter.strategies.LeastKvCacheStrategy;

/** README's scraper snippet, compiled and run by {@link ReadmeSnippetsTest}; README copies it verbatim. */
final class ScraperSnippet {

    static int run(java.util.List<io.podrouter.api.Pod> pods) { // fully qualified: README imports only what it uses
        // tag::scraper[]
        PrometheusScraper scraper = PrometheusScraper.builder()
                .engine(EngineMapping.vllm())          // or EngineMapping.sglang(), or a Pod -> EngineMapping function
                .build();
        scraper.start();
        Router router = Router.builder().metricsSource(scraper).strategy(new LeastKvCacheStrategy()).build();

        // whenever service discovery changes:
        scraper.updateTargets(pods);                    // pods no longer listed are dropped
        Candidates candidates = router.candidates(pods);
        // ... route with router.selectPod(request, candidates) ...
        scraper.close();                                // stops the scraper's threads
        router.close();
        // end::scraper[]
        return candidates.size();
    }
}
