package io.podrouter.bench.sim;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.strategies.LeastLatencyStrategy;

import java.util.Objects;

/**
 * The naive metric-driven routers from before the AIBrix cold-start article's fix, re-created for comparison. Ranks like
 * podrouter's least-latency ({@code TTFT + TPOT x L}, same L rule) or least-KV-cache strategies, but
 * treats a candidate without the metric in one of two naive ways:
 *
 * <p>"Missing" means the pod's metrics were never scraped (its KV-cache usage is NaN, as every vLLM
 * exposition carries it). A scraped pod that has not completed a request yet has latency histograms with
 * count 0; like gateways that divide the histogram sum by its count with a zero guard, these routers read
 * its latency as 0 s, so least-latency sends it traffic (and it learns its real latency from those requests)
 * rather than ignoring or failing on it forever.
 *
 * <ul>
 *   <li>{@link Mode#REJECT}: the gateway's metric lookup errors ("metric ... not found") and the request
 *       fails. Expressed through the strategy SPI as a {@link SelectionStrategy#PASS}: the simulator
 *       builds this strategy as the router's only one, so the pass ends in the router's last-resort
 *       random pick, which the simulator counts as a failed request and never forwards
 *       ({@link Simulation} checks {@code Fallback.LAST_RESORT_RANDOM}).</li>
 *   <li>{@link Mode#SKIP}: candidates without the metric are ignored; only when none has it, a ready pod
 *       is chosen uniformly at random (the AIBrix behaviour).</li>
 * </ul>
 *
 * <p>Ties are broken uniformly at random with the view's random source. Thread-safe and stateless.
 */
public final class NaiveMetricStrategy implements SelectionStrategy {

    /** What a missing metric does. */
    public enum Mode {
        /** The request fails. */
        REJECT,
        /** The candidate is ignored. */
        SKIP
    }

    /** Which metric ranks. */
    public enum Metric {
        /** TTFT + TPOT x L, lower is better. */
        LATENCY,
        /** KV-cache usage, lower is better. */
        KV_CACHE
    }

    private final Mode mode;
    private final Metric metric;

    /** Null arguments throw {@link NullPointerException}. */
    public NaiveMetricStrategy(Mode mode, Metric metric) {
        this.mode = Objects.requireNonNull(mode, "mode: null (expected: REJECT or SKIP)");
        this.metric = Objects.requireNonNull(metric, "metric: null (expected: LATENCY or KV_CACHE)");
    }

    @Override
    public boolean ranksByMetrics() {
        return true;
    }

    @Override
    public String name() {
        return "naive-" + mode.name().toLowerCase(java.util.Locale.ROOT) + "-"
                + (metric == Metric.LATENCY ? "least-latency" : "least-kv-cache");
    }

    @Override
    public long pick(InferenceRequest request, CandidateView v) {
        double outputTokens = expectedOutputTokens(request);
        int ready = v.readyCount();
        double min = Double.POSITIVE_INFINITY;
        int ties = 0;
        for (int k = 0; k < ready; k++) {
            double s = score(v, v.readyIndex(k), outputTokens);
            if (s != s) {
                if (mode == Mode.REJECT) {
                    return PASS;
                }
                continue;
            }
            if (s < min) {
                min = s;
                ties = 1;
            } else if (s == min) {
                ties++;
            }
        }
        if (ties == 0) {
            return SelectionStrategy.randomFallback(v.readyIndex(v.random().nextInt(ready)));
        }
        int nth = ties == 1 ? 0 : v.random().nextInt(ties);
        for (int k = 0, seen = 0; k < ready; k++) {
            int i = v.readyIndex(k);
            if (score(v, i, outputTokens) == min && seen++ == nth) {
                return SelectionStrategy.chosen(i);
            }
        }
        throw new IllegalStateException("candidate view changed during a pick");
    }

    /** NaN when the pod's metrics were never scraped; a scraped pod without latency samples scores 0. */
    private double score(CandidateView v, int i, double outputTokens) {
        double kv = v.kvCacheUsage(i);
        if (metric == Metric.KV_CACHE || kv != kv) {
            return kv;
        }
        double ttft = v.timeToFirstTokenSeconds(i);
        double tpot = v.timePerOutputTokenSeconds(i);
        return (ttft == ttft ? ttft : 0) + (tpot == tpot ? tpot : 0) * outputTokens;
    }

    private static double expectedOutputTokens(InferenceRequest request) {
        int max = request.maxOutputTokens();
        int l = LeastLatencyStrategy.DEFAULT_EXPECTED_OUTPUT_TOKENS;
        return max >= 0 && max < l ? max : l;
    }

    @Override
    public String toString() {
        return name();
    }
}
