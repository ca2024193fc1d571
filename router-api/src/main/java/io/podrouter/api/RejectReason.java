package io.podrouter.api;

/** Why a candidate could not take a request; summarised in {@link NoPodAvailableException}. */
public enum RejectReason {
    /** Service discovery says the pod is not Ready ({@link Pod#ready()} is false). */
    POD_NOT_READY,
    /** The {@link MetricsSource} answered {@link MetricsLookup.NotReady} for the pod. */
    SOURCE_NOT_READY,
    /**
     * The caller excluded the pod for this selection (a retry after a failed attempt, see
     * {@link PodSelector#selectPod(InferenceRequest, Candidates, java.util.Collection)}).
     */
    EXCLUDED,
    /**
     * The router ejected the pod after failed requests (outlier detection, as Envoy and gRPC do); it
     * returns after its ejection time. Ejected pods are still chosen when every other candidate is
     * unavailable, so this reason appears only beside others.
     */
    OUTLIER_EJECTED,
    /**
     * The pod holds requests it has not answered for longer than its peers take to answer theirs, or it was
     * chosen many times since its last answer and still holds those requests (the router's unanswered-selection
     * limit): it may be hung while its metrics still look idle. Like an ejected pod it is still chosen when every
     * other candidate is unavailable, so this reason appears only beside others.
     */
    STALLED
}
