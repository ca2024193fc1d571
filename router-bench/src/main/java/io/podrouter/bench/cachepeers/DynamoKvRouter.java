package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;
import org.jspecify.annotations.Nullable;

import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * NVIDIA Dynamo's KV router (ai-dynamo/dynamo, {@code lib/kv-router/src/scheduling/config.rs} at commit
 * c2f2e1aa80696a009f8bdbf31629f829eb32f313 for the defaults; the KV cache routing guide,
 * {@code docs/router/kv_cache_routing.md}, for the cost):
 * <pre>
 * cost(worker) = overlap_score_weight x prefill_blocks + decode_blocks
 * prefill_blocks = max(active prefill tokens + prompt tokens - cached overlap blocks x 16, 0) / 16
 * decode_blocks  = distinct blocks of the worker's active requests, this request's blocks included
 * </pre>
 * and the worker with the lowest cost gets the request. Defaults from {@code KvRouterConfig::default()}:
 * {@code overlap_score_weight} 1.0, {@code router_temperature} 0.0 (the minimum cost, not softmax sampling;
 * ties broken uniformly at random), {@code use_kv_events} true. Blocks are 16 tokens (the engine's).
 *
 * <p><b>Cache, two modes.</b>
 * <ul>
 *   <li><b>KV events</b> ({@code dynamo}, Dynamo's default): the overlap is read from an index fed by the
 *       pods' own KV-cache events ({@link PeerFeed#subscribe}): a block counts from its {@code stored}
 *       event until its {@code removed} event, each reaching the router {@code kvEventDelay} after the cache
 *       changed ({@link #DEFAULT_KV_EVENT_DELAY_NANOS}, 20 ms). Dynamo's source sets no such delay: it is
 *       the time an event takes from the engine (vLLM publishes its events once per scheduler step) through
 *       the event plane to the router's indexer, and 20 ms is this model's choice for it. The index learns
 *       nothing from routing decisions and has no time-to-live; it sees generated blocks too.</li>
 *   <li><b>Approximate</b> ({@code dynamo-approx}, {@code --no-kv-events}): the chosen worker is recorded
 *       as holding the request's blocks, which match for 120 s ({@code router_ttl_secs}); at most 2^20
 *       blocks ({@code router_max_tree_size}, for all workers in Dynamo; per worker here).</li>
 * </ul>
 * Both key workers by instance, which a restart replaces, so a restarted pod (new {@code readySince})
 * starts with no cache.
 *
 * <p><b>Load</b> is counted by the router itself (Dynamo's active sequences): a request's prompt tokens
 * that are not cached count as prefill load of its worker from selection until its first token
 * ({@code mark_prefill_completed}, reported here through {@link SelectionStrategy#firstToken}; a selection
 * whose first token is never reported keeps it until completion), and its blocks as active blocks until
 * completion ({@code free}). A request's active blocks are its prompt blocks only: Dynamo's
 * {@code router_track_output_blocks} is false by default. Active blocks shared by several requests of one
 * worker count once, as in Dynamo's "potential active blocks".
 *
 * <p><b>New worker.</b> No load and no cached overlap: its cost is the full prompt as prefill plus the
 * request's own blocks, so it takes requests as soon as that is below the warm workers' cost, with no
 * scraped metric involved.
 *
 * <p>Thread-safe: one lock per worker's load, one for the event index.
 */
final class DynamoKvRouter implements SelectionStrategy {

    static final double OVERLAP_SCORE_WEIGHT = 1.0;
    static final long TTL_NANOS = TimeUnit.SECONDS.toNanos(120);
    static final int MAX_TREE_BLOCKS = 1 << 20;
    static final int MAX_BLOCKS = 1 << 14;
    static final int BLOCK = BlockHashes.BLOCK_TOKENS;
    /** The default time from a cache change to its event reaching the router: this model's choice, 20 ms. */
    static final long DEFAULT_KV_EVENT_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final @Nullable ApproxPrefixIndex approx;
    private final @Nullable KvEventIndex events;
    private final PeerFeed feed;
    private final BlockHashes hashes = new BlockHashes(MAX_BLOCKS);
    private final ThreadLocal<BlockHashes.Scratch> kvScratch = ThreadLocal.withInitial(() -> new BlockHashes.Scratch(MAX_BLOCKS));
    private final Map<String, Load> loads = new ConcurrentHashMap<>();

    /** Approximate mode ({@code --no-kv-events}). */
    DynamoKvRouter(LongSupplier nanoClock) {
        this.approx = new ApproxPrefixIndex(MAX_TREE_BLOCKS, TTL_NANOS, true, nanoClock);
        this.events = null;
        this.feed = PeerFeed.none();
    }

    /**
     * KV-event mode, subscribed to {@code feed}'s events, each applied {@code eventDelayNanos} after it was
     * published.
     *
     * @throws IllegalArgumentException when {@code feed} publishes no KV events, or the delay is negative
     */
    DynamoKvRouter(LongSupplier nanoClock, PeerFeed feed, long eventDelayNanos) {
        this.approx = null;
        this.feed = Objects.requireNonNull(feed, "feed: null (expected: a PeerFeed)");
        KvEventIndex index = new KvEventIndex(eventDelayNanos, nanoClock);
        if (!feed.subscribe(index)) {
            throw new IllegalArgumentException("peer: dynamo (expected: a PeerFeed that publishes KV events, or dynamo-approx)");
        }
        this.events = index;
    }

    @Override
    public String name() {
        return approx != null ? "dynamo-approx" : "dynamo";
    }

    /** False: Dynamo reads no scraped metric. */
    @Override
    public boolean ranksByMetrics() {
        return false;
    }

    @Override
    public boolean observesSelections() {
        return true;
    }

    @Override
    public long pick(InferenceRequest request, CandidateView v) {
        BlockHashes.Scratch s = blocks(request);
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

    private BlockHashes.Scratch blocks(InferenceRequest request) {
        if (events == null) {
            return hashes.of(request);
        }
        BlockHashes.Scratch s = kvScratch.get();
        if (s.request != request) {
            s.count = feed.kvBlockHashes(request, s.hashes);
            s.request = request;
        }
        return s;
    }

    private int overlap(Pod pod, BlockHashes.Scratch s) {
        return events != null ? events.matched(pod, s.hashes, s.count) : approx.matched(pod, s.hashes, s.count);
    }

    /** The cost of sending a request with these blocks and {@code promptTokens} to {@code pod}. */
    private double cost(Pod pod, BlockHashes.Scratch s, int promptTokens) {
        int overlap = overlap(pod, s);
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
        return cost(pod, blocks(request), request.estimatedPromptTokens());
    }

    /** The overlap in blocks {@link #pick} sees for {@code pod}, for tests. */
    int overlap(InferenceRequest request, Pod pod) {
        return overlap(pod, blocks(request));
    }

    /** The prefill tokens counted on {@code pod} now, for tests. */
    double prefillTokens(Pod pod) {
        Load load = loads.get(pod.id());
        if (load == null) {
            return 0;
        }
        synchronized (load) {
            return load.prefillTokens;
        }
    }

    /**
     * Adds the request to the chosen worker's load (with the overlap it has there now) and, in approximate
     * mode, to its predicted cache.
     */
    @Override
    public void selected(InferenceRequest request, CandidateView v, int i) {
        Pod pod = v.pod(i);
        BlockHashes.Scratch s = blocks(request);
        int overlap = overlap(pod, s);
        Active a = new Active(java.util.Arrays.copyOf(s.hashes, s.count),
                Math.max(0, request.estimatedPromptTokens() - overlap * BLOCK));
        Load load = loads.computeIfAbsent(pod.id(), k -> new Load());
        synchronized (load) {
            load.prefillTokens += a.prefillTokens;
            load.prefilling++;
            for (long h : a.blocks) {
                long refs = load.blocks.get(h);
                load.blocks.put(h, refs == LongLruMap.ABSENT ? 1 : refs + 1);
            }
            load.active.computeIfAbsent(request, k -> new ArrayDeque<>(1)).add(a);
        }
        if (approx != null) {
            approx.record(pod, s.hashes, s.count);
        }
    }

    /** Dynamo's {@code mark_prefill_completed}: takes the request's prefill tokens off its worker's load. */
    @Override
    public void firstToken(InferenceRequest request, Pod pod) {
        Load load = loads.get(pod.id());
        if (load == null) {
            return;
        }
        synchronized (load) {
            ArrayDeque<Active> q = load.active.get(request);
            if (q == null) {
                return; // not selected through this strategy instance
            }
            for (Active a : q) {
                if (!a.prefillDone) {
                    releasePrefill(load, a);
                    return;
                }
            }
        }
    }

    /** Takes what is left of the request's prefill tokens, and its blocks, off its worker's load, whatever the outcome. */
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
            if (!a.prefillDone) {
                releasePrefill(load, a);
            }
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

    /** Caller holds the load's lock. Floating-point sums drift, so the total is clamped and zeroed when idle. */
    private static void releasePrefill(Load load, Active a) {
        a.prefillDone = true;
        load.prefilling--;
        load.prefillTokens = load.prefilling > 0 ? Math.max(0, load.prefillTokens - a.prefillTokens) : 0;
    }

    @Override
    public String toString() {
        return (approx != null ? "dynamo-kv-approx(ttl 120s, " : "dynamo-kv(kv events, ")
                + "overlap weight " + OVERLAP_SCORE_WEIGHT + ", temperature 0)";
    }

    /** One request in flight on a worker. */
    private static final class Active {
        final long[] blocks;
        final double prefillTokens;
        boolean prefillDone;

        Active(long[] blocks, double prefillTokens) {
            this.blocks = blocks;
            this.prefillTokens = prefillTokens;
        }
    }

    /** A worker's load: uncached prompt tokens still prefilling and reference-counted blocks of its active requests. */
    private static final class Load {
        double prefillTokens;
        /** Active requests whose prefill is not done. */
        int prefilling;
        /** Block hash to the number of active requests holding it (the map's recency order is not used). */
        final LongLruMap blocks = new LongLruMap(Integer.MAX_VALUE);
        final IdentityHashMap<InferenceRequest, ArrayDeque<Active>> active = new IdentityHashMap<>();
    }
}
