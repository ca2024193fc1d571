package io.podrouter.api;

/**
 * Why the router ejected a pod (outlier detection from reported outcomes, with the semantics of Envoy's
 * outlier detection and gRPC's A50): the pod takes no traffic for its ejection time, unless every other
 * candidate is unavailable.
 */
public enum EjectionReason {
    /** The pod's last requests all failed, this many in a row (Envoy's {@code consecutive_5xx}). */
    CONSECUTIVE_FAILURES,
    /**
     * Over one evaluation interval, enough requests and a failure fraction at or above the threshold
     * (Envoy's and gRPC's failure-percentage ejection).
     */
    FAILURE_RATE
}
