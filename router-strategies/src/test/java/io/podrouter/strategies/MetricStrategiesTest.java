package io.podrouter.strategies;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.strategy.SelectionStrategy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class MetricStrategiesTest {

    private static final InferenceRequest REQ = InferenceRequest.forModel("m");
    private static final int DRAWS = 40_000;

    private static int[] histogram(SelectionStrategy s, FakeView v, InferenceRequest req, int draws, int[] fallbacks) {
        int[] hits = new int[v.size()];
        for (int d = 0; d < draws; d++) {
            long pick = s.pick(req, v);
            assertThat(SelectionStrategy.isPass(pick)).isFalse();
            hits[SelectionStrategy.index(pick)]++;
            if (fallbacks != null && SelectionStrategy.isRandomFallback(pick)) {
                fallbacks[SelectionStrategy.index(pick)]++;
            }
        }
        return hits;
    }

    @Test
    void leastKvCachePicksLowestUsage() {
        FakeView v = new FakeView(4, 1).kv(0.7, 0.2, 0.9, 0.3);
        long pick = new LeastKvCacheStrategy().pick(REQ, v);
        assertThat(SelectionStrategy.index(pick)).isEqualTo(1);
        assertThat(SelectionStrategy.isRandomFallback(pick)).isFalse();
    }

    @Test
    void leastKvCacheSpreadsTiesEvenlyNotByListOrder() {
        FakeView v = new FakeView(4, 7).kv(0.1, 0.5, 0.1, 0.1);
        int[] hits = histogram(new LeastKvCacheStrategy(), v, REQ, DRAWS, null);
        assertThat(hits[1]).isZero();
        for (int i : new int[] {0, 2, 3}) {
            assertThat(hits[i] / (double) DRAWS).isCloseTo(1 / 3.0, within(0.015));
        }
    }

    @Test
    void tieBreakStaysUniformWhenAnEarlierTieIsBeatenLaterInTheScan() {
        // 0.3 ties first, then 0.1 beats it and ties again further on: only the 0.1 pods may be picked, evenly
        FakeView v = new FakeView(6, 9).kv(0.3, 0.3, 0.1, 0.2, 0, 0.1).notReady(4);
        int[] hits = histogram(new LeastKvCacheStrategy(), v, REQ, DRAWS, null);
        assertThat(hits[0] + hits[1] + hits[3] + hits[4]).isZero();
        assertThat(hits[2] / (double) DRAWS).isCloseTo(0.5, within(0.015));
        assertThat(hits[5] / (double) DRAWS).isCloseTo(0.5, within(0.015));
    }

    @Test
    void tieBreakHoldsWhileOtherThreadsChangeInFlightCountsDuringThePick() {
        // The tie-break's second pass re-reads live counts: once other threads have picked the tied pods
        // meanwhile, the drawn tie is gone and a tie of the first pass is kept (it used to throw, and the
        // router fell back to last-resort random).
        for (SelectionStrategy strategy : new SelectionStrategy[] {new LeastKvCacheStrategy(), new LeastLatencyStrategy()}) {
            for (int k = 0; k < 200; k++) {
                FakeView v = new FakeView(4, k).kv(0.1, 0.1, 0.1, 0.5)
                        .latency(0, 0.1, 0.01).latency(1, 0.1, 0.01).latency(2, 0.1, 0.01).latency(3, 0.5, 0.01);
                v.concurrentPicks = true;
                long pick = strategy.pick(REQ, v);
                assertThat(SelectionStrategy.isPass(pick)).isFalse();
                assertThat(SelectionStrategy.isRandomFallback(pick)).isFalse();
                assertThat(SelectionStrategy.index(pick)).isBetween(0, 2);
            }
        }
    }

    @Test
    void anInfiniteScoreIsStillRankedAndPicked() {
        // +Inf is a value (larger than any other), not "missing": with the other pod missing the metric,
        // FAIR_SHARE must pick either pod, never fail for want of a finite minimum.
        FakeView v = new FakeView(2, 3).kv(Double.POSITIVE_INFINITY, Double.NaN);
        int[] hits = histogram(new LeastKvCacheStrategy(MissingMetricPolicy.FAIR_SHARE, false), v, REQ, 2_000, null);
        assertThat(hits[0]).isGreaterThan(800);
        assertThat(hits[1]).isGreaterThan(800);
    }

    @Test
    void leastLatencyBreaksTiesUniformlyWithInFlightCorrection() {
        FakeView v = new FakeView(3, 13).latency(0, 0.1, 0.01).latency(1, 0.1, 0.01).latency(2, 0.1, 0.01);
        int[] hits = histogram(new LeastLatencyStrategy(), v, REQ, DRAWS, null);
        for (int h : hits) {
            assertThat(h / (double) DRAWS).isCloseTo(1 / 3.0, within(0.015));
        }
    }

    @Test
    void fallsBackToRandomWhenKvCacheMetricMissingOnEveryPod() {
        FakeView v = new FakeView(5, 11).kv(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        int[] fallbacks = new int[5];
        int[] hits = histogram(new LeastKvCacheStrategy(), v, REQ, DRAWS, fallbacks);
        assertThat(fallbacks).isEqualTo(hits);
        for (int h : hits) {
            // uniform within 1.5 percentage points (about 5 standard deviations at 40k draws)
            assertThat(h / (double) DRAWS).isCloseTo(0.2, within(0.015));
        }
    }

    @Test
    void fairShareGivesColdPodItsProportionalShareAndRanksTheWarmOnes() {
        // pod 3 is cold; warm pods 0..2 have distinct usage, pod 1 is best.
        FakeView v = new FakeView(4, 3).kv(0.5, 0.1, 0.4, Double.NaN);
        int[] fallbacks = new int[4];
        int[] hits = histogram(new LeastKvCacheStrategy(MissingMetricPolicy.FAIR_SHARE), v, REQ, DRAWS, fallbacks);
        assertThat(hits[3] / (double) DRAWS).isCloseTo(0.25, within(0.015)); // neither starved nor flooded
        assertThat(fallbacks[3]).isEqualTo(hits[3]);
        assertThat(hits[1] / (double) DRAWS).isCloseTo(0.75, within(0.015));
        assertThat(hits[0]).isZero();
        assertThat(hits[2]).isZero();
    }

    @Test
    void randomPolicyMakesWholeDecisionRandomWhileAnyPodIsCold() {
        FakeView v = new FakeView(4, 5).kv(0.5, 0.1, 0.4, Double.NaN);
        int[] fallbacks = new int[4];
        int[] hits = histogram(new LeastKvCacheStrategy(MissingMetricPolicy.RANDOM), v, REQ, DRAWS, fallbacks);
        for (int i = 0; i < 4; i++) {
            assertThat(hits[i] / (double) DRAWS).isCloseTo(0.25, within(0.015));
            assertThat(fallbacks[i]).isEqualTo(hits[i]);
        }
    }

    @Test
    void passPolicyDefersToNextStrategyWhenAnyPodLacksTheMetric() {
        FakeView v = new FakeView(3, 5).kv(0.5, Double.NaN, 0.4);
        assertThat(new LeastKvCacheStrategy(MissingMetricPolicy.PASS).pick(REQ, v)).isEqualTo(SelectionStrategy.PASS);
        v.kv(0.5, 0.3, 0.4);
        assertThat(SelectionStrategy.index(new LeastKvCacheStrategy(MissingMetricPolicy.PASS).pick(REQ, v))).isEqualTo(1);
    }

    @Test
    void neverPicksNotReadyPodEvenWithBestMetric() {
        FakeView v = new FakeView(3, 9).kv(0.0, 0.6, 0.7).notReady(0);
        int[] hits = histogram(new LeastKvCacheStrategy(), v, REQ, 1_000, null);
        assertThat(hits[0]).isZero();
        assertThat(hits[1]).isEqualTo(1_000);
        FakeView cold = new FakeView(3, 9).kv(Double.NaN, Double.NaN, Double.NaN).notReady(0);
        int[] coldHits = histogram(new LeastKvCacheStrategy(), cold, REQ, 1_000, null);
        assertThat(coldHits[0]).isZero();
    }

    @Test
    void leastLatencyRanksByTtftPlusTpotTimesExpectedOutput() {
        // pod 0: fast first token, slow decode; pod 1: slow first token, fast decode.
        FakeView v = new FakeView(2, 1).latency(0, 0.05, 0.020).latency(1, 0.50, 0.005);
        LeastLatencyStrategy s = new LeastLatencyStrategy(); // L = 200: 0.05+4.0 vs 0.5+1.0
        assertThat(SelectionStrategy.index(s.pick(REQ, v))).isEqualTo(1);
        // a short request (max 10 tokens): 0.05+0.2 vs 0.5+0.05
        assertThat(SelectionStrategy.index(s.pick(REQ.withMaxOutputTokens(10), v))).isEqualTo(0);
    }

    @Test
    void fallsBackToRandomWhenLatencyMetricMissing() {
        FakeView v = new FakeView(2, 13).latency(0, 0.1, 0.01).latency(1, Double.NaN, 0.01);
        int[] fallbacks = new int[2];
        int[] hits = histogram(new LeastLatencyStrategy(), v, REQ, DRAWS, fallbacks);
        assertThat(hits[1] / (double) DRAWS).isCloseTo(0.5, within(0.015));
        assertThat(fallbacks[1]).isEqualTo(hits[1]);
        assertThat(fallbacks[0]).isZero();
    }

    @Test
    void predictedMetricsAreFlaggedInThePick() {
        FakeView v = new FakeView(2, 1).kv(0.4, 0.2);
        v.predicted[1] = true;
        long pick = new LeastKvCacheStrategy().pick(REQ, v);
        assertThat(SelectionStrategy.index(pick)).isEqualTo(1);
        assertThat(SelectionStrategy.isPredicted(pick)).isTrue();
    }

    @Test
    void inFlightCorrectionStopsHerdingOntoTheSnapshotsBestPod() {
        // pod 0 looks best in the snapshot (0.30 vs 0.40) but has since been given 3 requests of 0.05 each
        FakeView v = new FakeView(2, 1).kv(0.30, 0.40);
        v.inFlight[0] = 3;
        assertThat(SelectionStrategy.index(new LeastKvCacheStrategy().pick(REQ, v))).isEqualTo(1);
        assertThat(SelectionStrategy.index(new LeastKvCacheStrategy(MissingMetricPolicy.FAIR_SHARE, false).pick(REQ, v)))
                .isEqualTo(0);
    }

    @Test
    void pruningByFloorPicksExactlyWhatAFullScanPicks() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int round = 0; round < 2_000; round++) {
            int n = 1 + r.nextInt(40);
            FakeView v = new FakeView(n, round);
            v.perRequest = 0.01 + 0.1 * r.nextDouble();
            int best = -1;
            double bestScore = Double.POSITIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                v.kv[i] = r.nextDouble();
                v.baseline[i] = r.nextInt(6);
                v.inFlight[i] = r.nextInt(6); // completions since the snapshot make the delta negative
                double exact = Math.max(0.0, v.kv[i] + (v.inFlight[i] - v.baseline[i]) * v.perRequest);
                if (exact < bestScore) {
                    bestScore = exact;
                    best = i;
                }
            }
            long pick = new LeastKvCacheStrategy().pick(REQ, v);
            double picked = Math.max(0.0, v.kv[SelectionStrategy.index(pick)]
                    + (v.inFlight[SelectionStrategy.index(pick)] - v.baseline[SelectionStrategy.index(pick)]) * v.perRequest);
            assertThat(picked).as("round %d", round).isEqualTo(bestScore);
            if (bestScore > 0) {
                assertThat(SelectionStrategy.index(pick)).as("round %d", round).isEqualTo(best);
            }
        }
    }

    @Test
    void latencyCorrectionScalesExpectedLatencyWithLoadSinceSnapshot() {
        // pod 0 looks faster (0.2 s vs 0.35 s expected) but has been given 2 requests since the snapshot:
        // with running unknown (treated as 1) its score is 0.2 x (1 + 2 / 1) = 0.6
        FakeView v = new FakeView(2, 1).latency(0, 0.1, 0.01).latency(1, 0.25, 0.01);
        v.inFlight[0] = 2;
        assertThat(SelectionStrategy.index(new LeastLatencyStrategy().pick(REQ, v))).isEqualTo(1);
        v.inFlight[0] = 0;
        assertThat(SelectionStrategy.index(new LeastLatencyStrategy().pick(REQ, v))).isEqualTo(0);
    }

    @Test
    void constructorsRejectBadArguments() {
        assertThatThrownBy(() -> new LeastKvCacheStrategy(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("policy");
        assertThatThrownBy(() -> new LeastLatencyStrategy(MissingMetricPolicy.FAIR_SHARE, 0, true))
                .hasMessage("expectedOutputTokens: 0 (expected: >= 1)");
        assertThatThrownBy(() -> new LeastRequestStrategy(null)).hasMessageContaining("mode");
    }
}
