package io.podrouter.core;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.core.coldstart.SlowStart;
import io.podrouter.core.internal.table.CandidateSet;
import io.podrouter.core.internal.table.MetricsTable;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastLatencyStrategy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The table's precomputed lower bounds (what lets least-KV-cache and least-latency skip the live
 * in-flight read for most candidates) against the corrected scores written out from their contract in
 * {@link io.podrouter.api.strategy.CandidateView}, on random fleets with requests in flight across a
 * metrics snapshot.
 */
class MetricFloorsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final InferenceRequest REQ = InferenceRequest.forModel("m");
    private static final double[] LATENCY_LEVELS = {0.05, 0.1, 0.2}; // few levels, so ties happen

    @Test
    void boundsNeverExceedTheCorrectedScoresAndStrategiesPickTheTrueMinimum() {
        SplittableRandom r = new SplittableRandom(11);
        for (int round = 0; round < 300; round++) {
            int n = 1 + r.nextInt(24);
            MapMetricsSource source = new MapMetricsSource();
            MutableClock clock = new MutableClock(T0);
            List<Pod> pods = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                pods.add(Pod.ready("pod-" + i, "10.0.0." + i, 8000, T0));
            }
            try (Router router = Router.builder().metricsSource(source).strategy(new LeastLatencyStrategy())
                    .withoutPrediction().slowStart(SlowStart.disabled()).coldStartInFlightCap(Integer.MAX_VALUE)
                    // Off: pods here hold requests without answering any, and this test checks the ranking alone.
                    .maxUnansweredSelections(0)
                    .clock(clock).random(RandomSource.seeded(round)).metricsRefreshInterval(Duration.ZERO).build()) {
                CandidateSet set = (CandidateSet) router.candidates(pods);
                scrape(source, clock, r, n);
                List<PodSelection> open = new ArrayList<>();
                for (int k = r.nextInt(3 * n + 1); k > 0; k--) {
                    open.add(router.selectPod(REQ, set));
                }
                // A new snapshot: the in-flight counts now are its baselines; then some complete, some start.
                clock.advance(Duration.ofSeconds(1));
                scrape(source, clock, r, n);
                router.refreshMetrics();
                for (PodSelection s : open) {
                    if (r.nextBoolean()) {
                        s.complete(Outcome.SUCCESS, 1);
                    }
                }
                for (int k = r.nextInt(n + 1); k > 0; k--) {
                    router.selectPod(REQ, set);
                }
                MetricsTable t = set.table("m");
                double tokens = 1 + r.nextInt(300);
                double bestLatency = Double.POSITIVE_INFINITY;
                double bestKv = Double.POSITIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    double latency = correctedLatency(t, i, tokens);
                    double kv = correctedKv(t, i);
                    assertThat(t.expectedLatencyFloorSeconds(i, tokens)).as("round %d pod %d", round, i).isLessThanOrEqualTo(latency);
                    assertThat(t.kvCacheUsageFloor(i)).as("round %d pod %d", round, i).isLessThanOrEqualTo(kv);
                    bestLatency = Math.min(bestLatency, latency);
                    bestKv = Math.min(bestKv, kv);
                }
                InferenceRequest req = InferenceRequest.forModel("m").withMaxOutputTokens((int) tokens);
                int byLatency = SelectionStrategy.index(new LeastLatencyStrategy(
                        io.podrouter.strategies.MissingMetricPolicy.FAIR_SHARE, 300, true).pick(req, t));
                int byKv = SelectionStrategy.index(new LeastKvCacheStrategy().pick(req, t));
                assertThat(correctedLatency(t, byLatency, tokens)).as("round %d", round).isEqualTo(bestLatency);
                assertThat(correctedKv(t, byKv)).as("round %d", round).isEqualTo(bestKv);
            }
        }
    }

    private static void scrape(MapMetricsSource source, MutableClock clock, SplittableRandom r, int n) {
        for (int i = 0; i < n; i++) {
            PodMetrics m = PodMetrics.observedAt(clock.instant())
                    .withRunningRequests(r.nextInt(5) == 0 ? Double.NaN : r.nextInt(8))
                    .withWaitingRequests(r.nextInt(5) == 0 ? Double.NaN : r.nextInt(4))
                    .withKvCacheUsage(r.nextDouble())
                    .withTimeToFirstTokenSeconds(LATENCY_LEVELS[r.nextInt(LATENCY_LEVELS.length)])
                    .withTimePerOutputTokenSeconds(LATENCY_LEVELS[r.nextInt(LATENCY_LEVELS.length)] / 10);
            source.answers.put("pod-" + i, MetricsLookup.present(m));
        }
    }

    /** {@code (TTFT + TPOT x tokens) x q} as CandidateView#expectedLatencyFloorSeconds defines it. */
    private static double correctedLatency(MetricsTable t, int i, double tokens) {
        double expected = t.timeToFirstTokenSeconds(i) + t.timePerOutputTokenSeconds(i) * tokens;
        double waiting = Double.isNaN(t.waitingRequests(i)) ? 0 : t.waitingRequests(i);
        double running = Double.isNaN(t.runningRequests(i)) ? 0 : t.runningRequests(i);
        double queued = waiting + t.inFlightSinceRefresh(i);
        return queued <= 0 ? expected : expected * (1 + queued / Math.max(running, 1));
    }

    /** {@code max(0, usage + inFlightSinceRefresh x perRequest)} as CandidateView#kvCacheUsageFloor defines it. */
    private static double correctedKv(MetricsTable t, int i) {
        double per = t.kvCacheUsagePerRequest(i);
        return Double.isNaN(per) ? t.kvCacheUsage(i) : Math.max(0.0, t.kvCacheUsage(i) + t.inFlightSinceRefresh(i) * per);
    }
}
