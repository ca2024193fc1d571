package io.podrouter.api;

/**
 * Why a ready pod has no usable metrics. Missing metrics are a normal state (every pod is in it for
 * 5-30 s after it becomes Ready), not an error.
 */
public enum MissingReason {
    /** The metrics source has not scraped this pod yet; the usual state of a freshly Ready pod. */
    NOT_YET_SCRAPED,
    /** The last metrics are older than the configured maximum age. */
    STALE,
    /** The last scrape of this pod failed (connection refused, timeout, HTTP error, unparsable body). */
    SCRAPE_FAILED,
    /** The metrics source threw an exception or returned null when asked about this pod. */
    SOURCE_ERROR,
    /** The source returned a value out of its documented range (negative count, usage above 1, ...). */
    INVALID_VALUE,
    /**
     * The pod has metrics, but not the one a strategy needs (e.g. no KV-cache usage). Reported only on
     * selections, never by a {@link MetricsSource}.
     */
    METRIC_ABSENT
}
