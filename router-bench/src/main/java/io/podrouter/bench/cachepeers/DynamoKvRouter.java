package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;

import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * NVIDIA Dynamo's KV router, from its published description (Dynamo's "KV Cache Routing" and KV router
 * documentation: {@code logit = kv_overlap_score_weight x potential_prefill_blocks + potential_active_blocks}),
 * in its approximate mode ({@code --no-kv-events}):
 * <pre>
 * cost(worker) = overlap_score_weight x prefill_blocks + decode_blocks
 * prefill_blocks = max(active prefill tokens + prompt tokens - cached overlap blocks x 16, 0) / 16
 * decode_blocks  = distinct blocks of the worker's active requests, this request's blocks included
 * </pre>
 * and the worker with the lowest cost gets the request. Published defaults: {@code overlap_score_weight}
 * 1.0 and {@code router_temperature} 0.0, i.e. the minimum cost, not softmax sampling; ties are broken
 * uniformly at random. Blocks are 16 tokens.
 *
 * <p><b>Load</b> is counted by the router itself (Dynamo's slot manager): a request's prompt tokens that
 * are not cached count as prefill load of its worker, and its blocks as active blocks, from selection to
 * completion. Dynamo releases the prefill part at the first output token; the strategy SPI reports only
 * selection and completion, so here prefill load is held until completion (it overstates the prefill load
 * of workers with long-running decodes), and a request's active blocks are its prompt blocks only (Dynamo
 * adds blocks as output tokens are generated, which the SPI does not report). Active blocks shared by several
 * requests of one worker count once, as in Dynamo's "potential active blocks" (existing plus the request's
 * new ones).
 *
 * <p><b>Cache</b> is predicted from the router's own decisions: the chosen worker is recorded as holding the
 * request's blocks, which match for 120 s ({@code --router-ttl}); at most 2^20 blocks
 * ({@code --router-max-tree-size}, for all workers in Dynamo; per worker here). Dynamo tracks workers by
 * instance, which a restart replaces, so a restarted pod (new {@code readySince}) starts with no predicted cache.
 *
 * <p><b>New worker.</b> No load and no cached overlap: its cost is the full prompt as prefill plus the
 * request's own blocks, so it takes requests as soon as that is below the warm workers' cost, with no
 * scraped metric involved.
 *
 * <p>Thread-safe: one lock per worker's load.
 */
final class DynamoKvRouter extends LearningPeer {

    static final double OVERLAP_SCORE_WEIGHT = 1.0;
    static final long TTL_NANOS = TimeUnit.SECONDS.toNanos(120);
    static final int MAX_TREE_BLOCKS = 1 << 20;
    static final int MAX_BLOCKS = 1 << 14;
    static final int BLOCK = BlockHashes.BLOCK_TOKENS;

    private final Map<String, Load> loads = new ConcurrentHashMap<>();

    DynamoKvRouter(LongSupplier nanoClock) {
        super(new ApproxPrefixIndex(MAX_TREE_BLOCKS, TTL_NANOS, true, nanoClock), MAX_BLOCKS);
    }

    @Override
    public String name() {
        return "dynamo";
    }

    @Override
    public long pick(InferenceRequest request, CandidateView v) {
        BlockHashes.Scratch s = hashes.of(request);
        int prompt = request.estimatedPromptTokens();
        double best = Double.POSITIVE_INFINITY;
        int ties = 0;
        int chosen = -1;
        for (int i = 0, n = v.size(); i < n; i++) {
            if (v.isReady(i)) {
                double c = cost(v.pod(i), s, prompt);
                if (c < best) {
                    best = c;
                    ties = 1;
                    chosen = i;
                } else if (c == best && v.random().nextInt(++ties) == 0) {
                    chosen = i;
                }
            }
        }
        return chosen < 0 ? PASS : SelectionStrategy.chosen(chosen);
    }

    /** The cost of sending a request with these blocks and {@code promptTokens} to {@code pod}. */
    private double cost(Pod pod, BlockHashes.Scratch s, int promptTokens) {
        int overlap = index.matched(pod, s.hashes, s.count);
        double activePrefill = 0;
        int decodeBlocks = s.count;
        Load load = loads.get(pod.id());
        if (load != null) {
            synchronized (load) {
                activePrefill = load.prefillTokens;
                decodeBlocks = load.blocks.size();
                for (int b = 0; b < s.count; b++) {
                    if (load.blocks.get(s.hashes[b]) == LongLruMap.ABSENT) {
                        decodeBlocks++;
                    }
                }
            }
        }
        double prefillBlocks = Math.max(activePrefill + promptTokens - (double) overlap * BLOCK, 0) / BLOCK;
        return OVERLAP_SCORE_WEIGHT * prefillBlocks + decodeBlocks;
    }

    /** The cost {@link #pick} computes for {@code pod}, for tests. */
    double cost(InferenceRequest request, Pod pod) {
        return cost(pod, hashes.of(request), request.estimatedPromptTokens());
    }

    /** Adds the request to the chosen worker's load (with the overlap it has there now) and to its predicted cache. */
    @Override
    public void selected(InferenceRequest request, CandidateView v, int i) {
        Pod pod = v.pod(i);
        BlockHashes.Scratch s = hashes.of(request);
        int overlap = index.matched(pod, s.hashes, s.count);
        Active a = new Active(java.util.Arrays.copyOf(s.hashes, s.count),
                Math.max(0, request.estimatedPromptTokens() - overlap * BLOCK));
        Load load = loads.computeIfAbsent(pod.id(), k -> new Load());
        synchronized (load) {
            load.prefillTokens += a.prefillTokens;
            for (long h : a.blocks) {
                long refs = load.blocks.get(h);
                load.blocks.put(h, refs == LongLruMap.ABSENT ? 1 : refs + 1);
            }
            load.active.computeIfAbsent(request, k -> new ArrayDeque<>(1)).add(a);
        }
        index.record(pod, s.hashes, s.count);
    }

    /** Takes the request's prefill tokens and blocks off its worker's load, whatever the outcome. */
    @Override
    public void completed(InferenceRequest request, Pod pod, Outcome outcome, long latencyNanos) {
        Load load = loads.get(pod.id());
        if (load == null) {
            return;
        }
        synchronized (load) {
            ArrayDeque<Active> q = load.active.get(request);
            Active a = q == null ? null : q.poll();
            if (a == null) {
                return; // not selected through this strategy instance
            }
            if (q.isEmpty()) {
                load.active.remove(request);
            }
            load.prefillTokens = load.active.isEmpty() ? 0 : Math.max(0, load.prefillTokens - a.prefillTokens);
            for (long h : a.blocks) {
                long refs = load.blocks.get(h);
                if (refs != LongLruMap.ABSENT) {
                    if (refs <= 1) {
                        load.blocks.remove(h);
                    } else {
                        load.blocks.put(h, refs - 1);
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return "dynamo-kv(overlap weight " + OVERLAP_SCORE_WEIGHT + ", temperature 0, ttl 120s)";
    }

    /** One request in flight on a worker. */
    private record Active(long[] blocks, double prefillTokens) {
    }

    /** A worker's load: uncached prompt tokens and reference-counted blocks of its active requests. */
    private static final class Load {
        double prefillTokens;
        /** Block hash to the number of active requests holding it (the map's recency order is not used). */
        final LongLruMap blocks = new LongLruMap(Integer.MAX_VALUE);
        final IdentityHashMap<InferenceRequest, ArrayDeque<Active>> active = new IdentityHashMap<>();
    }
}
