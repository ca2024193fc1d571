package io.podrouter.core.telemetry;

import io.podrouter.api.EjectionReason;
import io.podrouter.api.Fallback;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.WarmupOutcome;
import org.jspecify.annotations.Nullable;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable copy of the router's telemetry at one moment: selections, outcomes, per-pod series,
 * cold starts and outlier ejections. Counters only grow over the router's life (a per-pod counter
 * starts again at 0 when a pod the router had forgotten comes back); {@link #coldPods()},
 * {@link #ejectedPods()}, {@link #stalledPods()} and {@link PodTelemetry#inFlight()} are gauges at snapshot time.
 *
 * <p><b>Bounded cardinality.</b> {@link #pods()} holds only the pods the router knows at snapshot
 * time: pods of a live candidate set. The router holds pods weakly, so a pod that left every candidate
 * set (discovery no longer lists it) leaves this map once the garbage collector has cleared it; its
 * series then disappear from the exposition and from Micrometer. The other label values are bounded by
 * the configuration (strategy names) and by enums.
 *
 * <p>The canonical constructor copies the maps (they, their keys and values must not be null:
 * {@link NullPointerException}) and rejects negative counts with {@link IllegalArgumentException}.
 *
 * @param coldStartDurations  histogram of Ready-to-first-metrics durations ({@code pod_coldstart_duration_seconds})
 * @param coldRequests        requests routed to a pod while it was cold
 * @param coldRequestsFailed  of those, the ones completed with {@code Outcome.FAILURE}
 * @param fallbacks           selections that departed from their strategy's rule, by strategy, kind and
 *                            reason; only kinds that occurred
 * @param warmupProbes        warm-up attempts by outcome (plus one {@code GAVE_UP} per abandoned warm-up)
 * @param coldPods            pods known to the router and cold right now
 * @param ejections           outlier ejections by reason
 * @param ejectionsSkipped    ejections not made because of the ejected-fraction cap or because the other
 *                            pods were failing too
 * @param ejectedPods         pods ejected right now
 * @param inFlightReclaimed   in-flight slots reclaimed from selections not completed within the maximum age
 * @param selections          selections by deciding strategy and fallback kind ({@code NONE} included):
 *                            every combination the router can produce, from 0, plus any other that occurred
 * @param outcomes            completed selections by outcome, every outcome present
 * @param pods                per-pod series by pod id, for the pods the router knows now
 * @param podStalls           times a pod was found stalled: holding requests it did not answer for longer than
 *                            its peers take (see the router's stall timeout)
 * @param stalledPods         pods stalled right now
 */
public record TelemetrySnapshot(Histogram coldStartDurations, long coldRequests, long coldRequestsFailed,
                                Map<FallbackKey, Long> fallbacks, Map<WarmupOutcome, Long> warmupProbes, int coldPods,
                                Map<EjectionReason, Long> ejections, long ejectionsSkipped, int ejectedPods,
                                long inFlightReclaimed, Map<SelectionKey, Long> selections, Map<Outcome, Long> outcomes,
                                Map<String, PodTelemetry> pods, long podStalls, int stalledPods) {

    /** The snapshot without stall figures (both 0); validates and copies as the canonical constructor. */
    public TelemetrySnapshot(Histogram coldStartDurations, long coldRequests, long coldRequestsFailed,
                             Map<FallbackKey, Long> fallbacks, Map<WarmupOutcome, Long> warmupProbes, int coldPods,
                             Map<EjectionReason, Long> ejections, long ejectionsSkipped, int ejectedPods,
                             long inFlightReclaimed, Map<SelectionKey, Long> selections, Map<Outcome, Long> outcomes,
                             Map<String, PodTelemetry> pods) {
        this(coldStartDurations, coldRequests, coldRequestsFailed, fallbacks, warmupProbes, coldPods, ejections,
                ejectionsSkipped, ejectedPods, inFlightReclaimed, selections, outcomes, pods, 0, 0);
    }

    /** Validates and copies; see the class documentation. */
    public TelemetrySnapshot {
        Objects.requireNonNull(coldStartDurations, "coldStartDurations");
        fallbacks = nonNegative("fallbacks", fallbacks);
        warmupProbes = nonNegative("warmupProbes", warmupProbes);
        ejections = nonNegative("ejections", ejections);
        selections = nonNegative("selections", selections);
        outcomes = nonNegative("outcomes", outcomes);
        pods = Map.copyOf(Objects.requireNonNull(pods, "pods"));
        nonNegative("coldRequests", coldRequests);
        nonNegative("coldRequestsFailed", coldRequestsFailed);
        nonNegative("coldPods", coldPods);
        nonNegative("ejectionsSkipped", ejectionsSkipped);
        nonNegative("ejectedPods", ejectedPods);
        nonNegative("inFlightReclaimed", inFlightReclaimed);
        nonNegative("podStalls", podStalls);
        nonNegative("stalledPods", stalledPods);
    }

    private static <K> Map<K, Long> nonNegative(String name, Map<K, Long> map) {
        Map<K, Long> copy = Map.copyOf(Objects.requireNonNull(map, name));
        copy.forEach((k, v) -> {
            if (v < 0) {
                throw new IllegalArgumentException(name + "[" + k + "]: " + v + " (expected: >= 0)");
            }
        });
        return copy;
    }

    private static void nonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
        }
    }

    /** Total fallbacks of every kind. */
    public long totalFallbacks() {
        return fallbacks.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Total selections of every strategy and kind. */
    public long totalSelections() {
        return selections.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * One fallback counter's labels.
     *
     * @param strategy the strategy that decided ({@code random} for the last resort)
     * @param fallback the kind (never {@code NONE})
     * @param reason   why the metric was missing, or null when the kind has no reason
     */
    public record FallbackKey(String strategy, Fallback fallback, @Nullable MissingReason reason) {
    }

    /**
     * One selection counter's labels.
     *
     * @param strategy the strategy that decided ({@code random} for the router's last resort); null throws
     *                 {@link NullPointerException}
     * @param fallback the fallback kind, {@code NONE} for a decision by the strategy's primary rule; null
     *                 throws {@link NullPointerException}
     */
    public record SelectionKey(String strategy, Fallback fallback) {
        /** Validates. */
        public SelectionKey {
            Objects.requireNonNull(strategy, "strategy");
            Objects.requireNonNull(fallback, "fallback");
        }
    }

    /**
     * One pod's series.
     *
     * @param selections times the router chose the pod since it learned of it (&gt;= 0)
     * @param inFlight   requests routed to the pod and not completed yet, at snapshot time (&gt;= 0)
     */
    public record PodTelemetry(long selections, int inFlight) {
        /** Validates: negative values throw {@link IllegalArgumentException}. */
        public PodTelemetry {
            if (selections < 0) {
                throw new IllegalArgumentException("selections: " + selections + " (expected: >= 0)");
            }
            if (inFlight < 0) {
                throw new IllegalArgumentException("inFlight: " + inFlight + " (expected: >= 0)");
            }
        }
    }

    /**
     * A histogram in Prometheus' shape: cumulative counts per upper bound, the last bound being +Inf.
     *
     * @param upperBounds      bucket upper bounds in seconds, ascending, ending with +Inf
     * @param cumulativeCounts observations at or below each bound
     * @param sum              sum of all observations, in seconds
     * @param count            number of observations (equals the last cumulative count)
     */
    public record Histogram(List<Double> upperBounds, List<Long> cumulativeCounts, double sum, long count) {
        /** Copies the lists; lists of different sizes throw {@link IllegalArgumentException}. */
        public Histogram {
            upperBounds = List.copyOf(upperBounds);
            cumulativeCounts = List.copyOf(cumulativeCounts);
            if (upperBounds.size() != cumulativeCounts.size()) {
                throw new IllegalArgumentException("upperBounds and cumulativeCounts differ in size");
            }
        }
    }
}
