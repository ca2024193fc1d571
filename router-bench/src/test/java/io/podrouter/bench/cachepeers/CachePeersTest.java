package io.podrouter.bench.cachepeers;

import io.podrouter.api.MetricsLookup;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.core.Router;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.IntStream;

import static io.podrouter.bench.cachepeers.TestView.prompt;
import static io.podrouter.bench.cachepeers.TestView.tokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CachePeersTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");

    private static Router.Builder builder(long seed) {
        return Router.builder()
                .metricsSource((pod, model) -> MetricsLookup.present(
                        PodMetrics.observedAt(NOW).withWaitingRequests(0).withKvCacheUsage(0.1).withRunningRequests(0)))
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .random(RandomSource.seeded(seed))
                .metricsRefreshInterval(Duration.ZERO);
    }

    private static List<Pod> pods(int n) {
        return IntStream.range(0, n).mapToObj(i -> Pod.ready("p" + i, "10.0.0." + i, 8000, NOW.minusSeconds(60))).toList();
    }

    @Test
    void labelsAreInReportOrder() {
        assertThat(CachePeers.labels()).containsExactly("llm-d", "sglang", "aibrix", "aibrix-tuned", "dynamo", "dynamo-approx");
    }

    @Test
    void anUnknownLabelIsRejectedNamingTheChoices() {
        assertThatThrownBy(() -> CachePeers.configure("vllm", Router.builder()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("peer: vllm (expected: llm-d, sglang, aibrix, aibrix-tuned, dynamo or dynamo-approx)");
        assertThatThrownBy(() -> CachePeers.configure(null, Router.builder()))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> CachePeers.configure("LLM-D", Router.builder()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void dynamoWithoutKvEventsIsRejectedPointingAtTheApproximateMode() {
        assertThatThrownBy(() -> CachePeers.configure("dynamo", Router.builder()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("peer: dynamo (expected: a PeerFeed that publishes KV events, or dynamo-approx)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"llm-d", "sglang", "aibrix", "aibrix-tuned", "dynamo", "dynamo-approx"})
    void eachCallConfiguresANewInstanceNamedForThePeer(String label) {
        Router.Builder b1 = builder(1);
        Router.Builder b2 = builder(1);
        CachePeers.configure(label, b1, () -> 0L, new TestFeed());
        CachePeers.configure(label, b2, () -> 0L, new TestFeed());
        try (Router r1 = b1.build(); Router r2 = b2.build()) {
            assertThat(r1.strategies()).hasSize(1);
            assertThat(r1.strategies().get(0).name()).isEqualTo(label);
            assertThat(r1.strategies().get(0)).isNotSameAs(r2.strategies().get(0));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llm-d", "sglang", "aibrix", "aibrix-tuned", "dynamo-approx"})
    void throughARealRouterTheSecondRequestWithAPrefixFollowsTheFirst(String label) {
        Router.Builder b = builder(7);
        CachePeers.configure(label, b, () -> 0L);
        try (Router router = b.build()) {
            var candidates = router.candidates(pods(4));
            router.refreshMetrics();
            PodSelection first = router.selectPod(tokens(prompt(1, 10)), candidates);
            first.complete(Outcome.SUCCESS, 1_000_000L);
            for (int k = 0; k < 3; k++) {
                PodSelection next = router.selectPod(tokens(prompt(1, 8, 2 + k, 2)), candidates);
                assertThat(next.pod()).as("request %d", k).isEqualTo(first.pod());
                next.complete(Outcome.SUCCESS, 1_000_000L);
            }
        }
    }

    @Test
    void throughARealRouterDynamoFollowsTheKvEventsOfTheFirstRequestsPod() {
        Router.Builder b = builder(7);
        TestFeed feed = new TestFeed();
        java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
        CachePeers.configure("dynamo", b, nanos::get, feed);
        try (Router router = b.build()) {
            var candidates = router.candidates(pods(4));
            router.refreshMetrics();
            var firstRequest = tokens(prompt(1, 10));
            PodSelection first = router.selectPod(firstRequest, candidates);
            first.firstToken();
            feed.store(first.pod(), firstRequest, 10);
            nanos.addAndGet(20_000_000L); // the events' 20 ms on their way to the router
            first.complete(Outcome.SUCCESS, 1_000_000L);
            for (int k = 0; k < 3; k++) {
                PodSelection next = router.selectPod(tokens(prompt(1, 8, 2 + k, 2)), candidates);
                assertThat(next.pod()).as("request %d", k).isEqualTo(first.pod());
                next.complete(Outcome.SUCCESS, 1_000_000L);
            }
        }
    }

    @Test
    void llmdReadsTheFeedsPolledMetricsInsteadOfTheBuilders() {
        Router.Builder b = builder(1);
        PeerFeed polled = new TestFeed() {
            @Override
            public io.podrouter.api.MetricsSource polledMetrics() {
                return (pod, model) -> MetricsLookup.present(PodMetrics.observedAt(NOW)
                        .withWaitingRequests(pod.id().equals("p0") ? 0 : 9).withKvCacheUsage(0.1).withRunningRequests(0));
            }
        };
        CachePeers.configure("llm-d", b, () -> 0L, polled);
        try (Router router = b.build()) {
            var candidates = router.candidates(pods(3));
            router.refreshMetrics();
            for (int k = 0; k < 5; k++) {
                // no prefix anywhere yet (distinct groups): the queue scorer decides, from the polled queues
                PodSelection s = router.selectPod(tokens(prompt(10 + k, 4)), candidates);
                assertThat(s.pod().id()).isEqualTo("p0");
                s.complete(Outcome.SUCCESS, 1_000_000L);
            }
        }
    }
}
