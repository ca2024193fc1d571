package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.core.Router;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static io.podrouter.bench.cachepeers.TestView.prompt;
import static io.podrouter.bench.cachepeers.TestView.tokens;
import static org.assertj.core.api.Assertions.assertThat;

class LlmdTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");

    private final AtomicLong nanos = new AtomicLong();
    private final Map<String, PodMetrics> scraped = new ConcurrentHashMap<>();

    private Router router() {
        Router.Builder b = builder();
        CachePeers.configure("llm-d", b, nanos::get);
        return b.build();
    }

    private Router.Builder builder() {
        return Router.builder()
                .metricsSource((pod, model) -> {
                    PodMetrics m = scraped.get(pod.id());
                    return m == null ? MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED) : MetricsLookup.present(m);
                })
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .random(RandomSource.seeded(42))
                .metricsRefreshInterval(Duration.ZERO);
    }

    private static List<Pod> pods(int n) {
        return java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> Pod.ready("p" + i, "10.0.0." + i, 8000, NOW.minusSeconds(300)))
                .toList();
    }

    private void scrape(String id, double waiting, double kv) {
        scraped.put(id, PodMetrics.observedAt(NOW).withWaitingRequests(waiting).withKvCacheUsage(kv).withRunningRequests(1));
    }

    @Test
    void aNeverScrapedPodScoresAsIdleAndWinsEveryRequestThatMatchesNowhere() {
        scrape("p0", 4, 0.6);
        scrape("p1", 2, 0.3); // p2 was never scraped
        try (Router router = router()) {
            List<Pod> pods = pods(3);
            var candidates = router.candidates(pods);
            router.refreshMetrics();
            for (int k = 0; k < 12; k++) {
                PodSelection s = router.selectPod(tokens(prompt(10 + k, 8)), candidates);
                // queue: p2 min-max 1 (its 0 is the shortest); KV: 1 - 0 = 1; so 4/7 against p1's 2 x 0.5 + 2 x 0.7
                assertThat(s.pod().id()).isEqualTo("p2");
                assertThat(s.strategy()).isEqualTo("llm-d");
            }
            // never completed, and past podrouter's burst guard of 8: llm-d reads the scraped metrics only
            assertThat(router.inFlight("p2")).isEqualTo(12);
        }
    }

    @Test
    void podroutersColdStartHandlingWouldHaveBoundedTheColdPodsShare() {
        // the control for the test above: the same strategy under the router's defaults, which configure() turns off
        scrape("p0", 4, 0.6);
        scrape("p1", 2, 0.3);
        try (Router router = builder().strategy(CachePeers.llmd(nanos::get)).build()) {
            var candidates = router.candidates(pods(3));
            router.refreshMetrics();
            for (int k = 0; k < 12; k++) {
                router.selectPod(tokens(prompt(10 + k, 8)), candidates);
            }
            assertThat(router.inFlight("p2")).isLessThan(12);
        }
    }

    @Test
    void theIndexLearnsFromItsOwnDecisionSoTheSecondRequestWithThatPrefixFollowsTheFirst() {
        for (int i = 0; i < 4; i++) {
            scrape("p" + i, 1, 0.2);
        }
        try (Router router = router()) {
            var candidates = router.candidates(pods(4));
            router.refreshMetrics();
            InferenceRequest first = tokens(prompt(1, 6, 2, 2));
            PodSelection a = router.selectPod(first, candidates);
            a.complete(Outcome.SUCCESS, 1_000_000L);
            for (int k = 0; k < 5; k++) {
                PodSelection b = router.selectPod(tokens(prompt(1, 6, 3 + k, 2)), candidates); // 6 of 8 blocks shared
                assertThat(b.pod()).isEqualTo(a.pod());
                b.complete(Outcome.SUCCESS, 1_000_000L);
            }
        }
    }

    @Test
    void aFullMatchOutweighsAnIdleQueueButHalfAMatchDoesNot() {
        // prefix weight 3 against queue weight 2: llm-d's weighted sum decides
        TestView v = new TestView(2, 3);
        var llmd = CachePeers.llmd(nanos::get);
        InferenceRequest r = tokens(prompt(1, 8));
        llmd.selected(r, v, 0);
        v.waiting[0] = 6;
        v.kv[0] = 0.5;
        v.waiting[1] = 0;
        v.kv[1] = 0.5;
        // p0: 3 x 1 + 2 x 0 + 2 x 0.5 = 4; p1: 0 + 2 x 1 + 2 x 0.5 = 3
        assertThat(llmd.pick(r, v)).isEqualTo(0);
        // half the prompt matched: p0 3 x 0.5 + 0 + 1 = 2.5 < p1's 3
        assertThat(llmd.pick(tokens(prompt(1, 4, 5, 4)), v)).isEqualTo(1);
    }

    @Test
    void queueScoresAreMinMaxAndKvScoresOneMinusUsageWithMissingAsZero() {
        TestView v = new TestView(3, 1);
        v.waiting[0] = 10;
        v.waiting[1] = 5; // p2 missing: 0
        v.kv[0] = 0.25; // p1, p2 missing: 0
        double[] out = new double[3];
        new LlmdScorers.Queue().score(InferenceRequest.forModel("m"), v, null, out);
        assertThat(out).containsExactly(0.0, 0.5, 1.0);
        new LlmdScorers.KvCache().score(InferenceRequest.forModel("m"), v, null, out);
        assertThat(out).containsExactly(0.75, 1.0, 1.0);
        v.waiting[0] = 5;
        v.waiting[2] = 5;
        new LlmdScorers.Queue().score(InferenceRequest.forModel("m"), v, null, out);
        assertThat(out).containsExactly(1.0, 1.0, 1.0); // equal queues: 1 for all
    }

    @Test
    void theIndexKeepsARestartedPodsEntries() {
        TestView v = new TestView(2, 1);
        LlmdScorers.Prefix prefix = new LlmdScorers.Prefix(nanos::get);
        InferenceRequest r = tokens(prompt(1, 4));
        prefix.selected(r, v, null, 0);
        v.pods.set(0, v.pod(0).markedNotReady().markedReady(TestView.T0.plusSeconds(60)));
        double[] out = new double[2];
        prefix.score(r, v, null, out);
        assertThat(out).containsExactly(1.0, 0.0); // llm-d issue 2853: the index still points at the empty cache
    }

    @Test
    void blocksAre64TokensAndThePartialLastBlockIsHashed() {
        TestView v = new TestView(2, 1);
        LlmdScorers.Prefix prefix = new LlmdScorers.Prefix(nanos::get);
        int[] ids = java.util.Arrays.copyOf(prompt(1, 10), 2 * 64 + 10); // 2 whole blocks of 64 and 10 tokens
        prefix.selected(tokens(ids), v, null, 0);
        assertThat(prefix.index().size(v.pod(0))).isEqualTo(3);
        double[] out = new double[2];
        int[] other = ids.clone();
        other[2 * 64 + 5]++; // a different tail: the third block differs
        prefix.score(tokens(other), v, null, out);
        assertThat(out[0]).isEqualTo(2.0 / 3);
        other = ids.clone();
        other[63]++; // the first 64-token block differs: nothing matches
        prefix.score(tokens(other), v, null, out);
        assertThat(out[0]).isZero();
    }

    @Test
    void atMost2048BlocksOf64TokensAreMatched() {
        TestView v = new TestView(2, 1);
        LlmdScorers.Prefix prefix = new LlmdScorers.Prefix(nanos::get);
        assertThat(LlmdScorers.Prefix.MAX_BLOCKS).isEqualTo(2048);
        int[] ids = prompt(1, 131_072 / 16 + 100); // 132,672 tokens
        prefix.selected(tokens(ids), v, null, 0);
        assertThat(prefix.index().size(v.pod(0))).isEqualTo(2048);
        int[] other = ids.clone();
        other[131_072 + 7]++; // differs only after the cap: indistinguishable
        double[] out = new double[2];
        prefix.score(tokens(other), v, null, out);
        assertThat(out[0]).isEqualTo(1.0);
        other[131_071]++; // inside the last matched block
        prefix.score(tokens(other), v, null, out);
        assertThat(out[0]).isEqualTo(2047.0 / 2048);
    }

    @Test
    void aServersIndexIsSizedFromItsKvCacheBlocksWhenItsMetricsShowThem() {
        TestView v = new TestView(2, 1);
        TestFeed feed = new TestFeed();
        feed.blocks.put("p0", 29_187);
        LlmdScorers.Prefix prefix = new LlmdScorers.Prefix(nanos::get, feed);
        prefix.selected(tokens(prompt(1, 4)), v, null, 0);
        prefix.selected(tokens(prompt(1, 4)), v, null, 1); // p1's metrics show no block count yet
        assertThat(prefix.index().capacity(v.pod(0))).isEqualTo(29_187);
        assertThat(prefix.index().capacity(v.pod(1))).isEqualTo(31_250);
        feed.blocks.put("p1", 100);
        prefix.selected(tokens(prompt(2, 4)), v, null, 1);
        assertThat(prefix.index().capacity(v.pod(1))).isEqualTo(31_250); // sized once, when created
    }
}
