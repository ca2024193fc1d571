package io.podrouter.core.internal.table;

import io.podrouter.api.MetricsPredictor;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.RandomSource;
import io.podrouter.api.RejectReason;
import io.podrouter.api.RouterEventListener;
import io.podrouter.core.coldstart.SlowStart;
import io.podrouter.core.internal.coldstart.ColdStartConfig;
import io.podrouter.core.internal.coldstart.ColdStartTracker;
import io.podrouter.core.internal.telemetry.RouterLog;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * <b>Internal: not API, not exported by the module.</b> Builds a {@link MetricsTable}: reads every
 * candidate's metrics, advances each (pod, model) cold-start lifecycle ({@link ColdStartTracker}), predicts
 * metrics for ready pods without them, and computes the slow-start admission probabilities. Runs off the
 * selection path, on the refresh thread or on the first selection of a (candidate set, model). Thread-safe.
 */
public final class TableBuilder {

    private static final Logger LOG = RouterLog.logger();

    /** Traffic weight of a pod whose warm-up has not finished (when slow start is off). */
    private static final double WARMUP_WEIGHT = SlowStart.DEFAULT_MIN_WEIGHT;

    private final MetricsReader reader;
    private final ColdStartConfig cfg;
    private final RandomSource random;
    private final AtomicBoolean predictorFaultLogged = new AtomicBoolean();
    private final ColdStartTracker coldStarts;
    private final InstantSource clock;

    /**
     * @param reader the router's metrics reader
     * @param cfg    the router's cold-start settings
     * @param random the router's random source (tables hand it to strategies)
     * @param clock  the router's clock: each build reads it once, as the build's "now"
     */
    public TableBuilder(MetricsReader reader, ColdStartConfig cfg, RandomSource random, InstantSource clock) {
        this.reader = reader;
        this.cfg = cfg;
        this.random = random;
        this.clock = clock;
        this.coldStarts = new ColdStartTracker(cfg, cfg.listener() != null ? cfg.listener() : new RouterEventListener() { });
    }

    /**
     * Builds a fresh table, now (per the clock); called on first use of a (set, model) pair (with
     * {@code previous} null) and by refreshes (with the table being replaced).
     *
     * @param previous the table this one replaces (same candidate set and model), or null; it supplies
     *                 the in-flight baselines of metrics snapshots that have not changed
     */
    MetricsTable build(String model, PodHandle[] handles, @Nullable MetricsTable previous) {
        Instant now = clock.instant();
        int n = handles.length;
        TableColumns c = new TableColumns(n);
        EnumMap<RejectReason, Integer> rejected = new EnumMap<>(RejectReason.class);
        @Nullable PodMetrics[] live = new PodMetrics[n];
        boolean[] seenCold = new boolean[n];
        for (int i = 0; i < n; i++) {
            PodHandle h = handles[i];
            // Read the pod once: its readiness, the row's Pod and the lifecycle must all describe the same
            // discovery update (reading it again after the lookup could pair "ready" with a not-ready Pod).
            Pod pod = h.pod();
            MetricsReader.Reading r = reader.read(h, pod, model, now);
            c.pods[i] = pod;
            MetricsState state = r.state();
            if (state == MetricsState.POD_NOT_READY) {
                rejected.merge(RejectReason.POD_NOT_READY, 1, Integer::sum);
                continue;
            }
            if (state == MetricsState.SOURCE_NOT_READY) {
                rejected.merge(RejectReason.SOURCE_NOT_READY, 1, Integer::sum);
                continue;
            }
            c.ready[i] = true;
            PodMetrics m = r.metrics(); // non-null exactly when the state is PRESENT
            if (m != null) {
                live[i] = m;
                fill(c, i, m);
                c.observedAt[i] = m.observedAt();
            } else {
                c.missing[i] = state.missingReason();
            }
            ColdStartTracker.ModelLifecycle life = coldStarts.advance(h.coldStart(), pod, model, live[i] != null, now);
            c.cold[i] = life.cold();
            seenCold[i] = life.seenCold();
        }
        MetricsPredictor predictor = cfg.predictor();
        if (predictor != null) {
            predict(predictor, model, handles, c, live, seenCold, now, previous == null ? null : previous.columns());
        }
        long warmInFlight = 0;
        int warm = 0;
        for (int i = 0; i < n; i++) {
            if (c.ready[i] && !c.cold[i]) {
                warmInFlight += handles[i].inFlight();
                warm++;
            }
        }
        c.warmMeanInFlight = warm == 0 ? 0 : (double) warmInFlight / warm;
        perRequestEstimates(handles, c, previous == null ? null : previous.columns());
        rampWeights(handles, c, now);
        MetricsTable table = new MetricsTable(model, now.toEpochMilli(), handles, c, random, rejected, cfg.coldInFlightCap());
        // Ejected and stalled pods are left out while another candidate is ready (Envoy's panic rule otherwise).
        MetricsTable healthy = table.withoutAvoided();
        return healthy != null ? healthy : table;
    }

    private static void fill(TableColumns c, int i, PodMetrics m) {
        c.running[i] = m.runningRequests();
        c.waiting[i] = m.waitingRequests();
        c.kv[i] = m.kvCacheUsage();
        c.ttft[i] = m.timeToFirstTokenSeconds();
        c.tpot[i] = m.timePerOutputTokenSeconds();
        c.e2e[i] = m.e2eLatencySeconds();
        c.queue[i] = m.queueTimeSeconds();
        c.extra[i] = m.extra();
    }

    private static Duration age(Pod pod, Instant now) {
        return ColdStartTracker.age(pod, now);
    }

    private void predict(MetricsPredictor predictor, String model, PodHandle[] handles, TableColumns c,
                         @Nullable PodMetrics[] live, boolean[] seenCold, Instant now, @Nullable TableColumns prev) {
        List<PodMetrics> collected = new ArrayList<>();
        for (PodMetrics m : live) {
            if (m != null) {
                collected.add(m);
            }
        }
        // One immutable list for every prediction of this build, so a predictor can compute what depends
        // only on the peers once (PredictionInput's List.copyOf keeps an immutable list as it is).
        List<PodMetrics> peers = List.copyOf(collected);
        for (int i = 0; i < handles.length; i++) {
            if (!c.ready[i]) {
                continue;
            }
            Duration age = age(c.pods[i], now);
            // Only a pod that never had metrics in this Ready period is cold and gets predicted metrics. A
            // pod that had metrics and lost them (scrape failing, stale, invalid, source throwing) is
            // suspect, not cold: a dead pod fails fast, keeps its in-flight count near zero and would be
            // predicted idle, attracting nearly all traffic. It is left to the strategies' missing-metric
            // policy instead (at most its fair share, reported as a fallback with its reason).
            if (live[i] == null && c.cold[i]) {
                MetricsPredictor.PredictionInput in =
                        new MetricsPredictor.PredictionInput(c.pods[i], model, age, handles[i].inFlight(), peers);
                PodMetrics p = safely(() -> predictor.predict(in));
                if (p != null) {
                    String invalid = p.firstInvalidValue();
                    if (invalid == null) {
                        fill(c, i, p);
                        c.predicted[i] = true;
                    } else {
                        logPredictorFault("predicted an invalid value: " + invalid, null);
                    }
                }
            } else if (live[i] != null && seenCold[i] && age.compareTo(ColdStartConfig.LEARNING_HORIZON) < 0
                    && peers.size() > 1
                    && (prev == null || !live[i].observedAt().equals(prev.observedAt[i]))) {
                // Learn from each new snapshot of a young pod once, not on every rebuild of the table.
                List<PodMetrics> others = new ArrayList<>(peers);
                others.remove(live[i]);
                PodMetrics actual = live[i];
                MetricsPredictor.PredictionInput in =
                        new MetricsPredictor.PredictionInput(c.pods[i], model, age, handles[i].inFlight(), others);
                safely(() -> {
                    predictor.observe(in, actual);
                    return null;
                });
            }
        }
    }

    private @Nullable PodMetrics safely(java.util.function.Supplier<@Nullable PodMetrics> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            logPredictorFault("threw " + e, e);
            return null;
        }
    }

    private void logPredictorFault(String what, @Nullable Throwable cause) {
        if (predictorFaultLogged.compareAndSet(false, true)) {
            LOG.warn("metrics predictor {} {}; the pod stays 'metrics missing' (logged once)", cfg.predictor(), what, cause);
        }
    }

    /**
     * In-flight baselines, and the KV fraction per running request with the set's median as default.
     *
     * <p>A baseline is how many of the router's in-flight requests the snapshot may already count: at most
     * the in-flight count when the snapshot was first seen (carried over from {@code prev} while it is
     * unchanged), and at most the requests the snapshot reports (running + waiting). The second bound is
     * what keeps a scrape from forgiving selections the pod has not answered: a hung pod whose scrapes say
     * "running 0" has baseline 0, so every request it holds stays counted in its corrected usage until it
     * completes, instead of the correction restarting at every scrape. With other gateways sending to the
     * same pods the reported count only grows, and the bound changes nothing.
     */
    private static void perRequestEstimates(PodHandle[] handles, TableColumns c, @Nullable TableColumns prev) {
        double[] ratios = new double[handles.length];
        int n = 0;
        for (int i = 0; i < handles.length; i++) {
            Instant seen = c.observedAt[i];
            boolean sameSnapshot = prev != null && seen != null && seen.equals(prev.observedAt[i]);
            int atFirstSight = prev != null && sameSnapshot ? prev.inFlightAtBuild[i] : handles[i].inFlight();
            double reported = (Double.isNaN(c.running[i]) ? 0 : c.running[i]) + (Double.isNaN(c.waiting[i]) ? 0 : c.waiting[i]);
            boolean counted = !Double.isNaN(c.running[i]) || !Double.isNaN(c.waiting[i]);
            // Predicted metrics count nothing the router sent; without either count the snapshot's coverage is
            // unknown and the first-sight count stands.
            c.inFlightAtBuild[i] = counted && !c.predicted[i] ? (int) Math.min(atFirstSight, Math.ceil(reported)) : atFirstSight;
            if (c.ready[i] && c.running[i] >= 1 && !Double.isNaN(c.kv[i])) {
                c.kvPerRequest[i] = c.kv[i] / c.running[i];
                ratios[n++] = c.kvPerRequest[i];
            }
        }
        if (n > 0) {
            java.util.Arrays.sort(ratios, 0, n);
            double median = (n & 1) == 1 ? ratios[n / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
            for (int i = 0; i < handles.length; i++) {
                if (c.ready[i] && Double.isNaN(c.kvPerRequest[i]) && !Double.isNaN(c.kv[i])) {
                    c.kvPerRequest[i] = median;
                }
            }
        }
        // Lowest the corrected usage can go: every request counted at the snapshot completed since.
        for (int i = 0; i < handles.length; i++) {
            double kv = c.kv[i];
            double per = c.kvPerRequest[i];
            c.kvFloor[i] = Double.isNaN(kv) ? Double.NaN
                    : Double.isNaN(per) ? kv : Math.max(0.0, kv - c.inFlightAtBuild[i] * per);
            latencyTerms(c, i);
        }
    }

    /**
     * The terms of candidate {@code i}'s least-latency lower bound ({@link
     * io.podrouter.api.strategy.CandidateView#expectedLatencyFloorSeconds}): its queue can shrink at most
     * by the requests counted at the snapshot, so the lowest queue factor is that of
     * {@code waiting - inFlightAtBuild}, or 1 when that is not positive.
     */
    private static void latencyTerms(TableColumns c, int i) {
        int k = MetricsTable.LATENCY_STRIDE * i;
        double ttft = c.ttft[i];
        double tpot = c.tpot[i];
        if (Double.isNaN(ttft) || Double.isNaN(tpot)) {
            c.latencyTerms[k] = Double.NaN;
            return;
        }
        double waiting = Double.isNaN(c.waiting[i]) ? 0 : c.waiting[i];
        double running = Double.isNaN(c.running[i]) ? 0 : c.running[i];
        double lowestQueue = waiting - c.inFlightAtBuild[i];
        double factor = (lowestQueue <= 0 ? 1.0 : 1 + lowestQueue / Math.max(running, 1)) * MetricsTable.LATENCY_FLOOR_SHRINK;
        c.latencyTerms[k] = ttft * factor;
        c.latencyTerms[k + 1] = tpot * factor;
    }

    /**
     * Admission probabilities: the slow-start weight of each ready pod (capped at the warm-up weight while
     * its warm-up runs), relative to the highest weight among the ready pods, so that a fleet of equally
     * new pods is not throttled against itself.
     */
    private void rampWeights(PodHandle[] handles, TableColumns c, Instant now) {
        SlowStart ramp = cfg.slowStart();
        double[] w = new double[handles.length];
        double max = 0;
        boolean anyBelowOne = false;
        for (int i = 0; i < handles.length; i++) {
            if (!c.ready[i]) {
                continue;
            }
            double weight = ramp.weight(age(c.pods[i], now));
            if (handles[i].coldStart().warmingUp()) {
                weight = Math.min(weight, ramp.enabled() ? ramp.minWeight() : WARMUP_WEIGHT);
            }
            w[i] = weight;
            max = Math.max(max, weight);
            anyBelowOne |= weight < 1.0;
        }
        if (!anyBelowOne) {
            return;
        }
        long fullInFlight = 0;
        int full = 0;
        for (int i = 0; i < handles.length; i++) {
            if (c.ready[i] && w[i] >= max) {
                fullInFlight += handles[i].inFlight();
                full++;
            }
        }
        double meanFull = full == 0 ? 0 : (double) fullInFlight / full;
        for (int i = 0; i < handles.length; i++) {
            if (c.ready[i]) {
                double relative = w[i] / max;
                c.admit[i] = relative >= 1.0 ? MetricsTable.ADMIT_SCALE
                        : Math.max(1, (int) Math.round(relative * MetricsTable.ADMIT_SCALE));
                c.admitFloor[i] = relative * meanFull;
            }
        }
    }
}
