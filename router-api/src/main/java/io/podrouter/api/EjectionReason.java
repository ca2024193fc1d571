package io.podrouter.api;

/**
 * Why the router ejected a pod (outlier detection from reported outcomes, after Envoy's outlier
 * detection): the pod takes no traffic for its ejection time, unless every other candidate is unavailable.
 */
public enum EjectionReason {
    /** The pod's last requests all failed, this many in a row (Envoy's {@code consecutive_5xx}; gRPC's A50 has no such rule). */
    CONSECUTIVE_FAILURES,
    /**
     * Over one evaluation interval, enough requests and a failure fraction at or above the threshold
     * (Envoy's and gRPC A50's failure-percentage ejection, which both leave off unless configured).
     */
    FAILURE_RATE
}
