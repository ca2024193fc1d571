package io.podrouter.api;

/** The result of one warm-up probe attempt, or of a pod's whole warm-up. */
public enum WarmupOutcome {
    /** The probe reported the pod warm. */
    SUCCESS,
    /** The probe answered "not warm yet" or threw; it will be retried while attempts and time remain. */
    FAILURE,
    /** The attempt did not finish within the attempt timeout and was cancelled. */
    TIMEOUT,
    /** Attempts or the deadline ran out before a success; the pod is treated as warm anyway. */
    GAVE_UP
}
