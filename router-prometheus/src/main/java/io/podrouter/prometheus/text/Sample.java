package io.podrouter.prometheus.text;

import org.jspecify.annotations.Nullable;

import java.util.Map;
import java.util.Objects;

/**
 * One sample of a parsed {@link Exposition}. Immutable and thread-safe.
 *
 * @param name            the sample's full name, e.g. {@code vllm:e2e_request_latency_seconds_bucket}
 * @param labels          its labels in document order (unmodifiable; {@code le} and {@code quantile} included);
 *                        null becomes empty
 * @param value           the value; NaN and infinities as written
 * @param timestampMillis the timestamp in milliseconds since the epoch, or {@link #NO_TIMESTAMP}
 */
public record Sample(String name, Map<String, String> labels, double value, long timestampMillis) {

    /** {@link #timestampMillis()} of a sample written without a timestamp. */
    public static final long NO_TIMESTAMP = Long.MIN_VALUE;

    public Sample {
        Objects.requireNonNull(name, "name: null (expected: a metric name)");
        labels = labels == null ? Map.of() : labels;
    }

    /** The value of label {@code labelName}, or null when the sample has no such label. */
    public @Nullable String label(String labelName) {
        return labels.get(labelName);
    }
}
