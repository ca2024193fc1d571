package io.podrouter.core.internal.health;

import io.podrouter.api.Pod;

/**
 * <b>Internal: not API, not exported by the module.</b> One pod as the health rules see it: its identity,
 * its live in-flight count, the counters {@link OutlierDetector} and {@link StallDetector} keep for it, and
 * the two flags they set. The router's per-pod handle implements it and keeps the flags in its own fields,
 * because every selection reads them; declaring what the rules need here keeps this package independent of
 * the handle's.
 *
 * <p>Thread safety: implementations make the flags volatile; the counters are thread-safe objects.
 */
public interface MonitoredPod {

    /** The pod id (non-null; stable for the handle's life). */
    String id();

    /** The latest value from discovery (non-null). */
    Pod pod();

    /** Requests routed to the pod and not yet completed, across all candidate sets (0 or more). */
    int inFlight();

    /** The outcome counters outlier detection keeps for the pod (non-null, one per pod). */
    OutlierDetector.Health health();

    /** The successful completions the stall detector reads (non-null, one per pod). */
    StallDetector.Progress progress();

    /** Whether outlier detection ejected the pod (a volatile read). */
    boolean isEjected();

    /** Set by {@link OutlierDetector} under its monitor, and cleared by it once the ejection time is over. */
    void setEjected(boolean ejected);

    /** Whether the stall detector distrusts the pod (a volatile read). */
    boolean isStalled();

    /** Set by {@link StallDetector} on the refresh. */
    void setStalled(boolean stalled);
}
