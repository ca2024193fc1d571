package io.podrouter.core;

import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.NoPodAvailableException;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.api.RejectReason;
import io.podrouter.strategies.LeastKvCacheStrategy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A discovery update that lands while a metrics table is being built must not leave a row that is marked
 * ready but holds a {@link Pod} whose {@code ready()} is false. The interleaving is forced, not hoped for:
 * the metrics source's lookup of the pod is where the update happens (on the building thread, or on
 * another thread while the lookup waits for it), which is exactly between the build's readiness check and
 * the moment it stores the row's pod.
 */
class ReadinessRaceTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final InferenceRequest REQ = InferenceRequest.forModel("llama");
    private static final int TRIALS = 100;
    /** Bounds a broken run; never decides a passing one (each wait is released by the test itself). */
    private static final long WAIT_SECONDS = 10;

    private static final Pod BUSY = Pod.ready("pod-busy", "10.0.0.1", 8000, T0);
    private static final Pod FLIPPING = Pod.ready("pod-flip", "10.0.0.2", 8000, T0);

    /**
     * Answers every lookup with fixed metrics (the flipping pod idle, so least-KV picks it whenever it is
     * ready) and runs {@link #duringLookup} once, inside the next lookup of the flipping pod.
     */
    private static final class InterferingSource implements MetricsSource {
        volatile Runnable duringLookup;

        @Override
        public MetricsLookup lookup(Pod pod, String model) {
            if (pod.id().equals(FLIPPING.id())) {
                Runnable r = duringLookup;
                duringLookup = null;
                if (r != null) {
                    r.run();
                }
                return MetricsLookup.present(PodMetrics.observedAt(T0).withKvCacheUsage(0.1));
            }
            return MetricsLookup.present(PodMetrics.observedAt(T0).withKvCacheUsage(0.9));
        }
    }

    private static Router router(MetricsSource source) {
        return RouterTest.foundation(Router.builder()).metricsSource(source).strategy(new LeastKvCacheStrategy())
                .clock(new MutableClock(T0)).random(RandomSource.seeded(7)).metricsRefreshInterval(Duration.ZERO)
                .withoutOutlierDetection().build();
    }

    @Test
    void discoveryUpdateDuringFirstTableBuildNeverYieldsANotReadyPod() {
        for (int trial = 0; trial < TRIALS; trial++) {
            InterferingSource source = new InterferingSource();
            try (Router router = router(source)) {
                Candidates set = router.candidates(List.of(BUSY, FLIPPING));
                source.duringLookup = () -> router.candidates(List.of(BUSY, FLIPPING.markedNotReady()));

                PodSelection s = router.selectPod(REQ, set); // first use: the build runs on this thread

                assertThat(s.pod().ready()).as("trial %d: %s", trial, s.pod()).isTrue();
                s.complete(Outcome.SUCCESS, 1);
                assertNotReadyAfterNextRefresh(router, set);
            }
        }
    }

    @Test
    void discoveryUpdateDuringRefreshNeverYieldsANotReadyPod() {
        for (int trial = 0; trial < TRIALS; trial++) {
            InterferingSource source = new InterferingSource();
            try (Router router = router(source)) {
                Candidates set = router.candidates(List.of(BUSY, FLIPPING));
                PodSelection first = router.selectPod(REQ, set); // builds the table and marks it used
                assertThat(first.pod()).isEqualTo(FLIPPING);
                first.complete(Outcome.SUCCESS, 1);
                source.duringLookup = () -> router.candidates(List.of(BUSY, FLIPPING.markedNotReady()));

                router.refreshMetrics();

                PodSelection s = router.selectPod(REQ, set);
                assertThat(s.pod().ready()).as("trial %d: %s", trial, s.pod()).isTrue();
                assertNotReadyAfterNextRefresh(router, set);
            }
        }
    }

    /**
     * The same race with the update on its own thread, as discovery runs in a gateway: the lookup waits
     * until the discovery thread has installed the not-ready pod, then the build goes on.
     */
    @Test
    void discoveryUpdateFromAnotherThreadDuringRefreshNeverYieldsANotReadyPod() throws Exception {
        ExecutorService discovery = Executors.newSingleThreadExecutor();
        try {
            for (int trial = 0; trial < TRIALS; trial++) {
                InterferingSource source = new InterferingSource();
                try (Router router = router(source)) {
                    Candidates set = router.candidates(List.of(BUSY, FLIPPING));
                    router.selectPod(REQ, set).complete(Outcome.SUCCESS, 1);
                    CountDownLatch inLookup = new CountDownLatch(1);
                    CountDownLatch updated = new CountDownLatch(1);
                    source.duringLookup = () -> {
                        inLookup.countDown();
                        await(updated);
                    };
                    Future<?> update = discovery.submit(() -> {
                        await(inLookup);
                        router.candidates(List.of(BUSY, FLIPPING.markedNotReady()));
                        updated.countDown();
                    });

                    router.refreshMetrics();
                    update.get(WAIT_SECONDS, TimeUnit.SECONDS);

                    PodSelection s = router.selectPod(REQ, set);
                    assertThat(s.pod().ready()).as("trial %d: %s", trial, s.pod()).isTrue();
                    s.complete(Outcome.SUCCESS, 1);
                    assertNotReadyAfterNextRefresh(router, set);
                    assertThat(router.inFlight(FLIPPING.id()) + router.inFlight(BUSY.id())).isZero();
                }
            }
        } finally {
            discovery.shutdownNow();
        }
    }

    /** The update is not lost: the next table leaves the pod out and says why. */
    private static void assertNotReadyAfterNextRefresh(Router router, Candidates set) {
        router.refreshMetrics();
        PodSelection s = router.selectPod(REQ, set);
        assertThat(s.pod()).isEqualTo(BUSY);
        s.complete(Outcome.SUCCESS, 1);
        Candidates onlyFlipping = router.candidates(List.of(FLIPPING.markedNotReady()));
        assertThatThrownBy(() -> router.selectPod(REQ, onlyFlipping))
                .isInstanceOfSatisfying(NoPodAvailableException.class,
                        e -> assertThat(e.rejections()).isEqualTo(Map.of(RejectReason.POD_NOT_READY, 1)));
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out after " + WAIT_SECONDS + " s waiting for the other thread");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
