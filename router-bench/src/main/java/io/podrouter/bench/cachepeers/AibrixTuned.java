package io.podrouter.bench.cachepeers;

import static io.podrouter.bench.cachepeers.AibrixPrefixCache.leastRequest;
import static io.podrouter.bench.cachepeers.AibrixPrefixCache.running;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * {@code aibrix-tuned}: AIBrix's {@code prefix-cache} routing algorithm as its README describes it
 * (vllm-project/aibrix {@code pkg/plugins/gateway/algorithms/prefix_cache_readme.md}, still so at commit
 * e3e10f9e4aebe9aac5e7d992fb87d2648e01628b), an older and more cache-affine configuration than the
 * defaults its code sets at that commit, which {@link AibrixPrefixCache} ({@code aibrix}) follows:
 * <ol>
 *   <li><b>Imbalanced</b> when {@code max running - min running > 16}
 *       ({@code AIBRIX_PREFIX_CACHE_POD_RUNNING_REQUEST_IMBALANCE_ABS_COUNT}): least-request, the pod with
 *       the fewest running requests (random among ties).</li>
 *   <li>Otherwise the pods whose prefix matches, sorted by match percentage (descending) and then running
 *       requests (ascending), random among exact ties; the first with
 *       {@code running <= mean + 2 x standard deviation} of the running requests over the ready pods
 *       ({@code AIBRIX_PREFIX_CACHE_STANDARD_DEVIATION_FACTOR}) gets the request.</li>
 *   <li>No pod matches, or none passes that bound: least-request.</li>
 * </ol>
 * The match percentage of a pod is {@code 100 x leading matched blocks / whole blocks}, in whole percent
 * (a pod below 1 % does not match). After the decision the request's blocks are recorded for the chosen pod.
 * The code at that commit gates at 8 with a factor of 1, hashes 4-character blocks and keeps one index for
 * all pods ({@link AibrixPrefixCache}); this variant keeps the README's rule above.
 *
 * <p><b>Running requests</b> are what AIBrix's prefix-cache router reads: the gateway's own real-time
 * count of requests it routed to the pod and not completed ({@code realtime_num_requests_running}), not a
 * scraped metric; a pod without a count is taken as 0. Here: {@link CandidateView#inFlight}. So AIBrix's
 * rule of skipping pods without scraped metrics (its metric-driven strategies) does not apply to this
 * router: a new pod is a candidate from its first moment, with 0 running requests.
 *
 * <p><b>Index.</b> Blocks of 16 tokens (AIBrix's recommendation for token input), 200,000 blocks, entries
 * idle for 20 minutes evicted; AIBrix keeps one LRU of blocks for all pods, modelled here as an LRU of
 * 200,000 blocks per pod (the same for one pod, more room with several). Keyed by pod name, so entries
 * survive a restart.
 *
 * <p><b>New pod.</b> 0 running requests and no cached prefix: it takes every cache miss while it is among
 * the least loaded (random among ties), and all traffic once the others run more than 16 requests above it.
 *
 * <p>Thread-safe; ranks by no scraped metric.
 */
final class AibrixTuned extends LearningPeer {

    static final int IMBALANCE_ABS_COUNT = 16;
    static final double STANDARD_DEVIATION_FACTOR = 2.0;
    static final int BLOCK_NUMBER = 200_000;
    static final long EVICTION_NANOS = TimeUnit.MINUTES.toNanos(20);
    static final int MAX_BLOCKS = 1 << 14;


    AibrixTuned(LongSupplier nanoClock) {
        super(new ApproxPrefixIndex(BLOCK_NUMBER, EVICTION_NANOS, false, nanoClock), MAX_BLOCKS);
    }

    @Override
    public String name() {
        return "aibrix-tuned";
    }

    @Override
    public long pick(InferenceRequest request, CandidateView v) {
        int n = v.size();
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        long sum = 0;
        long sumSq = 0;
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (v.isReady(i)) {
                int r = running(v, i);
                min = Math.min(min, r);
                max = Math.max(max, r);
                sum += r;
                sumSq += (long) r * r;
                count++;
            }
        }
        if (count == 0) {
            return PASS;
        }
        if (max - min > IMBALANCE_ABS_COUNT) {
            return leastRequest(v, min);
        }
        BlockHashes.Scratch s = hashes.of(request);
        if (s.count > 0) {
            double mean = (double) sum / count;
            double limit = mean + STANDARD_DEVIATION_FACTOR * Math.sqrt(Math.max(0, (double) sumSq / count - mean * mean));
            int bestPercent = 0;
            int bestRunning = Integer.MAX_VALUE;
            int ties = 0;
            int chosen = -1;
            for (int i = 0; i < n; i++) {
                if (!v.isReady(i)) {
                    continue;
                }
                int percent = index.matched(v.pod(i), s.hashes, s.count) * 100 / s.count;
                int r = running(v, i);
                if (percent == 0 || r > limit) {
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

    @Override
    public String toString() {
        return "aibrix-prefix-cache-tuned(imbalance " + IMBALANCE_ABS_COUNT + ", " + STANDARD_DEVIATION_FACTOR + " sigma)";
    }
}
