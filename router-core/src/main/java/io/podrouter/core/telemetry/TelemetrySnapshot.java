package io.podrouter.core.telemetry;

import io.podrouter.api.EjectionReason;
import io.podrouter.api.Fallback;
import io.podrouter.api.MissingReason;
import io.podrouter.api.WarmupOutcome;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable copy of the router's cold-start telemetry at one moment. Counters only grow over the
 * router's life; the gauge {@link #coldPods()} is the number of pods cold at snapshot time.
 *
 * @param coldStartDurations  histogram of Ready-to-first-metrics durations ({@code pod_coldstart_duration_seconds})
 * @param coldRequests        requests routed to a pod while it was cold
 * @param coldRequestsFailed  of those, the ones completed with {@code Outcome.FAILURE}
 * @param fallbacks           selections that departed from their strategy's rule, by strategy, kind and reason
 * @param warmupProbes        warm-up attempts by outcome (plus one {@code GAVE_UP} per abandoned warm-up)
 * @param coldPods            pods known to the router and cold right now
 * @param ejections           outlier ejections by reason
 * @param ejectionsSkipped    ejections not made because of the ejected-fraction cap or because the other
 *                            pods were failing too
 * @param ejectedPods         pods ejected right now
 * @param inFlightReclaimed   in-flight slots reclaimed from selections not completed within the maximum age
 */
public record TelemetrySnapshot(Histogram coldStartDurations, long coldRequests, long coldRequestsFailed,
                                Map<FallbackKey, Long> fallbacks, Map<WarmupOutcome, Long> warmupProbes, int coldPods,
                                Map<EjectionReason, Long> ejections, long ejectionsSkipped, int ejectedPods,
                                long inFlightReclaimed) {

    public TelemetrySnapshot {
        Objects.requireNonNull(coldStartDurations, "coldStartDurations");
        fallbacks = Map.copyOf(fallbacks);
        warmupProbes = Map.copyOf(warmupProbes);
        ejections = Map.copyOf(ejections);
    }

    /** Total fallbacks of every kind. */
    public long totalFallbacks() {
        return fallbacks.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * One fallback counter's labels.
     *
     * @param strategy the strategy that decided ({@code random} for the last resort)
     * @param fallback the kind (never {@code NONE})
     * @param reason   why the metric was missing, or null when the kind has no reason
     */
    public record FallbackKey(String strategy, Fallback fallback, MissingReason reason) {
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
        public Histogram {
            upperBounds = List.copyOf(upperBounds);
            cumulativeCounts = List.copyOf(cumulativeCounts);
            if (upperBounds.size() != cumulativeCounts.size()) {
                throw new IllegalArgumentException("upperBounds and cumulativeCounts differ in size");
            }
        }
    }
}
