package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.podrouter.bench.cachepeers.TestView.prompt;
import static io.podrouter.bench.cachepeers.TestView.tokens;
import static org.assertj.core.api.Assertions.assertThat;

class AibrixTunedTest {

    private final AtomicLong nanos = new AtomicLong();

    @Test
    void aRunningGapAbove16IsLeastRequestEvenAgainstAFullMatch() {
        TestView v = new TestView(2, 1);
        InferenceRequest r = tokens(prompt(1, 10));
        AibrixTuned s = new AibrixTuned(nanos::get);
        s.selected(r, v, 0);
        v.inFlight[0] = 17;
        v.inFlight[1] = 0;
        assertThat(s.pick(r, v)).isEqualTo(1);
        v.inFlight[0] = 16; // a gap of 16 is not imbalanced: the match wins (16 <= 8 + 2 x 8)
        assertThat(s.pick(r, v)).isEqualTo(0);
    }

    @Test
    void aMatchedPodAboveMeanPlusTwoSigmaIsSkipped() {
        // one pod at 10, nine at 0: mean 1, sigma 3, limit 7
        TestView v = new TestView(10, 1);
        InferenceRequest r = tokens(prompt(1, 10));
        AibrixTuned s = new AibrixTuned(nanos::get);
        s.selected(r, v, 9);
        v.inFlight[9] = 10;
        Set<Integer> chosen = new HashSet<>();
        for (int k = 0; k < 50; k++) {
            chosen.add((int) s.pick(r, v));
        }
        assertThat(chosen).doesNotContain(9).hasSizeGreaterThan(1); // least-request, random among the idle pods
    }

    @Test
    void aMatchedPodWithinMeanPlusTwoSigmaIsChosen() {
        // one pod at 10, three at 0: mean 2.5, sigma 4.33, limit 11.2
        TestView v = new TestView(4, 1);
        InferenceRequest r = tokens(prompt(1, 10));
        AibrixTuned s = new AibrixTuned(nanos::get);
        s.selected(r, v, 3);
        v.inFlight[3] = 10;
        assertThat(s.pick(r, v)).isEqualTo(3);
    }

    @Test
    void aHigherMatchBeatsFewerRunningAndEqualMatchesGoToFewerRunning() {
        TestView v = new TestView(3, 1);
        AibrixTuned s = new AibrixTuned(nanos::get);
        InferenceRequest full = tokens(prompt(1, 10));
        s.selected(tokens(prompt(1, 5)), v, 0); // p0: 50 %
        s.selected(full, v, 1);                 // p1: 100 %
        s.selected(full, v, 2);                 // p2: 100 %
        v.inFlight[0] = 0;
        v.inFlight[1] = 4;
        v.inFlight[2] = 3;
        assertThat(s.pick(full, v)).isEqualTo(2);
        assertThat(s.pick(tokens(prompt(1, 5, 9, 5)), v)).isEqualTo(0); // 50 % everywhere: fewest running
    }

    @Test
    void noMatchIsLeastRequestAndTheIndexLearnsTheDecision() {
        TestView v = new TestView(3, 1);
        AibrixTuned s = new AibrixTuned(nanos::get);
        v.inFlight[0] = 2;
        v.inFlight[1] = 1;
        v.inFlight[2] = 1;
        InferenceRequest r = tokens(prompt(5, 8));
        int first = v.route(s, r);
        assertThat(first).isIn(1, 2);
        assertThat(v.route(s, r)).isEqualTo(first); // running 2,2,1 or 2,1,2: the match is within the bound
    }

    @Test
    void aNewPodWithoutMetricsIsACandidateAtZeroRunning() {
        TestView v = new TestView(3, 1); // no scraped metrics anywhere: AIBrix's prefix-cache reads its own counts
        AibrixTuned s = new AibrixTuned(nanos::get);
        v.inFlight[0] = 20;
        v.inFlight[1] = 20;
        InferenceRequest r = tokens(prompt(1, 10));
        s.selected(r, v, 0);
        assertThat(s.pick(r, v)).isEqualTo(2); // gap 20 > 16: least-request, the new pod
    }

    @Test
    void entriesIdleFor20MinutesNoLongerMatch() {
        TestView v = new TestView(4, 1);
        AibrixTuned s = new AibrixTuned(nanos::get);
        InferenceRequest r = tokens(prompt(1, 10));
        s.selected(r, v, 3);
        v.inFlight[3] = 1;
        assertThat(s.pick(r, v)).isEqualTo(3);
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(20) + 1);
        assertThat(s.pick(r, v)).isNotEqualTo(3); // no match left: least-request among the idle pods
    }
}
