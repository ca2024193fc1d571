package io.podrouter.api;

/** How a routed request ended, as reported through {@link PodSelection#complete(Outcome, long)}. */
public enum Outcome {
    /** The pod answered successfully. */
    SUCCESS,
    /** The request failed at or because of the pod (connection error, HTTP 5xx, timeout). */
    FAILURE,
    /** The client went away or the gateway abandoned the request; not the pod's fault. */
    CANCELLED
}
