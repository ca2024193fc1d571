package io.podrouter.core;

import io.podrouter.api.MissingReason;

/** The metrics state of one pod for one model, as last seen by a table refresh; logged on change. */
enum MetricsState {
    POD_NOT_READY,
    SOURCE_NOT_READY,
    PRESENT,
    MISSING_NOT_YET_SCRAPED,
    MISSING_STALE,
    MISSING_SCRAPE_FAILED,
    MISSING_SOURCE_ERROR,
    MISSING_INVALID_VALUE,
    MISSING_METRIC_ABSENT;

    static MetricsState missing(MissingReason reason) {
        switch (reason) {
            case NOT_YET_SCRAPED: return MISSING_NOT_YET_SCRAPED;
            case STALE: return MISSING_STALE;
            case SCRAPE_FAILED: return MISSING_SCRAPE_FAILED;
            case SOURCE_ERROR: return MISSING_SOURCE_ERROR;
            case INVALID_VALUE: return MISSING_INVALID_VALUE;
            default: return MISSING_METRIC_ABSENT;
        }
    }

    /** The reason of a MISSING_* state; null for the others. */
    io.podrouter.api.MissingReason missingReason() {
        switch (this) {
            case MISSING_NOT_YET_SCRAPED: return io.podrouter.api.MissingReason.NOT_YET_SCRAPED;
            case MISSING_STALE: return io.podrouter.api.MissingReason.STALE;
            case MISSING_SCRAPE_FAILED: return io.podrouter.api.MissingReason.SCRAPE_FAILED;
            case MISSING_SOURCE_ERROR: return io.podrouter.api.MissingReason.SOURCE_ERROR;
            case MISSING_INVALID_VALUE: return io.podrouter.api.MissingReason.INVALID_VALUE;
            case MISSING_METRIC_ABSENT: return io.podrouter.api.MissingReason.METRIC_ABSENT;
            default: return null;
        }
    }

    boolean isReady() {
        return this != POD_NOT_READY && this != SOURCE_NOT_READY;
    }
}
