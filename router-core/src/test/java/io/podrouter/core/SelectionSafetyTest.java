package io.podrouter.core;

import io.podrouter.api.Candidates;
import io.podrouter.api.Fallback;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.api.RouterEventListener;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.strategies.RoundRobinStrategy;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Details of the selection path, reclaim and cold-start lifecycle, each pinned by a test that failed before its fix. */
class SelectionSafetyTest extends VirtualClockRouterTest {

    /** Picks the first ready candidate: makes the chain's choice predictable. */
    private static final SelectionStrategy FIRST_READY = new SelectionStrategy() {
        @Override
        public String name() {
            return "first-ready";
        }

        @Override
        public long pick(InferenceRequest request, CandidateView v) {
            return SelectionStrategy.chosen(v.readyIndex(0));
        }
    };

    private MetricsLookup present() {
        return MetricsLookup.present(PodMetrics.observedAt(clock.instant()).withKvCacheUsage(0.2)
                .withRunningRequests(2).withWaitingRequests(0));
    }

    /** Under a manual refresh, a selection made long after its table was built is not reclaimed as if it were that old. */
    @Test
    void inFlightAgeRunsFromTheSelectionNotFromTheTableBuild() {
        Router router = track(defaults(new RoundRobinStrategy(), 1).maxInFlightAge(Duration.ofSeconds(60)).build());
        Candidates set = router.candidates(pods(1));
        router.selectPod(REQ, set).complete(Outcome.SUCCESS, 1); // builds the table now
        clock.advance(Duration.ofSeconds(100)); // no refresh: the table stays 100 s old
        PodSelection live = router.selectPod(REQ, set);
        router.refreshMetrics();
        assertThat(router.telemetry().inFlightReclaimed()).isZero();
        assertThat(router.inFlight("pod-0")).isEqualTo(1);
        clock.advance(Duration.ofSeconds(61));
        router.refreshMetrics();
        assertThat(router.telemetry().inFlightReclaimed()).isEqualTo(1);
        assertThat(live.complete(Outcome.SUCCESS, 1)).isFalse();
    }

    /** A reclaimed selection completes through the listener too (as CANCELLED, latency -1), so tracing spans close. */
    @Test
    void reclaimedSelectionReachesTheListenerAsCancelled() {
        List<String> completed = new ArrayList<>();
        RouterEventListener listener = new RouterEventListener() {
            @Override
            public void completed(Pod pod, String strategy, Fallback fallback, @Nullable MissingReason reason,
                                  Outcome outcome, long latencyNanos) {
                completed.add(pod.id() + " " + outcome + " " + latencyNanos);
            }
        };
        Router router = track(defaults(new RoundRobinStrategy(), 1).maxInFlightAge(Duration.ofSeconds(10))
                .eventListener(listener).build());
        Candidates set = router.candidates(pods(1));
        router.selectPod(REQ, set);
        clock.advance(Duration.ofSeconds(11));
        router.refreshMetrics();
        assertThat(completed).containsExactly("pod-0 CANCELLED -1");
        assertThat(router.telemetry().outcomes()).containsEntry(Outcome.CANCELLED, 1L);
    }

    /**
     * The re-pick after a cold pod's burst guard turned a pick down gets the same ejection re-check as a first
     * pick: a pod ejected since the table was built is not chosen while another can serve.
     */
    @Test
    void repickAfterAdmissionRejectionSkipsAPodEjectedSinceTheTableWasBuilt() {
        Router router = track(defaults(FIRST_READY, 1).coldStartInFlightCap(1).build());
        source.answers.put("w1", present());
        source.answers.put("w2", present());
        Candidates set = router.candidates(List.of(Pod.ready("cold", "h", 1, clock.instant()),
                Pod.ready("w1", "h", 2, T0), Pod.ready("w2", "h", 3, T0)));
        PodSelection held = router.selectPod(REQ, set);
        assertThat(held.pod().id()).isEqualTo("cold");
        for (int r = 0; r < 5; r++) { // the cold pod is at its cap: the re-pick goes to w1, which fails
            PodSelection s = router.selectPod(REQ, set);
            assertThat(s.pod().id()).isEqualTo("w1");
            s.complete(Outcome.FAILURE, 1);
        }
        assertThat(router.isEjected("w1")).isTrue();
        // No refresh: the table still lists w1 as ready.
        assertThat(router.selectPod(REQ, set).pod().id()).isEqualTo("w2");
    }

    /** When every ready pod is new and at its cap, the overflow pick says so instead of crediting the strategy. */
    @Test
    void admissionOverflowIsReportedAsSuch() {
        Router router = track(defaults(FIRST_READY, 1).coldStartInFlightCap(1).build());
        Candidates set = router.candidates(List.of(Pod.ready("n0", "h", 1, clock.instant()),
                Pod.ready("n1", "h", 2, clock.instant())));
        PodSelection first = router.selectPod(REQ, set);
        assertThat(first.pod().id()).isEqualTo("n0");
        assertThat(first.fallback()).isEqualTo(Fallback.NONE);
        PodSelection overflow = router.selectPod(REQ, set);
        assertThat(overflow.pod().id()).isEqualTo("n1");
        assertThat(overflow.fallback()).isEqualTo(Fallback.ADMISSION_OVERFLOW);
        assertThat(overflow.strategy()).isEqualTo(Router.OVERFLOW_NAME);
        assertThat(router.telemetry().selections())
                .containsEntry(new io.podrouter.core.telemetry.TelemetrySnapshot.SelectionKey(Router.OVERFLOW_NAME,
                        Fallback.ADMISSION_OVERFLOW), 1L);
    }

    /**
     * The cold-start lifecycle is per (pod, model): a pod with metrics for model a and none yet for model b is
     * cold for b (its b requests count as cold requests), not warm-but-missing because a's metrics arrived.
     */
    @Test
    void podWithMetricsForOneModelIsStillColdForAnother() {
        MetricsSource byModel = (pod, model) -> pod.id().equals("x") && model.equals("b")
                ? MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED) : present();
        Router router = track(Router.builder().metricsSource(byModel).strategy(new RoundRobinStrategy()).clock(clock)
                .random(RandomSource.seeded(3)).metricsRefreshInterval(Duration.ZERO).build());
        Candidates set = router.candidates(List.of(Pod.ready("x", "h", 1, clock.instant()),
                Pod.ready("y", "h", 2, clock.instant())));
        for (int r = 0; r < 10; r++) {
            router.selectPod(InferenceRequest.forModel("a"), set).complete(Outcome.SUCCESS, 1);
        }
        assertThat(router.telemetry().coldRequests()).isZero();
        int toX = 0;
        for (int r = 0; r < 10; r++) {
            PodSelection s = router.selectPod(InferenceRequest.forModel("b"), set);
            toX += s.pod().id().equals("x") ? 1 : 0;
            s.complete(Outcome.SUCCESS, 1);
        }
        assertThat(toX).isPositive();
        assertThat(router.telemetry().coldRequests()).isEqualTo(toX);
        assertThat(router.isCold("x")).isTrue();
    }

    /**
     * A pod first seen without metrics long after its Ready instant (the router restarted before its scraper's
     * first scrape) reports no cold start; one first seen soon after Ready reports its real duration.
     */
    @Test
    void podFirstSeenLongAfterReadyReportsNoColdStartOfHours() {
        List<Duration> reported = new ArrayList<>();
        RouterEventListener listener = new RouterEventListener() {
            @Override
            public void firstMetrics(Pod pod, Duration readyToMetrics) {
                reported.add(readyToMetrics);
            }
        };
        Router router = track(defaults(new RoundRobinStrategy(), 1).eventListener(listener).build());
        Pod old = Pod.ready("old", "h", 1, clock.instant().minus(Duration.ofHours(3)));
        Pod young = Pod.ready("young", "h", 2, clock.instant().minus(Duration.ofSeconds(4)));
        Candidates set = router.candidates(List.of(old, young));
        router.selectPod(REQ, set).complete(Outcome.SUCCESS, 1); // first sight: neither has metrics
        clock.advance(Duration.ofSeconds(6));
        source.answers.put("old", present());
        source.answers.put("young", present());
        router.refreshMetrics();
        assertThat(reported).containsExactly(Duration.ofSeconds(10));
        assertThat(router.telemetry().coldStartDurations().count()).isEqualTo(1);
        assertThat(router.telemetry().coldStartDurations().sum()).isEqualTo(10.0);
    }
}
