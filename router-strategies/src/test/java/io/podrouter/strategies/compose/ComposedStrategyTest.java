package io.podrouter.strategies.compose;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.RandomSource;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.Picker;
import io.podrouter.api.strategy.Scorer;
import io.podrouter.api.strategy.SelectionStrategy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ComposedStrategyTest {

    private static final InferenceRequest REQ = InferenceRequest.forModel("m");

    /** A scorer that writes fixed scores. */
    private static Scorer fixed(String name, double... scores) {
        return new Scorer() {
            @Override public String name() { return name; }
            @Override public void score(InferenceRequest r, CandidateView v, Object p, double[] out) {
                System.arraycopy(scores, 0, out, 0, scores.length);
            }
        };
    }

    @Test
    void weightedSumOfScorersDecides() {
        ComposedStrategy s = ComposedStrategy.builder("t")
                .scorer(fixed("a", 1, 0, 0.5), 1)
                .scorer(fixed("b", 0, 1, 0.6), 3)
                .build();
        // combined: 0.25, 0.75, 0.575
        assertThat(SelectionStrategy.index(s.pick(REQ, new View(3, 1)))).isEqualTo(1);
    }

    @Test
    void outOfRangeAndNanScoresAreClampedToTheUnitInterval() {
        ComposedStrategy s = ComposedStrategy.builder("t")
                .scorer(fixed("bad", Double.NaN, 5, -3), 1)
                .scorer(fixed("good", 0.9, 0, 0.8), 1)
                .build();
        // clamped: NaN -> 0 + 0.9; 5 -> 1 + 0; -3 -> 0 + 0.8: candidate 1 wins with 1 (not 5)
        View v = new View(3, 1);
        assertThat(SelectionStrategy.index(s.pick(REQ, v))).isEqualTo(1);
        ComposedStrategy t = ComposedStrategy.builder("t")
                .scorer(fixed("bad", Double.NaN, 5, -3), 1)
                .scorer(fixed("good", 0.9, 0, 0.8), 10)
                .build();
        assertThat(SelectionStrategy.index(t.pick(REQ, v))).isEqualTo(0);
    }

    @Test
    void candidatesThatAreNotReadyAreNeverPicked() {
        View v = new View(3, 1);
        v.ready[1] = false;
        ComposedStrategy s = ComposedStrategy.builder("t").scorer(fixed("a", 0, 1, 0), 1).build();
        for (int k = 0; k < 50; k++) {
            assertThat(SelectionStrategy.index(s.pick(REQ, v))).isNotEqualTo(1);
        }
    }

    @Test
    void filtersNarrowAndAnEmptyResultPasses() {
        View v = new View(3, 1);
        ComposedStrategy keepLast = ComposedStrategy.builder("t")
                .filter(filter((r, view, keep) -> { keep[0] = false; keep[1] = false; }))
                .scorer(fixed("a", 1, 1, 0), 1).build();
        assertThat(SelectionStrategy.index(keepLast.pick(REQ, v))).isEqualTo(2);
        ComposedStrategy none = ComposedStrategy.builder("t")
                .filter(filter((r, view, keep) -> java.util.Arrays.fill(keep, false)))
                .scorer(fixed("a", 1, 1, 1), 1).build();
        assertThat(none.pick(REQ, v)).isEqualTo(SelectionStrategy.PASS);
    }

    @Test
    void aFilterCannotReviveACandidateThatIsNotReady() {
        View v = new View(2, 1);
        v.ready[0] = false;
        ComposedStrategy s = ComposedStrategy.builder("t")
                .filter(filter((r, view, keep) -> java.util.Arrays.fill(keep, true)))
                .scorer(fixed("a", 1, 0), 1).build();
        assertThat(SelectionStrategy.index(s.pick(REQ, v))).isEqualTo(1);
    }

    interface F { void apply(InferenceRequest r, CandidateView v, boolean[] keep); }

    private static io.podrouter.api.strategy.CandidateFilter filter(F f) {
        return new io.podrouter.api.strategy.CandidateFilter() {
            @Override public String name() { return "f"; }
            @Override public void filter(InferenceRequest r, CandidateView v, boolean[] keep) { f.apply(r, v, keep); }
        };
    }

    @Test
    void maxScoreBreaksTiesUniformly() {
        Picker p = Pickers.maxScore();
        double[] scores = {0.5, 0.9, 0.9, 0.9, 0.1};
        boolean[] eligible = {true, true, true, true, true};
        RandomSource r = RandomSource.seeded(7);
        int[] counts = new int[5];
        int draws = 30_000;
        for (int k = 0; k < draws; k++) {
            counts[p.pick(scores, eligible, 5, r)]++;
        }
        assertThat(counts[0]).isZero();
        assertThat(counts[4]).isZero();
        for (int i = 1; i <= 3; i++) {
            assertThat(counts[i] / (double) draws).isCloseTo(1 / 3.0, within(0.02));
        }
    }

    @Test
    void maxScoreIgnoresIneligibleCandidates() {
        assertThat(Pickers.maxScore().pick(new double[] {1, 0.2}, new boolean[] {false, true}, 2, RandomSource.seeded(1)))
                .isEqualTo(1);
    }

    @Test
    void weightedRandomIsProportionalToScoreAndUniformWhenAllZero() {
        Picker p = Pickers.weightedRandom();
        RandomSource r = RandomSource.seeded(11);
        int[] counts = new int[3];
        int draws = 40_000;
        for (int k = 0; k < draws; k++) {
            counts[p.pick(new double[] {0.1, 0.3, 0}, new boolean[] {true, true, true}, 3, r)]++;
        }
        assertThat(counts[0] / (double) draws).isCloseTo(0.25, within(0.015));
        assertThat(counts[1] / (double) draws).isCloseTo(0.75, within(0.015));
        assertThat(counts[2]).isZero();
        int[] uniform = new int[2];
        for (int k = 0; k < 20_000; k++) {
            uniform[p.pick(new double[] {0, 0}, new boolean[] {true, true}, 2, r)]++;
        }
        assertThat(uniform[0] / 20_000.0).isCloseTo(0.5, within(0.02));
    }

    @Test
    void softmaxFollowsTheTemperature() {
        RandomSource r = RandomSource.seeded(3);
        double[] scores = {1.0, 0.9};
        boolean[] all = {true, true};
        int draws = 40_000;
        int first = 0;
        Picker warm = Pickers.softmax(0.1);
        for (int k = 0; k < draws; k++) {
            first += warm.pick(scores, all, 2, r) == 0 ? 1 : 0;
        }
        double expected = Math.exp(1.0) / (Math.exp(1.0) + 1); // exp(0.1/0.1) : exp(0)
        assertThat(first / (double) draws).isCloseTo(expected, within(0.015));
        int cold = 0;
        Picker cool = Pickers.softmax(0.001);
        for (int k = 0; k < 1000; k++) {
            cold += cool.pick(scores, all, 2, r) == 0 ? 1 : 0;
        }
        assertThat(cold).isEqualTo(1000);
        assertThatThrownBy(() -> Pickers.softmax(0)).hasMessage("temperature: 0.0 (expected: finite and > 0)");
        assertThatThrownBy(() -> Pickers.softmax(Double.NaN)).hasMessage("temperature: NaN (expected: finite and > 0)");
    }

    @Test
    void builderValidates() {
        assertThatThrownBy(() -> ComposedStrategy.builder(" ")).hasMessage("name: blank (expected: a short strategy name)");
        assertThatThrownBy(() -> ComposedStrategy.builder("t").build())
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("scorers: none");
        assertThatThrownBy(() -> ComposedStrategy.builder("t").scorer(fixed("a"), 0))
                .hasMessage("weight of a: 0.0 (expected: finite and > 0)");
        assertThatThrownBy(() -> ComposedStrategy.builder("t").scorer(fixed("a"), Double.NaN))
                .hasMessage("weight of a: NaN (expected: finite and > 0)");
    }

    @Test
    void ranksByMetricsOnlyWithAMetricScorerAndObservesOnlyWithAnObservingScorer() {
        ComposedStrategy load = ComposedStrategy.builder("t").scorer(LoadScorer.inFlightRequests(), 1).build();
        assertThat(load.ranksByMetrics()).isFalse();
        assertThat(load.observesSelections()).isFalse();
        assertThat(load.usesInFlightTokens()).isFalse();
        ComposedStrategy cache = CacheAware.defaults();
        assertThat(cache.ranksByMetrics()).isFalse();
        assertThat(cache.observesSelections()).isTrue();
        assertThat(cache.usesInFlightTokens()).isTrue();
        Scorer metric = new Scorer() {
            @Override public String name() { return "kv"; }
            @Override public boolean usesMetrics() { return true; }
            @Override public void score(InferenceRequest r, CandidateView v, Object p, double[] out) { }
        };
        assertThat(ComposedStrategy.builder("t").scorer(metric, 1).build().ranksByMetrics()).isTrue();
    }

    @Test
    void loadScorerNormalisesMinMaxAndScoresAnEqualFleetOne() {
        View v = new View(3, 1);
        v.inFlight[0] = 2;
        v.inFlight[1] = 6;
        v.inFlight[2] = 4;
        double[] out = new double[3];
        LoadScorer.inFlightRequests().score(REQ, v, null, out);
        assertThat(out).containsExactly(1.0, 0.0, 0.5);
        v.tokens[0] = 100;
        v.tokens[1] = 100;
        v.tokens[2] = 100;
        LoadScorer.inFlightTokens().score(REQ, v, null, out);
        assertThat(out).containsExactly(1.0, 1.0, 1.0);
    }

    @Test
    void tokenLoadPrefersTheCandidateWithFewerInFlightTokensOverFewerRequests() {
        View v = new View(2, 1);
        v.inFlight[0] = 1;
        v.tokens[0] = 40_000; // one long prompt
        v.inFlight[1] = 3;
        v.tokens[1] = 1_500; // three short ones
        ComposedStrategy s = ComposedStrategy.builder("t").scorer(LoadScorer.inFlightTokens(), 1).build();
        assertThat(SelectionStrategy.index(s.pick(REQ, v))).isEqualTo(1);
    }

    @Test
    void aCompositionKeepsAffinityExactlyWhenOneOfItsScorersDoes() {
        assertThat(CacheAware.defaults().keepsAffinity()).isTrue();
        assertThat(ComposedStrategy.builder("load").scorer(LoadScorer.inFlightTokens(), 1).build().keepsAffinity()).isFalse();
        assertThat(ComposedStrategy.builder("session").scorer(new SessionAffinityScorer(), 1).build().keepsAffinity()).isTrue();
        assertThat(ComposedStrategy.builder("lora").scorer(new LoraAffinityScorer(), 1).build()
                .keepsAffinity()).isTrue();
    }

    @Test
    void firstTokenReachesOnlyTheScorersThatObserveSelections() {
        java.util.List<String> heard = new java.util.ArrayList<>();
        Scorer observing = new Scorer() {
            @Override public String name() { return "observing"; }
            @Override public boolean observesSelections() { return true; }
            @Override public void score(InferenceRequest r, CandidateView v, Object p, double[] out) { }
            @Override public void firstToken(InferenceRequest r, io.podrouter.api.Pod pod) { heard.add("observing " + pod.id()); }
        };
        Scorer silent = new Scorer() {
            @Override public String name() { return "silent"; }
            @Override public void score(InferenceRequest r, CandidateView v, Object p, double[] out) { }
            @Override public void firstToken(InferenceRequest r, io.podrouter.api.Pod pod) { heard.add("silent " + pod.id()); }
        };
        ComposedStrategy s = ComposedStrategy.builder("t").scorer(silent, 1).scorer(observing, 1).build();
        s.firstToken(REQ, io.podrouter.api.Pod.ready("p", "10.0.0.1", 8000, java.time.Instant.EPOCH));
        assertThat(heard).containsExactly("observing p");
    }
}
