package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.Scorer;

/**
 * The three scorers of llm-d's default scheduling profile (llm-d-router's endpoint picker plugins, the
 * successor of the Gateway API inference extension's), as that project's source has them. Each is a {@link Scorer} of a podrouter
 * {@code ComposedStrategy}, whose weighted sum and max-score picker are the same thing as llm-d's.
 *
 * <p>Scraped metrics are read as llm-d reads them, from its own poller: the endpoint picker polls every
 * pod every 50 ms ({@code pkg/epp/server/options.go} {@code MinRefreshMetricsInterval},
 * {@code pkg/epp/datalayer/runtime.go} {@code defaultRefreshInterval}), so a new pod has metrics from its
 * first poll after it is ready (the simulator gives llm-d that view, see {@link PeerFeed#polledMetrics}).
 * A pod that was never polled has zero-valued metrics there, so here a missing value (NaN in {@link CandidateView}, for any reason: never scraped, stale,
 * absent) counts as 0. Such a pod looks idle: the shortest queue and an empty KV cache (reported to the
 * Gateway API inference extension as kubernetes-sigs/gateway-api-inference-extension#1497).
 *
 * <p>All three are thread-safe and stateless apart from the prefix scorer's index.
 */
final class LlmdScorers {

    private LlmdScorers() {
    }

    /**
     * The prefix-cache scorer in approximate mode, as llm-d-router's approximate prefix producer and prefix
     * scorer do it (llm-d/llm-d-router at commit ebab687927f5331c1b39defcb579a07951bce56c:
     * {@code pkg/epp/framework/plugins/requestcontrol/dataproducer/approximateprefix/} {@code plugin.go},
     * {@code types.go}, {@code indexer.go}; {@code dataproducer/prefixhash/hashing.go};
     * {@code scheduling/scorer/prefix/plugin.go}):
     * <ul>
     *   <li><b>Blocks</b> of 64 tokens: the configured 16 (or the pod's reported block size, 16 for vLLM)
     *       is raised to {@code minBlockSizeTokens} 64. The tokens after the last whole block are hashed as
     *       one more block ({@code getKVCacheBlocksFromTokens} yields the tail), chained like the others.</li>
     *   <li><b>At most 2,048 blocks</b> per request: {@code maxPrefixTokensToMatch} 131,072 tokens divided
     *       by the 64-token block ({@code resolveMaxBlocks}; {@code defaultMaxPrefixBlocks}, which was 256
     *       before the token cap, is only a fallback when that cap is 0).</li>
     *   <li><b>Match</b> ({@code matchLongestPrefix}): block by block from the first, every candidate that
     *       holds the block gets credit for it; the walk stops at the first block no candidate holds. Score:
     *       credited blocks / hashed blocks (the match-length term has weight 0 by default).</li>
     *   <li><b>Index</b>: after each selection the request's blocks are added to the chosen server's LRU
     *       ({@code PreRequest}). A server's LRU is sized when it is first created, from the server's KV
     *       cache size in blocks as its metrics report it ({@code autoTune}: {@code CacheNumBlocks}), or
     *       31,250 entries when the metrics report none yet; it keeps that size. Lookups do not change
     *       the LRU order. Entries are keyed by the server's name, so they survive its restart (llm-d issue
     *       2853), and have no time-to-live.</li>
     * </ul>
     * The model checks candidates only where llm-d's walk looks at every server in its index (a server that
     * is not a candidate can keep the walk going there); this matters only when a candidate misses a block
     * that a non-candidate holds.
     */
    static final class Prefix implements Scorer {
        static final int BLOCK_TOKENS = 64;
        static final int MAX_PREFIX_TOKENS = 131_072;
        static final int MAX_BLOCKS = MAX_PREFIX_TOKENS / BLOCK_TOKENS;
        static final int DEFAULT_CAPACITY_PER_POD = 31_250;

        private final ApproxPrefixIndex index;
        private final PeerFeed feed;
        private final BlockHashes hashes = new BlockHashes(MAX_BLOCKS, BLOCK_TOKENS, true);

        /** Without a feed: every server's LRU gets the default 31,250 entries. */
        Prefix(java.util.function.LongSupplier nanoClock) {
            this(nanoClock, PeerFeed.none());
        }

        /** With {@code feed} telling each server's KV-cache size in blocks. */
        Prefix(java.util.function.LongSupplier nanoClock, PeerFeed feed) {
            this.index = new ApproxPrefixIndex(DEFAULT_CAPACITY_PER_POD, ApproxPrefixIndex.NO_TTL, false, nanoClock);
            this.feed = java.util.Objects.requireNonNull(feed, "feed: null (expected: a PeerFeed)");
        }

        @Override
        public String name() {
            return "llm-d-prefix-cache";
        }

        @Override
        public boolean observesSelections() {
            return true;
        }

        @Override
        public void score(InferenceRequest request, CandidateView v, Object prepared, double[] out) {
            BlockHashes.Scratch s = hashes.of(request);
            int n = v.size();
            for (int i = 0; i < n; i++) {
                out[i] = 0;
            }
            if (s.count == 0) {
                return;
            }
            for (int b = 0; b < s.count; b++) {
                boolean any = false;
                for (int i = 0; i < n; i++) {
                    if (v.isReady(i) && index.holds(v.pod(i), s.hashes[b])) {
                        out[i]++;
                        any = true;
                    }
                }
                if (!any) {
                    break;
                }
            }
            for (int i = 0; i < n; i++) {
                out[i] /= s.count;
            }
        }

        @Override
        public void selected(InferenceRequest request, CandidateView v, Object prepared, int i) {
            BlockHashes.Scratch s = hashes.of(request);
            int blocks = feed.kvCacheBlocks(v.pod(i));
            index.record(v.pod(i), s.hashes, s.count, blocks > 0 ? blocks : DEFAULT_CAPACITY_PER_POD);
        }

        /** The index, for tests. */
        ApproxPrefixIndex index() {
            return index;
        }
    }

    /**
     * The queue scorer: the scraped waiting-queue length, min-max normalised over the candidates,
     * {@code (max - waiting) / (max - min)}, and 1 for every candidate when all queues are equal. A missing
     * value counts as 0 (the shortest possible queue).
     */
    static final class Queue implements Scorer {
        @Override
        public String name() {
            return "llm-d-queue";
        }

        @Override
        public boolean usesMetrics() {
            return true;
        }

        @Override
        public void score(InferenceRequest request, CandidateView v, Object prepared, double[] out) {
            int n = v.size();
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                if (v.isReady(i)) {
                    double q = zeroIfNaN(v.waitingRequests(i));
                    out[i] = q;
                    min = Math.min(min, q);
                    max = Math.max(max, q);
                }
            }
            for (int i = 0; i < n; i++) {
                if (v.isReady(i)) {
                    out[i] = max == min ? 1.0 : (max - out[i]) / (max - min);
                }
            }
        }
    }

    /**
     * The KV-cache utilisation scorer: {@code 1 - usage} of the scraped KV-cache usage fraction, not
     * normalised over the candidates. A missing value counts as 0 (an empty cache, score 1).
     */
    static final class KvCache implements Scorer {
        @Override
        public String name() {
            return "llm-d-kv-cache";
        }

        @Override
        public boolean usesMetrics() {
            return true;
        }

        @Override
        public void score(InferenceRequest request, CandidateView v, Object prepared, double[] out) {
            for (int i = 0, n = v.size(); i < n; i++) {
                out[i] = v.isReady(i) ? 1 - zeroIfNaN(v.kvCacheUsage(i)) : 0;
            }
        }
    }

    static double zeroIfNaN(double x) {
        return x == x ? x : 0;
    }
}
