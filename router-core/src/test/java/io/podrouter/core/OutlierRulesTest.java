package io.podrouter.core;

import io.podrouter.api.Candidates;
import io.podrouter.api.EjectionReason;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.NoPodAvailableException;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.strategies.LeastRequestStrategy;
import io.podrouter.strategies.RoundRobinStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** Outlier detection's rules, each on its own: the veto, the failure-rate rule, the cap, the panic rule, the gauges. */
class OutlierRulesTest extends VirtualClockRouterTest {

    /** Sends {@code percent} of the picks to pod-0 when it is ready, the rest round the other ready pods. */
    private static SelectionStrategy sharing(int percent) {
        return sharing(new AtomicInteger(percent));
    }

    /**
     * Sends {@code percent} of the picks (spread evenly, not in runs) to pod-0 when it is ready, the rest round
     * the other ready pods; a negative percent rotates over all ready pods.
     */
    private static SelectionStrategy sharing(AtomicInteger percent) {
        AtomicLong n = new AtomicLong();
        return new SelectionStrategy() {
            @Override
            public String name() {
                return "share-" + percent;
            }

            @Override
            public boolean ranksByMetrics() {
                return false;
            }

            @Override
            public long pick(InferenceRequest request, CandidateView v) {
                long k = n.getAndIncrement();
                if (percent.get() < 0) {
                    return SelectionStrategy.chosen(v.readyIndex((int) (k % v.readyCount())));
                }
                if (v.isReady(0) && (k * 37) % 100 < percent.get()) {
                    return SelectionStrategy.chosen(0);
                }
                int others = v.isReady(0) ? v.readyCount() - 1 : v.readyCount();
                if (others == 0) {
                    return SelectionStrategy.chosen(0);
                }
                int skip = (int) (k % others);
                for (int r = 0; r < v.readyCount(); r++) {
                    int i = v.readyIndex(r);
                    if (i != 0 && skip-- == 0) {
                        return SelectionStrategy.chosen(i);
                    }
                }
                throw new AssertionError("unreachable");
            }
        };
    }

    /** Runs {@code ms} of traffic, one request per 10 ms; pod-0 fails when {@code podZeroFails}, the others when {@code othersFail}. */
    private void traffic(Router router, Candidates set, int ms, boolean podZeroFails, boolean othersFail) {
        for (int t = 0; t < ms; t += 10) {
            PodSelection s = router.selectPod(REQ, set);
            boolean fail = s.pod().id().equals("pod-0") ? podZeroFails : othersFail;
            s.complete(fail ? Outcome.FAILURE : Outcome.SUCCESS, 1_000_000);
            clock.advance(Duration.ofMillis(10));
            if (t % 100 == 0) {
                router.refreshMetrics();
            }
        }
    }

    /**
     * After a fleet-wide failure (which ejects nobody), a pod that keeps failing every request is ejected within
     * two intervals whatever share of the traffic it takes. Before the fix, its own failures of the previous
     * interval counted as "the others failing too", and a pod taking half the traffic or more vetoed its own
     * ejection every interval.
     */
    @ParameterizedTest
    @ValueSource(ints = {34, 50, 67, 90})
    void podFailingEveryRequestIsEjectedWithinTwoIntervalsWhateverItsShare(int percent) {
        AtomicInteger share = new AtomicInteger(-1);
        Router router = track(defaults(sharing(share), 1).build());
        Candidates set = router.candidates(pods(3));
        router.refreshMetrics();
        traffic(router, set, 10_000, false, false);
        traffic(router, set, 15_000, true, true);
        assertThat(router.telemetry().ejectedPods()).as("a fleet-wide failure ejects nobody").isZero();
        assertThat(router.telemetry().ejectionsSkipped()).isPositive();
        share.set(percent);
        traffic(router, set, 20_000, true, false);
        assertThat(router.telemetry().ejectedPods()).as("share %d %%", percent).isEqualTo(1);
        assertThat(router.isEjected("pod-0")).isTrue();
    }

    /**
     * A failure slower than every success of the fleet over the last one to two intervals is a timeout: it says
     * the pod was slow or overloaded, not broken, and ejects nobody (an overloaded fleet times requests out on its
     * busiest pods first; ejecting them removed capacity and made round-robin and least-request worse than without
     * outlier detection on the simulator's train family). The same failures coming back sooner than a success
     * eject the pod, and so do slow ones before any success was seen.
     */
    @ParameterizedTest
    @ValueSource(longs = {30_000_000_000L, 1_000_000L})
    void failuresSlowerThanEverySuccessEjectNobodyWhileFastOnesDo(long failureNanos) {
        Router router = track(defaults(sharing(50), 1).build());
        Candidates set = router.candidates(pods(3));
        router.refreshMetrics();
        for (int t = 0; t < 30_000; t += 10) {
            PodSelection s = router.selectPod(REQ, set);
            boolean zero = s.pod().id().equals("pod-0");
            s.complete(zero ? Outcome.FAILURE : Outcome.SUCCESS, zero ? failureNanos : 2_000_000_000L);
            clock.advance(Duration.ofMillis(10));
            if (t % 100 == 0) {
                router.refreshMetrics();
            }
        }
        boolean slow = failureNanos > 2_000_000_000L;
        assertThat(router.isEjected("pod-0")).as("failures of %d ns", failureNanos).isEqualTo(!slow);
        assertThat(router.telemetry().ejectedPods()).isEqualTo(slow ? 0 : 1);
    }

    @Test
    void slowFailuresCountWhileNoSuccessWasSeen() {
        Router router = track(defaults(sharing(100), 1).build());
        Candidates set = router.candidates(pods(3));
        for (int r = 0; r < 5; r++) {
            router.selectPod(REQ, set).complete(Outcome.FAILURE, 30_000_000_000L);
        }
        assertThat(router.isEjected("pod-0")).isTrue();
    }

    /** The failure-rate rule alone (consecutive failures never reach their threshold): 90 % failures eject at the interval. */
    @Test
    void failureRateAtTheThresholdEjectsAtTheIntervalEvenForAPodTakingMostTraffic() {
        Router router = track(defaults(sharing(70), 1).outlierDetection(OutlierDetection.defaults()
                .withConsecutiveFailures(1_000)).build());
        Candidates set = router.candidates(pods(3));
        router.refreshMetrics();
        for (int t = 0; t < 25_000; t += 10) {
            PodSelection s = router.selectPod(REQ, set);
            boolean zero = s.pod().id().equals("pod-0");
            // pod-0: 9 of 10 fail (above 85 %); the others succeed.
            s.complete(zero && (t / 10) % 10 != 0 ? Outcome.FAILURE : Outcome.SUCCESS, 1_000_000);
            clock.advance(Duration.ofMillis(10));
            router.refreshMetrics();
        }
        assertThat(router.telemetry().ejections()).containsEntry(EjectionReason.FAILURE_RATE, 1L);
        assertThat(router.isEjected("pod-0")).isTrue();
    }

    @Test
    void failureRateBelowTheThresholdOrBelowTheMinimumRequestsEjectsNobody() {
        Router router = track(defaults(sharing(50), 1).outlierDetection(OutlierDetection.defaults()
                .withConsecutiveFailures(1_000)).build());
        Candidates set = router.candidates(pods(3));
        router.refreshMetrics();
        for (int t = 0; t < 25_000; t += 10) {
            PodSelection s = router.selectPod(REQ, set);
            boolean zero = s.pod().id().equals("pod-0");
            s.complete(zero && (t / 10) % 5 != 0 ? Outcome.FAILURE : Outcome.SUCCESS, 1_000_000); // 80 % < 85 %
            clock.advance(Duration.ofMillis(10));
            router.refreshMetrics();
        }
        assertThat(router.telemetry().ejectedPods()).isZero();

        Router sparse = track(defaults(sharing(50), 2).outlierDetection(OutlierDetection.defaults()
                .withConsecutiveFailures(1_000)).build());
        Candidates few = sparse.candidates(pods(3));
        sparse.refreshMetrics();
        for (int t = 0; t < 25_000; t += 500) { // 2 requests per second: 10 per interval to pod-0, under 50
            PodSelection s = sparse.selectPod(REQ, few);
            s.complete(s.pod().id().equals("pod-0") ? Outcome.FAILURE : Outcome.SUCCESS, 1_000_000);
            clock.advance(Duration.ofMillis(500));
            sparse.refreshMetrics();
        }
        assertThat(sparse.telemetry().ejectedPods()).isZero();
    }

    /**
     * The cap protects each candidate set's capacity: with two sets of 4 and 8 pods and a 25 % cap, two failing
     * pods of the small set are not both ejected (one of 4 is the cap), whatever the other set holds; a failing
     * pod of the large set still is.
     */
    @Test
    void maxEjectedFractionAppliesPerCandidateSet() {
        Router router = track(defaults(new RoundRobinStrategy(), 1)
                .outlierDetection(OutlierDetection.defaults().withMaxEjectedFraction(0.25)).build());
        List<Pod> small = new ArrayList<>();
        List<Pod> large = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            small.add(Pod.ready("a" + i, "10.0.1." + i, 8000, T0));
        }
        for (int i = 0; i < 8; i++) {
            large.add(Pod.ready("b" + i, "10.0.2." + i, 8000, T0));
        }
        Candidates a = router.candidates(small);
        Candidates b = router.candidates(large);
        Set<String> failing = Set.of("a0", "a1", "b0");
        for (int r = 0; r < 400; r++) {
            for (Candidates set : List.of(a, b)) {
                PodSelection s = router.selectPod(REQ, set);
                s.complete(failing.contains(s.pod().id()) ? Outcome.FAILURE : Outcome.SUCCESS, 1_000_000);
            }
        }
        assertThat(router.isEjected("a0") ^ router.isEjected("a1")).as("exactly one of a0, a1").isTrue();
        assertThat(router.isEjected("b0")).isTrue();
        assertThat(router.telemetry().ejectedPods()).isEqualTo(2);
    }

    /**
     * {@code ejections_skipped_total} counts ejections not made, not failed requests: two pods over the cap
     * that keep failing count one skip each (per run of failures, and at most one per interval after that).
     */
    @Test
    void skippedEjectionsAreCountedOncePerAttemptNotPerFailure() {
        Router router = track(defaults(new LeastRequestStrategy(), 42).build());
        Candidates set = router.candidates(pods(10));
        for (int r = 0; r < 2_000; r++) {
            PodSelection s = router.selectPod(REQ, set);
            int id = Integer.parseInt(s.pod().id().substring(4));
            s.complete(id < 3 ? Outcome.FAILURE : Outcome.SUCCESS, 1);
        }
        assertThat(router.telemetry().ejectedPods()).isEqualTo(1);
        assertThat(router.telemetry().ejectionsSkipped()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(11));
        router.refreshMetrics(); // first evaluation only starts the interval clock
        clock.advance(Duration.ofSeconds(11));
        router.refreshMetrics(); // one more attempt each for the two capped pods
        assertThat(router.telemetry().ejectionsSkipped()).isEqualTo(4);
    }

    /**
     * The panic rule holds for retries too: with one of two pods ejected, a retry that excludes the pod just
     * tried gets the ejected one rather than {@link NoPodAvailableException}.
     */
    @Test
    void retryExcludingTheOnlyHealthyPodGetsTheEjectedOneRatherThanNothing() {
        Router router = track(defaults(new LeastRequestStrategy(), 5).build());
        Candidates set = router.candidates(pods(2));
        for (int r = 0; r < 20; r++) {
            PodSelection s = router.selectPod(REQ, set);
            s.complete(s.pod().id().equals("pod-0") ? Outcome.FAILURE : Outcome.SUCCESS, 1);
        }
        assertThat(router.isEjected("pod-0")).isTrue();
        router.refreshMetrics();
        PodSelection first = router.selectPod(REQ, set);
        assertThat(first.pod().id()).isEqualTo("pod-1");
        first.complete(Outcome.FAILURE, 1);
        assertThatCode(() -> {
            PodSelection retry = router.selectPod(REQ, set, List.of("pod-1"));
            assertThat(retry.pod().id()).isEqualTo("pod-0");
            retry.complete(Outcome.SUCCESS, 1);
        }).doesNotThrowAnyException();
        // Excluding every pod is still "no pod": the panic rule serves only the pods the caller allows.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> router.selectPod(REQ, set, List.of("pod-0", "pod-1")))
                .isInstanceOf(NoPodAvailableException.class);
    }

    /** The ejected-pods gauge counts pods ejected now among the pods the router knows: a forgotten pod leaves it. */
    @Test
    void ejectedPodsGaugeDoesNotLeakForPodsForgottenWhileEjected() throws InterruptedException {
        Router router = track(defaults(new LeastRequestStrategy(), 5).build());
        Candidates keep = router.candidates(List.of(Pod.ready("stays", "h", 1, T0)));
        for (int i = 0; i < 5; i++) {
            Candidates gone = router.candidates(List.of(Pod.ready("gone-" + i, "h", 1, T0), Pod.ready("ok-" + i, "h", 1, T0)));
            for (int r = 0; r < 20; r++) {
                PodSelection s = router.selectPod(REQ, gone);
                s.complete(s.pod().id().startsWith("gone") ? Outcome.FAILURE : Outcome.SUCCESS, 1);
            }
        }
        assertThat(router.telemetry().ejectedPods()).isPositive();
        long known = router.knownPods();
        for (int attempt = 0; attempt < 50 && known > 1; attempt++) {
            System.gc();
            Thread.sleep(20);
            router.refreshMetrics();
            known = router.knownPods();
        }
        assertThat(known).isEqualTo(1);
        assertThat(router.telemetry().ejectedPods()).isZero();
        assertThat(router.selectPod(REQ, keep).pod().id()).isEqualTo("stays");
    }
}
