package io.podrouter.core.internal.table;

import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import org.jspecify.annotations.Nullable;

import java.util.Arrays;
import java.util.Map;

/**
 * The per-candidate columns of a {@link MetricsTable}, in primitive arrays indexed like the candidates;
 * NaN in a metric column means missing (or not ready). Written by {@link TableBuilder} before the table is
 * published, never after (tables derived from it share or copy the arrays). Not thread-safe by itself: safe
 * through the table's safe publication.
 */
final class TableColumns {
    final Pod[] pods;
    final boolean[] ready;
    final @Nullable MissingReason[] missing;
    final double[] running;
    final double[] waiting;
    final double[] kv;
    final double[] ttft;
    final double[] tpot;
    final double[] e2e;
    final double[] queue;
    final boolean[] predicted;
    /** Probability (of MetricsTable.ADMIT_SCALE) that a pick of the candidate is admitted; below SCALE while ramping. */
    final int[] admit;
    /**
     * In-flight count up to which a ramping candidate is admitted regardless of {@link #admit}: its
     * relative weight times the mean in-flight count of the candidates at full weight. Under load the
     * ramp thus limits a new pod's share of concurrent requests, not of arrivals, so it cannot keep an
     * overloaded fleet overloaded.
     */
    final double[] admitFloor;
    /** Candidate is cold: picks count as cold requests and obey the in-flight cap. */
    final boolean[] cold;
    /**
     * The handles' in-flight counts when the current metrics snapshot was first seen; kept across
     * rebuilds while the snapshot is the same, so that the in-flight correction covers every request
     * routed since the scrape, not only those since the last rebuild.
     */
    final int[] inFlightAtBuild;
    /** When each candidate's live metrics were observed; null when missing or predicted. */
    final java.time.@Nullable Instant[] observedAt;
    /** KV-cache fraction per running request (see {@link io.podrouter.api.strategy.CandidateView#kvCacheUsagePerRequest}). */
    final double[] kvPerRequest;
    /** Lower bound of the corrected KV usage (see {@link io.podrouter.api.strategy.CandidateView#kvCacheUsageFloor}). */
    final double[] kvFloor;
    /**
     * Per candidate, two values side by side (one stream for a scan): TTFT and TPOT, each times the
     * lowest queue factor and shrunk by {@link MetricsTable#LATENCY_FLOOR_SHRINK}; see
     * {@link io.podrouter.api.strategy.CandidateView#expectedLatencyFloorSeconds}. The first is NaN when either latency is.
     */
    final double[] latencyTerms;
    /** Each candidate's {@code PodMetrics.extra}, or null when it has no metrics. */
    final @Nullable Map<String, Double>[] extra;

    /**
     * Mean in-flight count of the ready candidates that are not cold, when the table was built: a cold
     * pod's burst cap is never below it, so the cap limits a cold pod to what an average warm pod
     * holds, not to less (which would overload the warm pods when the fleet is busy).
     */
    double warmMeanInFlight;

    TableColumns(int n) {
        pods = new Pod[n];
        ready = new boolean[n];
        missing = new MissingReason[n];
        running = nan(n);
        waiting = nan(n);
        kv = nan(n);
        ttft = nan(n);
        tpot = nan(n);
        e2e = nan(n);
        queue = nan(n);
        predicted = new boolean[n];
        admit = new int[n];
        Arrays.fill(admit, MetricsTable.ADMIT_SCALE);
        admitFloor = new double[n];
        cold = new boolean[n];
        inFlightAtBuild = new int[n];
        observedAt = new java.time.Instant[n];
        kvPerRequest = nan(n);
        kvFloor = nan(n);
        latencyTerms = nan(MetricsTable.LATENCY_STRIDE * n);
        @SuppressWarnings("unchecked")
        Map<String, Double>[] e = new Map[n];
        extra = e;
    }

    private TableColumns(TableColumns c) {
        warmMeanInFlight = c.warmMeanInFlight;
        pods = c.pods;
        ready = c.ready.clone();
        missing = c.missing.clone();
        running = c.running.clone();
        waiting = c.waiting.clone();
        kv = c.kv.clone();
        ttft = c.ttft.clone();
        tpot = c.tpot.clone();
        e2e = c.e2e.clone();
        queue = c.queue.clone();
        predicted = c.predicted;
        admit = c.admit;
        admitFloor = c.admitFloor;
        cold = c.cold;
        inFlightAtBuild = c.inFlightAtBuild;
        observedAt = c.observedAt;
        kvPerRequest = c.kvPerRequest;
        kvFloor = c.kvFloor.clone();
        latencyTerms = c.latencyTerms.clone();
        extra = c.extra;
    }

    /**
     * A copy in which the flagged candidates are not ready: their metrics NaN and their missing reason
     * null, as {@link CandidateView} documents for candidates that are not ready.
     */
    TableColumns excluding(boolean[] exclude) {
        TableColumns c = new TableColumns(this);
        for (int i = 0; i < exclude.length; i++) {
            if (exclude[i]) {
                c.ready[i] = false;
                c.missing[i] = null;
                c.running[i] = c.waiting[i] = c.kv[i] = c.ttft[i] = c.tpot[i] = c.e2e[i] = c.queue[i] = Double.NaN;
                c.kvFloor[i] = Double.NaN;
                c.latencyTerms[MetricsTable.LATENCY_STRIDE * i] = Double.NaN;
            }
        }
        return c;
    }

    private static double[] nan(int n) {
        double[] a = new double[n];
        Arrays.fill(a, Double.NaN);
        return a;
    }

    /** The reason counted most often in {@code counts} (by ordinal); METRIC_ABSENT when none was counted. */
    static MissingReason mostCommon(int[] counts) {
        int best = -1;
        for (int r = 0; r < counts.length; r++) {
            if (counts[r] > 0 && (best < 0 || counts[r] > counts[best])) {
                best = r;
            }
        }
        return best < 0 ? MissingReason.METRIC_ABSENT : MissingReason.values()[best];
    }
}
