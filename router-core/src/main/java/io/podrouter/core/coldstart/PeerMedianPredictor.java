package io.podrouter.core.coldstart;

import io.podrouter.api.MetricsPredictor;
import io.podrouter.api.PodMetrics;
import org.jspecify.annotations.Nullable;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Predicts a cold pod's metrics from the median of its ready peers (same candidate set, same model),
 * scaled by how loaded the cold pod is compared with them.
 *
 * <p><b>Rule.</b> For each metric, take the median over the peers that report it. Then multiply by
 * {@code f = (inFlight + 1) / (peerLoad + 1)}, where {@code inFlight} is the cold pod's router-counted
 * requests and {@code peerLoad} the peers' median of running plus waiting requests; KV-cache usage is
 * capped at 1, and running requests are predicted as the pod's own in-flight count. The scaling assumes
 * a pod's load metrics and queueing-dominated latencies grow with the requests it holds. It is crude,
 * but monotone, which is what ranking needs: an empty new pod looks better than its peers and draws
 * traffic until its in-flight count reaches theirs, then looks like them. Without the scaling a new pod
 * would sit exactly at the median and never win a least-value ranking, i.e. it would be starved. When
 * the peers report no load, {@code f = 1}.
 *
 * <p>No peers with metrics: no prediction (null), and the strategy's missing-metric policy applies.
 *
 * <p>Cost: the medians depend only on the peers, so they are computed once per peer list and reused for
 * every cold pod predicted from the same list (the router passes one list per table build): a fleet of
 * 1,000 pods with 100 cold ones costs one set of medians per refresh, not a hundred.
 *
 * <p>Thread-safe: the only state is that memo, an immutable value swapped atomically.
 */
public final class PeerMedianPredictor implements MetricsPredictor {

    /** The peers' medians, for the peer list they were computed from (compared by identity). */
    private record Medians(List<PodMetrics> peers, Instant observedAt, double running, double waiting, double kv,
                           double ttft, double tpot, double e2e, double queue) {
    }

    private volatile @Nullable Medians last;

    /** A predictor with nothing memoised yet; it keeps no other state. */
    public PeerMedianPredictor() {
    }

    @Override
    public @Nullable PodMetrics predict(PredictionInput input) {
        List<PodMetrics> peers = input.peers();
        if (peers.isEmpty()) {
            return null;
        }
        Medians m = medians(peers);
        double peerLoad = (Double.isNaN(m.running()) ? 0 : m.running()) + (Double.isNaN(m.waiting()) ? 0 : m.waiting());
        double f = (input.inFlight() + 1.0) / (peerLoad + 1.0);
        return new PodMetrics(m.observedAt(),
                input.inFlight(),
                Double.isNaN(m.waiting()) ? Double.NaN : m.waiting() * f,
                Double.isNaN(m.kv()) ? Double.NaN : Math.min(1.0, m.kv() * f),
                m.ttft() * f,
                m.tpot() * f,
                m.e2e() * f,
                m.queue() * f,
                null);
    }

    private Medians medians(List<PodMetrics> peers) {
        Medians m = last;
        if (m != null && m.peers() == peers) {
            return m;
        }
        m = new Medians(peers, newest(peers),
                median(peers, PodMetrics::runningRequests),
                median(peers, PodMetrics::waitingRequests),
                median(peers, PodMetrics::kvCacheUsage),
                median(peers, PodMetrics::timeToFirstTokenSeconds),
                median(peers, PodMetrics::timePerOutputTokenSeconds),
                median(peers, PodMetrics::e2eLatencySeconds),
                median(peers, PodMetrics::queueTimeSeconds));
        last = m;
        return m;
    }

    /** Median of the non-NaN values, or NaN when there are none. */
    static double median(List<PodMetrics> peers, ToDoubleFunction<PodMetrics> field) {
        double[] values = new double[peers.size()];
        int n = 0;
        for (PodMetrics m : peers) {
            double v = field.applyAsDouble(m);
            if (!Double.isNaN(v)) {
                values[n++] = v;
            }
        }
        if (n == 0) {
            return Double.NaN;
        }
        Arrays.sort(values, 0, n);
        return (n & 1) == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    private static Instant newest(List<PodMetrics> peers) {
        Instant newest = peers.get(0).observedAt();
        for (PodMetrics m : peers) {
            if (m.observedAt().isAfter(newest)) {
                newest = m.observedAt();
            }
        }
        return newest;
    }

    @Override
    public String toString() {
        return "peer-median";
    }
}
