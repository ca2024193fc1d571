package io.podrouter.core;

import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MetricsSource;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The router's publish/read paths under seeded schedules of selections, completions, discovery updates,
 * refreshes and in-flight reads, checked step by step against a sequential model: every selection returns
 * a pod whose {@code ready()} is true, {@code complete} returns true exactly once per selection, and the
 * in-flight counts always equal the selections not yet completed.
 *
 * <p>The other threads' actions are interleaved where they matter most and where a real thread can land
 * at any time: inside table builds, from the metrics source's lookup, which runs between a build's read of
 * a pod and the row it stores. Seeded, so a failure names a seed and step that reproduce it exactly; Lincheck's
 * model checker could explore these interleavings too, but took minutes for a two-thread scenario here
 * (see {@link RouterLincheckTest} for the multi-threaded linearizability check).
 */
class SeededScheduleTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final InferenceRequest REQ = InferenceRequest.forModel("llama");
    private static final Pod STEADY = Pod.ready("pod-steady", "10.0.0.1", 8000, T0);
    /** Has metrics, the lowest KV usage: picked whenever a table has it ready. */
    private static final Pod FLIPPING = Pod.ready("pod-flip", "10.0.0.2", 8000, T0);
    /** Never has metrics: cold while ready, picked through admission and the burst guard. */
    private static final Pod FLIPPING_COLD = Pod.ready("pod-flip-cold", "10.0.0.3", 8000, T0);
    private static final int SEEDS = 10;
    private static final int STEPS = 1_000;

    /** The schedule under one seed, with the model of what the router must answer. */
    private static final class Schedule implements MetricsSource {
        final SplittableRandom random;
        final Router router;
        final Candidates first;
        Candidates latest;
        final List<PodSelection> selections = new ArrayList<>();
        final List<Boolean> completed = new ArrayList<>();
        int open;
        int interleaved;
        boolean inLookupAction;

        Schedule(long seed) {
            random = new SplittableRandom(seed);
            router = Router.builder().metricsSource(this)
                    .strategies(new LeastKvCacheStrategy(), new LeastRequestStrategy())
                    .clock(new MutableClock(T0.plusSeconds(3600))).random(RandomSource.seeded(seed))
                    .metricsRefreshInterval(Duration.ZERO).coldStartInFlightCap(2).build();
            first = router.candidates(List.of(STEADY, FLIPPING, FLIPPING_COLD));
            latest = first;
        }

        @Override
        public MetricsLookup lookup(Pod pod, String model) {
            // Another thread's action lands here, mid-build, one time in four.
            if (!inLookupAction && random.nextInt(4) == 0) {
                inLookupAction = true;
                interleaved++;
                if (random.nextBoolean()) {
                    discover();
                } else {
                    complete();
                }
                inLookupAction = false;
            }
            if (pod.id().equals(STEADY.id())) {
                return MetricsLookup.present(PodMetrics.observedAt(T0).withKvCacheUsage(0.5));
            }
            if (pod.id().equals(FLIPPING.id())) {
                return MetricsLookup.present(PodMetrics.observedAt(T0).withKvCacheUsage(0.1));
            }
            return MetricsLookup.missing(io.podrouter.api.MissingReason.NOT_YET_SCRAPED);
        }

        void select(Candidates set, String where) {
            PodSelection s = router.selectPod(REQ, set);
            assertThat(s.pod().ready()).as("%s: selection returned a not-ready pod %s", where, s.pod()).isTrue();
            selections.add(s);
            completed.add(false);
            open++;
        }

        void complete() {
            if (selections.isEmpty()) {
                return;
            }
            int k = random.nextInt(selections.size());
            boolean first = selections.get(k).complete(random.nextInt(8) == 0 ? Outcome.FAILURE : Outcome.SUCCESS, 1_000);
            assertThat(first).as("complete() of selection %d (completed before: %s)", k, completed.get(k))
                    .isEqualTo(!completed.get(k));
            if (first) {
                completed.set(k, true);
                open--;
            }
        }

        void discover() {
            latest = router.candidates(List.of(STEADY,
                    random.nextBoolean() ? FLIPPING : FLIPPING.markedNotReady(),
                    random.nextBoolean() ? FLIPPING_COLD : FLIPPING_COLD.markedNotReady()));
        }

        void checkInFlight(String where) {
            int steady = router.inFlight(STEADY.id());
            int flipping = router.inFlight(FLIPPING.id());
            int cold = router.inFlight(FLIPPING_COLD.id());
            assertThat(steady + flipping + cold).as("%s: in-flight %d/%d/%d", where, steady, flipping, cold)
                    .isEqualTo(open);
            assertThat(Math.min(steady, Math.min(flipping, cold))).as("%s: lowest in-flight count", where)
                    .isNotNegative();
        }
    }

    @Test
    void seededSchedulesWithActionsInsideTableBuildsKeepTheSelectionPromises() {
        int interleaved = 0;
        for (long seed = 1; seed <= SEEDS; seed++) {
            Schedule s = new Schedule(seed);
            try (Router router = s.router) {
                for (int step = 0; step < STEPS; step++) {
                    String where = "seed " + seed + " step " + step;
                    switch (s.random.nextInt(6)) {
                        case 0 -> s.select(s.first, where);
                        case 1 -> s.select(s.latest, where);
                        case 2 -> s.complete();
                        case 3 -> s.discover();
                        case 4 -> router.refreshMetrics();
                        default -> s.checkInFlight(where);
                    }
                }
                while (s.open > 0) {
                    s.complete();
                }
                s.checkInFlight("seed " + seed + " at the end");
                interleaved += s.interleaved;
            }
        }
        // The schedules did reach the interleavings they are for.
        assertThat(interleaved).isGreaterThan(SEEDS * 50);
    }
}
