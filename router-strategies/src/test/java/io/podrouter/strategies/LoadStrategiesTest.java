package io.podrouter.strategies;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.strategy.SelectionStrategy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LoadStrategiesTest {

    private static final InferenceRequest REQ = InferenceRequest.forModel("m");

    @Test
    void roundRobinCyclesThroughReadyPodsInOrderSkippingNotReady() {
        FakeView v = new FakeView(4, 1).notReady(2);
        RoundRobinStrategy rr = new RoundRobinStrategy(99);
        List<Integer> picks = new ArrayList<>();
        for (int k = 0; k < 9; k++) {
            picks.add(SelectionStrategy.index(rr.pick(REQ, v)));
        }
        assertThat(picks).doesNotContain(2);
        int start = picks.get(0);
        int[] order = {0, 1, 3};
        int offset = start == 0 ? 0 : start == 1 ? 1 : 2;
        for (int k = 0; k < 9; k++) {
            assertThat(picks.get(k)).isEqualTo(order[(offset + k) % 3]);
        }
    }

    @Test
    void roundRobinSurvivesCandidateSetShrinking() {
        RoundRobinStrategy rr = new RoundRobinStrategy(5);
        FakeView big = new FakeView(50, 1);
        for (int k = 0; k < 37; k++) {
            rr.pick(REQ, big);
        }
        FakeView small = new FakeView(2, 1);
        for (int k = 0; k < 10; k++) {
            assertThat(SelectionStrategy.index(rr.pick(REQ, small))).isBetween(0, 1);
        }
    }

    @Test
    void leastRequestPicksFewestInFlight() {
        FakeView v = new FakeView(4, 1);
        v.inFlight[0] = 3;
        v.inFlight[1] = 1;
        v.inFlight[2] = 2;
        v.inFlight[3] = 5;
        assertThat(SelectionStrategy.index(new LeastRequestStrategy().pick(REQ, v))).isEqualTo(1);
    }

    @Test
    void leastRequestBreaksTiesUniformlyAndSkipsNotReady() {
        FakeView v = new FakeView(4, 21).notReady(0);
        v.inFlight[3] = 1;
        int[] hits = new int[4];
        int draws = 30_000;
        for (int d = 0; d < draws; d++) {
            hits[SelectionStrategy.index(new LeastRequestStrategy().pick(REQ, v))]++;
        }
        assertThat(hits[0]).isZero();
        assertThat(hits[3]).isZero();
        assertThat(hits[1] / (double) draws).isCloseTo(0.5, within(0.015));
    }

    @Test
    void exactTieBreakIsUniformOverManyTies() {
        // 40 tied pods and one busier pod: each tie gets 1/40 of the picks
        FakeView v = new FakeView(41, 8);
        v.inFlight[17] = 1;
        int[] hits = new int[41];
        int draws = 200_000;
        LeastRequestStrategy exact = new LeastRequestStrategy();
        for (int d = 0; d < draws; d++) {
            hits[SelectionStrategy.index(exact.pick(REQ, v))]++;
        }
        assertThat(hits[17]).isZero();
        for (int i = 0; i < 41; i++) {
            if (i != 17) {
                // expected 5,000 each, standard deviation ~69: within 5 standard deviations
                assertThat(hits[i] / (double) draws).as("pod %d", i).isCloseTo(1 / 40.0, within(0.0018));
            }
        }
    }

    @Test
    void powerOfTwoChoicesNeverPicksTheMostLoadedOfTwo() {
        FakeView v = new FakeView(2, 3);
        v.inFlight[0] = 10;
        for (int d = 0; d < 100; d++) {
            assertThat(SelectionStrategy.index(new LeastRequestStrategy(LeastRequestStrategy.Mode.POWER_OF_TWO_CHOICES).pick(REQ, v)))
                    .isEqualTo(1);
        }
    }

    @Test
    void powerOfTwoChoicesAvoidsTheMostLoadedPodAmongMany() {
        FakeView v = new FakeView(8, 3);
        v.inFlight[5] = 100; // only ever chosen if both samples were pod 5, which distinct sampling rules out
        LeastRequestStrategy p2c = new LeastRequestStrategy(LeastRequestStrategy.Mode.POWER_OF_TWO_CHOICES);
        int[] hits = new int[8];
        for (int d = 0; d < 20_000; d++) {
            hits[SelectionStrategy.index(p2c.pick(REQ, v))]++;
        }
        assertThat(hits[5]).isZero();
        for (int i = 0; i < 8; i++) {
            if (i != 5) {
                assertThat(hits[i] / 20_000.0).isCloseTo(1 / 7.0, within(0.015));
            }
        }
    }

    @Test
    void randomIsUniformOverReadyPods() {
        FakeView v = new FakeView(5, 17).notReady(4);
        int[] hits = new int[5];
        int draws = 40_000;
        for (int d = 0; d < draws; d++) {
            hits[SelectionStrategy.index(new RandomStrategy().pick(REQ, v))]++;
        }
        assertThat(hits[4]).isZero();
        for (int i = 0; i < 4; i++) {
            assertThat(hits[i] / (double) draws).isCloseTo(0.25, within(0.015));
        }
    }
}
