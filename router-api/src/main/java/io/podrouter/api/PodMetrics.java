package io.podrouter.api;

import org.jspecify.annotations.Nullable;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable snapshot of one pod's load metrics, for one model, as observed at {@link #observedAt()}.
 *
 * <p>Every metric is optional: an absent metric is stored as {@link Double#NaN} and reported absent
 * by the {@code has...} methods. The record accepts any double so that a {@link MetricsSource} never
 * fails while building one; the router validates the values when it reads them and treats a pod with
 * an out-of-range value (negative count or latency, KV-cache usage outside 0..1, infinity) as
 * "metrics missing" with {@link MissingReason#INVALID_VALUE}. NaN always means "absent", never
 * "invalid".
 *
 * <p>Units: counts are requests (doubles because Prometheus gauges are); KV-cache usage is a fraction
 * 0..1 (vLLM's {@code vllm:kv_cache_usage_perc} is a fraction despite its name); latencies are seconds
 * and should be recent means (the change between two scrapes of a cumulative histogram), not means
 * since the server started.
 *
 * <p>Thread-safe (immutable). Build with {@link #observedAt(Instant)} and the {@code with...} methods.
 *
 * @param observedAt          when the values were observed (scrape time); required, used for staleness
 * @param runningRequests     requests in the running batch ({@code vllm:num_requests_running})
 * @param waitingRequests     requests queued ({@code vllm:num_requests_waiting})
 * @param kvCacheUsage        KV-cache usage fraction 0..1 ({@code vllm:kv_cache_usage_perc})
 * @param timeToFirstTokenSeconds recent mean time to first token
 * @param timePerOutputTokenSeconds recent mean time per output token (inter-token latency)
 * @param e2eLatencySeconds   recent mean end-to-end request latency
 * @param queueTimeSeconds    recent mean time requests spent waiting before running
 * @param extra               engine-specific named values; never null after construction, copied
 */
public record PodMetrics(
        Instant observedAt,
        double runningRequests,
        double waitingRequests,
        double kvCacheUsage,
        double timeToFirstTokenSeconds,
        double timePerOutputTokenSeconds,
        double e2eLatencySeconds,
        double queueTimeSeconds,
        Map<String, Double> extra) {

    /** The value of an absent metric. */
    public static final double ABSENT = Double.NaN;

    /**
     * Copies {@code extra} (null means none; a null key or value throws {@link NullPointerException});
     * a null {@code observedAt} throws {@link NullPointerException}. Any double is accepted (see the class
     * documentation).
     */
    public PodMetrics(Instant observedAt, double runningRequests, double waitingRequests, double kvCacheUsage,
                      double timeToFirstTokenSeconds, double timePerOutputTokenSeconds, double e2eLatencySeconds,
                      double queueTimeSeconds, @Nullable Map<String, Double> extra) {
        this.observedAt = Objects.requireNonNull(observedAt,
                "observedAt: null (expected: the instant the metrics were observed)");
        this.runningRequests = runningRequests;
        this.waitingRequests = waitingRequests;
        this.kvCacheUsage = kvCacheUsage;
        this.timeToFirstTokenSeconds = timeToFirstTokenSeconds;
        this.timePerOutputTokenSeconds = timePerOutputTokenSeconds;
        this.e2eLatencySeconds = e2eLatencySeconds;
        this.queueTimeSeconds = queueTimeSeconds;
        this.extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    /** A snapshot observed at {@code observedAt} with every metric absent; add values with the {@code with...} methods. */
    public static PodMetrics observedAt(Instant observedAt) {
        return new PodMetrics(observedAt, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, Map.of());
    }

    public PodMetrics withRunningRequests(double v) {
        return new PodMetrics(observedAt, v, waitingRequests, kvCacheUsage, timeToFirstTokenSeconds,
                timePerOutputTokenSeconds, e2eLatencySeconds, queueTimeSeconds, extra);
    }

    public PodMetrics withWaitingRequests(double v) {
        return new PodMetrics(observedAt, runningRequests, v, kvCacheUsage, timeToFirstTokenSeconds,
                timePerOutputTokenSeconds, e2eLatencySeconds, queueTimeSeconds, extra);
    }

    public PodMetrics withKvCacheUsage(double v) {
        return new PodMetrics(observedAt, runningRequests, waitingRequests, v, timeToFirstTokenSeconds,
                timePerOutputTokenSeconds, e2eLatencySeconds, queueTimeSeconds, extra);
    }

    public PodMetrics withTimeToFirstTokenSeconds(double v) {
        return new PodMetrics(observedAt, runningRequests, waitingRequests, kvCacheUsage, v,
                timePerOutputTokenSeconds, e2eLatencySeconds, queueTimeSeconds, extra);
    }

    public PodMetrics withTimePerOutputTokenSeconds(double v) {
        return new PodMetrics(observedAt, runningRequests, waitingRequests, kvCacheUsage, timeToFirstTokenSeconds,
                v, e2eLatencySeconds, queueTimeSeconds, extra);
    }

    public PodMetrics withE2eLatencySeconds(double v) {
        return new PodMetrics(observedAt, runningRequests, waitingRequests, kvCacheUsage, timeToFirstTokenSeconds,
                timePerOutputTokenSeconds, v, queueTimeSeconds, extra);
    }

    public PodMetrics withQueueTimeSeconds(double v) {
        return new PodMetrics(observedAt, runningRequests, waitingRequests, kvCacheUsage, timeToFirstTokenSeconds,
                timePerOutputTokenSeconds, e2eLatencySeconds, v, extra);
    }

    /** This snapshot with {@code extra} replacing the engine-specific values (null means none). */
    public PodMetrics withExtra(@Nullable Map<String, Double> newExtra) {
        return new PodMetrics(observedAt, runningRequests, waitingRequests, kvCacheUsage, timeToFirstTokenSeconds,
                timePerOutputTokenSeconds, e2eLatencySeconds, queueTimeSeconds, newExtra);
    }

    public boolean hasKvCacheUsage() {
        return !Double.isNaN(kvCacheUsage);
    }

    public boolean hasLatency() {
        return !Double.isNaN(timeToFirstTokenSeconds) && !Double.isNaN(timePerOutputTokenSeconds);
    }

    /**
     * The first out-of-range value in this snapshot, described for a log line ("kvCacheUsage=1.7
     * (expected: 0..1)"), or null when every present value is in range. Absent (NaN) values are fine.
     */
    public @Nullable String firstInvalidValue() {
        String bad = nonNegative("runningRequests", runningRequests);
        if (bad == null) bad = nonNegative("waitingRequests", waitingRequests);
        if (bad == null && !Double.isNaN(kvCacheUsage) && !(kvCacheUsage >= 0 && kvCacheUsage <= 1)) {
            bad = "kvCacheUsage=" + kvCacheUsage + " (expected: 0..1)";
        }
        if (bad == null) bad = nonNegative("timeToFirstTokenSeconds", timeToFirstTokenSeconds);
        if (bad == null) bad = nonNegative("timePerOutputTokenSeconds", timePerOutputTokenSeconds);
        if (bad == null) bad = nonNegative("e2eLatencySeconds", e2eLatencySeconds);
        if (bad == null) bad = nonNegative("queueTimeSeconds", queueTimeSeconds);
        return bad;
    }

    private static @Nullable String nonNegative(String name, double v) {
        if (Double.isNaN(v) || (v >= 0 && v < Double.POSITIVE_INFINITY)) {
            return null;
        }
        return name + "=" + v + " (expected: finite and >= 0)";
    }
}
