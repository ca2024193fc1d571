package io.podrouter.bench.select;

import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The candidate pods and their metrics for one benchmark: {@code n} Ready pods, and a
 * {@link MetricsSource} that answers from lookups computed once here, so that building a metrics
 * table costs a map lookup per pod and measures nothing of a scraper. Values are drawn from a seeded
 * generator (reproducible), spread so that ties are rare, as on a real cluster with continuous
 * metrics. Immutable after construction and thread-safe.
 */
public final class BenchFixture {

    /** The instant every metric was observed at and the routers' fixed clock reads, so nothing goes stale. */
    public static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private final List<Pod> pods;
    private final Map<String, MetricsLookup> lookups;
    private final int cold;

    private BenchFixture(List<Pod> pods, Map<String, MetricsLookup> lookups, int cold) {
        this.pods = pods;
        this.lookups = lookups;
        this.cold = cold;
    }

    /**
     * Builds {@code n} Ready pods with metrics per {@code mode}.
     *
     * @param n    number of pods, &gt;= 1 ({@link IllegalArgumentException} otherwise)
     * @param mode which pods lack metrics; null throws {@link NullPointerException}
     * @param seed seed of the metric values
     */
    public static BenchFixture create(int n, MetricsMode mode, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("pods: " + n + " (expected: >= 1)");
        }
        SplittableRandom random = new SplittableRandom(seed);
        Instant readySince = NOW.minusSeconds(600);
        List<Pod> pods = new ArrayList<>(n);
        Map<String, MetricsLookup> lookups = new HashMap<>(n * 2);
        int cold = 0;
        for (int i = 0; i < n; i++) {
            Pod pod = Pod.ready("pod-" + i, "pod-" + i + ".bench.invalid", 8000, readySince);
            pods.add(pod);
            if (mode.isCold(i, n)) {
                cold++;
                lookups.put(pod.id(), MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED));
                continue;
            }
            double running = random.nextInt(64);
            PodMetrics metrics = PodMetrics.observedAt(NOW)
                    .withRunningRequests(running)
                    .withWaitingRequests(random.nextInt(8))
                    .withKvCacheUsage(0.05 + 0.9 * random.nextDouble())
                    .withTimeToFirstTokenSeconds(0.02 + 0.5 * random.nextDouble())
                    .withTimePerOutputTokenSeconds(0.005 + 0.05 * random.nextDouble())
                    .withE2eLatencySeconds(1 + 10 * random.nextDouble())
                    .withQueueTimeSeconds(0.1 * random.nextDouble());
            lookups.put(pod.id(), MetricsLookup.present(metrics));
        }
        return new BenchFixture(List.copyOf(pods), Map.copyOf(lookups), cold);
    }

    /** The pods, in candidate order; unmodifiable. */
    public List<Pod> pods() {
        return pods;
    }

    /** How many pods lack metrics. */
    public int coldPods() {
        return cold;
    }

    /** A source answering from the precomputed lookups; pods it does not know are reported missing. */
    public MetricsSource source() {
        return (pod, model) -> lookups.getOrDefault(pod.id(), MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED));
    }

    /** A clock fixed at {@link #NOW}. */
    public static InstantSource clock() {
        return InstantSource.fixed(NOW);
    }
}
