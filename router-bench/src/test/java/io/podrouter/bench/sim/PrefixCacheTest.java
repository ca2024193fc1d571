package io.podrouter.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pods' prefix cache: the block-level rules on {@link PrefixCache} itself (driven through the same calls the
 * engine makes), and the engine's use of it through whole simulations on hand-computable cases.
 */
class PrefixCacheTest {

    private static int[] tokens(int n, int base) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = base + i;
        }
        return t;
    }

    private static SimRequest request(int[] prompt, int output) {
        return new SimRequest(0, 0, prompt.length, output, 0, false, 0, prompt, tokens(output, 900_000), null, null);
    }

    /** What the engine does on admission; returns the private tokens reserved, or -1 when the sequence does not fit. */
    private static long admit(PrefixCache c, SimRequest r, long[] reserved) {
        int m = c.match(r);
        long need = r.promptTokens + r.outputTokens - 16L * m;
        if (!c.fits(r, reserved[0], need)) {
            return -1;
        }
        c.pin(r);
        c.evictToFit(reserved[0] + need);
        reserved[0] += need;
        r.kvHeld = need;
        return need;
    }

    /** Prefill done, then the sequence completes (engine order). */
    private static void runToCompletion(PrefixCache c, SimRequest r, long[] reserved) {
        long moved = c.insertPrompt(r);
        r.kvHeld -= moved;
        reserved[0] -= moved;
        reserved[0] -= r.kvHeld;
        c.release(r, true);
        c.evictToFit(reserved[0]);
    }

    @Test
    void aPromptSharingAPrefixFindsItsWholeBlocksAndLeavesTheLastTokenToCompute() {
        PrefixCache c = new PrefixCache(100_000);
        long[] reserved = {0};
        int[] system = tokens(64, 1);
        SimRequest a = request(concat(system, tokens(20, 5_000)), 4);
        admit(c, a, reserved);
        assertThat(a.matchedBlocks).isZero();
        runToCompletion(c, a, reserved);
        SimRequest b = request(concat(system, tokens(20, 7_000)), 4);
        admit(c, b, reserved);
        assertThat(b.matchedBlocks).isEqualTo(4); // the 64 shared tokens; the question differs from token 64 on
        // The same 80-token prompt again: 5 whole blocks cached, but at most floor(79 / 16) = 4 count (vLLM computes the last token).
        SimRequest again = request(tokens(80, 1), 1);
        SimRequest first = request(tokens(80, 1), 1);
        admit(c, first, reserved);
        runToCompletion(c, first, reserved);
        admit(c, again, reserved);
        assertThat(again.matchedBlocks).isEqualTo(4);
        assertThat(reserved[0] + 16L * (c.pinnedBlocks() + c.freeBlocks())).isLessThanOrEqualTo(100_000);
    }

    @Test
    void theSameBlockAfterADifferentPrefixDoesNotHit() {
        PrefixCache c = new PrefixCache(100_000);
        long[] reserved = {0};
        int[] shared = tokens(16, 500);
        SimRequest a = request(concat(tokens(16, 1), shared, tokens(5, 9)), 1);
        admit(c, a, reserved);
        runToCompletion(c, a, reserved);
        SimRequest b = request(concat(tokens(16, 2), shared, tokens(5, 9)), 1);
        admit(c, b, reserved);
        assertThat(b.matchedBlocks).isZero();
        assertThat(b.blockHashes[1]).isNotEqualTo(a.blockHashes[1]); // block 1 holds the same 16 tokens in both
        assertThat(c.contains(a.blockHashes[1])).isTrue();
    }

    @Test
    void unreferencedBlocksAreEvictedLeastRecentlyUsedFirstAndAChainsTailBeforeItsHead() {
        PrefixCache c = new PrefixCache(96); // 6 blocks
        long[] reserved = {0};
        SimRequest a = request(tokens(33, 1), 1); // 2 whole blocks
        admit(c, a, reserved);
        runToCompletion(c, a, reserved);
        SimRequest b = request(tokens(33, 1_000), 1);
        admit(c, b, reserved);
        runToCompletion(c, b, reserved);
        assertThat(c.freeBlocks()).isEqualTo(4);
        assertThat(reserved[0]).isZero();
        // 34 private tokens + 4 free blocks (64) > 96: one block must go, the least recently used: a's second block.
        SimRequest d = request(tokens(33, 2_000), 1);
        assertThat(admit(c, d, reserved)).isEqualTo(34);
        assertThat(c.evictions()).isEqualTo(1);
        assertThat(c.contains(a.blockHashes[0])).isTrue();
        assertThat(c.contains(a.blockHashes[1])).isFalse();
        assertThat(c.contains(b.blockHashes[0])).isTrue();
        assertThat(c.contains(b.blockHashes[1])).isTrue();
        assertThat(reserved[0] + 16L * (c.pinnedBlocks() + c.freeBlocks())).isLessThanOrEqualTo(96);
    }

    @Test
    void blocksSharedByRunningSequencesCountOnceAndCannotBeEvicted() {
        PrefixCache c = new PrefixCache(160); // 10 blocks
        long[] reserved = {0};
        SimRequest a = request(tokens(65, 1), 1); // 4 whole blocks
        admit(c, a, reserved);
        c.insertPrompt(a); // a is decoding: its 4 blocks are cached and referenced
        a.kvHeld -= 64;
        reserved[0] -= 64;
        SimRequest b = request(tokens(65, 1), 1);
        admit(c, b, reserved);
        assertThat(b.matchedBlocks).isEqualTo(4);
        assertThat(c.pinnedBlocks()).isEqualTo(4); // shared, counted once
        assertThat(reserved[0]).isEqualTo(2 + 2); // each holds its last token and its output privately
        // 160 - 64 pinned - 4 reserved = 92 tokens left: a 100-token sequence does not fit, and nothing is evictable.
        SimRequest big = request(tokens(99, 50_000), 1);
        assertThat(admit(c, big, reserved)).isEqualTo(-1);
        assertThat(c.pinnedBlocks()).isEqualTo(4);
    }

    @Test
    void aCompletedSequenceCachesItsOutputSoTheNextTurnFindsIt() {
        PrefixCache c = new PrefixCache(100_000);
        long[] reserved = {0};
        SimRequest turn1 = request(tokens(40, 1), 30);
        admit(c, turn1, reserved);
        runToCompletion(c, turn1, reserved);
        // Turn 2 = turn 1's prompt + its output + new tokens; (40 + 30 - 1) / 16 = 4 blocks were cached.
        SimRequest turn2 = request(concat(turn1.tokens, turn1.outputIds, tokens(50, 70_000)), 5);
        admit(c, turn2, reserved);
        assertThat(turn2.matchedBlocks).isEqualTo(4);
    }

    // ---- the engine's use of the cache, through whole runs ----

    private static Scenario onePod(String... kv) {
        Map<String, String> p = new HashMap<>();
        p.put("chart", "false");
        p.put("workload", "shared-prefix");
        p.put("prefixGroups", "1");
        p.put("promptsPerGroup", "1");
        p.put("systemPromptTokens", "1024");
        p.put("questionTokens", "16");
        p.put("outputTokens", "1");
        p.put("initialPods", "1");
        p.put("scaleOutPods", "0");
        p.put("baseRate", "0.2");
        p.put("stepRate", "0.2");
        p.put("duration", "200");
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return Scenario.parse(p);
    }

    @Test
    void aCachedPrefixShortensThePrefillToTheUncachedTokens() {
        // One 1,040-token prompt asked again and again on an idle pod: the first prefills 1,040 tokens, every later
        // one 16 (64 of its 65 blocks are cached; the last token is always computed).
        RunResult r = new Simulation(onePod(), RouterConfig.PODROUTER, StrategyKind.CACHE_AWARE).run();
        long n = r.completed();
        assertThat(n).isGreaterThan(20);
        assertThat(r.failed()).isZero();
        double cached = (5753 + 17.25 * 16) * 1e-6;
        assertThat(r.ttftP50()).isCloseTo(cached, within(1e-6));
        assertThat(r.prefixHitRate()).isCloseTo((n - 1) * 1024.0 / (n * 1040.0), within(1e-12));
    }

    @Test
    void aRestartedPodStartsWithAnEmptyCache() {
        RunResult r = new Simulation(onePod("restart", "100:pod-0", "restartDowntime", "5"), RouterConfig.PODROUTER,
                StrategyKind.CACHE_AWARE).run();
        long n = r.completed();
        assertThat(r.failed()).isZero();
        // Two misses: the first request, and the first after the restart.
        assertThat(r.prefixHitRate()).isCloseTo((n - 2) * 1024.0 / (n * 1040.0), within(1e-12));
    }

    @Test
    void aListenerHearsEveryBlockStoredAndEvictedWhenItHappens() {
        PrefixCache c = new PrefixCache(96); // 6 blocks
        java.util.List<String> events = new java.util.ArrayList<>();
        c.listener(new PrefixCache.Listener() {
            @Override
            public void stored(long hash) {
                events.add("+" + hash);
            }

            @Override
            public void removed(long hash) {
                events.add("-" + hash);
            }
        });
        long[] reserved = {0};
        SimRequest a = request(tokens(33, 1), 1); // 2 whole blocks
        admit(c, a, reserved);
        assertThat(events).isEmpty(); // nothing is cached before prefill
        runToCompletion(c, a, reserved);
        assertThat(events).containsExactly("+" + a.blockHashes[0], "+" + a.blockHashes[1]);
        SimRequest b = request(tokens(33, 1_000), 1);
        admit(c, b, reserved);
        runToCompletion(c, b, reserved);
        events.clear();
        SimRequest d = request(tokens(33, 2_000), 1);
        admit(c, d, reserved); // evicts a's second block (see the LRU test above)
        assertThat(events).containsExactly("-" + a.blockHashes[1]);
        SimRequest again = request(tokens(33, 1), 1);
        events.clear();
        admit(c, again, reserved); // admission stores nothing (it may evict to make room)
        assertThat(events).allMatch(e -> e.startsWith("-"));
    }

    @Test
    void generatedBlocksAreReportedWhenTheSequenceEnds() {
        PrefixCache c = new PrefixCache(100_000);
        java.util.List<Long> stored = new java.util.ArrayList<>();
        c.listener(new PrefixCache.Listener() {
            @Override
            public void stored(long hash) {
                stored.add(hash);
            }

            @Override
            public void removed(long hash) {
                throw new AssertionError("nothing is evicted");
            }
        });
        long[] reserved = {0};
        SimRequest a = request(tokens(32, 1), 17); // 2 prompt blocks; prompt + output - 1 = 48 tokens: 3 blocks
        admit(c, a, reserved);
        runToCompletion(c, a, reserved);
        assertThat(stored).hasSize(3);
        assertThat(stored).allMatch(c::contains);
    }

    @Test
    void workloadsWithoutTokenIdsNeverTouchTheCache() {
        Map<String, String> p = new HashMap<>();
        p.put("chart", "false");
        p.put("duration", "60");
        RunResult r = new Simulation(Scenario.parse(p), RouterConfig.PODROUTER, StrategyKind.LEAST_REQUEST).run();
        assertThat(r.prefixHitRate()).isNaN();
        assertThat(r.outputTokensPerSecond()).isPositive();
    }

    private static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
