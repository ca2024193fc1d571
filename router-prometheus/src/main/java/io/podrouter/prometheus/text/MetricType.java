package io.podrouter.prometheus.text;

import org.jspecify.annotations.Nullable;

/**
 * The type of a metric family, from its {@code # TYPE} line; {@link #UNTYPED} when there is none.
 *
 * <p>The Prometheus 0.0.4 types are {@code counter}, {@code gauge}, {@code histogram}, {@code summary}
 * and {@code untyped}. The OpenMetrics-only types are accepted too so that an OpenMetrics body parses:
 * {@code unknown} (read as {@link #UNTYPED}), {@code info}, {@code stateset} and {@code gaugehistogram}.
 */
public enum MetricType {
    COUNTER("counter"),
    GAUGE("gauge"),
    HISTOGRAM("histogram"),
    SUMMARY("summary"),
    UNTYPED("untyped"),
    INFO("info"),
    STATESET("stateset"),
    GAUGE_HISTOGRAM("gaugehistogram");

    private final String token;

    MetricType(String token) {
        this.token = token;
    }

    /** The type as spelled on a {@code # TYPE} line, e.g. {@code "histogram"}. */
    public String token() {
        return token;
    }

    /** Whether a sample named family name + {@code suffix} belongs to a family of this type. */
    boolean allows(Suffix suffix) {
        switch (this) {
            case COUNTER:
                return suffix == Suffix.NONE || suffix == Suffix.TOTAL || suffix == Suffix.CREATED;
            case HISTOGRAM:
                return suffix == Suffix.BUCKET || suffix == Suffix.SUM || suffix == Suffix.COUNT
                        || suffix == Suffix.CREATED;
            case GAUGE_HISTOGRAM:
                return suffix == Suffix.BUCKET || suffix == Suffix.GSUM || suffix == Suffix.GCOUNT;
            case SUMMARY:
                return suffix == Suffix.NONE || suffix == Suffix.SUM || suffix == Suffix.COUNT
                        || suffix == Suffix.CREATED;
            case INFO:
                return suffix == Suffix.NONE || suffix == Suffix.INFO;
            default:
                return suffix == Suffix.NONE;
        }
    }

    /** The type for a {@code # TYPE} token, or null when the token names no known type. */
    static @Nullable MetricType fromToken(byte[] buf, int start, int end) {
        for (MetricType t : values()) {
            if (equalsAscii(buf, start, end, t.token)) {
                return t;
            }
        }
        return equalsAscii(buf, start, end, "unknown") ? UNTYPED : null;
    }

    static boolean equalsAscii(byte[] buf, int start, int end, String ascii) {
        if (end - start != ascii.length()) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (buf[start + i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
