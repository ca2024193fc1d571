package io.podrouter.prometheus;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LatencyEstimatorTest {

    static final double INF = Double.POSITIVE_INFINITY;
    static final double[] BOUNDS = {0.1, 0.5, 1.0, INF};
    static final double[] P50_P90 = {0.5, 0.9};

    private static CumulativeHistogram h(double sum, double... cumulative) {
        return CumulativeHistogram.of(BOUNDS, cumulative, sum, cumulative[cumulative.length - 1]);
    }

    @Test
    void firstScrapeIsOnlyABaseline() {
        LatencyEstimator e = new LatencyEstimator(2);
        e.update(h(100, 10, 20, 30, 40), 0, P50_P90);
        assertThat(e.mean(0, 1000)).isNaN();
        assertThat(e.quantile(0, 0, 1000)).isNaN();
    }

    @Test
    void windowMeanAndInterpolatedPercentiles() {
        LatencyEstimator e = new LatencyEstimator(2);
        e.update(h(100, 10, 20, 30, 40), 0, P50_P90);
        // window: 10 observations, 4 <= 0.1, 4 in (0.1, 0.5], 2 in (0.5, 1.0]; sum 3.0
        e.update(h(103, 14, 28, 40, 50), 1000, P50_P90);
        assertThat(e.mean(1000, 0)).isCloseTo(0.3, within(1e-12));
        assertThat(e.quantile(0, 1000, 0)).as("rank 5: second bucket").isCloseTo(0.1 + 0.4 * (1.0 / 4.0), within(1e-12));
        assertThat(e.quantile(1, 1000, 0)).as("rank 9: third bucket").isCloseTo(0.5 + 0.5 * (1.0 / 2.0), within(1e-12));
    }

    @Test
    void rankInTheInfiniteBucketGivesTheHighestFiniteBound() {
        LatencyEstimator e = new LatencyEstimator(2);
        e.update(h(0, 0, 0, 0, 0), 0, P50_P90);
        e.update(h(50, 0, 0, 0, 10), 1, P50_P90);
        assertThat(e.quantile(1, 1, 0)).isEqualTo(1.0);
    }

    @Test
    void counterGoingDownIsARestartWhoseCurrentValuesAreTheWindow() {
        LatencyEstimator e = new LatencyEstimator(2);
        e.update(h(100, 10, 20, 30, 40), 0, P50_P90);
        e.update(h(1, 1, 2, 2, 2), 1, P50_P90);
        assertThat(e.lastUpdateWasReset()).isTrue();
        assertThat(e.mean(1, 0)).isEqualTo(0.5);
    }

    @Test
    void changedBucketLayoutIsTreatedAsARestart() {
        LatencyEstimator e = new LatencyEstimator(0);
        e.update(h(100, 10, 20, 30, 40), 0, new double[0]);
        e.update(CumulativeHistogram.of(new double[] {0.2, INF}, new double[] {30, 50}, 120, 50), 1, new double[0]);
        assertThat(e.lastUpdateWasReset()).isTrue();
        assertThat(e.mean(1, 0)).isEqualTo(120.0 / 50);
    }

    @Test
    void quietWindowKeepsTheEstimateUntilTheHoldTimeEnds() {
        LatencyEstimator e = new LatencyEstimator(2);
        e.update(h(100, 10, 20, 30, 40), 0, P50_P90);
        e.update(h(103, 14, 28, 40, 50), 1000, P50_P90);
        e.update(h(103, 14, 28, 40, 50), 5000, P50_P90);
        assertThat(e.mean(5000, 4000)).isCloseTo(0.3, within(1e-12));
        assertThat(e.mean(5001, 4000)).isNaN();
        assertThat(e.quantile(1, 5001, 4000)).isNaN();
    }

    @Test
    void nanValuesMakeTheHistogramUnusableAndDropTheBaseline() {
        LatencyEstimator e = new LatencyEstimator(1);
        e.update(h(100, 10, 20, 30, 40), 0, new double[] {0.9});
        e.update(h(Double.NaN, 10, 20, 30, 40), 1, new double[] {0.9});
        e.update(h(200, 10, 20, 30, 50), 2, new double[] {0.9});
        assertThat(e.mean(2, 10)).as("no window across the unusable scrape").isNaN();
    }

    @Test
    void bucketsOfSeveralSeriesMergeByBound() {
        CumulativeHistogram merged = new CumulativeHistogram("merged");
        for (double[] series : new double[][] {{1, 2, 3, 4}, {10, 20, 30, 40}}) {
            for (int i = 0; i < BOUNDS.length; i++) {
                merged.addBucket(BOUNDS[i], series[i]);
            }
        }
        merged.addBucket(0.05, 7); // a bound only one series has: inserted in order
        assertThat(merged.bucketCount()).isEqualTo(5);
        assertThat(merged.bound(0)).isEqualTo(0.05);
        assertThat(merged.cumulativeCount(4)).isEqualTo(44.0);
    }
}
