package io.podrouter.examples;

import io.podrouter.api.Candidates;
import io.podrouter.api.Fallback;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.core.Router;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastRequestStrategy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Routes 24 requests over four in-process "pods": three warm ones whose KV-cache usage grows with the
 * requests they are running, and one ({@code pod-d}) that is Ready but has no metrics until request 16, as
 * a freshly started vLLM pod would be. Prints where each request went and why: ranked by least KV
 * cache, or a random fallback for the cold pod, with the reason. Deterministic (seeded).
 */
public final class QuickstartDemo {

    private QuickstartDemo() {
    }

    public static void main(String[] args) {
        Instant start = Instant.now();
        List<Pod> pods = List.of(
                Pod.ready("pod-a", "10.0.0.1", 8000, start.minusSeconds(600)),
                Pod.ready("pod-b", "10.0.0.2", 8000, start.minusSeconds(600)),
                Pod.ready("pod-c", "10.0.0.3", 8000, start.minusSeconds(600)),
                Pod.ready("pod-d", "10.0.0.4", 8000, start)); // just became Ready

        // What a scraper would find: each pod's KV-cache usage is its background usage plus 0.1 per
        // request it is running. pod-d has no metrics yet.
        Map<String, Double> baseUsage = new ConcurrentHashMap<>(Map.of("pod-a", 0.35, "pod-b", 0.20, "pod-c", 0.28));
        Router[] routerRef = new Router[1];
        MetricsSource source = (pod, model) -> {
            Double base = baseUsage.get(pod.id());
            return base == null
                    ? MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED)
                    : MetricsLookup.present(PodMetrics.observedAt(Instant.now())
                            .withKvCacheUsage(Math.min(1.0, base + 0.1 * routerRef[0].inFlight(pod.id()))));
        };

        try (Router router = Router.builder()
                .metricsSource(source)
                .strategies(new LeastKvCacheStrategy(), new LeastRequestStrategy())
                .random(RandomSource.seeded(7))
                .metricsRefreshInterval(Duration.ZERO) // the demo refreshes explicitly, to be reproducible
                .build()) {
            routerRef[0] = router;
            Candidates candidates = router.candidates(pods);
            Deque<PodSelection> running = new ArrayDeque<>();
            Map<String, Integer> share = new LinkedHashMap<>();
            int fallbacks = 0;
            pods.forEach(p -> share.put(p.id(), 0));

            System.out.println("podrouter quickstart: least-kv-cache over 4 pods; pod-d is Ready but has no metrics yet");
            System.out.println();
            for (int n = 1; n <= 24; n++) {
                if (n == 16) {
                    baseUsage.put("pod-d", 0.0);
                    System.out.println("          -- pod-d's first metrics arrive: from now on it is ranked like the others --");
                }
                router.refreshMetrics();
                PodSelection s = router.selectPod(InferenceRequest.forModel("llama-3-8b"), candidates);
                share.merge(s.pod().id(), 1, Integer::sum);
                System.out.printf("req %2d -> %s   %s%n", n, s.pod().id(), describe(s));
                if (s.fallback() != Fallback.NONE) {
                    fallbacks++;
                }
                // Six requests run at a time; the oldest finishes when a new one starts.
                running.add(s);
                if (running.size() > 6) {
                    running.poll().complete(Outcome.SUCCESS, Duration.ofMillis(850));
                }
            }
            running.forEach(s -> s.complete(Outcome.SUCCESS, Duration.ofMillis(850)));
            System.out.println();
            System.out.println("requests per pod: " + share + "; random fallbacks: " + fallbacks);
            System.out.println("in flight after completion: pod-a=" + router.inFlight("pod-a") + " pod-b=" + router.inFlight("pod-b")
                    + " pod-c=" + router.inFlight("pod-c") + " pod-d=" + router.inFlight("pod-d"));
        }
    }

    private static String describe(PodSelection s) {
        switch (s.fallback()) {
            case RANDOM_METRIC_MISSING:
                return "random fallback (" + s.strategy() + ": metrics missing, "
                        + s.missingReason().map(Enum::name).orElse("?") + ")";
            case NONE:
                return "ranked by " + s.strategy();
            default:
                return s.fallback() + " by " + s.strategy();
        }
    }
}
