package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static io.podrouter.bench.cachepeers.TestView.prompt;
import static io.podrouter.bench.cachepeers.TestView.tokens;
import static org.assertj.core.api.Assertions.assertThat;

class SglangCacheAwareTest {

    private final AtomicLong nanos = new AtomicLong();

    /** p0 holds the request's whole prefix; returns the strategy. */
    private SglangCacheAware withPrefixOnP0(TestView v, InferenceRequest r) {
        SglangCacheAware s = new SglangCacheAware(nanos::get);
        s.selected(r, v, 0);
        return s;
    }

    @Test
    void imbalanceOf65And1_6xSwitchesToShortestQueue() {
        TestView v = new TestView(2, 1);
        InferenceRequest r = tokens(prompt(1, 10));
        SglangCacheAware s = withPrefixOnP0(v, r);
        v.inFlight[0] = 105; // 105 - 40 = 65 > 64 and 105 > 1.5 x 40 = 60
        v.inFlight[1] = 40;
        assertThat(s.pick(r, v)).isEqualTo(1);
    }

    @Test
    void imbalanceOf64IsBalancedSoTheBestMatchWins() {
        TestView v = new TestView(2, 1);
        InferenceRequest r = tokens(prompt(1, 10));
        SglangCacheAware s = withPrefixOnP0(v, r);
        v.inFlight[0] = 104; // 104 - 40 = 64: not more than 64
        v.inFlight[1] = 40;
        assertThat(s.pick(r, v)).isEqualTo(0);
    }

    @Test
    void aGapAbove64ButBelow1_5xIsBalanced() {
        TestView v = new TestView(2, 1);
        InferenceRequest r = tokens(prompt(1, 10));
        SglangCacheAware s = withPrefixOnP0(v, r);
        v.inFlight[0] = 200; // 200 - 134 = 66 > 64, but 200 < 1.5 x 134 = 201
        v.inFlight[1] = 134;
        assertThat(s.pick(r, v)).isEqualTo(0);
    }

    @Test
    void aMatchRateOf0_3IsAMissAndAbove0_3AHit() {
        TestView v = new TestView(3, 1);
        SglangCacheAware s = new SglangCacheAware(nanos::get);
        s.selected(tokens(prompt(1, 4)), v, 2); // p2 holds the first 4 blocks of group 1
        v.inFlight[0] = 1;
        v.inFlight[1] = 0;
        v.inFlight[2] = 5;
        // 3 of 10 blocks = 0.3, not above the threshold: the least loaded (p1)
        assertThat(s.pick(tokens(prompt(1, 3, 9, 7)), v)).isEqualTo(1);
        // 4 of 10 blocks = 0.4: the best match (p2), although it is the busiest
        assertThat(s.pick(tokens(prompt(1, 4, 9, 6)), v)).isEqualTo(2);
    }

    @Test
    void aMissGoesToTheFirstLeastLoadedWorker() {
        TestView v = new TestView(4, 1);
        SglangCacheAware s = new SglangCacheAware(nanos::get);
        v.inFlight[0] = 3;
        // p1, p2 and p3 tie at 0: Rust's min_by_key keeps the first
        assertThat(s.pick(tokens(prompt(7, 10)), v)).isEqualTo(1);
        assertThat(s.pick(InferenceRequest.forModel("m"), v)).isEqualTo(1); // no prompt: a miss too
    }

    @Test
    void theTreeLearnsFromItsOwnDecisionSoTheSecondRequestFollowsTheFirst() {
        TestView v = new TestView(4, 1);
        SglangCacheAware s = new SglangCacheAware(nanos::get);
        int first = v.route(s, tokens(prompt(3, 2, 100, 8)));
        // same 2-block prefix, a different question: 2 of 10 blocks, below 0.3
        int second = v.route(s, tokens(prompt(3, 2, 200, 8)));
        assertThat(second).isNotEqualTo(first); // a miss: the least loaded
        int third = v.route(s, tokens(prompt(3, 2, 100, 8))); // the first request again: a full match
        assertThat(third).isEqualTo(first);
    }

    @Test
    void aNewWorkerTakesEveryRequestOnceTheOthersAreImbalancedAgainstIt() {
        TestView v = new TestView(3, 1);
        InferenceRequest r = tokens(prompt(1, 10));
        SglangCacheAware s = withPrefixOnP0(v, r);
        v.inFlight[0] = 70;
        v.inFlight[1] = 70;
        v.inFlight[2] = 0; // the new worker: empty tree, no load
        for (int k = 0; k < 6; k++) {
            assertThat(v.route(s, r)).isEqualTo(2); // 70 - k > 64 and 70 > 1.5 x k
        }
        assertThat(v.route(s, r)).isEqualTo(0); // 70 - 6 = 64: balanced, and p0's match wins
        assertThat(s.index().size(v.pod(2))).isEqualTo(10); // recorded while imbalanced too
    }

    @Test
    void aMatchSharedByTwoWorkersStaysWithTheWorkerThatFirstHeldIt() {
        TestView v = new TestView(3, 5);
        SglangCacheAware s = new SglangCacheAware(nanos::get);
        InferenceRequest r = tokens(prompt(1, 10));
        s.selected(r, v, 1); // p1 creates the path: its tenant
        s.selected(r, v, 0); // p0 holds the same path later
        v.inFlight[0] = 0;
        v.inFlight[1] = 3; // busier, but balanced (3 - 0 <= 64)
        for (int k = 0; k < 40; k++) {
            assertThat(s.pick(r, v)).as("pick %d", k).isEqualTo(1); // never p0, not at random
        }
    }

    @Test
    void whenTheTenantIsNotReadyTheRequestGoesToTheLeastLoaded() {
        TestView v = new TestView(3, 5);
        SglangCacheAware s = new SglangCacheAware(nanos::get);
        InferenceRequest r = tokens(prompt(1, 10));
        s.selected(r, v, 1);
        s.selected(r, v, 0);
        v.pods.set(1, v.pod(1).markedNotReady());
        v.inFlight[0] = 2;
        v.inFlight[2] = 1;
        assertThat(s.pick(r, v)).isEqualTo(2); // not p0, although p0 holds the prefix too
    }

    @Test
    void leastLoadTiesGoToTheWorkerThatWasSentFewerRequests() {
        TestView v = new TestView(3, 1);
        SglangCacheAware s = new SglangCacheAware(nanos::get);
        s.selected(tokens(prompt(5, 10)), v, 0);
        s.selected(tokens(prompt(6, 10)), v, 0);
        s.selected(tokens(prompt(7, 10)), v, 1);
        // all three at load 0 (the requests completed): p2 has processed none
        assertThat(s.pick(tokens(prompt(9, 10)), v)).isEqualTo(2);
        s.selected(tokens(prompt(8, 10)), v, 2);
        s.selected(tokens(prompt(8, 10)), v, 2);
        // p1 and p2 ... p1 processed 1, p2 2, p0 2: p1
        assertThat(s.pick(tokens(prompt(9, 10)), v)).isEqualTo(1);
    }
}
