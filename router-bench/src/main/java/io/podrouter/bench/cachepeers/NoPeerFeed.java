package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.Pod;
import org.jspecify.annotations.Nullable;

/** {@link PeerFeed#none()}: no polled metrics, no block counts, no KV events. Stateless, thread-safe. */
enum NoPeerFeed implements PeerFeed {
    INSTANCE;

    @Override
    public @Nullable MetricsSource polledMetrics() {
        return null;
    }

    @Override
    public int kvCacheBlocks(Pod pod) {
        return 0;
    }

    @Override
    public boolean subscribe(KvEventListener listener) {
        return false;
    }

    @Override
    public int kvBlockHashes(InferenceRequest request, long[] out) {
        return 0;
    }
}
