package io.podrouter.bench.sim;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.bench.cachepeers.PeerFeed;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulated fleet as the cache-aware peers see it beyond the router's view ({@link PeerFeed}):
 * <ul>
 *   <li><b>Polled metrics</b> (llm-d polls every pod every 50 ms itself): a pod's running and waiting
 *       requests and KV-cache usage as they are at the moment the router refreshes (the simulation refreshes
 *       every 50 ms of virtual time), from its first poll, {@value #POLL_SECONDS} s after it became ready,
 *       whatever the scenario's scrape interval, first-metrics delay, failures or stalls (those are the
 *       scraper's that podrouter and the other configurations read).</li>
 *   <li><b>KV-cache size</b> in 16-token blocks ({@code kvCapacityTokens / 16}), known from that first poll.</li>
 *   <li><b>KV-cache events</b>: each pod instance's {@link PrefixCache} reports stored and evicted blocks, at
 *       the virtual time they happen, to every subscriber; block hashes are the cache's own
 *       ({@link PrefixCache#hashes}), which {@link #kvBlockHashes} computes for a request.</li>
 * </ul>
 * Used from the simulation thread only.
 */
final class SimPeerFeed implements PeerFeed {

    /** llm-d's poll interval: a pod's first metrics come at its first poll after it is ready. */
    static final double POLL_SECONDS = 0.05;

    private final Scenario scenario;
    private final VirtualClock clock;
    private final List<SimPod> pods;
    private final List<KvEventListener> listeners = new ArrayList<>();
    private final MetricsSource polled = this::lookup;

    /** @param pods the simulation's current pod instances by index (read at each call) */
    SimPeerFeed(Scenario scenario, VirtualClock clock, List<SimPod> pods) {
        this.scenario = scenario;
        this.clock = clock;
        this.pods = pods;
    }

    @Override
    public MetricsSource polledMetrics() {
        return polled;
    }

    @Override
    public int kvCacheBlocks(Pod pod) {
        return polledPod(pod) == null ? 0 : (int) Math.min(Integer.MAX_VALUE, scenario.kvCapacityTokens() / PrefixCache.BLOCK_TOKENS);
    }

    @Override
    public boolean subscribe(KvEventListener listener) {
        listeners.add(java.util.Objects.requireNonNull(listener, "listener: null (expected: a KvEventListener)"));
        return true;
    }

    @Override
    public int kvBlockHashes(InferenceRequest request, long[] out) {
        int n = request.tokenIdCount();
        if (n < PrefixCache.BLOCK_TOKENS) {
            return 0;
        }
        int blocks = Math.min(out.length, n / PrefixCache.BLOCK_TOKENS);
        int[] t = new int[blocks * PrefixCache.BLOCK_TOKENS];
        for (int i = 0; i < t.length; i++) {
            t[i] = request.tokenIdAt(i);
        }
        long h = 0;
        for (int b = 0; b < blocks; b++) {
            h = PrefixCache.chain(h, t, b * PrefixCache.BLOCK_TOKENS);
            out[b] = h;
        }
        return blocks;
    }

    /** The listener to give a new pod instance's cache, or null when nobody subscribed. */
    PrefixCache.Listener cacheListener(String podId, double readyAt) {
        if (listeners.isEmpty()) {
            return null;
        }
        Instant readySince = VirtualClock.at(readyAt);
        return new PrefixCache.Listener() {
            @Override
            public void stored(long hash) {
                for (KvEventListener l : listeners) {
                    l.stored(podId, readySince, hash);
                }
            }

            @Override
            public void removed(long hash) {
                for (KvEventListener l : listeners) {
                    l.removed(podId, readySince, hash);
                }
            }
        };
    }

    private MetricsLookup lookup(Pod pod, String model) {
        SimPod p = polledPod(pod);
        if (p == null) {
            return MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED);
        }
        return MetricsLookup.present(PodMetrics.observedAt(VirtualClock.at(clock.seconds()))
                .withRunningRequests(p.running())
                .withWaitingRequests(p.waiting())
                .withKvCacheUsage(p.kvUsage()));
    }

    /** The current instance of {@code pod} when it is alive and has been polled, else null. */
    private SimPod polledPod(Pod pod) {
        int index = Simulation.podIndex(pod.id());
        if (index < 0 || index >= pods.size()) {
            return null;
        }
        SimPod p = pods.get(index);
        return p.dead || clock.seconds() < p.readyAt + POLL_SECONDS ? null : p;
    }
}
