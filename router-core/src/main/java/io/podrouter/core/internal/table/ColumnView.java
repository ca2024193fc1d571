package io.podrouter.core.internal.table;

import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.api.RandomSource;
import io.podrouter.api.strategy.CandidateView;
import org.jspecify.annotations.Nullable;

import java.util.Arrays;
import java.util.Map;

/**
 * <b>Internal: not API, not exported by the module.</b> The reads a strategy makes of a {@link MetricsTable}
 * ({@link CandidateView}): straight from the table's {@code TableColumns} and, for in-flight counts, from the
 * candidates' live counters. Only {@link MetricsTable} extends it; it holds the router's own operations on
 * the same fields (derived tables, admission, the cold share), which keeps each file readable. Immutable
 * after construction but for the live counters; thread-safe through the table's safe publication.
 *
 * <p>Hot path: every read is an array access by candidate index (no lookup, no allocation, no lock); the
 * in-flight reads are plain loads (see {@code InFlightCounters.get}).
 */
public abstract sealed class ColumnView implements CandidateView permits MetricsTable {

    final PodHandle[] handles;
    // Each candidate's in-flight counter (chunk, offset): read in place, without a hop through the handle.
    private final int[][] inFlightChunk;
    private final int[] inFlightOffset;
    // When the candidates' counters are consecutive slots of one chunk (pods discovered together), the
    // chunk and the first offset: a scan then reads one int array, like its metric arrays.
    private final int @Nullable [] consecutiveChunk;
    private final int consecutiveBase;
    final TableColumns c;
    final int[] readyIndex;
    final int readyCount;
    final RandomSource random;

    ColumnView(PodHandle[] handles, TableColumns columns, RandomSource random) {
        this.handles = handles;
        this.c = columns;
        this.random = random;
        int n = handles.length;
        inFlightChunk = new int[n][];
        inFlightOffset = new int[n];
        boolean consecutive = n > 0;
        for (int i = 0; i < n; i++) {
            inFlightChunk[i] = handles[i].inFlightChunk;
            inFlightOffset[i] = handles[i].inFlightOffset;
            consecutive &= inFlightChunk[i] == inFlightChunk[0] && inFlightOffset[i] == inFlightOffset[0] + i * InFlightCounters.STRIDE;
        }
        consecutiveChunk = consecutive ? inFlightChunk[0] : null;
        consecutiveBase = consecutive ? inFlightOffset[0] : 0;
        int[] idx = new int[n];
        int r = 0;
        for (int i = 0; i < n; i++) {
            if (c.ready[i]) {
                idx[r++] = i;
            }
        }
        readyIndex = Arrays.copyOf(idx, r);
        readyCount = r;
    }

    @Override
    public long inFlightTokens(int i) {
        return handles[i].inFlightTokens();
    }

    @Override
    public double extra(int i, String name) {
        Map<String, Double> e = c.extra[i];
        if (e == null || !c.ready[i] || c.missing[i] != null) {
            return Double.NaN;
        }
        Double v = e.get(name);
        return v == null ? Double.NaN : v;
    }

    @Override
    public int size() {
        return handles.length;
    }

    @Override
    public Pod pod(int i) {
        return c.pods[i];
    }

    @Override
    public boolean isReady(int i) {
        return c.ready[i];
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
        int[] chunk = consecutiveChunk;
        return chunk != null ? chunk[consecutiveBase + i * InFlightCounters.STRIDE] : InFlightCounters.get(inFlightChunk[i], inFlightOffset[i]);
    }

    @Override
    public int inFlightSinceRefresh(int i) {
        return inFlight(i) - c.inFlightAtBuild[i];
    }

    @Override
    public double kvCacheUsagePerRequest(int i) {
        return c.kvPerRequest[i];
    }

    @Override
    public double kvCacheUsageFloor(int i) {
        return c.kvFloor[i];
    }

    @Override
    public double expectedLatencyFloorSeconds(int i, double outputTokens) {
        double[] t = c.latencyTerms;
        int k = MetricsTable.LATENCY_STRIDE * i;
        return t[k] + t[k + 1] * outputTokens;
    }

    @Override
    public @Nullable MissingReason missingReason(int i) {
        return c.missing[i];
    }

    @Override
    public double runningRequests(int i) {
        return c.running[i];
    }

    @Override
    public double waitingRequests(int i) {
        return c.waiting[i];
    }

    @Override
    public double kvCacheUsage(int i) {
        return c.kv[i];
    }

    @Override
    public double timeToFirstTokenSeconds(int i) {
        return c.ttft[i];
    }

    @Override
    public double timePerOutputTokenSeconds(int i) {
        return c.tpot[i];
    }

    @Override
    public double e2eLatencySeconds(int i) {
        return c.e2e[i];
    }

    @Override
    public double queueTimeSeconds(int i) {
        return c.queue[i];
    }

    @Override
    public boolean isPredicted(int i) {
        return c.predicted[i];
    }

    @Override
    public RandomSource random() {
        return random;
    }
}
