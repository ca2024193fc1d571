package io.podrouter.prometheus;

/**
 * The {@link io.podrouter.api.PodMetrics} fields an {@link EngineMapping} can fill, with the kind of
 * Prometheus metric each is read from.
 */
public enum MetricField {
    /** {@code PodMetrics.runningRequests}, from a gauge. */
    RUNNING_REQUESTS(false, "running_requests"),
    /** {@code PodMetrics.waitingRequests}, from a gauge. */
    WAITING_REQUESTS(false, "waiting_requests"),
    /** {@code PodMetrics.kvCacheUsage} (fraction 0..1), from a gauge. */
    KV_CACHE_USAGE(false, "kv_cache_usage"),
    /** {@code PodMetrics.timeToFirstTokenSeconds}: recent mean from a histogram. */
    TIME_TO_FIRST_TOKEN(true, "time_to_first_token_seconds"),
    /** {@code PodMetrics.timePerOutputTokenSeconds}: recent mean from a histogram. */
    TIME_PER_OUTPUT_TOKEN(true, "time_per_output_token_seconds"),
    /** {@code PodMetrics.e2eLatencySeconds}: recent mean from a histogram. */
    E2E_LATENCY(true, "e2e_latency_seconds"),
    /** {@code PodMetrics.queueTimeSeconds}: recent mean from a histogram. */
    QUEUE_TIME(true, "queue_time_seconds");

    private final boolean histogram;
    private final String key;

    MetricField(boolean histogram, String key) {
        this.histogram = histogram;
        this.key = key;
    }

    /** Whether the field is read from a histogram (true) or a gauge (false). */
    public boolean fromHistogram() {
        return histogram;
    }

    /**
     * The name used for this field's extra values in {@code PodMetrics.extra}, e.g. the 90th percentile
     * of {@link #TIME_TO_FIRST_TOKEN} is stored as {@code "time_to_first_token_seconds_p90"}.
     */
    public String key() {
        return key;
    }
}
