package io.podrouter.strategies.compose;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Pod;
import io.podrouter.api.strategy.SelectionStrategy;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class AffinityAndGateTest {

    private static final InferenceRequest REQ = InferenceRequest.forModel("m");

    private static ComposedStrategy sessions() {
        return ComposedStrategy.builder("s").scorer(new SessionAffinityScorer(), 1).build();
    }

    @Test
    void aSessionKeepsItsPodAndMovesOnlyWhenThePodIsNotReady() {
        ComposedStrategy s = sessions();
        View v = new View(6, 1).preparedFor(s);
        InferenceRequest r = REQ.withSessionKey("conversation-42");
        int home = SelectionStrategy.index(s.pick(r, v));
        for (int k = 0; k < 20; k++) {
            assertThat(SelectionStrategy.index(s.pick(r, v))).isEqualTo(home);
        }
        v.ready[home] = false;
        int moved = SelectionStrategy.index(s.pick(r, v));
        assertThat(moved).isNotEqualTo(home);
        v.ready[home] = true;
        assertThat(SelectionStrategy.index(s.pick(r, v))).isEqualTo(home);
    }

    @Test
    void sessionsSpreadEvenlyAndANewPodTakesOnlyItsFairShare() {
        ComposedStrategy s = sessions();
        int sessions = 12_000;
        View five = new View(5, 1).preparedFor(s);
        int[] before = new int[sessions];
        int[] counts = new int[5];
        for (int k = 0; k < sessions; k++) {
            before[k] = SelectionStrategy.index(s.pick(REQ.withSessionKey("session-" + k), five));
            counts[before[k]]++;
        }
        for (int c : counts) {
            assertThat(c / (double) sessions).isCloseTo(0.2, within(0.02));
        }
        View six = new View(6, 1).preparedFor(s); // pod-5 is new; pods 0-4 keep their ids
        int moved = 0;
        int toNew = 0;
        for (int k = 0; k < sessions; k++) {
            int now = SelectionStrategy.index(s.pick(REQ.withSessionKey("session-" + k), six));
            if (now != before[k]) {
                moved++;
                assertThat(now).isEqualTo(5); // a session only ever moves to the new pod
                toNew++;
            }
        }
        assertThat(toNew / (double) sessions).isCloseTo(1 / 6.0, within(0.02));
        assertThat(moved).isEqualTo(toNew);
    }

    @Test
    void requestsWithoutASessionKeyScoreZeroEverywhere() {
        double[] out = {5, 5, 5};
        new SessionAffinityScorer().score(REQ, new View(3, 1), null, out);
        assertThat(out).containsOnly(0.0);
    }

    @Test
    void loraAffinityPrefersPodsListingTheAdapterAndFallsBackToLoad() {
        ComposedStrategy s = ComposedStrategy.builder("l")
                .scorer(new LoraAffinityScorer(), 3)
                .scorer(LoadScorer.inFlightRequests(), 1)
                .build();
        View v = new View(3, 1);
        v.pods[1] = v.pods[1].withLabels(Map.of(LoraAffinityScorer.DEFAULT_LABEL, "sql-lora, chat-lora"));
        v.preparedFor(s);
        v.inFlight[0] = 0;
        v.inFlight[1] = 5;
        v.inFlight[2] = 3;
        assertThat(SelectionStrategy.index(s.pick(REQ.withLoraAdapter("chat-lora"), v))).isEqualTo(1);
        // Unknown adapter and no adapter: by load.
        assertThat(SelectionStrategy.index(s.pick(REQ.withLoraAdapter("other"), v))).isEqualTo(0);
        assertThat(SelectionStrategy.index(s.pick(REQ, v))).isEqualTo(0);
        assertThatThrownBy(() -> new LoraAffinityScorer(" ")).hasMessage("labelKey: blank (expected: a pod label name)");
    }

    @Test
    void loraAffinityAlsoReadsRunningAdaptersFromEngineMetrics() {
        ComposedStrategy s = ComposedStrategy.builder("l")
                .scorer(new LoraAffinityScorer(), 3)
                .scorer(LoadScorer.inFlightRequests(), 1)
                .build();
        View v = new View(3, 1).preparedFor(s);
        v.inFlight[2] = 4;
        v.extra[2] = Map.of(LoraAffinityScorer.EXTRA_PREFIX + "sql-lora", 1.0);
        v.extra[1] = Map.of(LoraAffinityScorer.EXTRA_PREFIX + "sql-lora", 0.0); // loaded but idle: no preference
        assertThat(SelectionStrategy.index(s.pick(REQ.withLoraAdapter("sql-lora"), v))).isEqualTo(2);
    }

    @Test
    void gateKeepsOnlyTheLeastLoadedWhenImbalancedByMoreThanSixteenAndOnePointFiveTimes() {
        View v = new View(3, 1);
        boolean[] keep = {true, true, true};
        v.inFlight[0] = 30;
        v.inFlight[1] = 13;
        v.inFlight[2] = 20; // 30 - 13 = 17 > 16 and 30 > 1.5 x 13
        new LoadGateFilter().filter(REQ, v, keep);
        assertThat(keep).containsExactly(false, true, false);
        boolean[] within = {true, true, true};
        v.inFlight[1] = 14; // 30 - 14 = 16: not imbalanced; mean + 2 sd keeps all three
        new LoadGateFilter().filter(REQ, v, within);
        assertThat(within).containsExactly(true, true, true);
        boolean[] ratio = {true, true, true};
        v.inFlight[0] = 60;
        v.inFlight[1] = 41;
        v.inFlight[2] = 41; // 19 apart but 60 < 1.5 x 41: not imbalanced
        new LoadGateFilter().filter(REQ, v, ratio);
        assertThat(ratio).containsExactly(true, true, true);
    }

    @Test
    void gateRemovesALoadOutlierAboveMeanPlusTwoSigma() {
        View v = new View(10, 1);
        Arrays.fill(v.inFlight, 4);
        v.inFlight[3] = 12; // mean 4.8, sd 2.4: limit 9.6; not imbalanced (8 <= 16)
        boolean[] keep = new boolean[10];
        Arrays.fill(keep, true);
        new LoadGateFilter().filter(REQ, v, keep);
        for (int i = 0; i < 10; i++) {
            assertThat(keep[i]).isEqualTo(i != 3);
        }
        assertThatThrownBy(() -> new LoadGateFilter(-1, 1.5, 2)).hasMessage("absoluteImbalance: -1 (expected: >= 0)");
        assertThatThrownBy(() -> new LoadGateFilter(16, 0.5, 2)).hasMessage("relativeImbalance: 0.5 (expected: finite and >= 1)");
        assertThatThrownBy(() -> new LoadGateFilter(16, 1.5, Double.NaN)).hasMessage("sigmas: NaN (expected: finite and >= 0)");
    }

    @Test
    void gateIgnoresCandidatesAlreadyFilteredOut() {
        View v = new View(3, 1);
        v.inFlight[0] = 0; // filtered out already: must not count as the minimum
        v.inFlight[1] = 30;
        v.inFlight[2] = 31;
        boolean[] keep = {false, true, true};
        new LoadGateFilter().filter(REQ, v, keep);
        assertThat(keep).containsExactly(false, true, true);
    }

    @Test
    void outlierGuardKeepsOnlyTheSigmaRule() {
        View v = new View(4, 1);
        v.inFlight[0] = 40; // an imbalance of 40 and 40x: the imbalance rule would keep pod 1 only
        v.inFlight[1] = 1;
        v.inFlight[2] = 20;
        v.inFlight[3] = 20;
        boolean[] keep = {true, true, true, true};
        LoadGateFilter.outlierGuard().filter(REQ, v, keep);
        assertThat(keep).containsExactly(true, true, true, true); // 4 pods: nothing is 2 sigma above the mean
        assertThat(LoadGateFilter.outlierGuard()).hasToString("load-gate(2.0 sigma)");
    }

    @Test
    void gateStopsAffinityFromOverloadingThePodThatHoldsTheCache() {
        MutableClock clock = new MutableClock();
        ComposedStrategy s = ComposedStrategy.builder("gated").filter(new LoadGateFilter())
                .scorer(PrefixCacheScorer.builder().clock(clock).blocksPerPod(1024).withoutAffinityRelease().build(), 3)
                .scorer(LoadScorer.inFlightTokens(), 2).picker(Pickers.maxScore()).build();
        View v = new View(4, 3).preparedFor(s); // the prefix scorer's own release is off: this is the filter's rule
        String system = "s".repeat(4096);
        int home = v.route(s, REQ.withPrompt(system + "q0"));
        // No completions. Affinity keeps the group on its pod while the gap is at most 16 requests...
        for (int k = 1; k <= LoadGateFilter.DEFAULT_ABSOLUTE_IMBALANCE; k++) {
            assertThat(v.route(s, REQ.withPrompt(system + "q" + k))).isEqualTo(home);
        }
        // ...then the gate sends the next to the least loaded, and the gap never exceeds 17.
        assertThat(v.route(s, REQ.withPrompt(system + "q17"))).isNotEqualTo(home);
        for (int k = 18; k < 400; k++) {
            v.route(s, REQ.withPrompt(system + "q" + k));
            int max = Arrays.stream(v.inFlight).max().orElseThrow();
            int min = Arrays.stream(v.inFlight).min().orElseThrow();
            assertThat(max - min).isLessThanOrEqualTo(LoadGateFilter.DEFAULT_ABSOLUTE_IMBALANCE + 1);
        }
    }
}
