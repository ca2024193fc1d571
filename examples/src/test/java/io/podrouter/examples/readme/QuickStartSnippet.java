package io.podrouter.examples.readme;

import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.core.Router;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastRequestStrategy;

/** README's quick start, compiled and run by {@link ReadmeSnippetsTest}; README copies it verbatim. */
final class QuickStartSnippet {

    // Fully qualified, so that the file's imports are exactly those README's snippet needs.
    final java.util.Map<String, PodMetrics> latest = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.List<io.podrouter.api.Pod> discoveredPods;
    String forwardedTo;

    QuickStartSnippet(java.util.List<io.podrouter.api.Pod> discoveredPods) {
        this.discoveredPods = discoveredPods;
    }

    boolean forwardTo(String authority) {
        forwardedTo = authority;
        return true;
    }

    String run() {
        // tag::quickstart[]
        MetricsSource source = (pod, model) -> {                    // answer from memory, e.g. your scraper's cache
            PodMetrics m = latest.get(pod.id());
            return m == null ? MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED) : MetricsLookup.present(m);
        };
        Router router = Router.builder()
                .metricsSource(source)
                .strategies(new LeastKvCacheStrategy(), new LeastRequestStrategy())  // a chain: first decider wins
                .build();

        Candidates pods = router.candidates(discoveredPods);        // once per discovery change, not per request
        try (PodSelection s = router.selectPod(InferenceRequest.forModel("llama-3-8b"), pods)) {
            long start = System.nanoTime();
            boolean ok = forwardTo(s.pod().authority());
            s.complete(ok ? Outcome.SUCCESS : Outcome.FAILURE, System.nanoTime() - start);
        }   // any exception: close() completes it as CANCELLED, so no path leaks the in-flight slot
        // end::quickstart[]
        router.close();
        return forwardedTo;
    }
}
