package io.podrouter.core;

import io.podrouter.api.Candidates;
import io.podrouter.api.Fallback;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.api.RouterEventListener;
import io.podrouter.api.WarmupOutcome;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.core.coldstart.SlowStart;
import io.podrouter.core.coldstart.WarmupSettings;
import io.podrouter.core.telemetry.TelemetrySnapshot;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastRequestStrategy;
import io.podrouter.strategies.RoundRobinStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ColdStartTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final InferenceRequest REQ = InferenceRequest.forModel("llama");

    private final MutableClock clock = new MutableClock(T0.plusSeconds(600));
    private final MapMetricsSource source = new MapMetricsSource();
    private final List<Router> routers = new ArrayList<>();

    @AfterEach
    void close() {
        routers.forEach(Router::close);
    }

    private Router.Builder builder(SelectionStrategy... chain) {
        return Router.builder().metricsSource(source).strategies(chain).clock(clock)
                .random(RandomSource.seeded(99)).metricsRefreshInterval(Duration.ZERO);
    }

    private Router track(Router r) {
        routers.add(r);
        return r;
    }

    private MetricsLookup metrics(double kv, double running) {
        return MetricsLookup.present(PodMetrics.observedAt(clock.instant()).withKvCacheUsage(kv)
                .withRunningRequests(running).withWaitingRequests(0));
    }

    /** Three pods Ready for 10 minutes with metrics, and one that became Ready {@code coldAge} ago. */
    private List<Pod> fleetWithNewPod(Duration coldAge) {
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            pods.add(Pod.ready("warm-" + i, "10.0.0." + i, 8000, T0));
            source.answers.put("warm-" + i, metrics(0.5, 4));
        }
        pods.add(Pod.ready("new", "10.0.0.9", 8000, clock.instant().minus(coldAge)));
        return pods;
    }

    private static int share(Router router, Candidates c, String podId, int draws) {
        int hits = 0;
        for (int d = 0; d < draws; d++) {
            PodSelection s = router.selectPod(REQ, c);
            if (s.pod().id().equals(podId)) {
                hits++;
            }
            s.complete(Outcome.SUCCESS, 1);
        }
        return hits;
    }

    @Test
    void rampGivesYoungPodItsWeightTimesTheStrategysShareForRoundRobin() {
        Router router = track(builder(new RoundRobinStrategy(1)).withoutPrediction()
                .slowStart(Duration.ofSeconds(30), 1.0, 0.1).coldStartInFlightCap(Integer.MAX_VALUE).build());
        List<Pod> pods = fleetWithNewPod(Duration.ofSeconds(15)); // weight 0.5
        source.answers.put("new", metrics(0.5, 4)); // young but with metrics: only the ramp applies
        Candidates c = router.candidates(pods);
        int draws = 40_000;
        double newShare = share(router, c, "new", draws) / (double) draws;
        // a rejected turn passes to the next pod in the rotation: weighted round-robin, w / (n - 1 + w)
        assertThat(newShare).isCloseTo(0.5 / 3.5, within(0.01));
    }

    @Test
    void rampReachesFullShareAfterTheWindow() {
        Router router = track(builder(new RoundRobinStrategy(1)).withoutPrediction()
                .slowStart(Duration.ofSeconds(30), 1.0, 0.1).build());
        List<Pod> pods = fleetWithNewPod(Duration.ofSeconds(31));
        source.answers.put("new", metrics(0.5, 4));
        Candidates c = router.candidates(pods);
        assertThat(share(router, c, "new", 20_000) / 20_000.0).isCloseTo(0.25, within(0.01));
    }

    @Test
    void rampAppliesToLeastRequestToo() {
        Router router = track(builder(new LeastRequestStrategy()).withoutPrediction()
                .slowStart(Duration.ofSeconds(30), 1.0, 0.1).coldStartInFlightCap(Integer.MAX_VALUE).build());
        List<Pod> pods = fleetWithNewPod(Duration.ofSeconds(6)); // weight 0.2
        source.answers.put("new", metrics(0.5, 4));
        Candidates c = router.candidates(pods);
        // Sequential completed requests: every pod has 0 in flight, so least-request alone would spread
        // evenly; the ramp scales the new pod's quarter by 0.2.
        int draws = 40_000;
        assertThat(share(router, c, "new", draws) / (double) draws).isCloseTo(0.2 * 0.25, within(0.01));
    }

    @Test
    void everyPodNewAtOnceIsNotThrottledAgainstItself() {
        Router router = track(builder(new RoundRobinStrategy(1)).withoutPrediction()
                .slowStart(Duration.ofSeconds(30), 1.0, 0.1).coldStartInFlightCap(Integer.MAX_VALUE).build());
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            pods.add(Pod.ready("p" + i, "h", 8000 + i, clock.instant().minusSeconds(2)));
            source.answers.put("p" + i, metrics(0.2, 1));
        }
        Candidates c = router.candidates(pods);
        int draws = 20_000;
        for (int i = 0; i < 4; i++) {
            assertThat(share(router, c, "p" + i, draws) / (double) draws).isCloseTo(0.25, within(0.01));
        }
    }

    @Test
    void rampDoesNotStarveANewPodAtLowTraffic() {
        Router router = track(builder(new RoundRobinStrategy(1)).withoutPrediction()
                .slowStart(Duration.ofMinutes(10), 1.0, 0.01).build());
        List<Pod> pods = fleetWithNewPod(Duration.ZERO); // weight 1 % for ten minutes
        Candidates c = router.candidates(pods);
        // Round-robin offers the new pod one pick in four; its very first one is admitted regardless.
        assertThat(share(router, c, "new", 4)).isEqualTo(1);
    }

    @Test
    void coldPodWithPredictedMetricsIsRankedAndFlaggedPredicted() {
        Router router = track(builder(new LeastKvCacheStrategy()).slowStart(SlowStart.disabled())
                .metricsPredictor(new io.podrouter.core.coldstart.ColdStartHistoryPredictor())
                .coldStartInFlightCap(Integer.MAX_VALUE).build());
        List<Pod> pods = fleetWithNewPod(Duration.ofSeconds(2));
        Candidates c = router.candidates(pods);
        PodSelection s = router.selectPod(REQ, c);
        // peers: kv 0.5 at load 4; the empty new pod is predicted at 0.5 * 1/5 = 0.1, the best
        assertThat(s.pod().id()).isEqualTo("new");
        assertThat(s.predicted()).isTrue();
        assertThat(s.fallback()).isEqualTo(Fallback.NONE);
        assertThat(s.describe()).contains("predicted metrics");
    }

    @Test
    void withoutPredictionColdPodFallsBackToRandom() {
        Router router = track(builder(new LeastKvCacheStrategy()).withoutPrediction().slowStart(SlowStart.disabled())
                .coldStartInFlightCap(Integer.MAX_VALUE).build());
        Candidates c = router.candidates(fleetWithNewPod(Duration.ofSeconds(2)));
        PodSelection s;
        do {
            s = router.selectPod(REQ, c);
            s.complete(Outcome.SUCCESS, 1);
        } while (!s.pod().id().equals("new"));
        assertThat(s.fallback()).isEqualTo(Fallback.RANDOM_METRIC_MISSING);
        assertThat(s.predicted()).isFalse();
    }

    @Test
    void telemetryRecordsAScriptedColdStart() {
        List<String> events = new CopyOnWriteArrayList<>();
        RouterEventListener listener = new RouterEventListener() {
            @Override
            public void coldStartBegan(Pod pod) {
                events.add("began " + pod.id());
            }

            @Override
            public void firstMetrics(Pod pod, Duration d) {
                events.add("first " + pod.id() + " " + d);
            }

            @Override
            public void coldStartEnded(Pod pod, Duration d) {
                events.add("ended " + pod.id() + " " + d);
            }

            @Override
            public void coldRequestCompleted(Pod pod, Outcome outcome) {
                throw new IllegalStateException("listener bug must not reach the router");
            }
        };
        Router router = track(builder(new LeastKvCacheStrategy()).withoutPrediction().slowStart(SlowStart.disabled())
                .eventListener(listener).build());
        List<Pod> pods = fleetWithNewPod(Duration.ZERO);
        Candidates c = router.candidates(pods);
        int cold = 0;
        int coldFailed = 0;
        for (int d = 0; d < 400; d++) {
            PodSelection s = router.selectPod(REQ, c);
            boolean toCold = s.pod().id().equals("new");
            Outcome outcome = toCold && cold % 4 == 0 ? Outcome.FAILURE : Outcome.SUCCESS;
            if (toCold) {
                cold++;
                coldFailed += outcome == Outcome.FAILURE ? 1 : 0;
            }
            s.complete(outcome, 1);
        }
        assertThat(router.isCold("new")).isTrue();
        assertThat(router.telemetry().coldPods()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(12));
        source.answers.put("new", metrics(0.1, 0));
        router.refreshMetrics();

        TelemetrySnapshot t = router.telemetry();
        assertThat(router.isCold("new")).isFalse();
        assertThat(t.coldPods()).isZero();
        assertThat(t.coldStartDurations().count()).isEqualTo(1);
        assertThat(t.coldStartDurations().sum()).isCloseTo(12.0, within(1e-9));
        int le10 = t.coldStartDurations().upperBounds().indexOf(10.0);
        int le15 = t.coldStartDurations().upperBounds().indexOf(15.0);
        assertThat(t.coldStartDurations().cumulativeCounts().get(le10)).isZero();
        assertThat(t.coldStartDurations().cumulativeCounts().get(le15)).isEqualTo(1);
        assertThat(cold).isGreaterThan(50);
        assertThat(t.coldRequests()).isEqualTo(cold);
        assertThat(t.coldRequestsFailed()).isEqualTo(coldFailed);
        assertThat(t.fallbacks()).containsEntry(new TelemetrySnapshot.FallbackKey("least-kv-cache",
                Fallback.RANDOM_METRIC_MISSING, io.podrouter.api.MissingReason.NOT_YET_SCRAPED), (long) cold);
        assertThat(events).containsExactly("began new", "first new PT12S", "ended new PT12S");
    }

    @Test
    void podSeenWithMetricsFromTheStartRecordsNoColdStart() {
        Router router = track(builder(new LeastKvCacheStrategy()).build());
        List<Pod> pods = fleetWithNewPod(Duration.ofSeconds(5));
        source.answers.put("new", metrics(0.3, 1));
        router.selectPod(REQ, router.candidates(pods)).complete(Outcome.SUCCESS, 1);
        assertThat(router.telemetry().coldStartDurations().count()).isZero();
        assertThat(router.isCold("new")).isFalse();
    }

    @Test
    void restartedPodIsColdAgain() {
        Router router = track(builder(new LeastKvCacheStrategy()).build());
        List<Pod> pods = fleetWithNewPod(Duration.ZERO);
        router.selectPod(REQ, router.candidates(pods)).complete(Outcome.SUCCESS, 1);
        clock.advance(Duration.ofSeconds(7));
        source.answers.put("new", metrics(0.3, 1));
        router.refreshMetrics();
        assertThat(router.isCold("new")).isFalse();
        // the pod restarts: not ready, then Ready again without metrics
        source.answers.remove("new");
        pods.set(3, pods.get(3).markedNotReady());
        router.candidates(pods);
        pods.set(3, pods.get(3).markedReady(clock.instant()));
        Candidates again = router.candidates(pods);
        router.selectPod(REQ, again).complete(Outcome.SUCCESS, 1);
        assertThat(router.isCold("new")).isTrue();
        clock.advance(Duration.ofSeconds(3));
        source.answers.put("new", metrics(0.3, 1));
        router.refreshMetrics();
        assertThat(router.telemetry().coldStartDurations().count()).isEqualTo(2);
        assertThat(router.telemetry().coldStartDurations().sum()).isCloseTo(10.0, within(1e-9));
    }

    @Test
    void warmupThatFailsTwiceThenSucceedsKeepsPodColdUntilSuccess() {
        AtomicInteger calls = new AtomicInteger();
        WarmupSettings settings = new WarmupSettings(pod -> {
            int n = calls.incrementAndGet();
            if (n == 1) {
                throw new java.io.IOException("connection refused");
            }
            return n >= 3;
        }, Runnable::run, Duration.ofSeconds(5), 5, Duration.ofSeconds(2), Duration.ofSeconds(60));
        Router router = track(builder(new LeastKvCacheStrategy()).slowStart(SlowStart.disabled()).warmup(settings).build());
        List<Pod> pods = fleetWithNewPod(Duration.ZERO);
        source.answers.put("new", metrics(0.1, 0)); // metrics at once: only the warm-up keeps it cold
        Candidates c = router.candidates(pods);
        router.selectPod(REQ, c).complete(Outcome.SUCCESS, 1); // first table build: attempt 1 fails
        assertThat(calls.get()).isEqualTo(1);
        assertThat(router.isCold("new")).isTrue();
        router.refreshMetrics(); // within backoff: no new attempt
        assertThat(calls.get()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(2));
        router.refreshMetrics(); // attempt 2: "not warm yet"
        assertThat(router.isCold("new")).isTrue();
        clock.advance(Duration.ofSeconds(2));
        router.refreshMetrics(); // attempt 3: warm
        assertThat(calls.get()).isEqualTo(3);
        assertThat(router.isCold("new")).isFalse();
        TelemetrySnapshot t = router.telemetry();
        assertThat(t.warmupProbes()).containsEntry(WarmupOutcome.FAILURE, 2L).containsEntry(WarmupOutcome.SUCCESS, 1L)
                .containsEntry(WarmupOutcome.GAVE_UP, 0L);
    }

    @Test
    void podWarmingUpGetsOnlyTheSmallShare() {
        WarmupSettings never = new WarmupSettings(pod -> false, Runnable::run, Duration.ofSeconds(5), 1000,
                Duration.ofSeconds(1), Duration.ofMinutes(10));
        Router router = track(builder(new RoundRobinStrategy(3)).slowStart(SlowStart.disabled()).warmup(never)
                .coldStartInFlightCap(Integer.MAX_VALUE).build());
        List<Pod> pods = fleetWithNewPod(Duration.ofMinutes(2));
        source.answers.put("new", metrics(0.1, 0));
        Candidates c = router.candidates(pods);
        int draws = 40_000;
        // the warm-up weight 0.1 in a weighted rotation with three full pods: 0.1 / 3.1
        assertThat(share(router, c, "new", draws) / (double) draws).isCloseTo(0.1 / 3.1, within(0.006));
    }

    @Test
    void hangingWarmupIsCancelledAtTimeoutAndGivesUpAtDeadline() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        CountDownLatch interruptSeen = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            WarmupSettings hanging = new WarmupSettings(pod -> {
                started.countDown();
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    interrupted.set(true);
                    interruptSeen.countDown();
                    throw e;
                }
                return true;
            }, pool, Duration.ofSeconds(5), 1, Duration.ofSeconds(1), Duration.ofSeconds(20));
            Router router = track(builder(new LeastKvCacheStrategy()).warmup(hanging).build());
            List<Pod> pods = fleetWithNewPod(Duration.ZERO);
            source.answers.put("new", metrics(0.1, 0));
            router.selectPod(REQ, router.candidates(pods)).complete(Outcome.SUCCESS, 1);
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            clock.advance(Duration.ofSeconds(5));
            router.refreshMetrics(); // timeout: cancelled with an interrupt; the single attempt is used up
            assertThat(interruptSeen.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(interrupted).isTrue();
            TelemetrySnapshot t = router.telemetry();
            assertThat(t.warmupProbes()).containsEntry(WarmupOutcome.TIMEOUT, 1L).containsEntry(WarmupOutcome.GAVE_UP, 1L);
            assertThat(router.isCold("new")).isFalse();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void warmupGivesUpAtTheDeadlineEvenWithAttemptsLeft() {
        WarmupSettings never = new WarmupSettings(pod -> false, Runnable::run, Duration.ofSeconds(5), 1000,
                Duration.ofSeconds(10), Duration.ofSeconds(30));
        Router router = track(builder(new LeastKvCacheStrategy()).warmup(never).build());
        List<Pod> pods = fleetWithNewPod(Duration.ZERO);
        source.answers.put("new", metrics(0.1, 0));
        router.selectPod(REQ, router.candidates(pods)).complete(Outcome.SUCCESS, 1);
        for (int s = 0; s < 29; s++) {
            clock.advance(Duration.ofSeconds(1));
            router.refreshMetrics();
        }
        assertThat(router.isCold("new")).isTrue();
        clock.advance(Duration.ofSeconds(1));
        router.refreshMetrics();
        assertThat(router.isCold("new")).isFalse();
        assertThat(router.telemetry().warmupProbes()).containsEntry(WarmupOutcome.GAVE_UP, 1L)
                .containsEntry(WarmupOutcome.FAILURE, 3L);
    }

    @Test
    void burstOfEightThreadsAgainstOneNewPodStaysWithinTheCap() throws Exception {
        int cap = 8;
        // A strategy that wants every request on the fresh pod (and passes when it is not offered), so that
        // every selection tests the cap; requests to the warm pods complete at once, so their mean in-flight
        // stays 0 and the cap is exactly 8.
        SelectionStrategy wantsFresh = new SelectionStrategy() {
            @Override
            public String name() {
                return "wants-fresh";
            }

            @Override
            public long pick(InferenceRequest request, io.podrouter.api.strategy.CandidateView v) {
                for (int i = 0; i < v.size(); i++) {
                    if (v.isReady(i) && v.pod(i).id().equals("fresh")) {
                        return SelectionStrategy.chosen(i);
                    }
                }
                return PASS;
            }

            @Override
            public boolean ranksByMetrics() {
                return false;
            }
        };
        Router router = track(Router.builder().metricsSource(source).strategy(wantsFresh)
                .slowStart(SlowStart.disabled()).coldStartInFlightCap(cap).metricsRefreshInterval(Duration.ofMillis(1)).build());
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            pods.add(Pod.ready("busy-" + i, "h", 9000 + i, T0));
            source.answers.put("busy-" + i, MetricsLookup.present(PodMetrics.observedAt(Instant.now().plusSeconds(3600))
                    .withKvCacheUsage(0.5)));
        }
        pods.add(Pod.ready("fresh", "h", 9100, Instant.now()));
        Candidates c = router.candidates(pods);
        List<PodSelection> held = new ArrayList<>();
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<List<PodSelection>>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            results.add(pool.submit(() -> {
                start.await();
                List<PodSelection> mine = new ArrayList<>();
                for (int k = 0; k < 500; k++) {
                    PodSelection s = router.selectPod(REQ, c);
                    if (s.pod().id().equals("fresh")) {
                        mine.add(s); // never completes: the cold pod never gets a success
                    } else {
                        s.complete(Outcome.SUCCESS, 1);
                    }
                    assertThat(router.inFlight("fresh")).isLessThanOrEqualTo(cap);
                }
                return mine;
            }));
        }
        List<PodSelection> all = new ArrayList<>();
        for (Future<List<PodSelection>> f : results) {
            all.addAll(f.get(30, TimeUnit.SECONDS));
        }
        pool.shutdownNow();
        assertThat(router.isCold("fresh")).isTrue();
        assertThat(router.inFlight("fresh")).isEqualTo(cap);
        assertThat(all.stream().filter(s -> s.pod().id().equals("fresh")).count()).isEqualTo(cap);
        all.forEach(s -> s.complete(Outcome.SUCCESS, 1));
        held.forEach(s -> s.complete(Outcome.SUCCESS, 1));
        for (Pod p : pods) {
            assertThat(router.inFlight(p.id())).isZero();
        }
    }

    @Test
    void podsThatLeaveEveryCandidateSetAreForgotten() throws InterruptedException {
        Router router = track(builder(new LeastKvCacheStrategy()).build());
        Candidates keep = router.candidates(List.of(Pod.ready("stays", "h", 1, T0)));
        for (int i = 0; i < 100; i++) {
            router.selectPod(REQ, router.candidates(List.of(Pod.ready("gone-" + i, "h", 1, T0)))).complete(Outcome.SUCCESS, 1);
        }
        long known = router.knownPods();
        int slots = router.liveCounterSlots();
        for (int attempt = 0; attempt < 50 && (known > 1 || slots > 1); attempt++) {
            System.gc();
            Thread.sleep(20);
            router.refreshMetrics();
            known = router.knownPods();
            slots = router.liveCounterSlots();
        }
        assertThat(known).isEqualTo(1);
        assertThat(slots).as("in-flight counter slots of forgotten pods are reclaimed").isEqualTo(1);
        assertThat(router.selectPod(REQ, keep).pod().id()).isEqualTo("stays");
    }

    @Test
    void capDoublesWithEachSuccessfulColdCompletion() {
        Router router = track(builder(new LeastRequestStrategy()).slowStart(SlowStart.disabled()).coldStartInFlightCap(2).build());
        List<Pod> pods = fleetWithNewPod(Duration.ZERO);
        Candidates c = router.candidates(pods);
        List<PodSelection> held = new ArrayList<>();
        for (int k = 0; k < 40; k++) {
            held.add(router.selectPod(REQ, c));
        }
        assertThat(router.inFlight("new")).isEqualTo(2);
        held.stream().filter(s -> s.pod().id().equals("new")).findFirst().orElseThrow().complete(Outcome.SUCCESS, 1);
        for (int k = 0; k < 40; k++) {
            held.add(router.selectPod(REQ, c));
        }
        assertThat(router.inFlight("new")).isEqualTo(4); // cap 2 << 1 successes
        held.forEach(s -> s.complete(Outcome.SUCCESS, 1));
    }
}
