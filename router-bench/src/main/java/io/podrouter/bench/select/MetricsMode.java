package io.podrouter.bench.select;

/**
 * How many candidate pods lack metrics in a benchmark's fixture: the states a router meets in
 * production (steady state, a scale-out wave of cold pods, a scraper that is down).
 */
public enum MetricsMode {

    /** Every pod has fresh metrics. */
    PRESENT,

    /**
     * About 10 % of the pods (at least one, spread evenly over the list) are Ready but not scraped yet:
     * the metrics source answers {@code missing(NOT_YET_SCRAPED)} for them.
     */
    COLD_10_PERCENT,

    /** No pod has metrics (e.g. the scraper is down): every pick is a fallback. */
    ALL_MISSING;

    /**
     * Number of cold pods among {@code pods}: 0, round(10 %) but at least 1, or all.
     *
     * @param pods the number of pods; negative throws {@link IllegalArgumentException}
     */
    public int coldCount(int pods) {
        if (pods < 0) {
            throw new IllegalArgumentException("pods: " + pods + " (expected: >= 0)");
        }
        switch (this) {
            case PRESENT:
                return 0;
            case COLD_10_PERCENT:
                return pods == 0 ? 0 : Math.max(1, Math.round(pods / 10f));
            default:
                return pods;
        }
    }

    /**
     * Whether pod {@code index} of {@code pods} is cold: the cold pods are spread evenly over the list,
     * so that scans meet them at their real frequency rather than in one block.
     *
     * @throws IndexOutOfBoundsException when {@code index} is outside 0..pods-1
     */
    public boolean isCold(int index, int pods) {
        if (index < 0 || index >= pods) {
            throw new IndexOutOfBoundsException("index: " + index + " (expected: 0.." + (pods - 1) + ")");
        }
        long cold = coldCount(pods);
        // Pod index is cold when the running count of cold pods steps up at it: exactly `cold` of them.
        return (index + 1) * cold / pods > index * cold / pods;
    }
}
