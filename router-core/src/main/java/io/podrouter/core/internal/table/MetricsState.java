package io.podrouter.core.internal.table;

import io.podrouter.api.MissingReason;
import org.jspecify.annotations.Nullable;

/** The metrics state of one pod for one model, as last seen by a table build; logged on change. */
enum MetricsState {
    POD_NOT_READY(null),
    SOURCE_NOT_READY(null),
    PRESENT(null),
    MISSING_NOT_YET_SCRAPED(MissingReason.NOT_YET_SCRAPED),
    MISSING_STALE(MissingReason.STALE),
    MISSING_SCRAPE_FAILED(MissingReason.SCRAPE_FAILED),
    MISSING_SOURCE_ERROR(MissingReason.SOURCE_ERROR),
    MISSING_INVALID_VALUE(MissingReason.INVALID_VALUE),
    MISSING_METRIC_ABSENT(MissingReason.METRIC_ABSENT);

    private static final MetricsState[] BY_REASON = new MetricsState[MissingReason.values().length];

    static {
        for (MetricsState s : values()) {
            if (s.reason != null) {
                BY_REASON[s.reason.ordinal()] = s;
            }
        }
    }

    private final @Nullable MissingReason reason;

    MetricsState(@Nullable MissingReason reason) {
        this.reason = reason;
    }

    static MetricsState missing(MissingReason reason) {
        return BY_REASON[reason.ordinal()];
    }

    /** The reason of a MISSING_* state; null for the others. */
    @Nullable MissingReason missingReason() {
        return reason;
    }
}
