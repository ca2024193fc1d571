package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.podrouter.bench.cachepeers.TestView.prompt;
import static io.podrouter.bench.cachepeers.TestView.tokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DynamoKvRouterTest {

    private final AtomicLong nanos = new AtomicLong();

    /**
     * Worked example. r1 (10 blocks, 160 tokens) went to p0 and is still running. r2 shares r1's first 8
     * blocks and has 2 of its own.
     * <pre>
     * p0: prefill = (160 active + 160 prompt - 8 x 16 cached) / 16 = 12; decode = 10 active + 2 new = 12; cost 24
     * p1: prefill = (0 + 160 - 0) / 16 = 10;                           decode = 0 + 10 new = 10;   cost 20
     * </pre>
     * so p1 wins. Once r1 completes, p0 costs (0 + 160 - 128) / 16 = 2 plus 10 decode blocks = 12 and wins.
     */
    @Test
    void picksTheLowerCostWorkedExample() {
        TestView v = new TestView(2, 1);
        DynamoKvRouter s = new DynamoKvRouter(nanos::get);
        InferenceRequest r1 = tokens(prompt(1, 10));
        s.selected(r1, v, 0);
        InferenceRequest r2 = tokens(prompt(1, 8, 2, 2));
        assertThat(s.cost(r2, v.pod(0))).isEqualTo(24.0);
        assertThat(s.cost(r2, v.pod(1))).isEqualTo(20.0);
        assertThat(s.pick(r2, v)).isEqualTo(1);

        s.completed(r1, v.pod(0), Outcome.SUCCESS, 1);
        assertThat(s.cost(r2, v.pod(0))).isEqualTo(12.0);
        assertThat(s.pick(r2, v)).isEqualTo(0);
    }

    @Test
    void blocksSharedByActiveRequestsCountOnceAndLeaveWithTheLastOne() {
        TestView v = new TestView(2, 1);
        DynamoKvRouter s = new DynamoKvRouter(nanos::get);
        InferenceRequest a = tokens(prompt(1, 8, 2, 2));
        InferenceRequest b = tokens(prompt(1, 8, 3, 2));
        s.selected(a, v, 0); // prefill 160 tokens, blocks 10
        s.selected(b, v, 0); // 8 blocks cached: prefill 32 tokens, 2 new blocks
        InferenceRequest probe = tokens(prompt(9, 1));
        // prefill (192 + 16 - 0) / 16 = 13; decode 12 distinct + 1 = 13
        assertThat(s.cost(probe, v.pod(0))).isEqualTo(26.0);
        s.completed(a, v.pod(0), Outcome.FAILURE, 1);
        // prefill (32 + 16) / 16 = 3; decode 10 + 1 = 11
        assertThat(s.cost(probe, v.pod(0))).isEqualTo(14.0);
        s.completed(b, v.pod(0), Outcome.CANCELLED, -1);
        assertThat(s.cost(probe, v.pod(0))).isEqualTo(s.cost(probe, v.pod(1))).isEqualTo(2.0);
    }

    @Test
    void equalCostsAreBrokenAtRandom() {
        TestView v = new TestView(3, 7);
        DynamoKvRouter s = new DynamoKvRouter(nanos::get);
        InferenceRequest r = tokens(prompt(1, 4));
        Set<Long> chosen = new HashSet<>();
        for (int k = 0; k < 60; k++) {
            chosen.add(s.pick(r, v));
        }
        assertThat(chosen).containsExactlyInAnyOrder(0L, 1L, 2L);
    }

    @Test
    void predictedCacheExpiresAfter120Seconds() {
        TestView v = new TestView(2, 1);
        DynamoKvRouter s = new DynamoKvRouter(nanos::get);
        InferenceRequest r = tokens(prompt(1, 10));
        s.selected(r, v, 0);
        s.completed(r, v.pod(0), Outcome.SUCCESS, 1);
        assertThat(s.cost(r, v.pod(0))).isEqualTo(10.0); // 0 prefill, 10 decode
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(120));
        assertThat(s.cost(r, v.pod(0))).isEqualTo(10.0);
        nanos.addAndGet(1);
        assertThat(s.cost(r, v.pod(0))).isEqualTo(20.0); // the full prompt again
    }

    @Test
    void aRestartedWorkerHasNoPredictedCache() {
        TestView v = new TestView(2, 1);
        DynamoKvRouter s = new DynamoKvRouter(nanos::get);
        InferenceRequest r = tokens(prompt(1, 10));
        s.selected(r, v, 0);
        s.completed(r, v.pod(0), Outcome.SUCCESS, 1);
        Pod restarted = v.pod(0).markedNotReady().markedReady(TestView.T0.plusSeconds(60));
        v.pods.set(0, restarted);
        assertThat(s.cost(r, restarted)).isEqualTo(20.0);
    }

    @Test
    void aNewWorkerIsChosenByCostAloneWithoutMetrics() {
        TestView v = new TestView(3, 1); // no pod has scraped metrics; Dynamo reads none
        DynamoKvRouter s = new DynamoKvRouter(nanos::get);
        InferenceRequest r = tokens(prompt(1, 10));
        s.selected(r, v, 0);
        s.selected(tokens(prompt(3, 10)), v, 0);
        s.selected(tokens(prompt(2, 10)), v, 1);
        // p0 holds r's blocks but runs two requests: prefill (320 + 160 - 160) / 16 = 20, decode 20 + 0 new = 20: 40
        // p1: prefill (160 + 160) / 16 = 20, decode 10 + 10 = 20: 40; the new p2: 160 / 16 = 10 plus 10 blocks: 20
        assertThat(s.cost(r, v.pod(0))).isEqualTo(40.0);
        assertThat(s.pick(r, v)).isEqualTo(2);
    }

    @Test
    void kvEventModeSeesAStoredBlockOnlyAfterTheDelayAndForgetsAnEvictedOne() {
        TestView v = new TestView(2, 1);
        TestFeed feed = new TestFeed();
        DynamoKvRouter s = new DynamoKvRouter(nanos::get, feed, TimeUnit.MILLISECONDS.toNanos(20));
        InferenceRequest r = tokens(prompt(1, 10));
        s.selected(r, v, 0); // a decision alone predicts nothing in this mode
        s.completed(r, v.pod(0), Outcome.SUCCESS, 1);
        assertThat(s.overlap(r, v.pod(0))).isZero();

        feed.store(v.pod(0), r, 10);
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(20) - 1);
        assertThat(s.overlap(r, v.pod(0))).isZero(); // still on its way
        nanos.addAndGet(1);
        assertThat(s.overlap(r, v.pod(0))).isEqualTo(10);
        assertThat(s.overlap(r, v.pod(1))).isZero();
        assertThat(s.cost(r, v.pod(0))).isEqualTo(10.0); // no prefill, 10 decode blocks
        assertThat(s.pick(r, v)).isEqualTo(0);

        feed.evict(v.pod(0), r, 4);
        assertThat(s.overlap(r, v.pod(0))).isEqualTo(10); // the removal is on its way too
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(20));
        assertThat(s.overlap(r, v.pod(0))).isEqualTo(4); // leading blocks up to the evicted one
        nanos.addAndGet(TimeUnit.HOURS.toNanos(1));
        assertThat(s.overlap(r, v.pod(0))).isEqualTo(4); // no time-to-live
    }

    @Test
    void kvEventModeForgetsARestartedInstance() {
        TestView v = new TestView(2, 1);
        TestFeed feed = new TestFeed();
        DynamoKvRouter s = new DynamoKvRouter(nanos::get, feed, 0);
        InferenceRequest r = tokens(prompt(1, 10));
        feed.store(v.pod(0), r, 10);
        assertThat(s.overlap(r, v.pod(0))).isEqualTo(10);
        Pod restarted = v.pod(0).markedNotReady().markedReady(TestView.T0.plusSeconds(60));
        assertThat(s.overlap(r, restarted)).isZero();
    }

    @Test
    void kvEventModeNeedsAFeedThatPublishesEvents() {
        assertThatThrownBy(() -> new DynamoKvRouter(nanos::get, PeerFeed.none(), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("peer: dynamo (expected: a PeerFeed that publishes KV events, or dynamo-approx)");
        assertThatThrownBy(() -> new DynamoKvRouter(nanos::get, new TestFeed(), -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("kvEventDelayNanos: -1 (expected: >= 0)");
    }

    /**
     * r1 (160 uncached tokens) on p0: its prefill load counts until its first token, its 10 blocks until it
     * completes. A probe of 1 new block then costs on p0: before the first token (160 + 16) / 16 = 11 prefill
     * + 11 decode = 22; after it 1 + 11 = 12; after completion 1 + 1 = 2.
     */
    @Test
    void prefillLoadIsReleasedAtTheFirstTokenAndBlocksAtCompletion() {
        TestView v = new TestView(2, 1);
        DynamoKvRouter s = new DynamoKvRouter(nanos::get);
        InferenceRequest r1 = tokens(prompt(1, 10));
        InferenceRequest probe = tokens(prompt(9, 1));
        s.selected(r1, v, 0);
        assertThat(s.prefillTokens(v.pod(0))).isEqualTo(160.0);
        assertThat(s.cost(probe, v.pod(0))).isEqualTo(22.0);
        s.firstToken(r1, v.pod(0));
        assertThat(s.prefillTokens(v.pod(0))).isZero();
        assertThat(s.cost(probe, v.pod(0))).isEqualTo(12.0);
        s.firstToken(r1, v.pod(0)); // a second report changes nothing
        assertThat(s.prefillTokens(v.pod(0))).isZero();
        s.completed(r1, v.pod(0), Outcome.SUCCESS, 1);
        assertThat(s.cost(probe, v.pod(0))).isEqualTo(2.0);
    }

    @Test
    void withTwoRequestsOnlyTheOneThatReachedItsFirstTokenStopsCountingAsPrefill() {
        TestView v = new TestView(1, 1);
        DynamoKvRouter s = new DynamoKvRouter(nanos::get);
        InferenceRequest a = tokens(prompt(1, 10));
        InferenceRequest b = tokens(prompt(2, 5));
        s.selected(a, v, 0);
        s.selected(b, v, 0);
        assertThat(s.prefillTokens(v.pod(0))).isEqualTo(240.0);
        s.firstToken(b, v.pod(0));
        assertThat(s.prefillTokens(v.pod(0))).isEqualTo(160.0);
        s.completed(b, v.pod(0), Outcome.SUCCESS, 1); // already released: completion takes nothing more
        assertThat(s.prefillTokens(v.pod(0))).isEqualTo(160.0);
        s.completed(a, v.pod(0), Outcome.FAILURE, 1); // never reached its first token: released at completion
        assertThat(s.prefillTokens(v.pod(0))).isZero();
    }

    @Test
    void throughARealRouterTheSelectionsFirstTokenReleasesThePrefillLoad() {
        io.podrouter.core.Router.Builder b = io.podrouter.core.Router.builder()
                .metricsSource((pod, model) -> io.podrouter.api.MetricsLookup.missing(io.podrouter.api.MissingReason.NOT_YET_SCRAPED))
                .random(io.podrouter.api.RandomSource.seeded(1))
                .metricsRefreshInterval(java.time.Duration.ZERO);
        CachePeers.configure("dynamo-approx", b, nanos::get);
        try (io.podrouter.core.Router router = b.build()) {
            DynamoKvRouter s = (DynamoKvRouter) router.strategies().get(0);
            var candidates = router.candidates(java.util.List.of(Pod.ready("p0", "10.0.0.1", 8000, TestView.T0)));
            io.podrouter.api.PodSelection sel = router.selectPod(tokens(prompt(1, 10)), candidates);
            assertThat(s.prefillTokens(sel.pod())).isEqualTo(160.0);
            sel.firstToken();
            assertThat(s.prefillTokens(sel.pod())).isZero();
            sel.complete(Outcome.SUCCESS, 1_000_000L);
        }
    }
}
