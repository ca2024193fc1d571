package com.example.consumer;

import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.core.Router;
import io.podrouter.prometheus.EngineMapping;
import io.podrouter.prometheus.PrometheusScraper;
import io.podrouter.strategies.LeastKvCacheStrategy;

import java.util.List;

/** A user's program: a Router over a PrometheusScraper picks one of the given vLLM pods for a request. */
public final class ConsumerApp {

    private ConsumerApp() {
    }

    /** Scrapes {@code pods} once, selects a pod for {@code model}, completes the selection, returns the pod's id. */
    public static String pick(List<Pod> pods, String model) throws InterruptedException {
        try (PrometheusScraper scraper = PrometheusScraper.builder().engine(EngineMapping.vllm()).build();
             Router router = Router.builder().metricsSource(scraper).strategies(new LeastKvCacheStrategy()).build()) {
            scraper.updateTargets(pods);
            scraper.scrapeNow();
            router.refreshMetrics();
            Candidates candidates = router.candidates(pods);
            PodSelection selection = router.selectPod(InferenceRequest.forModel(model), candidates);
            try {
                return selection.pod().id();
            } finally {
                selection.complete(io.podrouter.api.Outcome.SUCCESS, 1);
            }
        }
    }
}
