package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.Scorer;

/**
 * The three scorers of llm-d's default scheduling profile (the Gateway API inference extension's endpoint
 * picker plugins), as that project publishes them. Each is a {@link Scorer} of a podrouter
 * {@code ComposedStrategy}, whose weighted sum and max-score picker are the same thing as llm-d's.
 *
 * <p>Scraped metrics are read as llm-d reads them: a pod that was never scraped has zero-valued metrics
 * there, so here a missing value (NaN in {@link CandidateView}, for any reason: never scraped, stale,
 * absent) counts as 0. Such a pod looks idle: the shortest queue and an empty KV cache (reported to the
 * Gateway API inference extension as kubernetes-sigs/gateway-api-inference-extension#1497).
 *
 * <p>All three are thread-safe and stateless apart from the prefix scorer's index.
 */
final class LlmdScorers {

    private LlmdScorers() {
    }

    /**
     * The prefix-cache scorer in approximate mode: the fraction of the request's prompt blocks (16 tokens)
     * that the router recently sent to the candidate, counted from the first block, learned from the
     * router's own decisions after each selection. llm-d keeps an LRU of 31,250 blocks per server
     * and matches at most 131,072 prefix tokens (8,192 blocks); entries are keyed by the server, so they
     * survive its restart (llm-d issue 2853), and have no time-to-live.
     */
    static final class Prefix implements Scorer {
        static final int CAPACITY_PER_POD = 31_250;
        static final int MAX_BLOCKS = 131_072 / BlockHashes.BLOCK_TOKENS;

        private final ApproxPrefixIndex index;
        private final BlockHashes hashes = new BlockHashes(MAX_BLOCKS);

        Prefix(java.util.function.LongSupplier nanoClock) {
            this.index = new ApproxPrefixIndex(CAPACITY_PER_POD, ApproxPrefixIndex.NO_TTL, false, nanoClock);
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
            for (int i = 0, n = v.size(); i < n; i++) {
                out[i] = s.count == 0 || !v.isReady(i) ? 0 : (double) index.matched(v.pod(i), s.hashes, s.count) / s.count;
            }
        }

        @Override
        public void selected(InferenceRequest request, CandidateView v, Object prepared, int i) {
            BlockHashes.Scratch s = hashes.of(request);
            index.record(v.pod(i), s.hashes, s.count);
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
