package io.podrouter.api;

/** Why a candidate could not take a request; summarised in {@link NoPodAvailableException}. */
public enum RejectReason {
    /** Service discovery says the pod is not Ready ({@link Pod#ready()} is false). */
    POD_NOT_READY,
    /** The {@link MetricsSource} answered {@link MetricsLookup.NotReady} for the pod. */
    SOURCE_NOT_READY
}
