package io.podrouter.prometheus.text;

import org.jspecify.annotations.Nullable;

/**
 * How a sample's name relates to its family's name: {@code vllm:e2e_request_latency_seconds_bucket} is
 * the {@link #BUCKET} sample of family {@code vllm:e2e_request_latency_seconds}. {@link #NONE} when the
 * sample is named exactly like its family (gauges, untyped samples, summary quantiles, 0.0.4 counters).
 */
public enum Suffix {
    NONE(""),
    BUCKET("_bucket"),
    SUM("_sum"),
    COUNT("_count"),
    CREATED("_created"),
    TOTAL("_total"),
    INFO("_info"),
    GSUM("_gsum"),
    GCOUNT("_gcount");

    private static final Suffix[] WITH_TEXT = {BUCKET, SUM, COUNT, CREATED, TOTAL, INFO, GSUM, GCOUNT};

    private final String text;

    Suffix(String text) {
        this.text = text;
    }

    /** The suffix as it appears at the end of a sample name, e.g. {@code "_bucket"}; empty for {@link #NONE}. */
    public String text() {
        return text;
    }

    /** The suffix spelled by {@code buf[start, end)} exactly, or null. */
    static @Nullable Suffix exactly(byte[] buf, int start, int end) {
        if (start == end) {
            return NONE;
        }
        for (Suffix s : WITH_TEXT) {
            if (MetricType.equalsAscii(buf, start, end, s.text)) {
                return s;
            }
        }
        return null;
    }

    /** The suffix {@code buf[start, end)} ends with, or null. */
    static @Nullable Suffix endOf(byte[] buf, int start, int end) {
        for (Suffix s : WITH_TEXT) {
            int len = s.text.length();
            if (end - start > len && MetricType.equalsAscii(buf, end - len, end, s.text)) {
                return s;
            }
        }
        return null;
    }
}
