package io.podrouter.strategies;

import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.api.RandomSource;
import io.podrouter.api.strategy.CandidateView;

import java.time.Instant;
import java.util.Arrays;

/** A hand-filled {@link CandidateView} for strategy tests; NaN marks a missing value. */
final class FakeView implements CandidateView {

    final Pod[] pods;
    final boolean[] ready;
    final int[] inFlight;
    final double[] kv;
    final double[] ttft;
    final double[] tpot;
    final boolean[] predicted;
    final RandomSource random;
    /** In-flight counts when the snapshot was taken (the correction's baseline); 0 unless set. */
    final int[] baseline;
    double perRequest = 0.05;
    /** When set, each live read of a count is followed by another thread's selection of that candidate. */
    boolean concurrentPicks;

    FakeView(int n, long seed) {
        pods = new Pod[n];
        for (int i = 0; i < n; i++) {
            pods[i] = Pod.ready("pod-" + i, "10.0.0." + i, 8000, Instant.EPOCH);
        }
        ready = new boolean[n];
        Arrays.fill(ready, true);
        inFlight = new int[n];
        kv = new double[n];
        ttft = new double[n];
        tpot = new double[n];
        predicted = new boolean[n];
        random = RandomSource.seeded(seed);
        baseline = new int[n];
    }

    FakeView kv(double... values) {
        System.arraycopy(values, 0, kv, 0, values.length);
        return this;
    }

    FakeView latency(int i, double ttftSeconds, double tpotSeconds) {
        ttft[i] = ttftSeconds;
        tpot[i] = tpotSeconds;
        return this;
    }

    FakeView notReady(int i) {
        ready[i] = false;
        kv[i] = Double.NaN;
        ttft[i] = Double.NaN;
        tpot[i] = Double.NaN;
        return this;
    }

    @Override
    public int size() {
        return pods.length;
    }

    @Override
    public Pod pod(int i) {
        return pods[i];
    }

    @Override
    public boolean isReady(int i) {
        return ready[i];
    }

    @Override
    public int readyCount() {
        int c = 0;
        for (boolean r : ready) {
            if (r) c++;
        }
        return c;
    }

    @Override
    public int readyIndex(int k) {
        for (int i = 0, seen = 0; i < ready.length; i++) {
            if (ready[i] && seen++ == k) {
                return i;
            }
        }
        throw new IndexOutOfBoundsException(k);
    }

    @Override
    public int inFlight(int i) {
        return inFlight[i];
    }

    @Override
    public int inFlightSinceRefresh(int i) {
        int delta = inFlight[i] - baseline[i];
        if (concurrentPicks) {
            inFlight[i]++;
        }
        return delta;
    }

    @Override
    public double kvCacheUsagePerRequest(int i) {
        return perRequest;
    }

    @Override
    public double kvCacheUsageFloor(int i) {
        return Double.isNaN(kv[i]) ? Double.NaN : Math.max(0.0, kv[i] - baseline[i] * perRequest);
    }

    @Override
    public MissingReason missingReason(int i) {
        return ready[i] && Double.isNaN(kv[i]) ? MissingReason.NOT_YET_SCRAPED : null;
    }

    @Override
    public double runningRequests(int i) {
        return Double.NaN;
    }

    @Override
    public double waitingRequests(int i) {
        return Double.NaN;
    }

    @Override
    public double kvCacheUsage(int i) {
        return kv[i];
    }

    @Override
    public double timeToFirstTokenSeconds(int i) {
        return ttft[i];
    }

    @Override
    public double timePerOutputTokenSeconds(int i) {
        return tpot[i];
    }

    @Override
    public double e2eLatencySeconds(int i) {
        return Double.NaN;
    }

    @Override
    public double queueTimeSeconds(int i) {
        return Double.NaN;
    }

    @Override
    public boolean isPredicted(int i) {
        return predicted[i];
    }

    @Override
    public RandomSource random() {
        return random;
    }
}
