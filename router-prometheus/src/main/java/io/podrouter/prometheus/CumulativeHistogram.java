package io.podrouter.prometheus;

import org.jspecify.annotations.Nullable;

import java.util.Arrays;

/**
 * A Prometheus histogram as scraped: cumulative bucket counts by upper bound ({@code le}), sum and
 * count, all since the server started. Several series (one per engine core) merge into one by adding
 * counts bucket by bucket. Mutable while a body is being read, then only read; confined to the thread
 * scraping one pod.
 */
final class CumulativeHistogram {

    private double[] bounds = new double[16];
    private double[] counts = new double[16];
    private int size;
    double sum;
    double count;
    boolean hasSum;
    boolean hasCount;

    /** The family the series came from, for messages. */
    final String family;

    CumulativeHistogram(String family) {
        this.family = family;
    }

    /** A histogram with the given buckets (bounds ascending), sum and count; for tests and baselines. */
    static CumulativeHistogram of(double[] bounds, double[] cumulativeCounts, double sum, double count) {
        CumulativeHistogram h = new CumulativeHistogram("test");
        for (int i = 0; i < bounds.length; i++) {
            h.addBucket(bounds[i], cumulativeCounts[i]);
        }
        h.addSum(sum);
        h.addCount(count);
        return h;
    }

    void addBucket(double bound, double cumulativeCount) {
        // Buckets arrive in ascending order per series, so the matching or insertion point is usually last.
        int i = size - 1;
        while (i >= 0 && bounds[i] > bound) {
            i--;
        }
        if (i >= 0 && bounds[i] == bound) {
            counts[i] += cumulativeCount;
            return;
        }
        if (size == bounds.length) {
            bounds = Arrays.copyOf(bounds, size * 2);
            counts = Arrays.copyOf(counts, size * 2);
        }
        int at = i + 1;
        System.arraycopy(bounds, at, bounds, at + 1, size - at);
        System.arraycopy(counts, at, counts, at + 1, size - at);
        bounds[at] = bound;
        counts[at] = cumulativeCount;
        size++;
    }

    void addSum(double v) {
        sum += v;
        hasSum = true;
    }

    void addCount(double v) {
        count += v;
        hasCount = true;
    }

    int bucketCount() {
        return size;
    }

    double bound(int i) {
        return bounds[i];
    }

    double cumulativeCount(int i) {
        return counts[i];
    }

    /** Whether both histograms have exactly the same bucket bounds. */
    boolean sameLayout(CumulativeHistogram other) {
        return size == other.size && Arrays.equals(bounds, 0, size, other.bounds, 0, size);
    }

    /**
     * Why this histogram cannot be what a Prometheus client library exports, or null when it can be: it
     * needs a {@code +Inf} bucket, cumulative counts that never decrease as the bound grows, a
     * {@code _count} equal to the {@code +Inf} bucket, and a {@code _sum}; every count must be finite, &gt;= 0
     * and at most {@link ScrapedValues#MAX_PLAUSIBLE}, the sum finite, &gt;= 0 (latencies are never negative)
     * and at most that limit too. Reading such a histogram would yield a negative or absurd latency, so the
     * scraper reports the pod's metrics as invalid instead.
     */
    @Nullable String problem() {
        if (size == 0 || bounds[size - 1] != Double.POSITIVE_INFINITY) {
            return "no le=\"+Inf\" bucket (expected: a histogram ending with the +Inf bucket)";
        }
        for (int i = 0; i < size; i++) {
            String bad = ScrapedValues.countProblem(counts[i]);
            if (bad != null) {
                return "bucket le=\"" + bounds[i] + "\" count " + bad;
            }
            if (i > 0 && counts[i] < counts[i - 1]) {
                return "bucket le=\"" + bounds[i] + "\" count " + counts[i] + " < " + counts[i - 1] + " of le=\""
                        + bounds[i - 1] + "\" (expected: cumulative counts that never decrease)";
            }
        }
        if (!hasCount) {
            return "no _count (expected: _count equal to the +Inf bucket)";
        }
        double inf = counts[size - 1];
        if (count != inf) {
            return "_count " + count + " != +Inf bucket " + inf + " (expected: equal)";
        }
        if (!hasSum) {
            return "no _sum (expected: a _sum >= 0)";
        }
        if (!(sum >= 0 && sum <= ScrapedValues.MAX_PLAUSIBLE)) {
            return "_sum " + sum + " (expected: finite, >= 0 and <= " + ScrapedValues.MAX_PLAUSIBLE + ")";
        }
        return null;
    }

    /** Whether sum and count are present and finite (NaN or infinite values make a histogram unusable). */
    boolean usable() {
        if (!hasSum || !hasCount || !Double.isFinite(sum) || !Double.isFinite(count)) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (Double.isNaN(counts[i])) {
                return false;
            }
        }
        return true;
    }
}
