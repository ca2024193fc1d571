package io.podrouter.api;

/** Whether, and how, a selection departed from its strategy's primary rule. */
public enum Fallback {
    /** The strategy decided by its primary rule (e.g. lowest KV-cache usage). */
    NONE,
    /**
     * A metric-driven strategy chose a pod at random because the metric it ranks by is missing for that
     * pod (or for all of them); {@link PodSelection#missingReason()} says why it was missing.
     */
    RANDOM_METRIC_MISSING,
    /**
     * An earlier strategy in the chain could not decide and passed; a later strategy (named by
     * {@link PodSelection#strategy()}) decided.
     */
    CHAIN,
    /** No strategy in the chain decided (or they failed); the router chose a ready pod uniformly at random. */
    LAST_RESORT_RANDOM,
    /**
     * Every ready pod was new and turned the pick down (its cold-start burst guard or slow-start ramp at its
     * limit): traffic must flow, so the router chose the ready pod holding the fewest in-flight requests
     * (ties at random); {@link PodSelection#strategy()} is {@code least-loaded}.
     */
    ADMISSION_OVERFLOW
}
