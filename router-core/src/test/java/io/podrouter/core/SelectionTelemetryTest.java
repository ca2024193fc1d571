package io.podrouter.core;

import io.podrouter.api.Candidates;
import io.podrouter.api.Fallback;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.api.RouterEventListener;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.core.coldstart.SlowStart;
import io.podrouter.core.telemetry.TelemetrySnapshot;
import io.podrouter.core.telemetry.TelemetrySnapshot.PodTelemetry;
import io.podrouter.core.telemetry.TelemetrySnapshot.SelectionKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** The router's selection, per-pod and outcome telemetry, and the per-selection listener callbacks. */
class SelectionTelemetryTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final InferenceRequest REQ = InferenceRequest.forModel("llama");

    private final MutableClock clock = new MutableClock(T0.plusSeconds(600));
    private final MapMetricsSource source = new MapMetricsSource();
    private final List<Router> routers = new ArrayList<>();
    private final Scripted first = new Scripted("first");
    private final Scripted second = new Scripted("second");

    @AfterEach
    void close() {
        routers.forEach(Router::close);
    }

    /** A strategy answering whatever the test scripted. */
    private static final class Scripted implements SelectionStrategy {
        private final String name;
        volatile long answer = PASS;

        Scripted(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public long pick(InferenceRequest request, CandidateView candidates) {
            return answer;
        }
    }

    private Router router(RouterEventListener listener) {
        Router.Builder b = Router.builder().metricsSource(source).strategies(first, second).clock(clock)
                .random(RandomSource.seeded(7)).metricsRefreshInterval(Duration.ZERO)
                .withoutPrediction().slowStart(SlowStart.disabled()).coldStartInFlightCap(Integer.MAX_VALUE)
                .boundedColdShare(false); // the scripted strategies alone decide
        if (listener != null) {
            b.eventListener(listener);
        }
        Router r = b.build();
        routers.add(r);
        return r;
    }

    /** pod-0 and pod-1 with metrics, pod-2 Ready but never scraped. */
    private List<Pod> fleet() {
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            pods.add(Pod.ready("pod-" + i, "10.0.0." + i, 8000, T0));
        }
        for (int i = 0; i < 2; i++) {
            source.answers.put("pod-" + i, MetricsLookup.present(PodMetrics.observedAt(clock.instant()).withKvCacheUsage(0.5)));
        }
        return pods;
    }

    @Test
    void selectionsAreCountedByStrategyAndFallbackWithPossibleSeriesExportedFromZero() {
        Router router = router(null);
        Candidates c = router.candidates(fleet());

        Map<SelectionKey, Long> before = router.telemetry().selections();
        assertThat(before).containsOnly(
                Map.entry(new SelectionKey("first", Fallback.NONE), 0L),
                Map.entry(new SelectionKey("first", Fallback.RANDOM_METRIC_MISSING), 0L),
                Map.entry(new SelectionKey("second", Fallback.CHAIN), 0L),
                Map.entry(new SelectionKey("second", Fallback.RANDOM_METRIC_MISSING), 0L),
                Map.entry(new SelectionKey("random", Fallback.LAST_RESORT_RANDOM), 0L));

        first.answer = SelectionStrategy.chosen(0);
        for (int i = 0; i < 3; i++) {
            router.selectPod(REQ, c).complete(Outcome.SUCCESS, 1);
        }
        first.answer = SelectionStrategy.PASS;
        second.answer = SelectionStrategy.chosen(1);
        router.selectPod(REQ, c).complete(Outcome.SUCCESS, 1);
        second.answer = SelectionStrategy.PASS;
        router.selectPod(REQ, c).complete(Outcome.SUCCESS, 1);
        first.answer = SelectionStrategy.randomFallback(2);
        router.selectPod(REQ, c).complete(Outcome.SUCCESS, 1);

        TelemetrySnapshot t = router.telemetry();
        assertThat(t.selections()).containsEntry(new SelectionKey("first", Fallback.NONE), 3L)
                .containsEntry(new SelectionKey("second", Fallback.CHAIN), 1L)
                .containsEntry(new SelectionKey("random", Fallback.LAST_RESORT_RANDOM), 1L)
                .containsEntry(new SelectionKey("first", Fallback.RANDOM_METRIC_MISSING), 1L)
                .containsEntry(new SelectionKey("second", Fallback.RANDOM_METRIC_MISSING), 0L)
                .hasSize(5);
        assertThat(t.totalSelections()).isEqualTo(6);
        assertThat(t.fallbacks()).containsEntry(new TelemetrySnapshot.FallbackKey("first", Fallback.RANDOM_METRIC_MISSING,
                MissingReason.NOT_YET_SCRAPED), 1L);
    }

    @Test
    void perPodSelectionsAndInFlightFollowSelectionsAndCompletions() {
        Router router = router(null);
        Candidates c = router.candidates(fleet());
        first.answer = SelectionStrategy.chosen(1);
        List<PodSelection> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(router.selectPod(REQ, c));
        }
        held.get(0).complete(Outcome.SUCCESS, 1);

        Map<String, PodTelemetry> pods = router.telemetry().pods();
        assertThat(pods).containsOnly(Map.entry("pod-0", new PodTelemetry(0, 0)),
                Map.entry("pod-1", new PodTelemetry(3, 2)), Map.entry("pod-2", new PodTelemetry(0, 0)));

        held.forEach(PodSelection::close);
        assertThat(router.telemetry().pods().get("pod-1")).isEqualTo(new PodTelemetry(3, 0));
    }

    @Test
    void outcomesAreCountedOncePerSelection() {
        Router router = router(null);
        Candidates c = router.candidates(fleet());
        first.answer = SelectionStrategy.chosen(0);
        PodSelection ok = router.selectPod(REQ, c);
        ok.complete(Outcome.SUCCESS, 5);
        ok.complete(Outcome.FAILURE, 5); // ignored: already completed
        router.selectPod(REQ, c).complete(Outcome.FAILURE, -1);
        router.selectPod(REQ, c).close();
        router.selectPod(REQ, c); // still in flight: no outcome yet

        assertThat(router.telemetry().outcomes()).containsOnly(Map.entry(Outcome.SUCCESS, 1L),
                Map.entry(Outcome.FAILURE, 1L), Map.entry(Outcome.CANCELLED, 1L));
    }

    @Test
    void listenerHearsEachSelectionAndItsFirstCompletion() {
        List<String> events = new CopyOnWriteArrayList<>();
        Router router = router(new RouterEventListener() {
            @Override
            public void selected(Pod pod, String strategy, Fallback fallback, MissingReason reason, boolean cold) {
                events.add("selected " + pod.id() + " " + strategy + " " + fallback + " " + reason + " cold=" + cold);
            }

            @Override
            public void completed(Pod pod, String strategy, Fallback fallback, MissingReason reason, Outcome outcome,
                                  long latencyNanos) {
                events.add("completed " + pod.id() + " " + strategy + " " + fallback + " " + reason + " " + outcome
                        + " " + latencyNanos);
            }
        });
        Candidates c = router.candidates(fleet());
        first.answer = SelectionStrategy.chosen(0);
        PodSelection s = router.selectPod(REQ, c);
        s.complete(Outcome.SUCCESS, 1234);
        s.complete(Outcome.FAILURE, 1);
        first.answer = SelectionStrategy.randomFallback(2);
        router.selectPod(REQ, c).complete(Outcome.FAILURE, -1);

        assertThat(events).containsExactly(
                "selected pod-0 first NONE null cold=false",
                "completed pod-0 first NONE null SUCCESS 1234",
                "selected pod-2 first RANDOM_METRIC_MISSING NOT_YET_SCRAPED cold=true",
                "completed pod-2 first RANDOM_METRIC_MISSING NOT_YET_SCRAPED FAILURE -1");
    }

    @Test
    void throwingListenerNeitherBreaksSelectionNorTelemetryAndIsLoggedOncePerMethod() throws IOException {
        Router router = router(new RouterEventListener() {
            @Override
            public void selected(Pod pod, String strategy, Fallback fallback, MissingReason reason, boolean cold) {
                throw new IllegalStateException("listener bug on select");
            }

            @Override
            public void completed(Pod pod, String strategy, Fallback fallback, MissingReason reason, Outcome outcome,
                                  long latencyNanos) {
                throw new IllegalStateException("listener bug on complete");
            }
        });
        Candidates c = router.candidates(fleet());
        first.answer = SelectionStrategy.chosen(0);
        for (int i = 0; i < 5; i++) {
            assertThatCode(() -> assertThat(router.selectPod(REQ, c).complete(Outcome.SUCCESS, 1)).isTrue())
                    .doesNotThrowAnyException();
        }
        TelemetrySnapshot t = router.telemetry();
        assertThat(t.selections()).containsEntry(new SelectionKey("first", Fallback.NONE), 5L);
        assertThat(t.outcomes()).containsEntry(Outcome.SUCCESS, 5L);
        assertThat(t.pods().get("pod-0").inFlight()).isZero();
        String log = Files.readString(Path.of("target", "router-test.log"));
        assertThat(countOf(log, "listener bug on select")).isEqualTo(1);
        assertThat(countOf(log, "listener bug on complete")).isEqualTo(1);
    }

    private static int countOf(String text, String needle) {
        int n = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void podSeriesCoverOnlyPodsTheRouterStillKnows() throws InterruptedException {
        Router router = router(null);
        Candidates keep = router.candidates(fleet());
        first.answer = SelectionStrategy.chosen(0);
        for (int i = 0; i < 20; i++) {
            router.selectPod(REQ, router.candidates(List.of(Pod.ready("gone-" + i, "h", 1, T0)))).complete(Outcome.SUCCESS, 1);
        }
        assertThat(router.telemetry().pods()).containsKey("gone-0");
        Map<String, PodTelemetry> pods = router.telemetry().pods();
        // Pods leave when the garbage collector clears the candidate sets that held them; bounded retries.
        for (int attempt = 0; attempt < 50 && pods.size() > 3; attempt++) {
            System.gc();
            Thread.sleep(20);
            router.refreshMetrics();
            pods = router.telemetry().pods();
        }
        assertThat(pods.keySet()).containsExactlyInAnyOrder("pod-0", "pod-1", "pod-2");
        StringBuilder text = new StringBuilder();
        try {
            router.writePrometheus(text);
        } catch (IOException impossible) {
            throw new AssertionError(impossible);
        }
        assertThat(text).contains("podrouter_pod_in_flight{pod=\"pod-0\"} 0\n").doesNotContain("gone-");
        assertThat(router.selectPod(REQ, keep).pod().id()).isEqualTo("pod-0");
    }
}
