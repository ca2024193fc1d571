package io.podrouter.bench.sim;

import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;

import java.util.ArrayList;
import java.util.List;

/**
 * The simulation's metrics scraper and the {@link MetricsSource} the router reads: at each scrape tick
 * it publishes, per pod whose metrics exist yet, what vLLM's {@code /metrics} would give a gateway:
 * running and waiting requests ({@code vllm:num_requests_running/waiting}), KV-cache usage
 * ({@code vllm:kv_cache_usage_perc}) and recent means of TTFT, time per output token, end-to-end
 * latency and queue time, taken over the last {@code latencyWindow} seconds of completed requests
 * (the change of vLLM's cumulative histograms over that window).
 *
 * <p>When no request completed in the window the previous mean is kept (a gateway reading a longer
 * range would); a pod that never completed one reports these latencies absent (NaN: its histograms
 * have count 0), or 0 with {@code latencyWithoutSamples=zero}. Warm pods present at time 0 are taken
 * to have served before: their latency history starts from the step model's idle TTFT and TPOT for a
 * 1,000-token prompt.
 *
 * <p>Each pod's scrape fails with probability {@code scrapeFailure} (own seeded stream): nothing new is
 * published for it, so its snapshot ages and the router's staleness bound applies. A restarted pod starts
 * over ({@link #resetPod}).
 *
 * <p>Before a pod's first metrics (its Ready time plus the drawn delay) {@link #lookup} answers
 * {@link MissingReason#NOT_YET_SCRAPED}. Lookups of unknown pods answer the same. Used from the
 * simulation thread only (the router calls {@code lookup} from {@code refreshMetrics()} on that
 * thread).
 */
final class SimMetricsSource implements MetricsSource {

    private final Scenario scenario;
    private final int windowSlots;
    private final List<PodMetrics> published = new ArrayList<>();
    private final List<double[]> rings = new ArrayList<>();
    private final List<double[]> held = new ArrayList<>();
    private final java.util.SplittableRandom failures;
    private int slot;

    SimMetricsSource(Scenario scenario) {
        this.scenario = scenario;
        this.failures = new java.util.SplittableRandom(scenario.seed() ^ 0x5C4A9EL);
        this.windowSlots = Math.max(1, (int) Math.round(scenario.latencyWindowSeconds() / scenario.scrapeInterval()));
    }

    void addPod(SimPod pod) {
        published.add(null);
        // Per slot: ttftSum, ttftCount, tpotSum, tpotCount, e2eSum, e2eCount, queueSum, queueCount.
        rings.add(new double[windowSlots * 8]);
        held.add(history(pod));
    }

    /** A restarted pod: its published metrics and latency history are gone (a new process, new histograms). */
    void resetPod(SimPod pod) {
        published.set(pod.index, null);
        rings.set(pod.index, new double[windowSlots * 8]);
        held.set(pod.index, history(pod));
    }

    private double[] history(SimPod pod) {
        double[] h = new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        if (!pod.added) {
            StepTimeModel m = scenario.stepModel();
            h[0] = m.stepSeconds(1000, 0, 0);
            h[1] = m.stepSeconds(0, 1, 1000);
            h[2] = h[0] + h[1] * 200;
            h[3] = 0;
        } else if (scenario.zeroLatencyWithoutSamples()) {
            h = new double[] {0, 0, 0, 0};
        }
        return h;
    }

    /** Publishes every pod's state as of virtual time {@code now}. */
    void scrape(List<SimPod> pods, double now) {
        slot = (slot + 1) % windowSlots;
        java.time.Instant at = VirtualClock.at(now);
        for (SimPod p : pods) {
            if (p.dead) {
                continue;
            }
            double[] ring = rings.get(p.index);
            int base = slot * 8;
            ring[base] = p.ttftSum;
            ring[base + 1] = p.ttftCount;
            ring[base + 2] = p.tpotSum;
            ring[base + 3] = p.tpotCount;
            ring[base + 4] = p.e2eSum;
            ring[base + 5] = p.e2eCount;
            ring[base + 6] = p.queueSum;
            ring[base + 7] = p.queueCount;
            p.ttftSum = p.tpotSum = p.e2eSum = p.queueSum = 0;
            p.ttftCount = p.tpotCount = p.e2eCount = p.queueCount = 0;
            if (now < p.metricsFrom) {
                continue;
            }
            // A failed scrape publishes nothing: the router keeps the last snapshot with its old timestamp. The
            // observations stay in the ring (vLLM's histograms are cumulative, so the next scrape sees them).
            if (scenario.scrapeFailure() > 0 && failures.nextDouble() < scenario.scrapeFailure()) {
                continue;
            }
            double[] h = held.get(p.index);
            for (int m = 0; m < 4; m++) {
                double sum = 0;
                double count = 0;
                for (int k = 0; k < windowSlots; k++) {
                    sum += ring[k * 8 + 2 * m];
                    count += ring[k * 8 + 2 * m + 1];
                }
                if (count > 0) {
                    h[m] = sum / count;
                }
            }
            published.set(p.index, PodMetrics.observedAt(at)
                    .withRunningRequests(p.running())
                    .withWaitingRequests(p.waiting())
                    .withKvCacheUsage(p.kvUsage())
                    .withTimeToFirstTokenSeconds(h[0])
                    .withTimePerOutputTokenSeconds(h[1])
                    .withE2eLatencySeconds(h[2])
                    .withQueueTimeSeconds(h[3]));
        }
    }

    /** The metrics published for pod {@code index}, or null before its first scrape. */
    PodMetrics published(int index) {
        return published.get(index);
    }

    @Override
    public MetricsLookup lookup(Pod pod, String model) {
        int index = Simulation.podIndex(pod.id());
        PodMetrics m = index >= 0 && index < published.size() ? published.get(index) : null;
        return m == null ? MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED) : MetricsLookup.present(m);
    }
}
