package io.podrouter.prometheus;

/**
 * Turns successive scrapes of one cumulative histogram (one pod, one model, one metric) into a recent
 * latency: the mean and percentiles of the observations made <em>between</em> two scrapes, not since the
 * server started.
 *
 * <ul>
 *   <li><b>First scrape:</b> only a baseline; no estimate (a lifetime mean would let a server that was
 *       slow an hour ago look slow now).</li>
 *   <li><b>Requests in the window:</b> mean = Δsum / Δcount; percentiles interpolated linearly inside
 *       the bucket holding the rank, as Prometheus' {@code histogram_quantile} does (a rank in the
 *       {@code +Inf} bucket yields the highest finite bound).</li>
 *   <li><b>Server restart</b> (count, sum or any bucket went down, or the buckets changed): the current
 *       values are the observations since the restart, so they are the window, as Prometheus'
 *       {@code increase()} treats a counter reset. Never a negative value.</li>
 *   <li><b>No requests in the window:</b> the previous estimate is kept until it is older than the hold
 *       time, then it becomes NaN (absent).</li>
 * </ul>
 *
 * <p>Not thread-safe; confined to the thread scraping its pod.
 */
final class LatencyEstimator {

    private CumulativeHistogram previous;
    private double mean = Double.NaN;
    private final double[] quantiles;
    private long estimatedAtMillis;
    private boolean lastUpdateWasReset;

    LatencyEstimator(int quantileCount) {
        this.quantiles = new double[quantileCount];
        java.util.Arrays.fill(quantiles, Double.NaN);
    }

    /**
     * Takes in the latest scrape of the histogram.
     *
     * @param current    the scraped histogram; ignored (and the baseline dropped) when not usable
     * @param nowMillis  the scrape time
     * @param percentiles the quantiles to estimate, each in (0, 1)
     */
    void update(CumulativeHistogram current, long nowMillis, double[] percentiles) {
        lastUpdateWasReset = false;
        if (current == null || !current.usable()) {
            previous = null;
            return;
        }
        CumulativeHistogram base = previous;
        previous = current;
        if (base == null) {
            return;
        }
        boolean reset = current.count < base.count || current.sum < base.sum || !current.sameLayout(base);
        for (int i = 0; !reset && i < current.bucketCount(); i++) {
            reset = current.cumulativeCount(i) < base.cumulativeCount(i);
        }
        lastUpdateWasReset = reset;
        double windowCount = reset ? current.count : current.count - base.count;
        if (!(windowCount > 0)) {
            return;
        }
        double windowSum = reset ? current.sum : current.sum - base.sum;
        mean = windowSum / windowCount;
        estimatedAtMillis = nowMillis;
        int n = current.bucketCount();
        double[] cumulative = new double[n];
        double running = 0;
        for (int i = 0; i < n; i++) {
            double c = reset ? current.cumulativeCount(i) : current.cumulativeCount(i) - base.cumulativeCount(i);
            running = Math.max(running, c); // keep it monotonic even if the server's buckets were momentarily inconsistent
            cumulative[i] = running;
        }
        for (int q = 0; q < quantiles.length; q++) {
            quantiles[q] = quantile(percentiles[q], current, cumulative);
        }
    }

    /** Whether the last {@link #update} detected a counter reset (server restart). */
    boolean lastUpdateWasReset() {
        return lastUpdateWasReset;
    }

    /** The recent mean, or NaN when there is none or it is older than {@code holdMillis}. */
    double mean(long nowMillis, long holdMillis) {
        return fresh(nowMillis, holdMillis) ? mean : Double.NaN;
    }

    /** Percentile {@code index} of the recent window, or NaN (no buckets, no estimate, or too old). */
    double quantile(int index, long nowMillis, long holdMillis) {
        return fresh(nowMillis, holdMillis) ? quantiles[index] : Double.NaN;
    }

    private boolean fresh(long nowMillis, long holdMillis) {
        return !Double.isNaN(mean) && nowMillis - estimatedAtMillis <= holdMillis;
    }

    /** The q-quantile of a window given as cumulative counts per bucket of {@code layout}; NaN without buckets. */
    static double quantile(double q, CumulativeHistogram layout, double[] cumulative) {
        int n = cumulative.length;
        if (n == 0) {
            return Double.NaN;
        }
        double total = cumulative[n - 1];
        if (!(total > 0)) {
            return Double.NaN;
        }
        double rank = q * total;
        int i = 0;
        while (i < n - 1 && cumulative[i] < rank) {
            i++;
        }
        double upper = layout.bound(i);
        if (upper == Double.POSITIVE_INFINITY) {
            return i == 0 ? Double.NaN : layout.bound(i - 1);
        }
        double lower;
        double below;
        if (i == 0) {
            if (upper <= 0) {
                return upper;
            }
            lower = 0;
            below = 0;
        } else {
            lower = layout.bound(i - 1);
            below = cumulative[i - 1];
        }
        double inBucket = cumulative[i] - below;
        if (!(inBucket > 0)) {
            return upper;
        }
        return lower + (upper - lower) * ((rank - below) / inBucket);
    }
}
