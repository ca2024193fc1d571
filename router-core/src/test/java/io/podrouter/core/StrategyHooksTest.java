package io.podrouter.core;

import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.core.internal.table.CandidateSet;
import io.podrouter.core.internal.table.MetricsTable;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.compose.CacheAware;
import io.podrouter.strategies.compose.PrefixCacheScorer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The router's hooks for composed strategies: prepared state, selection and completion callbacks, token counting. */
class StrategyHooksTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final MutableClock clock = new MutableClock(T0);
    private final MapMetricsSource source = new MapMetricsSource();
    private final List<Router> routers = new ArrayList<>();

    @AfterEach
    void close() {
        routers.forEach(Router::close);
    }

    private Router router(Router.Builder b, SelectionStrategy... chain) {
        Router r = RouterTest.foundation(b).metricsSource(source).strategies(chain).clock(clock)
                .random(RandomSource.seeded(5)).metricsRefreshInterval(Duration.ZERO).build();
        routers.add(r);
        return r;
    }

    private static List<Pod> pods(int n) {
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pods.add(Pod.ready("pod-" + i, "10.0.0." + i, 8000, T0));
        }
        return pods;
    }

    /** Records what the router tells it; picks candidate 0 when ready. */
    static final class Recorder implements SelectionStrategy {
        final List<String> events = new ArrayList<>();
        final List<Object> preparedSeen = new ArrayList<>();
        final boolean metrics;
        int prepares;

        Recorder(boolean metrics) {
            this.metrics = metrics;
        }

        @Override public String name() { return "recorder"; }
        @Override public boolean ranksByMetrics() { return metrics; }
        @Override public boolean observesSelections() { return true; }
        @Override public boolean usesInFlightTokens() { return true; }
        @Override public Object prepare(List<Pod> pods) {
            prepares++;
            return "state-for-" + pods.size();
        }
        @Override public long pick(InferenceRequest r, CandidateView v) {
            preparedSeen.add(v.prepared(this));
            return v.isReady(0) ? SelectionStrategy.chosen(0) : PASS;
        }
        @Override public void selected(InferenceRequest r, CandidateView v, int index) {
            events.add("selected " + v.pod(index).id() + " tokens=" + v.inFlightTokens(index));
        }
        @Override public void completed(InferenceRequest r, Pod pod, Outcome outcome, long latencyNanos) {
            events.add("completed " + pod.id() + " " + outcome + " " + latencyNanos);
        }
        @Override public void firstToken(InferenceRequest r, Pod pod) {
            events.add("first-token " + pod.id());
        }
    }

    @Test
    void firstTokenIsForwardedOnceBeforeCompletionAndIgnoredAfterIt() {
        Recorder rec = new Recorder(false);
        List<String> heard = new ArrayList<>();
        Router router = router(Router.builder().eventListener(new io.podrouter.api.RouterEventListener() {
            @Override
            public void firstToken(Pod pod, String strategy) {
                heard.add(pod.id() + " " + strategy);
            }
        }), rec);
        Candidates c = router.candidates(pods(2));
        PodSelection s = router.selectPod(InferenceRequest.forModel("m").withPrompt("hello"), c);
        assertThat(s.firstToken()).isTrue();
        assertThat(s.firstToken()).isFalse();
        assertThat(s.complete(Outcome.SUCCESS, 7)).isTrue();
        assertThat(s.firstToken()).isFalse();
        assertThat(rec.events).hasSize(3);
        assertThat(rec.events.get(0)).startsWith("selected pod-0");
        assertThat(rec.events.subList(1, 3)).containsExactly("first-token pod-0", "completed pod-0 SUCCESS 7");
        assertThat(heard).containsExactly("pod-0 recorder");

        // Completed without a first token (an error before any byte): the strategy hears only the completion.
        rec.events.clear();
        PodSelection failed = router.selectPod(InferenceRequest.forModel("m").withPrompt("hello"), c);
        failed.complete(Outcome.FAILURE, -1);
        assertThat(failed.firstToken()).isFalse();
        assertThat(rec.events).hasSize(2);
        assertThat(rec.events.get(1)).isEqualTo("completed pod-0 FAILURE -1");
        assertThat(heard).hasSize(1);
    }

    @Test
    void aSelectionWithAFirstTokenStillCompletesExactlyOnce() {
        Recorder rec = new Recorder(false);
        Router router = router(Router.builder(), rec);
        Candidates c = router.candidates(pods(1));
        PodSelection s = router.selectPod(InferenceRequest.forModel("m"), c);
        s.firstToken();
        assertThat(s.complete(Outcome.SUCCESS, 1)).isTrue();
        assertThat(s.complete(Outcome.FAILURE, 1)).isFalse();
        s.close();
        assertThat(rec.events.stream().filter(e -> e.startsWith("completed"))).hasSize(1);
        assertThat(router.inFlight("pod-0")).isZero();
    }

    @Test
    void preparedStateIsMadeOncePerCandidateSetAndReachesTheStrategy() {
        Recorder rec = new Recorder(false);
        Router router = router(Router.builder(), rec);
        Candidates c = router.candidates(pods(3));
        for (int k = 0; k < 3; k++) {
            router.selectPod(InferenceRequest.forModel("a"), c).complete(Outcome.SUCCESS, 1);
            router.selectPod(InferenceRequest.forModel("b"), c).complete(Outcome.SUCCESS, 1);
        }
        router.refreshMetrics();
        router.selectPod(InferenceRequest.forModel("a"), c).complete(Outcome.SUCCESS, 1);
        assertThat(rec.prepares).isEqualTo(1);
        assertThat(rec.preparedSeen).hasSize(7).containsOnly("state-for-3");
        // A retry's view (excluded pods) still carries it.
        router.selectPod(InferenceRequest.forModel("a"), c, List.of("pod-1"));
        assertThat(rec.preparedSeen.get(7)).isEqualTo("state-for-3");
    }

    @Test
    void tokensAreCountedAtSelectionAndReleasedAtCompletionWithCallbacks() {
        Recorder rec = new Recorder(false);
        Router router = router(Router.builder(), rec);
        Candidates c = router.candidates(pods(2));
        InferenceRequest r = InferenceRequest.forModel("m").withPrompt("x".repeat(400)).withMaxOutputTokens(50);
        PodSelection s = router.selectPod(r, c);
        PodSelection t = router.selectPod(InferenceRequest.forModel("m").withPromptTokens(10), c); // output unknown: 256
        MetricsTable table = ((CandidateSet) c).table("m");
        assertThat(table.inFlightTokens(0)).isEqualTo(100 + 50 + 10 + 256);
        s.complete(Outcome.FAILURE, 7);
        s.complete(Outcome.SUCCESS, 8); // second completion is ignored
        assertThat(table.inFlightTokens(0)).isEqualTo(10 + 256);
        t.complete(Outcome.SUCCESS, 9);
        assertThat(table.inFlightTokens(0)).isZero();
        assertThat(rec.events).containsExactly("selected pod-0 tokens=150", "selected pod-0 tokens=416",
                "completed pod-0 FAILURE 7", "completed pod-0 SUCCESS 9");
    }

    @Test
    void tokensAreNotCountedWhenNoStrategyReadsThem() {
        Router router = router(Router.builder(), new io.podrouter.strategies.RoundRobinStrategy());
        Candidates c = router.candidates(pods(1));
        router.selectPod(InferenceRequest.forModel("m").withPromptTokens(1000), c);
        assertThat(((CandidateSet) c).table("m").inFlightTokens(0)).isZero();
    }

    @Test
    void observersHearOfSelectionsDecidedByTheColdShareToo() {
        Recorder rec = new Recorder(true);
        Router router = router(Router.builder(), rec);
        source.answers.put("pod-0", MetricsLookup.present(PodMetrics.observedAt(T0).withKvCacheUsage(0.1)));
        Candidates c = router.candidates(pods(2)); // pod-1 is cold: gets the bounded share, decided by the router
        int cold = 0;
        for (int k = 0; k < 200; k++) {
            PodSelection s = router.selectPod(InferenceRequest.forModel("m"), c);
            cold += s.pod().id().equals("pod-1") ? 1 : 0;
            s.complete(Outcome.SUCCESS, 1);
        }
        assertThat(cold).isPositive();
        assertThat(rec.events.stream().filter(e -> e.startsWith("selected pod-1")).count()).isEqualTo(cold);
        assertThat(rec.events.stream().filter(e -> e.startsWith("completed")).count()).isEqualTo(200);
    }

    @Test
    void aReclaimedSelectionCompletesAsCancelledAndGivesItsTokensBack() {
        Recorder rec = new Recorder(false);
        Router router = router(Router.builder().maxInFlightAge(Duration.ofSeconds(10)), rec);
        Candidates c = router.candidates(pods(1));
        router.selectPod(InferenceRequest.forModel("m").withPromptTokens(4), c); // never completed
        clock.advance(Duration.ofSeconds(11));
        router.refreshMetrics();
        router.refreshMetrics();
        assertThat(((CandidateSet) c).table("m").inFlightTokens(0)).isZero();
        assertThat(rec.events).containsExactly("selected pod-0 tokens=260", "completed pod-0 CANCELLED -1");
    }

    @Test
    void extraMetricsAreReadableFromTheView() {
        Router router = router(Router.builder(), new LeastKvCacheStrategy());
        source.answers.put("pod-0", MetricsLookup.present(PodMetrics.observedAt(T0).withKvCacheUsage(0.1)
                .withExtra(Map.of("lora_running", 2.0))));
        Candidates c = router.candidates(pods(2));
        router.selectPod(InferenceRequest.forModel("m"), c);
        MetricsTable table = ((CandidateSet) c).table("m");
        assertThat(table.extra(0, "lora_running")).isEqualTo(2.0);
        assertThat(table.extra(0, "absent")).isNaN();
        assertThat(table.extra(1, "lora_running")).isNaN(); // no metrics
    }

    @Test
    void cacheAwareDefaultsKeepAPrefixGroupOnOnePodThroughTheRouter() {
        SelectionStrategy strategy = CacheAware.withPrefixScorer(PrefixCacheScorer.builder().clock(clock).build());
        Router router = router(Router.builder(), strategy);
        Candidates c = router.candidates(pods(4));
        String system = "You are a helpful assistant. ".repeat(100);
        PodSelection first = router.selectPod(InferenceRequest.forModel("m").withPrompt(system + "question 0"), c);
        first.complete(Outcome.SUCCESS, 1);
        for (int k = 1; k < 30; k++) {
            PodSelection s = router.selectPod(InferenceRequest.forModel("m").withPrompt(system + "question " + k), c);
            assertThat(s.pod()).isEqualTo(first.pod());
            assertThat(s.strategy()).isEqualTo(CacheAware.NAME);
            s.complete(Outcome.SUCCESS, 1);
        }
        assertThat(router.inFlight(first.pod().id())).isZero();
    }

    @Test
    void concurrentSelectionsAndCompletionsLeaveNoTokensInFlight() throws Exception {
        SelectionStrategy strategy = CacheAware.withPrefixScorer(PrefixCacheScorer.builder().clock(clock).blocksPerPod(256).build());
        Router router = router(Router.builder(), strategy);
        Candidates c = router.candidates(pods(6));
        int threads = 4;
        int perThread = 5_000;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                done.add(pool.submit(() -> {
                    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
                    java.util.ArrayDeque<PodSelection> open = new java.util.ArrayDeque<>();
                    for (int k = 0; k < perThread; k++) {
                        InferenceRequest req = InferenceRequest.forModel("m")
                                .withPrompt("group-" + r.nextInt(20) + " ".repeat(300) + k)
                                .withMaxOutputTokens(r.nextInt(100));
                        open.add(router.selectPod(req, c));
                        if (open.size() > 8) {
                            open.removeFirst().complete(Outcome.SUCCESS, 1);
                        }
                    }
                    open.forEach(s -> s.complete(Outcome.SUCCESS, 1));
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        MetricsTable table = ((CandidateSet) c).table("m");
        for (int i = 0; i < 6; i++) {
            assertThat(table.inFlightTokens(i)).isZero();
            assertThat(table.inFlight(i)).isZero();
        }
    }
}
