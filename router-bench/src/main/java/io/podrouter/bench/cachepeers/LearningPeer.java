package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;

/**
 * What the SGLang, AIBrix and Dynamo models share: an {@link ApproxPrefixIndex} learned from the router's own
 * selections (every selection, whichever rule or fallback made it, records the request's blocks for the
 * chosen pod), block hashes of the request, and no ranking by scraped metrics, so the router's cold-start
 * handling for metric rankings never applies to them.
 *
 * <p>Thread-safe when the subclass is.
 */
abstract class LearningPeer implements SelectionStrategy {

    final ApproxPrefixIndex index;
    final BlockHashes hashes;

    LearningPeer(ApproxPrefixIndex index, int maxBlocks) {
        this.index = index;
        this.hashes = new BlockHashes(maxBlocks);
    }

    /** False: these peers read no scraped metric. */
    @Override
    public final boolean ranksByMetrics() {
        return false;
    }

    @Override
    public final boolean observesSelections() {
        return true;
    }

    /** Records the request's blocks for the chosen pod. */
    @Override
    public void selected(InferenceRequest request, CandidateView v, int i) {
        BlockHashes.Scratch s = hashes.of(request);
        index.record(v.pod(i), s.hashes, s.count);
    }

    /** The index, for tests. */
    final ApproxPrefixIndex index() {
        return index;
    }
}
