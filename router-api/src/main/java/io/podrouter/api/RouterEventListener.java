package io.podrouter.api;

import java.time.Duration;

/**
 * Receives the router's cold-start events, e.g. to forward them to Micrometer or a tracing system.
 * Every method has an empty default; override what you need.
 *
 * <p>Calls come from the router's refresh thread (lifecycle and warm-up events, failure-rate ejections),
 * from the threads that select and complete requests ({@link #fallback}, {@link #coldRequestCompleted},
 * consecutive-failure ejections), and, for the lifecycle events of the first table build of a (candidate
 * set, model) pair, from the thread of that pair's first selection; so implementations must be
 * thread-safe and fast; they must not block. An exception thrown by a listener
 * is caught, logged once per listener method, and otherwise ignored.
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

    /** A selection departed from its strategy's primary rule. Called on the selection path. */
    default void fallback(String strategy, Fallback fallback, MissingReason reason) {
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
}
