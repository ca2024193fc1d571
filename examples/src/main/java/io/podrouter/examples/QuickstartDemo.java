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
import io.podrouter.core.coldstart.SlowStart;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastRequestStrategy;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Routes 24 requests, one per (virtual) second, over four in-process "pods": three warm ones whose
 * KV-cache usage grows with the requests they run, and one ({@code pod-d}) that became Ready at the
 * start but has no metrics until second 16, as a freshly started vLLM pod would. It runs the scenario
 * twice: with the AIBrix cold-start article's fix alone (missing metrics mean a random pick), then with podrouter's default
 * cold-start handling (bounded cold share, burst guard, outlier detection). Each line says where a request
 * went and why. Deterministic (seeded random, virtual clock).
 */
public final class QuickstartDemo {

    private static final Instant START = Instant.parse("2026-01-01T12:00:00Z");

    private QuickstartDemo() {
    }

    public static void main(String[] args) {
        System.out.println("podrouter quickstart: least-kv-cache over 4 pods; pod-d became Ready at t=0s,");
        System.out.println("its first metrics arrive at t=16s. One request per second, six run at a time.");
        run("1) the AIBrix article's fix only: a pod without metrics gets random picks",
                b -> b.withoutPrediction().slowStart(SlowStart.disabled()));
        run("2) podrouter defaults: bounded cold share (at most its fair share while cold), in-flight cap while cold",
                UnaryOperator.identity());
    }

    private static void run(String title, UnaryOperator<Router.Builder> coldStartSettings) {
        Instant[] now = {START};
        InstantSource clock = () -> now[0];
        List<Pod> pods = List.of(
                Pod.ready("pod-a", "10.0.0.1", 8000, START.minusSeconds(600)),
                Pod.ready("pod-b", "10.0.0.2", 8000, START.minusSeconds(600)),
                Pod.ready("pod-c", "10.0.0.3", 8000, START.minusSeconds(600)),
                Pod.ready("pod-d", "10.0.0.4", 8000, START)); // just became Ready

        // What a scraper would find: background KV-cache usage plus 0.1 per running request, and the
        // running count itself. pod-d has no metrics yet.
        Map<String, Double> baseUsage = new ConcurrentHashMap<>(Map.of("pod-a", 0.35, "pod-b", 0.20, "pod-c", 0.28));
        Router[] routerRef = new Router[1];
        MetricsSource source = (pod, model) -> {
            Double base = baseUsage.get(pod.id());
            int running = routerRef[0].inFlight(pod.id());
            return base == null
                    ? MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED)
                    : MetricsLookup.present(PodMetrics.observedAt(clock.instant())
                            .withKvCacheUsage(Math.min(1.0, base + 0.1 * running))
                            .withRunningRequests(running).withWaitingRequests(0));
        };

        Router.Builder builder = Router.builder()
                .metricsSource(source)
                .strategies(new LeastKvCacheStrategy(), new LeastRequestStrategy())
                .clock(clock)
                .random(RandomSource.seeded(7))
                .metricsRefreshInterval(Duration.ZERO); // the demo refreshes explicitly, to be reproducible
        try (Router router = coldStartSettings.apply(builder).build()) {
            routerRef[0] = router;
            Candidates candidates = router.candidates(pods);
            Deque<PodSelection> running = new ArrayDeque<>();
            Map<String, Integer> share = new LinkedHashMap<>();
            pods.forEach(p -> share.put(p.id(), 0));
            int fallbacks = 0;
            int predicted = 0;

            System.out.println();
            System.out.println(title);
            for (int n = 1; n <= 24; n++) {
                now[0] = START.plusSeconds(n);
                if (n == 16) {
                    baseUsage.put("pod-d", 0.0);
                    System.out.println("          -- t=16s: pod-d's first metrics arrive --");
                }
                router.refreshMetrics();
                PodSelection s = router.selectPod(InferenceRequest.forModel("llama-3-8b"), candidates);
                share.merge(s.pod().id(), 1, Integer::sum);
                fallbacks += s.fallback() == Fallback.NONE ? 0 : 1;
                predicted += s.predicted() ? 1 : 0;
                System.out.printf("t=%2ds -> %s   %s%n", n, s.pod().id(), describe(s, router));
                running.add(s);
                if (running.size() > 6) {
                    running.poll().complete(Outcome.SUCCESS, Duration.ofMillis(850));
                }
            }
            running.forEach(s -> s.complete(Outcome.SUCCESS, Duration.ofMillis(850)));
            System.out.println("requests per pod: " + share + "; random fallbacks: " + fallbacks
                    + "; picks on predicted metrics: " + predicted);
            System.out.println("cold-start telemetry: " + router.telemetry().coldStartDurations().count()
                    + " cold start(s) observed, Ready to first metrics "
                    + router.telemetry().coldStartDurations().sum() + " s; requests routed while cold: "
                    + router.telemetry().coldRequests());
        }
    }

    private static String describe(PodSelection s, Router router) {
        String cold = router.isCold(s.pod().id()) ? " [cold]" : "";
        switch (s.fallback()) {
            case RANDOM_METRIC_MISSING:
                return "random fallback (" + s.strategy() + ": metrics missing, "
                        + s.missingReason().map(Enum::name).orElse("?") + ")" + cold;
            case NONE:
                return "ranked by " + s.strategy() + (s.predicted() ? " on predicted metrics" : "") + cold;
            default:
                return s.fallback() + " by " + s.strategy() + cold;
        }
    }
}
