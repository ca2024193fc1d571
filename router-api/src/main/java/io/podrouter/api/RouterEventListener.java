package io.podrouter.api;

import org.jspecify.annotations.Nullable;

import java.time.Duration;

/**
 * Receives the router's events: every selection and its completion, cold starts, warm-up probes and
 * outlier ejections, e.g. to feed a tracing system or per-request logs. (For counters and gauges, the
 * router's own telemetry snapshot, its Prometheus exposition and the Micrometer binder already count
 * all of these; a listener is for what they cannot give, such as per-request latency by pod.)
 * Every method has an empty default; override what you need.
 *
 * <p>Calls come from the router's refresh thread (lifecycle and warm-up events, failure-rate ejections),
 * from the threads that select and complete requests ({@link #selected}, {@link #completed},
 * {@link #fallback}, {@link #coldRequestCompleted}, consecutive-failure ejections), and, for the
 * lifecycle events of the first table build of a (candidate set, model) pair, from the thread of that
 * pair's first selection; so implementations must be thread-safe and fast; they must not block. An
 * exception thrown by a listener is caught, logged once per listener method, and otherwise ignored.
 *
 * <p>Cost: the router makes no call and allocates nothing for events when no listener is configured.
 * With one, each event is one call with the values as arguments (no event object is allocated).
 */
public interface RouterEventListener {

    /** A pod became Ready and starts its cold period (no metrics yet). */
    default void coldStartBegan(Pod pod) {
    }

    /**
     * The first metrics of a pod arrived, {@code coldStartDuration} after it became Ready (the value
     * observed in {@code pod_coldstart_duration_seconds}).
     */
    default void firstMetrics(Pod pod, Duration coldStartDuration) {
    }

    /** A pod left its cold period: it has metrics and, when warm-up is configured, warm-up ended. */
    default void coldStartEnded(Pod pod, Duration coldDuration) {
    }

    /** One warm-up attempt ended (or the warm-up gave up, with {@link WarmupOutcome#GAVE_UP}). */
    default void warmupProbe(Pod pod, int attempt, WarmupOutcome outcome) {
    }

    /**
     * A pod was selected for a request: {@code selectPod} is about to return it, its in-flight slot
     * already taken. Called on the selecting thread, once per selection (a retry through
     * {@code selectPod} with excluded pods is a selection of its own).
     *
     * @param pod      the chosen pod; never null
     * @param strategy the name of the strategy that decided ({@code random} for the router's last resort); never null
     * @param fallback whether and how the selection departed from the strategy's primary rule; never null
     * @param reason   why the ranked metric was missing when {@code fallback} is
     *                 {@link Fallback#RANDOM_METRIC_MISSING}; null otherwise
     * @param cold     the pod was cold (Ready without metrics yet, or warming up) when chosen
     */
    default void selected(Pod pod, String strategy, Fallback fallback, @Nullable MissingReason reason, boolean cold) {
    }

    /**
     * A selection was completed: the first {@code PodSelection.complete} call (later ones report
     * nothing). Called on the completing thread, after the pod's in-flight slot was released.
     *
     * @param pod          the pod the request was routed to; never null
     * @param strategy     as in {@link #selected}
     * @param fallback     as in {@link #selected}
     * @param reason       as in {@link #selected}; null unless {@code fallback} is {@link Fallback#RANDOM_METRIC_MISSING}
     * @param outcome      how the request ended; never null
     * @param latencyNanos the latency the caller reported, in nanoseconds; negative when the caller did
     *                     not know it (passed through unchanged)
     */
    default void completed(Pod pod, String strategy, Fallback fallback, @Nullable MissingReason reason, Outcome outcome,
                           long latencyNanos) {
    }

    /**
     * The gateway reported the first token of a selection of {@code pod} decided by {@code strategy}
     * ({@link PodSelection#firstToken()}); at most once per selection, before its {@link #completed}.
     */
    default void firstToken(Pod pod, String strategy) {
    }

    /**
     * A selection departed from its strategy's primary rule. Called on the selection path.
     *
     * @param strategy as in {@link #selected}
     * @param fallback the kind; never {@link Fallback#NONE}
     * @param reason   why the ranked metric was missing when {@code fallback} is
     *                 {@link Fallback#RANDOM_METRIC_MISSING}; null otherwise
     */
    default void fallback(String strategy, Fallback fallback, @Nullable MissingReason reason) {
    }

    /** A request routed to a pod while it was cold finished. Called on the completing thread. */
    default void coldRequestCompleted(Pod pod, Outcome outcome) {
    }

    /**
     * The router ejected {@code pod} for {@code ejectionTime} after failed requests. Called on the
     * completing thread (consecutive failures) or the refresh thread (failure rate).
     */
    default void podEjected(Pod pod, EjectionReason reason, Duration ejectionTime) {
    }

    /** An ejected pod's ejection time ended; it takes traffic again. Called on the refresh thread. */
    default void podReturned(Pod pod) {
    }

    /**
     * The router stopped trusting {@code pod}: it has held requests without answering any for
     * {@code unansweredFor} (a lower bound of its oldest open request's age) while its peers answered theirs.
     * It is not selected while another pod can serve. Called on the refresh thread.
     */
    default void podStalled(Pod pod, Duration unansweredFor) {
    }

    /** A stalled pod answered a request (or holds none any more) and is selectable again. Called on the refresh thread. */
    default void podResumed(Pod pod) {
    }
}
