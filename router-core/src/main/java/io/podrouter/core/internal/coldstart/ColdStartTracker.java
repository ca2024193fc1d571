package io.podrouter.core.internal.coldstart;

import io.podrouter.api.Pod;
import io.podrouter.api.RouterEventListener;
import io.podrouter.api.WarmupOutcome;
import io.podrouter.core.coldstart.WarmupSettings;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * <b>Internal: not API, not exported by the module.</b> The cold-start lifecycle, one per (pod, model): a
 * pod is cold for a model from Ready until its first metrics for that model and, with warm-up configured,
 * until the pod's warm-up succeeded or gave up. A pod that serves two models and has metrics for one is
 * still cold for the other (its table treats it as cold: bounded share and burst guard), not "suspect".
 *
 * <p>What is per pod: the warm-up (it probes the server, not a model), the first metrics of any model
 * (what {@code pod_coldstart_duration_seconds} and {@link RouterEventListener#firstMetrics} report), and
 * the pod's cold flag for {@code Router.isCold} and the cold-pods gauge (cold for some model it was
 * asked about). A cold start is reported only when the router witnessed it: it first saw the pod within
 * {@link ColdStartConfig#WITNESS_HORIZON} of its Ready instant; a pod first seen later without metrics (the
 * router restarted, its scraper has not scraped yet) is routed as cold but reports no cold start, instead of
 * reporting hours since Ready.
 *
 * <p>Runs on table builds (off the selection path). Thread safety: each pod's state is guarded by its
 * {@link ColdStartState}'s monitor.
 */
public final class ColdStartTracker {

    /** Per (pod, model): guarded by the pod's {@link ColdStartState} monitor; read by the thread that advanced it. */
    public static final class ModelLifecycle {
        /** Metrics for this model were seen in the current Ready period. */
        boolean hadMetrics;
        /**
         * The router saw this (pod, model) Ready without metrics at the start of its Ready period: only such
         * pods teach the predictor what cold pods look like (a pod first seen already serving, e.g. when the
         * router starts with a warm fleet and is given {@code readySince = now}, would teach it that cold pods
         * are busy).
         */
        boolean seenCold;
        /** Cold for this model after the last build. */
        boolean cold;

        ModelLifecycle() {
        }

        /** Cold for this model after the last build: Ready without its metrics yet, or warming up. */
        public boolean cold() {
            return cold;
        }

        /** Whether the router saw this (pod, model) Ready without metrics at the start of its Ready period. */
        public boolean seenCold() {
            return seenCold;
        }
    }

    private final ColdStartConfig cfg;
    private final RouterEventListener listener;

    /**
     * @param cfg      the router's cold-start settings (its telemetry receives the cold-start durations)
     * @param listener receives cold-start and warm-up events; the router passes its wrapped listener or a no-op
     */
    public ColdStartTracker(ColdStartConfig cfg, RouterEventListener listener) {
        this.cfg = cfg;
        this.listener = listener;
    }

    /**
     * Moves the (pod, model) lifecycle forward for one table build, under {@code h}'s monitor.
     *
     * @param h          the pod's cold-start state
     * @param pod        the pod as the build read it from discovery (Ready; its {@code readySince} may be null)
     * @param hasMetrics whether the build found live metrics for the pod and model
     * @return the lifecycle after this step (read by the caller on the same thread)
     */
    public ModelLifecycle advance(ColdStartState h, Pod pod, String model, boolean hasMetrics, Instant now) {
        synchronized (h) {
            boolean wasCold = h.cold;
            if (h.phase == ColdStartState.Phase.UNSEEN) {
                h.phase = ColdStartState.Phase.TRACKED;
                WarmupSettings warmup = cfg.warmup();
                Executor executor = cfg.warmupExecutor(); // set whenever warmup is
                if (warmup != null && executor != null && age(pod, now).compareTo(warmup.deadline()) < 0) {
                    h.warmup = new Warmup(pod, warmup, executor, this::warmupAttempt);
                }
                // Seen with metrics from the start (e.g. the router restarted): no cold start to measure, and
                // nothing to learn about cold pods from it, whatever its readySince says. Seen without metrics
                // long after Ready: the router cannot tell a cold start from its own scraper starting.
                h.firstMetricsAt = hasMetrics ? now : null;
                h.witnessed = !hasMetrics && age(pod, now).compareTo(ColdStartConfig.WITNESS_HORIZON) < 0;
            }
            Map<String, ModelLifecycle> models = h.lifecycles;
            ModelLifecycle m = models.get(model);
            if (m == null) {
                if (models.size() >= ColdStartState.MAX_TRACKED_MODELS) {
                    models.clear(); // a flood of model names must not grow the map; lifecycles restart
                }
                m = new ModelLifecycle();
                m.seenCold = !hasMetrics && h.witnessed;
                models.put(model, m);
            }
            m.hadMetrics |= hasMetrics;
            if (h.firstMetricsAt == null && hasMetrics) {
                h.firstMetricsAt = now;
                if (h.witnessed) {
                    Duration d = age(pod, now);
                    cfg.telemetry().observeColdStart(d);
                    listener.firstMetrics(pod, d);
                }
            }
            if (h.warmup != null) {
                h.warmup.step(now);
            }
            boolean warming = h.warmup != null && !h.warmup.done();
            m.cold = !m.hadMetrics || warming;
            boolean cold = warming;
            for (ModelLifecycle other : models.values()) {
                cold |= !other.hadMetrics;
            }
            h.cold = cold;
            if (h.witnessed) {
                if (cold && !wasCold) {
                    listener.coldStartBegan(pod);
                } else if (wasCold && !cold) {
                    listener.coldStartEnded(pod, age(pod, now));
                }
            }
            return m;
        }
    }

    private void warmupAttempt(Pod pod, int attempt, WarmupOutcome outcome) {
        cfg.telemetry().warmupProbe(outcome);
        listener.warmupProbe(pod, attempt, outcome);
    }

    /** Time since the pod's Ready instant; zero when it has none or it lies in the future (clock skew). */
    public static Duration age(Pod pod, Instant now) {
        Instant since = pod.readySince();
        if (since == null || since.isAfter(now)) {
            return Duration.ZERO;
        }
        return Duration.between(since, now);
    }
}
