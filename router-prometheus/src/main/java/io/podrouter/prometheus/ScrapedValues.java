package io.podrouter.prometheus;

import org.jspecify.annotations.Nullable;

/**
 * The range checks the scraper applies to every value it reads, before anything reaches the router: a
 * value outside them makes the pod's metrics for that model {@link io.podrouter.api.MissingReason#INVALID_VALUE}
 * with a detail naming the metric and the value. Stateless.
 */
final class ScrapedValues {

    /**
     * The largest value accepted for a count, a gauge or a histogram sum: 2^53, beyond which a double
     * cannot even count by one. No model server serves that many requests, so such a value (1e308, say)
     * is garbage, and dividing by it or subtracting it would yield absurd latencies.
     */
    static final double MAX_PLAUSIBLE = 9007199254740992.0;

    private ScrapedValues() {
    }

    /** Why {@code v} cannot be a count (NaN, infinite, negative, beyond {@link #MAX_PLAUSIBLE}), or null. */
    static @Nullable String countProblem(double v) {
        if (v >= 0 && v <= MAX_PLAUSIBLE) {
            return null;
        }
        return v + " (expected: finite, >= 0 and <= " + MAX_PLAUSIBLE + ")";
    }

    /** Why {@code v} cannot be the value of gauge {@code field} (null for an extra gauge), or null. */
    static @Nullable String gaugeProblem(@Nullable MetricField field, double v) {
        if (field == null) {
            // extra gauges have no known unit: they may be negative, but must be numbers of sane size
            return Double.isFinite(v) && Math.abs(v) <= MAX_PLAUSIBLE ? null
                    : v + " (expected: finite, magnitude <= " + MAX_PLAUSIBLE + ")";
        }
        if (field == MetricField.KV_CACHE_USAGE) {
            return v >= 0 && v <= 1 ? null : v + " (expected: a fraction 0..1)";
        }
        return countProblem(v);
    }
}
