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

    boolean isReady() {
        return this != POD_NOT_READY && this != SOURCE_NOT_READY;
    }
}
