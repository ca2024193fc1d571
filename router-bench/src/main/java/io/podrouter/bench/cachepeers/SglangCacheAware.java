package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;

import java.util.function.LongSupplier;

/**
 * SGLang's router (SGLang Model Gateway) {@code cache_aware} policy, from its published description
 * (the policy's documentation and source header in the sglang and SMG repositories; defaults
 * {@code cache_threshold} 0.3, {@code balance_abs_threshold} 64, {@code balance_rel_threshold} 1.5,
 * eviction every 120 s down to {@code max_tree_size} 67,108,864):
 * <ol>
 *   <li><b>Imbalanced</b> when {@code max load - min load > 64} and {@code max load > 1.5 x min load}:
 *       the least loaded worker (shortest queue). The request is still recorded in that worker's tree.</li>
 *   <li>Otherwise the worker whose tree matches the longest prefix of the request; if the match rate
 *       (matched / request length) is above 0.3 it gets the request.</li>
 *   <li>Otherwise the least loaded worker. The original policy took the worker with the smallest tree
 *       here; SGLang PR 14305 showed that this sends every cache miss to a busy worker whose tree stays
 *       small, and PR 14650 (merged) changed the miss path to the minimum load, which the gateway's current
 *       source does. This model follows the current behaviour.</li>
 * </ol>
 * Load is the router's own count of requests sent to a worker and not completed
 * ({@link CandidateView#inFlight}); SGLang's gateway counts the same way ({@code Worker::load()}), without
 * scraped metrics. Ties for the least load go to the first worker in candidate order (Rust's
 * {@code min_by_key} keeps the first minimum); ties for the best match are broken at random (the tree
 * returns one of the tenants of the deepest matching node, in no defined order).
 *
 * <p><b>Tree.</b> The gateway keeps a radix tree per model with the workers as tenants, of characters for
 * HTTP requests and of tokens for gRPC requests. Requests here carry token ids, so the tree is modelled by
 * 16-token blocks (match rate = matched whole blocks / whole blocks; a partial last block never matches).
 * Eviction is by size only, with no time-to-live: modelled as an LRU of 2^22 blocks (2^26 tokens) per
 * worker. Entries are keyed by worker URL and the gateway does not remove them when a worker leaves, so
 * they survive a restart and keep attracting the restarted worker's former prefixes.
 *
 * <p><b>New worker.</b> It joins with load 0 and an empty tree: every cache miss goes to it while it is
 * the least loaded (first in order among ties), and as soon as the others carry more than 64 requests and
 * 1.5x its load, every request does, until the gap closes.
 *
 * <p>Thread-safe; ranks by no scraped metric.
 */
final class SglangCacheAware extends LearningPeer {

    static final int BALANCE_ABS_THRESHOLD = 64;
    static final double BALANCE_REL_THRESHOLD = 1.5;
    static final double CACHE_THRESHOLD = 0.3;
    static final int CAPACITY_PER_POD = 1 << 22;
    static final int MAX_BLOCKS = 1 << 14;


    SglangCacheAware(LongSupplier nanoClock) {
        super(new ApproxPrefixIndex(CAPACITY_PER_POD, ApproxPrefixIndex.NO_TTL, false, nanoClock), MAX_BLOCKS);
    }

    @Override
    public String name() {
        return "sglang";
    }

    @Override
    public long pick(InferenceRequest request, CandidateView v) {
        int n = v.size();
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        int leastLoaded = -1;
        for (int i = 0; i < n; i++) {
            if (v.isReady(i)) {
                int load = Math.max(0, v.inFlight(i));
                if (load < min) {
                    min = load;
                    leastLoaded = i;
                }
                max = Math.max(max, load);
            }
        }
        if (leastLoaded < 0) {
            return PASS;
        }
        if (max - min > BALANCE_ABS_THRESHOLD && max > BALANCE_REL_THRESHOLD * min) {
            return SelectionStrategy.chosen(leastLoaded);
        }
        BlockHashes.Scratch s = hashes.of(request);
        if (s.count == 0) {
            return SelectionStrategy.chosen(leastLoaded);
        }
        int best = 0;
        int ties = 0;
        int bestIndex = -1;
        for (int i = 0; i < n; i++) {
            if (v.isReady(i)) {
                int m = index.matched(v.pod(i), s.hashes, s.count);
                if (m > best) {
                    best = m;
                    ties = 1;
                    bestIndex = i;
                } else if (m == best && m > 0 && v.random().nextInt(++ties) == 0) {
                    bestIndex = i; // reservoir sampling: each tied candidate kept with probability 1/ties
                }
            }
        }
        if (bestIndex >= 0 && (double) best / s.count > CACHE_THRESHOLD) {
            return SelectionStrategy.chosen(bestIndex);
        }
        return SelectionStrategy.chosen(leastLoaded);
    }

    @Override
    public String toString() {
        return "sglang-cache-aware(abs " + BALANCE_ABS_THRESHOLD + ", rel " + BALANCE_REL_THRESHOLD + ", cache "
                + CACHE_THRESHOLD + ")";
    }
}
