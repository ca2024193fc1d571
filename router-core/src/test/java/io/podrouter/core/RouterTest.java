package io.podrouter.core;

import io.podrouter.api.Candidates;
import io.podrouter.api.Fallback;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MissingReason;
import io.podrouter.api.NoPodAvailableException;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.api.RejectReason;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.core.coldstart.SlowStart;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastLatencyStrategy;
import io.podrouter.strategies.LeastRequestStrategy;
import io.podrouter.strategies.MissingMetricPolicy;
import io.podrouter.strategies.RandomStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class RouterTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final InferenceRequest REQ = InferenceRequest.forModel("llama");

    private final MutableClock clock = new MutableClock(T0);
    private final MapMetricsSource source = new MapMetricsSource();
    private final List<Router> routers = new ArrayList<>();

    @AfterEach
    void closeRouters() {
        routers.forEach(Router::close);
    }

    /** A router with the foundation's behaviour only: no prediction, no slow start, no burst guard. */
    private Router router(io.podrouter.api.MetricsSource src, SelectionStrategy... chain) {
        Router r = foundation(Router.builder()).metricsSource(src).strategies(chain).clock(clock)
                .random(RandomSource.seeded(1234)).metricsRefreshInterval(Duration.ZERO).build();
        routers.add(r);
        return r;
    }

    static Router.Builder foundation(Router.Builder b) {
        return b.withoutPrediction().slowStart(SlowStart.disabled()).coldStartInFlightCap(Integer.MAX_VALUE);
    }

    private static List<Pod> pods(int n) {
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pods.add(Pod.ready("pod-" + i, "10.0.0." + i, 8000, T0));
        }
        return pods;
    }

    private MetricsLookup kv(double usage) {
        return MetricsLookup.present(PodMetrics.observedAt(clock.instant()).withKvCacheUsage(usage));
    }

    @Test
    void leastKvCacheRoutesToEmptiestPodAndReportsNoFallback() {
        Router router = router(source, new LeastKvCacheStrategy());
        source.answers.put("pod-0", kv(0.8));
        source.answers.put("pod-1", kv(0.1));
        source.answers.put("pod-2", kv(0.5));
        PodSelection s = router.selectPod(REQ, router.candidates(pods(3)));
        assertThat(s.pod().id()).isEqualTo("pod-1");
        assertThat(s.strategy()).isEqualTo("least-kv-cache");
        assertThat(s.fallback()).isEqualTo(Fallback.NONE);
        assertThat(s.missingReason()).isEmpty();
        assertThat(s.describe()).isEqualTo("pod-1 by least-kv-cache");
    }

    @Test
    void coldPodGetsRandomFallbackWithReasonNotYetScraped() {
        Router router = router(source, new LeastKvCacheStrategy());
        source.answers.put("pod-0", kv(0.2));
        source.answers.put("pod-1", kv(0.3)); // pod-2 has no entry: never scraped
        Candidates c = router.candidates(pods(3));
        int cold = 0;
        int draws = 30_000;
        for (int d = 0; d < draws; d++) {
            PodSelection s = router.selectPod(REQ, c);
            if (s.pod().id().equals("pod-2")) {
                cold++;
                assertThat(s.fallback()).isEqualTo(Fallback.RANDOM_METRIC_MISSING);
                assertThat(s.missingReason()).contains(MissingReason.NOT_YET_SCRAPED);
            } else {
                assertThat(s.pod().id()).isEqualTo("pod-0");
            }
            s.complete(Outcome.SUCCESS, 1_000);
        }
        assertThat(cold / (double) draws).isCloseTo(1 / 3.0, within(0.015));
    }

    @Test
    void notReadyPodsAreNeverSelected() {
        Router router = router(source, new RandomStrategy());
        List<Pod> pods = pods(4);
        pods.set(1, pods.get(1).markedNotReady());
        source.answers.put("pod-3", MetricsLookup.notReady());
        Candidates c = router.candidates(pods);
        for (int d = 0; d < 5_000; d++) {
            PodSelection s = router.selectPod(REQ, c);
            assertThat(s.pod().id()).isIn("pod-0", "pod-2");
            s.complete(Outcome.SUCCESS, -1);
        }
    }

    @Test
    void sourceExceptionBecomesMissingWithSourceErrorAndNeverEscapes() {
        Router router = router((pod, model) -> {
            throw new IllegalStateException("scraper exploded");
        }, new LeastKvCacheStrategy());
        PodSelection s = router.selectPod(REQ, router.candidates(pods(2)));
        assertThat(s.fallback()).isEqualTo(Fallback.RANDOM_METRIC_MISSING);
        assertThat(s.missingReason()).contains(MissingReason.SOURCE_ERROR);
    }

    @Test
    void nullLookupBecomesSourceError() {
        Router router = router((pod, model) -> null, new LeastKvCacheStrategy());
        assertThat(router.selectPod(REQ, router.candidates(pods(1))).missingReason()).contains(MissingReason.SOURCE_ERROR);
    }

    @Test
    void nanKvCacheIsAbsentAndOutOfRangeIsInvalid() {
        Router router = router(source, new LeastKvCacheStrategy());
        source.answers.put("pod-0", kv(Double.NaN));
        PodSelection nan = router.selectPod(REQ, router.candidates(pods(1)));
        assertThat(nan.fallback()).isEqualTo(Fallback.RANDOM_METRIC_MISSING);
        assertThat(nan.missingReason()).contains(MissingReason.METRIC_ABSENT);

        source.answers.put("pod-0", kv(1.5));
        PodSelection high = router.selectPod(REQ, router.candidates(pods(1)));
        assertThat(high.missingReason()).contains(MissingReason.INVALID_VALUE);

        source.answers.put("pod-0", MetricsLookup.present(PodMetrics.observedAt(T0).withKvCacheUsage(0.2).withRunningRequests(-3)));
        PodSelection negative = router.selectPod(REQ, router.candidates(pods(1)));
        assertThat(negative.missingReason()).contains(MissingReason.INVALID_VALUE);
    }

    @Test
    void metricsOlderThanMaxAgeCountAsStale() {
        Router router = foundation(Router.builder()).metricsSource(source).strategy(new LeastKvCacheStrategy()).clock(clock)
                .random(RandomSource.seeded(1)).metricsRefreshInterval(Duration.ZERO)
                .maxMetricsAge(Duration.ofSeconds(5)).build();
        routers.add(router);
        source.answers.put("pod-0", kv(0.3));
        Candidates c = router.candidates(pods(1));
        clock.advance(Duration.ofSeconds(5));
        router.refreshMetrics();
        assertThat(router.selectPod(REQ, c).fallback()).isEqualTo(Fallback.NONE); // exactly max age: still fresh
        clock.advance(Duration.ofMillis(1));
        router.refreshMetrics();
        PodSelection s = router.selectPod(REQ, c);
        assertThat(s.fallback()).isEqualTo(Fallback.RANDOM_METRIC_MISSING);
        assertThat(s.missingReason()).contains(MissingReason.STALE);
    }

    @Test
    void metricsFromTheFutureCountAsFresh() {
        Router router = router(source, new LeastKvCacheStrategy());
        source.answers.put("pod-0", MetricsLookup.present(PodMetrics.observedAt(T0.plusSeconds(60)).withKvCacheUsage(0.3)));
        assertThat(router.selectPod(REQ, router.candidates(pods(1))).fallback()).isEqualTo(Fallback.NONE);
    }

    @Test
    void tablesRefreshOnlyWhenAskedSoSelectionsNeverCallTheSource() {
        Router router = router(source, new LeastKvCacheStrategy());
        Candidates c = router.candidates(pods(3));
        router.selectPod(REQ, c).complete(Outcome.SUCCESS, 1);
        int afterFirst = source.lookups.get();
        assertThat(afterFirst).isEqualTo(3);
        for (int d = 0; d < 100; d++) {
            router.selectPod(REQ, c).complete(Outcome.SUCCESS, 1);
        }
        assertThat(source.lookups.get()).isEqualTo(afterFirst);
        source.answers.put("pod-2", kv(0.0));
        source.answers.put("pod-0", kv(0.5));
        source.answers.put("pod-1", kv(0.5));
        router.refreshMetrics();
        assertThat(router.selectPod(REQ, c).pod().id()).isEqualTo("pod-2");
    }

    @Test
    void emptyOrNullCandidatesThrowTheDocumentedException() {
        Router router = router(source, new RandomStrategy());
        assertThatThrownBy(() -> router.selectPod(REQ, router.candidates(List.of())))
                .isInstanceOf(NoPodAvailableException.class)
                .hasMessage("no pod available for model 'llama': no candidates");
        assertThatThrownBy(() -> router.selectPod(REQ, (Candidates) null)).isInstanceOf(NoPodAvailableException.class);
        assertThatThrownBy(() -> router.selectPod(REQ, (List<Pod>) null)).isInstanceOf(NoPodAvailableException.class);
    }

    @Test
    void noReadyCandidateThrowsWithSummaryOfRejections() {
        Router router = router(source, new RandomStrategy());
        List<Pod> pods = pods(3);
        pods.set(0, pods.get(0).markedNotReady());
        pods.set(1, pods.get(1).markedNotReady());
        source.answers.put("pod-2", MetricsLookup.notReady());
        assertThatThrownBy(() -> router.selectPod(REQ, router.candidates(pods)))
                .isInstanceOfSatisfying(NoPodAvailableException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo(
                            "no pod available for model 'llama': 3 candidates, rejected: 2 POD_NOT_READY, 1 SOURCE_NOT_READY");
                    assertThat(e.candidateCount()).isEqualTo(3);
                    Map<RejectReason, Integer> expected = new EnumMap<>(RejectReason.class);
                    expected.put(RejectReason.POD_NOT_READY, 2);
                    expected.put(RejectReason.SOURCE_NOT_READY, 1);
                    assertThat(e.rejections()).isEqualTo(expected);
                });
    }

    @Test
    void rejectsNullRequestDuplicatePodsAndForeignCandidates() {
        Router router = router(source, new RandomStrategy());
        Router other = router(source, new RandomStrategy());
        assertThatThrownBy(() -> router.selectPod(null, router.candidates(pods(1)))).isInstanceOf(NullPointerException.class);
        List<Pod> dup = new ArrayList<>(pods(2));
        dup.add(dup.get(0));
        assertThatThrownBy(() -> router.candidates(dup)).hasMessage("pods: duplicate id 'pod-0' (expected: unique pod ids)");
        List<Pod> withNull = new ArrayList<>(pods(1));
        withNull.add(null);
        assertThatThrownBy(() -> router.candidates(withNull)).hasMessageContaining("pods[1]: null");
        assertThatThrownBy(() -> router.selectPod(REQ, other.candidates(pods(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not created by this router");
    }

    @Test
    void chainFallsThroughToNextStrategyAndReportsIt() {
        Router router = router(source, new LeastLatencyStrategy(MissingMetricPolicy.PASS), new LeastKvCacheStrategy());
        source.answers.put("pod-0", kv(0.9));
        source.answers.put("pod-1", kv(0.2));
        PodSelection s = router.selectPod(REQ, router.candidates(pods(2)));
        assertThat(s.pod().id()).isEqualTo("pod-1");
        assertThat(s.strategy()).isEqualTo("least-kv-cache");
        assertThat(s.fallback()).isEqualTo(Fallback.CHAIN);
    }

    @Test
    void faultyStrategyIsSkippedAndLastResortIsRandom() {
        SelectionStrategy throwing = new SelectionStrategy() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public long pick(InferenceRequest request, io.podrouter.api.strategy.CandidateView candidates) {
                throw new IllegalStateException("bug");
            }
        };
        SelectionStrategy outOfRange = new SelectionStrategy() {
            @Override
            public String name() {
                return "out-of-range";
            }

            @Override
            public long pick(InferenceRequest request, io.podrouter.api.strategy.CandidateView candidates) {
                return SelectionStrategy.chosen(99);
            }
        };
        Router router = router(source, throwing, outOfRange);
        PodSelection s = router.selectPod(REQ, router.candidates(pods(2)));
        assertThat(s.strategy()).isEqualTo("random");
        assertThat(s.fallback()).isEqualTo(Fallback.LAST_RESORT_RANDOM);
    }

    @Test
    void completionIsIdempotentAndReleasesInFlight() {
        Router router = router(source, new LeastRequestStrategy());
        Candidates c = router.candidates(pods(2));
        PodSelection a = router.selectPod(REQ, c);
        PodSelection b = router.selectPod(REQ, c);
        assertThat(a.pod().id()).isNotEqualTo(b.pod().id()); // the first selection is counted before the second
        assertThat(router.inFlight(a.pod().id())).isEqualTo(1);
        assertThat(a.complete(Outcome.FAILURE, -5)).isTrue();
        assertThat(a.complete(Outcome.SUCCESS, 10)).isFalse();
        assertThatThrownBy(() -> b.complete(null, 1)).isInstanceOf(NullPointerException.class);
        assertThat(b.complete(Outcome.CANCELLED, Duration.ofMillis(3))).isTrue();
        assertThat(router.inFlight("pod-0")).isZero();
        assertThat(router.inFlight("pod-1")).isZero();
        assertThat(router.inFlight("unknown")).isZero();
        assertThat(router.inFlight(null)).isZero();
    }

    @Test
    void inFlightCountsCarryOverWhenCandidatesAreRebuilt() {
        Router router = router(source, new LeastRequestStrategy());
        PodSelection s = router.selectPod(REQ, router.candidates(pods(2)));
        Candidates rebuilt = router.candidates(pods(2));
        assertThat(router.selectPod(REQ, rebuilt).pod().id()).isNotEqualTo(s.pod().id());
    }

    @Test
    void builderValidatesWithMessagesNamingTheSetting() {
        assertThatThrownBy(() -> Router.builder().strategy(new RandomStrategy()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("metricsSource: missing");
        assertThatThrownBy(() -> Router.builder().metricsSource(source).build()).hasMessageStartingWith("strategies: missing");
        assertThatThrownBy(() -> Router.builder().strategies()).hasMessage("strategies: [] (expected: at least one strategy)");
        assertThatThrownBy(() -> Router.builder().metricsRefreshInterval(Duration.ofSeconds(-1)))
                .hasMessage("metricsRefreshInterval: PT-1S (expected: >= 0)");
        assertThatThrownBy(() -> Router.builder().maxMetricsAge(Duration.ZERO)).hasMessage("maxMetricsAge: PT0S (expected: > 0)");
        assertThatThrownBy(() -> Router.builder().strategies(new RandomStrategy(), null)).hasMessageContaining("strategies[1]: null");
    }

    @Test
    void closedRouterRefusesSelectionsButAcceptsCompletions() throws InterruptedException {
        Router router = Router.builder().metricsSource(source).strategy(new RandomStrategy()).build();
        Candidates c = router.candidates(pods(1));
        PodSelection s = router.selectPod(REQ, c);
        router.close();
        router.close();
        assertThat(s.complete(Outcome.SUCCESS, 1)).isTrue();
        assertThatThrownBy(() -> router.selectPod(REQ, c)).isInstanceOf(IllegalStateException.class);
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("podrouter-metrics-refresh")) {
                t.join(2_000);
            }
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("podrouter-metrics-refresh"));
    }

    @Test
    void backgroundRefreshPicksUpNewMetricsWithoutManualRefresh() throws Exception {
        Router router = Router.builder().metricsSource(source).strategy(new LeastKvCacheStrategy())
                .metricsRefreshInterval(Duration.ofMillis(5)).build();
        routers.add(router);
        source.answers.put("pod-0", MetricsLookup.present(PodMetrics.observedAt(Instant.now()).withKvCacheUsage(0.5)));
        source.answers.put("pod-1", MetricsLookup.present(PodMetrics.observedAt(Instant.now()).withKvCacheUsage(0.6)));
        Candidates c = router.candidates(pods(2));
        assertThat(router.selectPod(REQ, c).pod().id()).isEqualTo("pod-0");
        source.answers.put("pod-1", MetricsLookup.present(PodMetrics.observedAt(Instant.now()).withKvCacheUsage(0.1)));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String chosen = "pod-0";
        while (!chosen.equals("pod-1") && System.nanoTime() < deadline) {
            Thread.sleep(5);
            chosen = router.selectPod(REQ, c).pod().id();
        }
        assertThat(chosen).isEqualTo("pod-1");
    }

    @Test
    void logsOncePerPodStateChangeNotPerRequest() throws IOException {
        Router router = foundation(Router.builder()).metricsSource(source).strategy(new LeastKvCacheStrategy())
                .clock(clock).random(RandomSource.seeded(1234)).metricsRefreshInterval(Duration.ZERO)
                .logInterval(Duration.ZERO).build(); // every change: this test pins "not per request"
        routers.add(router);
        List<Pod> pods = List.of(Pod.ready("log-pod-a", "h", 1, T0), Pod.ready("log-pod-b", "h", 2, T0));
        source.answers.put("log-pod-b", kv(0.1));
        Candidates c = router.candidates(pods);
        for (int d = 0; d < 1_000; d++) {
            router.selectPod(REQ, c).complete(Outcome.SUCCESS, 1);
            if (d % 100 == 0) {
                router.refreshMetrics();
            }
        }
        source.answers.put("log-pod-a", kv(0.2)); // missing -> present
        for (int d = 0; d < 5; d++) {
            router.selectPod(REQ, c).complete(Outcome.SUCCESS, 1);
            router.refreshMetrics();
        }
        source.answers.put("log-pod-a", MetricsLookup.missing(MissingReason.SCRAPE_FAILED, "connection refused"));
        for (int d = 0; d < 5; d++) {
            router.selectPod(REQ, c).complete(Outcome.SUCCESS, 1);
            router.refreshMetrics();
        }
        Path log = Path.of(System.getProperty("org.slf4j.simpleLogger.logFile", "target/router-test.log"));
        List<String> lines = Files.readAllLines(log).stream().filter(l -> l.contains("log-pod-a")).toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains("not scraped yet");
        assertThat(lines.get(1)).contains("metrics present");
        assertThat(lines.get(2)).contains("WARN").contains("MISSING_SCRAPE_FAILED").contains("connection refused");
    }

    @Test
    void eightThreadsSelectingAndCompletingLeaveNoInFlightAndNeverPickNotReady() throws Exception {
        Router router = Router.builder().metricsSource(source)
                .strategies(new LeastKvCacheStrategy(), new LeastRequestStrategy())
                .metricsRefreshInterval(Duration.ofMillis(1)).build();
        routers.add(router);
        List<Pod> pods = pods(16);
        for (int i = 0; i < 16; i += 3) {
            pods.set(i, pods.get(i).markedNotReady());
        }
        for (int i = 1; i < 16; i += 2) {
            source.answers.put("pod-" + i, MetricsLookup.present(PodMetrics.observedAt(Instant.now().plusSeconds(3600)).withKvCacheUsage(i / 20.0)));
        }
        Candidates c = router.candidates(pods);
        List<Callable<Integer>> workers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Candidates own = router.candidates(pods); // a second set over the same pods shares their counts
            workers.add(() -> {
                int bad = 0;
                List<PodSelection> open = new ArrayList<>();
                for (int k = 0; k < 20_000; k++) {
                    PodSelection s = router.selectPod(REQ, (k & 1) == 0 ? c : own);
                    if (!s.pod().ready()) {
                        bad++;
                    }
                    open.add(s);
                    if (open.size() > 4) {
                        open.remove(0).complete(Outcome.SUCCESS, 10);
                    }
                }
                open.forEach(s -> s.complete(Outcome.FAILURE, -1));
                return bad;
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            int bad = 0;
            for (Future<Integer> f : pool.invokeAll(workers)) {
                bad += f.get();
            }
            assertThat(bad).isZero();
        } finally {
            pool.shutdownNow();
        }
        for (Pod p : pods) {
            assertThat(router.inFlight(p.id())).as(p.id()).isZero();
        }
    }
}
