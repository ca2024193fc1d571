package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.Pod;
import org.jspecify.annotations.Nullable;

import java.time.Instant;

/**
 * What the serving fleet tells a peer beyond the router's own view (candidates, in-flight counts, the
 * builder's metrics source): the metrics llm-d's endpoint picker polls for itself, each pod's KV-cache
 * size in blocks, and the KV-cache events (block stored, block removed) that Dynamo's router subscribes
 * to by default. The simulator implements it from its pods; {@link #none()} offers nothing.
 *
 * <p>Implementations must be safe to call from the threads that route and from the one that publishes
 * events; the simulator's is used from its single thread.
 */
public interface PeerFeed {

    /**
     * The metrics a peer that polls pods itself reads (llm-d's endpoint picker polls every pod every 50 ms,
     * independently of any other scraper), or null: the peer then reads the router builder's metrics source.
     */
    @Nullable MetricsSource polledMetrics();

    /**
     * The KV-cache size of {@code pod} in blocks (vLLM's {@code num_gpu_blocks}) as the peer's metrics show
     * it now, or 0 when they show none yet (never polled). Never negative.
     */
    int kvCacheBlocks(Pod pod);

    /**
     * Subscribes {@code listener} to every pod's KV-cache events, delivered at the instant the cache changed
     * (a subscriber adds its own delivery delay); false when the fleet publishes no KV events.
     */
    boolean subscribe(KvEventListener listener);

    /**
     * Writes the hashes, as the KV events name them, of the request's whole KV blocks (in prompt order) to
     * {@code out}, at most {@code out.length}, and returns how many. 0 for a request without token ids.
     */
    int kvBlockHashes(InferenceRequest request, long[] out);

    /** A fleet that offers nothing: no polled metrics, no block counts, no KV events. Stateless. */
    static PeerFeed none() {
        return NoPeerFeed.INSTANCE;
    }

    /**
     * A pod's KV-cache event, vLLM's {@code BlockStored} / {@code BlockRemoved} reduced to one block hash. A
     * pod instance is named by its id and the instant it became ready, as a router that tracks worker
     * instances (Dynamo) tells a restarted pod from its earlier life.
     */
    interface KvEventListener {
        /** Pod instance {@code (podId, readySince)} now holds the block {@code blockHash}. */
        void stored(String podId, Instant readySince, long blockHash);

        /** Pod instance {@code (podId, readySince)} evicted the block {@code blockHash}. */
        void removed(String podId, Instant readySince, long blockHash);
    }
}
