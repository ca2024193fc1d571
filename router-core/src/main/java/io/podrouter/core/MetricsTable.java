package io.podrouter.core;

import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.RandomSource;
import io.podrouter.api.RejectReason;
import io.podrouter.api.strategy.CandidateView;

import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * An immutable snapshot of one candidate set's readiness and metrics for one model, in primitive
 * arrays indexed like the candidates: what strategies scan. Only in-flight counts are read live, from
 * the handles. Built off the hot path and swapped in atomically; thread-safe.
 */
final class MetricsTable implements CandidateView {

    final String model;
    final long builtAtMillis;
    private final PodHandle[] handles;
    private final Pod[] pods;
    private final boolean[] ready;
    private final int[] readyIndex;
    private final int readyCount;
    private final MissingReason[] missing;
    private final MissingReason commonMissingReason;
    private final double[] running;
    private final double[] waiting;
    private final double[] kv;
    private final double[] ttft;
    private final double[] tpot;
    private final double[] e2e;
    private final double[] queue;
    private final boolean[] predicted;
    private final RandomSource random;
    private final Map<RejectReason, Integer> rejections;
    /** Set by selections; cleared by a refresh. Lets the refresher skip tables nobody reads any more. */
    volatile boolean used = true;

    MetricsTable(String model, PodHandle[] handles, MetricsReader reader, Instant now, RandomSource random) {
        this.model = model;
        this.builtAtMillis = now.toEpochMilli();
        this.handles = handles;
        this.random = random;
        int n = handles.length;
        pods = new Pod[n];
        ready = new boolean[n];
        missing = new MissingReason[n];
        running = nanArray(n);
        waiting = nanArray(n);
        kv = nanArray(n);
        ttft = nanArray(n);
        tpot = nanArray(n);
        e2e = nanArray(n);
        queue = nanArray(n);
        predicted = new boolean[n];
        int[] readyIdx = new int[n];
        int readyN = 0;
        int[] missingCounts = new int[MissingReason.values().length];
        EnumMap<RejectReason, Integer> rejected = new EnumMap<>(RejectReason.class);
        for (int i = 0; i < n; i++) {
            MetricsReader.Reading r = reader.read(handles[i], model, now);
            pods[i] = handles[i].pod();
            MetricsState state = r.state();
            if (state == MetricsState.POD_NOT_READY) {
                rejected.merge(RejectReason.POD_NOT_READY, 1, Integer::sum);
                continue;
            }
            if (state == MetricsState.SOURCE_NOT_READY) {
                rejected.merge(RejectReason.SOURCE_NOT_READY, 1, Integer::sum);
                continue;
            }
            ready[i] = true;
            readyIdx[readyN++] = i;
            if (state == MetricsState.PRESENT) {
                PodMetrics m = r.metrics();
                running[i] = m.runningRequests();
                waiting[i] = m.waitingRequests();
                kv[i] = m.kvCacheUsage();
                ttft[i] = m.timeToFirstTokenSeconds();
                tpot[i] = m.timePerOutputTokenSeconds();
                e2e[i] = m.e2eLatencySeconds();
                queue[i] = m.queueTimeSeconds();
            } else {
                MissingReason reason = reasonOf(state);
                missing[i] = reason;
                missingCounts[reason.ordinal()]++;
            }
        }
        readyIndex = Arrays.copyOf(readyIdx, readyN);
        readyCount = readyN;
        rejections = rejected;
        commonMissingReason = mostCommon(missingCounts);
    }

    private static double[] nanArray(int n) {
        double[] a = new double[n];
        Arrays.fill(a, Double.NaN);
        return a;
    }

    private static MissingReason reasonOf(MetricsState state) {
        switch (state) {
            case MISSING_NOT_YET_SCRAPED: return MissingReason.NOT_YET_SCRAPED;
            case MISSING_STALE: return MissingReason.STALE;
            case MISSING_SCRAPE_FAILED: return MissingReason.SCRAPE_FAILED;
            case MISSING_SOURCE_ERROR: return MissingReason.SOURCE_ERROR;
            case MISSING_INVALID_VALUE: return MissingReason.INVALID_VALUE;
            default: return MissingReason.METRIC_ABSENT;
        }
    }

    private static MissingReason mostCommon(int[] counts) {
        int best = -1;
        for (int r = 0; r < counts.length; r++) {
            if (counts[r] > 0 && (best < 0 || counts[r] > counts[best])) {
                best = r;
            }
        }
        return best < 0 ? MissingReason.METRIC_ABSENT : MissingReason.values()[best];
    }

    PodHandle handle(int i) {
        return handles[i];
    }

    Map<RejectReason, Integer> rejections() {
        return rejections;
    }

    /**
     * Why the metric was missing for a random fallback onto candidate {@code i}: the pod's own reason,
     * or, when it had metrics (the whole decision went random because of other pods), the most common
     * reason among the candidates.
     */
    MissingReason fallbackReason(int i) {
        MissingReason own = missing[i];
        return own != null ? own : commonMissingReason;
    }

    @Override
    public int size() {
        return handles.length;
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
        return readyCount;
    }

    @Override
    public int readyIndex(int k) {
        return readyIndex[k]; // sized to readyCount, so k out of range throws IndexOutOfBoundsException
    }

    @Override
    public int inFlight(int i) {
        return handles[i].inFlight();
    }

    @Override
    public MissingReason missingReason(int i) {
        return missing[i];
    }

    @Override
    public double runningRequests(int i) {
        return running[i];
    }

    @Override
    public double waitingRequests(int i) {
        return waiting[i];
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
        return e2e[i];
    }

    @Override
    public double queueTimeSeconds(int i) {
        return queue[i];
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
