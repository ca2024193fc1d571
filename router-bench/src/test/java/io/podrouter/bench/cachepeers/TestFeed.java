package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.Pod;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A hand-driven fleet: KV events are published by the test ({@link #store}, {@link #evict}), block hashes are
 * {@link BlockHashes}' 16-token ones, block counts are set per pod id.
 */
class TestFeed implements PeerFeed {

    final List<KvEventListener> listeners = new ArrayList<>();
    final Map<String, Integer> blocks = new HashMap<>();
    private final BlockHashes hashes = new BlockHashes(1 << 14);

    @Override
    public MetricsSource polledMetrics() {
        return null;
    }

    @Override
    public int kvCacheBlocks(Pod pod) {
        return blocks.getOrDefault(pod.id(), 0);
    }

    @Override
    public boolean subscribe(KvEventListener listener) {
        listeners.add(listener);
        return true;
    }

    @Override
    public int kvBlockHashes(InferenceRequest request, long[] out) {
        BlockHashes.Scratch s = hashes.of(request);
        int n = Math.min(out.length, s.count);
        System.arraycopy(s.hashes, 0, out, 0, n);
        return n;
    }

    /** {@code pod} reports the first {@code count} blocks of {@code request} as stored. */
    void store(Pod pod, InferenceRequest request, int count) {
        BlockHashes.Scratch s = hashes.of(request);
        for (int b = 0; b < count; b++) {
            for (KvEventListener l : listeners) {
                l.stored(pod.id(), pod.readySince(), s.hashes[b]);
            }
        }
    }

    /** {@code pod} reports block {@code b} of {@code request} as removed. */
    void evict(Pod pod, InferenceRequest request, int b) {
        long h = hashes.of(request).hashes[b];
        for (KvEventListener l : listeners) {
            l.removed(pod.id(), pod.readySince(), h);
        }
    }
}
