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
}
