package io.podrouter.api;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Optional;

/**
 * The result of one {@link PodSelector#selectPod} call: the chosen pod, how it was chosen, and the
 * handle through which the gateway reports that the request finished.
 *
 * <p>Every selection must be completed exactly once with {@link #complete(Outcome, long)} (in a
 * {@code finally} block): the router counts it as in flight on the pod until then, and least-request
 * routing depends on that count. Further completions are ignored and return false, so a gateway
 * that completes on both the error path and the normal path cannot corrupt the count.
 *
 * <p>Thread-safe: a selection may be completed from another thread than the one that selected.
 */
public interface PodSelection extends AutoCloseable {

    /** The chosen pod; never null. */
    Pod pod();

    /** The name of the strategy that decided (e.g. {@code least-kv-cache}, or {@code random} for the last resort). */
    String strategy();

    /** Whether the selection fell back from its strategy's primary rule, and how. */
    Fallback fallback();

    /** Why the metric the strategy needed was missing, when {@link #fallback()} is {@link Fallback#RANDOM_METRIC_MISSING}. */
    Optional<MissingReason> missingReason();

    /** True when the decision used predicted metrics for a pod without live ones. */
    boolean predicted();

    /**
     * Reports that the routed request finished.
     *
     * <p>A null {@code outcome} throws {@link NullPointerException} and leaves the selection open (a
     * completion with a known outcome can follow).
     *
     * @param outcome      how it ended: {@link Outcome#FAILURE} (the pod's fault: connection error,
     *                     5xx, timeout) feeds the router's outlier detection; {@link Outcome#CANCELLED}
     *                     (the client left) counts neither way
     * @param latencyNanos how long the request took at the pod, in nanoseconds, passed to the event
     *                     listener's {@code completed} callback; routing does not use it (a latency
     *                     signal lags and is skewed by request sizes; failures are what outlier detection
     *                     acts on). A negative value means "unknown" (the completion still counts)
     * @return true for the first completion, false (and no effect) for later ones
     */
    boolean complete(Outcome outcome, long latencyNanos);

    /**
     * Reports that the first token of the answer (for a gateway: the first byte of the pod's response body)
     * arrived, so that the router and its strategies can tell a request that is still prefilling from one
     * that is decoding. Optional: a gateway that never calls it loses only that distinction (strategies then
     * treat the whole request as prefill load until completion). Call it at most once, before
     * {@link #complete}; calls after the first, or after completion, are ignored and return false.
     *
     * <p>Thread-safe and lock-free; may be called from another thread than the one that selected. The router
     * forwards it to the strategies and scorers that {@linkplain
     * io.podrouter.api.strategy.SelectionStrategy#observesSelections observe selections} and to the event
     * listener ({@link RouterEventListener#firstToken}).
     *
     * @return true for the first call on an open selection, false (and no effect) otherwise. The default
     *         implementation, for selections not made by a podrouter router, does nothing and returns false
     */
    default boolean firstToken() {
        return false;
    }

    /** As {@link #complete(Outcome, long)}; a null {@code latency} means unknown. */
    default boolean complete(Outcome outcome, @Nullable Duration latency) {
        long nanos;
        if (latency == null || latency.isNegative()) {
            nanos = -1;
        } else {
            try {
                nanos = latency.toNanos();
            } catch (ArithmeticException overflow) {
                nanos = Long.MAX_VALUE;
            }
        }
        return complete(outcome, nanos);
    }

    /**
     * Completes the selection as {@link Outcome#CANCELLED} with an unknown latency if it has not been
     * completed yet; otherwise does nothing. Lets a gateway hold a selection in try-with-resources so
     * that no exception path leaks its in-flight slot:
     * <pre>{@code
     * try (PodSelection s = router.selectPod(request, pods)) {
     *     Response r = forward(s.pod(), request);
     *     s.complete(r.ok() ? Outcome.SUCCESS : Outcome.FAILURE, r.latencyNanos());
     * }   // any exception: completed as CANCELLED
     * }</pre>
     * Never throws.
     */
    @Override
    default void close() {
        complete(Outcome.CANCELLED, -1L);
    }

    /** One line for logs: pod, strategy and fallback, e.g. {@code pod-3 by least-kv-cache (random fallback: NOT_YET_SCRAPED)}. */
    String describe();
}
