package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Pod;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;

import java.util.function.LongSupplier;

/**
 * SGLang's router (SGLang Model Gateway, SMG) {@code cache_aware} policy, as its source does it
 * (lightseekorg/smg at commit 73da68ca9472bbc0ff5f63d31a8a21fbb8696359: {@code model_gateway/src/policies/cache_aware.rs}
 * for the rule and ties, {@code crates/kv_index/src/string_tree.rs} for the tenant a match returns,
 * {@code model_gateway/src/main.rs} for the command-line defaults {@code cache_threshold} 0.3,
 * {@code balance_abs_threshold} 64, {@code balance_rel_threshold} 1.5, {@code max_tree_size} 67,108,864):
 * <ol>
 *   <li><b>Imbalanced</b> when {@code max load - min load > 64} and {@code max load > 1.5 x min load}:
 *       the least loaded worker (shortest queue). The request is still recorded in that worker's tree.</li>
 *   <li>Otherwise the tree's longest match of the request; if the match rate (matched / request length)
 *       is above 0.3, the tenant the match returns gets the request.</li>
 *   <li>Otherwise the least loaded worker. (The original policy took the worker with the smallest tree
 *       here; SGLang PR 14305 showed that this sends every cache miss to a busy worker whose tree stays
 *       small, and PR 14650 changed the miss path to the minimum load, as the current source does.)</li>
 * </ol>
 * Load is the router's own count of requests sent to a worker and not completed
 * ({@link CandidateView#inFlight}); SMG counts the same way ({@code Worker::load()}), without scraped metrics.
 *
 * <p><b>Ties.</b> <i>Least load</i>: the minimum of {@code (load, processed, index)}, where {@code processed}
 * counts the requests the policy has sent to the worker ({@code increment_processed}), so equal loads go to
 * the worker that received fewer requests so far, then to the first. <i>Best match</i>: the tree returns
 * one tenant of the node where the match ends, its cached {@code last_tenant}: the worker that created the
 * node, kept as long as it is still a tenant there. So several workers holding the same prefix do not
 * share it at random: the one that first received it keeps getting it (sticky). Here: the first worker
 * recorded for the last matched block owns it; when that worker no longer holds the block, a random
 * holder among the tied workers takes it over and keeps it (SMG then takes the first tenant of the node's
 * map, in no defined order, and caches it); when the owner still holds it but is not ready, the request
 * goes to the least loaded worker (SMG's "falls through to min-load").
 *
 * <p><b>Tree.</b> The gateway keeps a radix tree per model with the workers as tenants, of characters for
 * HTTP requests and of tokens for gRPC requests. Requests here carry token ids, so the tree is modelled by
 * 16-token blocks (match rate = matched whole blocks / whole blocks; a partial last block never matches).
 * Eviction is by size only, with no time-to-live: modelled as an LRU of 2^22 blocks (2^26 tokens) per
 * worker. Entries are keyed by worker URL and the gateway does not remove them when a worker leaves
 * ({@code remove_worker} is a no-op), so they survive a restart and keep attracting the restarted worker's
 * former prefixes.
 *
 * <p><b>New worker.</b> It joins with load 0 and an empty tree: every cache miss goes to it while it is
 * the least loaded (it has processed the fewest), and as soon as the others carry more than 64 requests
 * and 1.5x its load, every request does, until the gap closes.
 *
 * <p>Thread-safe; ranks by no scraped metric.
 */
final class SglangCacheAware extends LearningPeer {

    static final int BALANCE_ABS_THRESHOLD = 64;
    static final double BALANCE_REL_THRESHOLD = 1.5;
    static final double CACHE_THRESHOLD = 0.3;
    static final int CAPACITY_PER_POD = 1 << 22;
    static final int MAX_BLOCKS = 1 << 14;


    /** Block hash to the slot of the worker that owns it (the node's {@code last_tenant}); guards the fields below. */
    private final LongLruMap owners = new LongLruMap(Integer.MAX_VALUE);
    private final java.util.Map<String, Integer> slots = new java.util.HashMap<>();
    private final java.util.List<Pod> podsBySlot = new java.util.ArrayList<>();
    private long[] processed = new long[8];

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
        long leastProcessed = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            if (v.isReady(i)) {
                int load = Math.max(0, v.inFlight(i));
                long processed = processed(v.pod(i));
                if (load < min || load == min && processed < leastProcessed) {
                    min = load;
                    leastProcessed = processed;
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
        int[] matched = new int[n];
        for (int i = 0; i < n; i++) {
            if (v.isReady(i)) {
                matched[i] = index.matched(v.pod(i), s.hashes, s.count);
                best = Math.max(best, matched[i]);
            }
        }
        if (best == 0 || (double) best / s.count <= CACHE_THRESHOLD) {
            return SelectionStrategy.chosen(leastLoaded);
        }
        long node = s.hashes[best - 1];
        synchronized (owners) {
            long slot = owners.get(node);
            if (slot != LongLruMap.ABSENT) {
                Pod owner = podsBySlot.get((int) slot);
                for (int i = 0; i < n; i++) {
                    if (matched[i] == best && v.pod(i).id().equals(owner.id())) {
                        return SelectionStrategy.chosen(i);
                    }
                }
                if (index.holds(owner, node)) {
                    return SelectionStrategy.chosen(leastLoaded); // the tenant is there but not ready
                }
            }
            int ties = 0;
            int chosen = -1;
            for (int i = 0; i < n; i++) {
                if (matched[i] == best && v.random().nextInt(++ties) == 0) {
                    chosen = i;
                }
            }
            owners.put(node, slot(v.pod(chosen)));
            return SelectionStrategy.chosen(chosen);
        }
    }

    /** Records the request in the chosen worker's tree; new blocks are owned by it; counts it as processed. */
    @Override
    public void selected(InferenceRequest request, CandidateView v, int i) {
        super.selected(request, v, i);
        Pod pod = v.pod(i);
        BlockHashes.Scratch s = hashes.of(request);
        synchronized (owners) {
            int slot = slot(pod);
            processed[slot]++;
            for (int b = 0; b < s.count; b++) {
                if (owners.get(s.hashes[b]) == LongLruMap.ABSENT) {
                    owners.put(s.hashes[b], slot);
                }
            }
        }
    }

    /** Requests the policy has sent to {@code pod} (by id). */
    private long processed(Pod pod) {
        synchronized (owners) {
            Integer slot = slots.get(pod.id());
            return slot == null ? 0 : processed[slot];
        }
    }

    /** The pod's slot, the latest record of the pod kept. Caller holds the owners' lock. */
    private int slot(Pod pod) {
        Integer slot = slots.get(pod.id());
        if (slot == null) {
            slot = podsBySlot.size();
            slots.put(pod.id(), slot);
            podsBySlot.add(pod);
            if (processed.length == slot) {
                processed = java.util.Arrays.copyOf(processed, 2 * slot);
            }
        } else {
            podsBySlot.set(slot, pod);
        }
        return slot;
    }

    @Override
    public String toString() {
        return "sglang-cache-aware(abs " + BALANCE_ABS_THRESHOLD + ", rel " + BALANCE_REL_THRESHOLD + ", cache "
                + CACHE_THRESHOLD + ")";
    }
}
