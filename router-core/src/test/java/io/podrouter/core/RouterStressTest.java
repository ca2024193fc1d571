package io.podrouter.core;

import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastRequestStrategy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many threads selecting while discovery flips pods' readiness, refreshes rebuild tables and other threads
 * complete the selections, each selection twice and concurrently. What is asserted does not depend on the
 * interleaving: no selection returns a pod whose {@code ready()} is false, {@code complete} returns true
 * exactly once per selection, and every in-flight count is back to 0 at the end. The work is fixed (8 x
 * 50,000 selections); the timeouts only bound a broken run.
 */
class RouterStressTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final InferenceRequest REQ = InferenceRequest.forModel("llama");
    private static final int SELECTORS = 8;
    private static final int SELECTIONS_PER_THREAD = 50_000;
    private static final int PODS = 8;
    /** Pods 0..FLIPPING-1 flip readiness; the others stay ready, so a selection always has a pod. */
    private static final int FLIPPING = 4;
    private static final long TIMEOUT_SECONDS = 240;

    @Test
    void selectionsUnderReadinessFlipsRefreshesAndForeignCompletionsNeverPickNotReadyAndLeakNothing() throws Exception {
        MapMetricsSource source = new MapMetricsSource();
        List<Pod> ready = new ArrayList<>();
        for (int i = 0; i < PODS; i++) {
            ready.add(Pod.ready("pod-" + i, "10.0.0." + i, 8000, T0));
            // Odd pods have metrics (the flipping ones the least loaded, so they are picked when ready); even
            // pods never do, so they are cold while ready and picked through admission and the burst guard.
            if ((i & 1) == 1) {
                source.answers.put("pod-" + i, MetricsLookup.present(
                        PodMetrics.observedAt(T0).withKvCacheUsage(i < FLIPPING ? 0.05 : 0.6)));
            }
        }
        Router router = Router.builder().metricsSource(source)
                .strategies(new LeastKvCacheStrategy(), new LeastRequestStrategy())
                .clock(new MutableClock(T0.plusSeconds(3600))).random(RandomSource.seeded(5))
                .metricsRefreshInterval(Duration.ZERO).build();
        Candidates first = router.candidates(ready);
        AtomicReference<Candidates> latest = new AtomicReference<>(first);
        AtomicBoolean selecting = new AtomicBoolean(true);
        // Each selection goes to both completers, which complete it at about the same time.
        List<BlockingQueue<PodSelection>> toComplete = List.of(new ArrayBlockingQueue<>(4096), new ArrayBlockingQueue<>(4096));
        PodSelection endOfStream = router.selectPod(REQ, first);
        endOfStream.complete(Outcome.CANCELLED, -1);

        ExecutorService pool = Executors.newFixedThreadPool(SELECTORS + 4);
        try {
            Future<?> discovery = pool.submit(() -> {
                SplittableRandom random = new SplittableRandom(42);
                while (selecting.get()) {
                    List<Pod> pods = new ArrayList<>(ready);
                    for (int i = 0; i < FLIPPING; i++) {
                        if (random.nextBoolean()) {
                            pods.set(i, ready.get(i).markedNotReady());
                        }
                    }
                    latest.set(router.candidates(pods));
                }
                latest.set(router.candidates(ready));
            });
            Future<?> refresher = pool.submit(() -> {
                while (selecting.get()) {
                    router.refreshMetrics();
                }
            });
            List<Future<long[]>> completers = new ArrayList<>();
            for (BlockingQueue<PodSelection> queue : toComplete) {
                completers.add(pool.submit(() -> {
                    long[] trueFalse = new long[2];
                    long n = 0;
                    while (true) {
                        PodSelection s = queue.take();
                        if (s == endOfStream) {
                            return trueFalse;
                        }
                        boolean completed = s.complete((n++ & 7) == 0 ? Outcome.FAILURE : Outcome.SUCCESS, 1_000_000);
                        trueFalse[completed ? 0 : 1]++;
                    }
                }));
            }
            List<Callable<Long>> selectors = new ArrayList<>();
            for (int t = 0; t < SELECTORS; t++) {
                selectors.add(() -> {
                    long notReady = 0;
                    for (int k = 0; k < SELECTIONS_PER_THREAD; k++) {
                        PodSelection s = router.selectPod(REQ, (k & 1) == 0 ? first : latest.get());
                        if (!s.pod().ready()) {
                            notReady++;
                        }
                        for (BlockingQueue<PodSelection> queue : toComplete) {
                            queue.put(s);
                        }
                    }
                    return notReady;
                });
            }
            List<Future<Long>> results = new ArrayList<>();
            for (Callable<Long> c : selectors) {
                results.add(pool.submit(c));
            }
            long notReady = 0;
            for (Future<Long> f : results) {
                notReady += f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            selecting.set(false);
            for (BlockingQueue<PodSelection> queue : toComplete) {
                queue.put(endOfStream);
            }
            long completedOnce = 0;
            long refused = 0;
            for (Future<long[]> f : completers) {
                long[] trueFalse = f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                completedOnce += trueFalse[0];
                refused += trueFalse[1];
            }
            discovery.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            refresher.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);

            long selections = (long) SELECTORS * SELECTIONS_PER_THREAD;
            assertThat(notReady).as("selections that returned a not-ready pod").isZero();
            assertThat(completedOnce).as("complete() calls that returned true").isEqualTo(selections);
            assertThat(refused).as("complete() calls that returned false").isEqualTo(selections);
            for (Pod p : ready) {
                assertThat(router.inFlight(p.id())).as("in-flight of %s", p.id()).isZero();
            }
        } finally {
            selecting.set(false);
            pool.shutdownNow();
            router.close();
        }
    }
}
