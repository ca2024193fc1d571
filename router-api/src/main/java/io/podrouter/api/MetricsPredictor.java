package io.podrouter.api;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.List;

/**
 * Estimates the metrics of a ready pod whose live metrics are missing (typically a pod that became
 * Ready seconds ago), so that metric-driven strategies can keep ranking it instead of switching to
 * random. podrouter ships a peer-median and a history-learning predictor in
 * {@code io.podrouter.core.coldstart}.
 *
 * <p>The router calls {@link #predict} when it rebuilds a metrics table (every refresh interval, off
 * the selection path), and {@link #observe} when a pod still in its early life reports real metrics,
 * so that learning predictors can compare what they would have predicted with what happened.
 *
 * <p>Implementations must be thread-safe. An exception or a prediction with invalid values (see
 * {@link PodMetrics#firstInvalidValue()}) is ignored for that pod, logged once, and the pod stays
 * "metrics missing" for the strategies' fallback.
 */
public interface MetricsPredictor {

    /**
     * Predicted metrics for {@code input.pod()}, or null when there is no basis for a prediction (for
     * example no peer has metrics). Absent fields (NaN) stay missing.
     */
    @Nullable PodMetrics predict(PredictionInput input);

    /**
     * Real metrics observed for a pod while it was younger than the router's learning horizon, with the
     * same kind of input {@link #predict} gets. The default ignores them.
     *
     * @param input  the pod, its age, its in-flight count and its peers' metrics at that moment
     * @param actual what the pod reported
     */
    default void observe(PredictionInput input, PodMetrics actual) {
    }

    /**
     * What a prediction is based on.
     *
     * @param pod      the pod without live metrics; never null
     * @param model    the model the metrics are for; never null
     * @param age      time since the pod became Ready; never negative (clock skew is clamped to zero)
     * @param inFlight requests the router has routed to the pod and not seen completed; &gt;= 0
     * @param peers    live (not predicted) metrics of the other ready pods in the same candidate set, for
     *                 the same model; may be empty, never null
     */
    record PredictionInput(Pod pod, String model, Duration age, int inFlight, List<PodMetrics> peers) {
        /**
         * Validates and normalises: null {@code pod} or {@code model} throws {@link NullPointerException};
         * a null or negative {@code age} becomes zero, a negative {@code inFlight} 0, null {@code peers}
         * empty ({@code peers} is copied; a null element throws {@link NullPointerException}).
         */
        public PredictionInput(Pod pod, String model, @Nullable Duration age, int inFlight,
                               @Nullable List<PodMetrics> peers) {
            this.pod = java.util.Objects.requireNonNull(pod, "pod");
            this.model = java.util.Objects.requireNonNull(model, "model");
            this.age = age == null || age.isNegative() ? Duration.ZERO : age;
            this.inFlight = Math.max(0, inFlight);
            this.peers = peers == null ? List.of() : List.copyOf(peers);
        }
    }
}
