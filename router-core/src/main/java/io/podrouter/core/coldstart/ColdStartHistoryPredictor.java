package io.podrouter.core.coldstart;

import io.podrouter.api.MetricsPredictor;
import io.podrouter.api.PodMetrics;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * Learns online what earlier cold pods looked like at a given age, and corrects a base prediction
 * (by default {@link PeerMedianPredictor}) accordingly.
 *
 * <p><b>What it learns.</b> Whenever the router sees real metrics of a pod younger than its learning
 * horizon, it calls {@link #observe}: for each metric, the ratio {@code actual / base prediction} is
 * folded into an exponentially weighted mean (weight {@value #ALPHA} for the newest) for the pod's age
 * bucket: 0-5 s, 5-15 s, 15-30 s, 30-60 s, 60-120 s, 120-300 s, 300 s and more. New pods typically
 * serve their first requests slower (lazy compilation, cold caches), so the learned latency ratios sit
 * above 1 early on and drift to 1.
 *
 * <p><b>Prediction.</b> The base prediction times the learned ratio of the pod's age bucket; when that
 * bucket has no data yet, the nearest bucket that has data; with no history at all, the base prediction
 * unchanged. Ratios are clamped to [0.1, 10] so one odd scrape cannot make a pod look free or unusable.
 *
 * <p>Thread-safe (synchronized; called only off the selection path).
 */
public final class ColdStartHistoryPredictor implements MetricsPredictor {

    /** Weight of the newest observation in each bucket's mean. */
    public static final double ALPHA = 0.2;

    private static final long[] BUCKET_UPPER_SECONDS = {5, 15, 30, 60, 120, 300, Long.MAX_VALUE};
    private static final int FIELDS = 7;
    private static final double MIN_RATIO = 0.1;
    private static final double MAX_RATIO = 10;

    private final MetricsPredictor base;
    private final double[][] ratio = new double[BUCKET_UPPER_SECONDS.length][FIELDS];
    private final boolean[][] known = new boolean[BUCKET_UPPER_SECONDS.length][FIELDS];

    /** Corrects a {@link PeerMedianPredictor}. */
    public ColdStartHistoryPredictor() {
        this(new PeerMedianPredictor());
    }

    /** Corrects {@code base}; null throws {@link NullPointerException}. */
    public ColdStartHistoryPredictor(MetricsPredictor base) {
        this.base = Objects.requireNonNull(base, "base: null (expected: a MetricsPredictor)");
        for (double[] row : ratio) {
            Arrays.fill(row, 1.0);
        }
    }

    @Override
    public synchronized @Nullable PodMetrics predict(PredictionInput input) {
        PodMetrics p = base.predict(input);
        if (p == null) {
            return null;
        }
        int b = bucket(input.age());
        double[] v = fields(p);
        for (int f = 0; f < FIELDS; f++) {
            int from = nearestKnown(b, f);
            if (from >= 0 && !Double.isNaN(v[f])) {
                v[f] *= ratio[from][f];
            }
        }
        v[2] = Double.isNaN(v[2]) ? v[2] : Math.min(1.0, v[2]);
        return new PodMetrics(p.observedAt(), v[0], v[1], v[2], v[3], v[4], v[5], v[6], p.extra());
    }

    @Override
    public synchronized void observe(PredictionInput input, PodMetrics actual) {
        PodMetrics p = base.predict(input);
        if (p == null) {
            return;
        }
        int b = bucket(input.age());
        double[] predicted = fields(p);
        double[] seen = fields(actual);
        for (int f = 0; f < FIELDS; f++) {
            double pr = predicted[f];
            double ac = seen[f];
            if (Double.isNaN(pr) || Double.isNaN(ac) || !(pr > 1e-9)) {
                continue;
            }
            double r = Math.max(MIN_RATIO, Math.min(MAX_RATIO, ac / pr));
            ratio[b][f] = known[b][f] ? (1 - ALPHA) * ratio[b][f] + ALPHA * r : r;
            known[b][f] = true;
        }
    }

    /**
     * The learned ratio for a metric at an age, for tests and diagnostics: field index 0 running,
     * 1 waiting, 2 KV usage, 3 TTFT, 4 TPOT, 5 end-to-end, 6 queue time. 1.0 when nothing is learned.
     */
    synchronized double learnedRatio(Duration age, int field) {
        Objects.checkIndex(field, FIELDS);
        int from = nearestKnown(bucket(age), field);
        return from < 0 ? 1.0 : ratio[from][field];
    }

    private int nearestKnown(int b, int f) {
        for (int d = 0; d < BUCKET_UPPER_SECONDS.length; d++) {
            if (b - d >= 0 && known[b - d][f]) {
                return b - d;
            }
            if (b + d < BUCKET_UPPER_SECONDS.length && known[b + d][f]) {
                return b + d;
            }
        }
        return -1;
    }

    private static int bucket(Duration age) {
        long s = age.isNegative() ? 0 : age.getSeconds();
        for (int b = 0; b < BUCKET_UPPER_SECONDS.length; b++) {
            if (s < BUCKET_UPPER_SECONDS[b]) {
                return b;
            }
        }
        return BUCKET_UPPER_SECONDS.length - 1;
    }

    private static double[] fields(PodMetrics m) {
        return new double[] {m.runningRequests(), m.waitingRequests(), m.kvCacheUsage(), m.timeToFirstTokenSeconds(),
                m.timePerOutputTokenSeconds(), m.e2eLatencySeconds(), m.queueTimeSeconds()};
    }

    @Override
    public String toString() {
        return "cold-start-history(" + base + ")";
    }
}
