package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * {@code aibrix}: AIBrix's {@code prefix-cache} routing algorithm with the defaults its code sets
 * (vllm-project/aibrix at commit e3e10f9e4aebe9aac5e7d992fb87d2648e01628b:
 * {@code pkg/plugins/gateway/algorithms/prefix_cache.go} lines 46-47 and its {@code routeOriginal},
 * {@code getTargetPodListOnLoadImbalance} and {@code getTargetPodFromMatchedPods};
 * {@code pkg/utils/prefixcacheindexer/hash.go} lines 33-34 and 111; {@code util.go} for the standard deviation):
 * <ol>
 *   <li><b>Imbalanced</b> when {@code max running - min running > 8}
 *       ({@code AIBRIX_PREFIX_CACHE_POD_RUNNING_REQUEST_IMBALANCE_ABS_COUNT}): only the pods running the
 *       fewest requests stay candidates for the prefix match below.</li>
 *   <li>The candidates whose prefix matches are ordered by match percentage (descending), then running
 *       requests (ascending), random among exact ties (a shuffle before a stable sort); the first with
 *       {@code running <= mean + 1 x standard deviation} of the running requests over all ready pods
 *       ({@code AIBRIX_PREFIX_CACHE_STANDARD_DEVIATION_FACTOR}; the sample deviation, {@code n - 1}) gets
 *       the request.</li>
 *   <li>No candidate matches, or none passes that bound: least-request over all ready pods, random among
 *       ties.</li>
 * </ol>
 * The request's blocks are then recorded for the chosen pod.
 *
 * <p><b>Index</b> ({@link SharedPrefixStore}). AIBrix's default tokenizer is {@code character}: the
 * prompt's bytes, cut into blocks of 4 ({@code defaultPrefixCacheBlockSize}), incomplete last block not
 * hashed. Requests here carry token ids, and a token is about 4 characters
 * ({@link InferenceRequest#CHARS_PER_TOKEN_ESTIMATE}), so one block is one token (4-character blocks of the
 * prompt when a request has no token ids). ONE store of 200,000 blocks ({@code defaultPrefixCacheBlockNumber})
 * for the whole fleet, each listing the pods it was sent to; blocks idle 20 minutes are dropped. A pod
 * matches with {@code 100 x leading blocks / blocks} percent, in whole percent; a pod that holds the
 * first block is a match even when that rounds down to 0 %. With prompts of thousands of tokens the store
 * holds a few dozen prompts' worth of blocks, so long shared prefixes are often forgotten: that is the
 * default's behaviour, which {@code aibrix-tuned} ({@link AibrixTuned}) does not have.
 *
 * <p><b>Running requests</b> are the gateway's own count of requests it routed to the pod and not
 * completed ({@code realtime_num_requests_running}; a pod without one counts 0): here
 * {@link CandidateView#inFlight}, no scraped metric. A new pod is a candidate from its first moment.
 *
 * <p>Thread-safe; ranks by no scraped metric.
 */
final class AibrixPrefixCache implements SelectionStrategy {

    static final int IMBALANCE_ABS_COUNT = 8;
    static final int STANDARD_DEVIATION_FACTOR = 1;
    static final int BLOCK_NUMBER = 200_000;
    static final long EVICTION_NANOS = TimeUnit.MINUTES.toNanos(20);
    /** One-token blocks: the most a prompt may have that are hashed (128k tokens). */
    static final int MAX_BLOCKS = 1 << 17;

    private final SharedPrefixStore store;
    private final BlockHashes hashes = new BlockHashes(MAX_BLOCKS, 1, false);

    AibrixPrefixCache(LongSupplier nanoClock) {
        this.store = new SharedPrefixStore(BLOCK_NUMBER, EVICTION_NANOS, nanoClock);
    }

    @Override
    public String name() {
        return "aibrix";
    }

    /** False: reads no scraped metric. */
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
        int n = v.size();
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        long sum = 0;
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (v.isReady(i)) {
                int r = running(v, i);
                min = Math.min(min, r);
                max = Math.max(max, r);
                sum += r;
                count++;
            }
        }
        if (count == 0) {
            return PASS;
        }
        boolean imbalanced = max - min > IMBALANCE_ABS_COUNT;
        boolean[] allowed = new boolean[n];
        for (int i = 0; i < n; i++) {
            allowed[i] = v.isReady(i) && (!imbalanced || running(v, i) == min);
        }
        BlockHashes.Scratch s = hashes.of(request);
        if (s.count > 0) {
            int[] matched = new int[n];
            store.matched(v, allowed, s.hashes, s.count, matched);
            double mean = (double) sum / count;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                if (v.isReady(i)) {
                    double d = running(v, i) - mean;
                    sq += d * d;
                }
            }
            double sd = count <= 1 ? 0 : Math.sqrt(sq / (count - 1));
            double limit = mean + STANDARD_DEVIATION_FACTOR * sd;
            int bestPercent = -1;
            int bestRunning = Integer.MAX_VALUE;
            int ties = 0;
            int chosen = -1;
            for (int i = 0; i < n; i++) {
                if (matched[i] == 0) {
                    continue;
                }
                int percent = matched[i] * 100 / s.count;
                int r = running(v, i);
                if (r > limit) {
                    continue;
                }
                if (percent > bestPercent || percent == bestPercent && r < bestRunning) {
                    bestPercent = percent;
                    bestRunning = r;
                    ties = 1;
                    chosen = i;
                } else if (percent == bestPercent && r == bestRunning && v.random().nextInt(++ties) == 0) {
                    chosen = i;
                }
            }
            if (chosen >= 0) {
                return SelectionStrategy.chosen(chosen);
            }
        }
        return leastRequest(v, min);
    }

    /** Records the request's blocks for the chosen pod ({@code PostRouteUpdate}). */
    @Override
    public void selected(InferenceRequest request, CandidateView v, int i) {
        BlockHashes.Scratch s = hashes.of(request);
        store.record(v.pod(i).id(), s.hashes, s.count);
    }

    /** The store, for tests. */
    SharedPrefixStore store() {
        return store;
    }

    /**
     * A uniformly random ready candidate among those running {@code min} requests; a pass when concurrent
     * selections moved every count since {@code min} was read (the router then picks at random).
     */
    static long leastRequest(CandidateView v, int min) { // shared with AibrixTuned
        int ties = 0;
        int chosen = -1;
        for (int i = 0, n = v.size(); i < n; i++) {
            if (v.isReady(i) && running(v, i) == min && v.random().nextInt(++ties) == 0) {
                chosen = i;
            }
        }
        return chosen < 0 ? PASS : SelectionStrategy.chosen(chosen);
    }

    static int running(CandidateView v, int i) {
        return Math.max(0, v.inFlight(i));
    }

    @Override
    public String toString() {
        return "aibrix-prefix-cache(imbalance " + IMBALANCE_ABS_COUNT + ", " + STANDARD_DEVIATION_FACTOR
                + " sigma, one 200k-block index, 4-character blocks)";
    }
}
