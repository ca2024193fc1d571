package io.podrouter.strategies.compose;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Pod;
import io.podrouter.api.strategy.SelectionStrategy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrefixCacheScorerTest {

    private final MutableClock clock = new MutableClock();

    private static String text(long seed, int chars) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(chars);
        for (int i = 0; i < chars; i++) {
            sb.append((char) ('a' + r.nextInt(26)));
        }
        return sb.toString();
    }

    private static InferenceRequest prompt(String p) {
        return InferenceRequest.forModel("m").withPrompt(p);
    }

    private PrefixCacheScorer scorer() {
        return PrefixCacheScorer.builder().clock(clock).blocksPerPod(1024).build();
    }

    /** A composition of the prefix scorer alone, so picks go where the prefix matches. */
    private static ComposedStrategy only(PrefixCacheScorer s) {
        return ComposedStrategy.builder("prefix").scorer(s, 1).build();
    }

    @Test
    void scoreIsTheMatchedFractionOfWholeLeadingBlocks() {
        PrefixCacheScorer s = scorer();
        ComposedStrategy strategy = only(s);
        View v = new View(3, 1).preparedFor(strategy);
        String system = text(1, 512); // 4 blocks of 128
        InferenceRequest first = prompt(system + text(2, 512));
        v.route(strategy, first);
        int chosen = indexOfMatch(s, v, first);
        // Same 4-block system prompt, different question: 4 of 8 blocks match on the chosen pod.
        InferenceRequest second = prompt(system + text(3, 512 + 100)); // the last 100 chars are no whole block
        double[] out = new double[3];
        s.score(second, v, v.prepared instanceof Object[] a ? a[0] : null, out);
        assertThat(s.blocks(second)).isEqualTo(8);
        for (int i = 0; i < 3; i++) {
            assertThat(out[i]).isEqualTo(i == chosen ? 0.5 : 0.0);
        }
        // A prompt that differs in its first character matches nothing: the hashes are chained.
        InferenceRequest shifted = prompt("X" + system.substring(1) + text(2, 512));
        s.score(shifted, v, ((Object[]) v.prepared)[0], out);
        assertThat(out).containsOnly(0.0);
    }

    private static int indexOfMatch(PrefixCacheScorer s, View v, InferenceRequest r) {
        for (int i = 0; i < v.size(); i++) {
            if (s.matchedBlocks(r, v.pod(i)) > 0) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void requestsOfOnePrefixGroupFollowTheFirst() {
        PrefixCacheScorer s = scorer();
        ComposedStrategy strategy = only(s);
        View v = new View(8, 5).preparedFor(strategy);
        String system = text(9, 2048);
        int first = v.route(strategy, prompt(system + text(100, 256)));
        for (int k = 0; k < 20; k++) {
            InferenceRequest r = prompt(system + text(200 + k, 256));
            assertThat(v.route(strategy, r)).isEqualTo(first);
            strategy.firstToken(r, v.pod(first)); // prefilled: no queue builds up on the holder
        }
    }

    @Test
    void tokenIdsAreUsedInBlocksOfSixteenWhenPresent() {
        PrefixCacheScorer s = scorer();
        int[] ids = new int[40]; // 2 whole blocks of 16
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i * 7;
        }
        InferenceRequest r = prompt("short").withTokenIds(ids);
        assertThat(s.blocks(r)).isEqualTo(2);
        ComposedStrategy strategy = only(s);
        View v = new View(2, 1).preparedFor(strategy);
        int chosen = v.route(strategy, r);
        int[] longer = java.util.Arrays.copyOf(ids, 64); // 4 blocks, first 2 as before
        assertThat(s.matchedBlocks(prompt("other").withTokenIds(longer), v.pod(chosen))).isEqualTo(2);
        assertThat(s.blocks(InferenceRequest.forModel("m"))).isZero();
    }

    @Test
    void entriesExpireAfterTheTtl() {
        PrefixCacheScorer s = PrefixCacheScorer.builder().clock(clock).ttl(Duration.ofSeconds(60)).blocksPerPod(64).build();
        ComposedStrategy strategy = only(s);
        View v = new View(2, 1).preparedFor(strategy);
        InferenceRequest r = prompt(text(1, 1024));
        int chosen = v.route(strategy, r);
        clock.advance(Duration.ofSeconds(60));
        assertThat(s.matchedBlocks(r, v.pod(chosen))).isEqualTo(8);
        clock.advance(Duration.ofMillis(1));
        assertThat(s.matchedBlocks(r, v.pod(chosen))).isZero();
    }

    @Test
    void memoryPerPodIsBoundedAndTheLeastRecentlyRecordedBlocksGoFirst() {
        PrefixCacheScorer s = PrefixCacheScorer.builder().clock(clock).blocksPerPod(64).blockChars(16).build();
        ComposedStrategy strategy = only(s);
        View v = new View(1, 1).preparedFor(strategy);
        InferenceRequest old = prompt(text(1, 16 * 32)); // 32 blocks
        v.route(strategy, old);
        clock.advance(Duration.ofSeconds(1));
        // 400 newer blocks into a table of 64 entries (8 sets of 8): the old prompt's blocks are evicted.
        for (int k = 0; k < 25; k++) {
            v.route(strategy, prompt(text(1000 + k, 16 * 16)));
            clock.advance(Duration.ofMillis(10));
        }
        assertThat(s.indexes().get("pod-0").table).hasSize(2 * 64);
        assertThat(s.matchedBlocks(old, v.pod(0))).isLessThan(4);
        InferenceRequest recent = prompt(text(1024, 16 * 16));
        assertThat(s.matchedBlocks(recent, v.pod(0))).isGreaterThan(0);
    }

    @Test
    void aRestartedPodStartsWithAnEmptyIndex() {
        PrefixCacheScorer s = scorer();
        ComposedStrategy strategy = only(s);
        View v = new View(2, 1).preparedFor(strategy);
        InferenceRequest r = prompt(text(1, 1024));
        int chosen = v.route(strategy, r);
        assertThat(s.matchedBlocks(r, v.pod(chosen))).isEqualTo(8);
        v.replace(chosen, v.pod(chosen).markedReady(Instant.EPOCH.plusSeconds(600)));
        assertThat(s.matchedBlocks(r, v.pod(chosen))).isZero();
        double[] out = new double[2];
        s.score(r, v, ((Object[]) v.prepared)[0], out);
        assertThat(out).containsOnly(0.0);
    }

    @Test
    void aPodSeenNotReadyIsDroppedAndOneAbsentForTheTtlIsForgotten() {
        PrefixCacheScorer s = PrefixCacheScorer.builder().clock(clock).blocksPerPod(64).ttl(Duration.ofSeconds(30)).build();
        ComposedStrategy strategy = only(s);
        View v = new View(3, 1).preparedFor(strategy);
        assertThat(s.indexedPods()).isEqualTo(3);
        v.replace(1, v.pod(1).markedNotReady());
        assertThat(s.indexedPods()).isEqualTo(2);
        // pod-2 leaves discovery: a set without it is prepared; it is kept until the TTL passed.
        Pod[] two = {v.pod(0)};
        strategy.prepare(java.util.List.of(two));
        assertThat(s.indexes()).containsKeys("pod-0", "pod-2");
        clock.advance(Duration.ofSeconds(31));
        strategy.prepare(java.util.List.of(two));
        assertThat(s.indexes()).containsOnlyKeys("pod-0");
    }

    @Test
    void withoutPreparedStateEveryCandidateScoresZero() {
        PrefixCacheScorer s = scorer();
        double[] out = {9, 9};
        s.score(prompt(text(1, 1024)), new View(2, 1), null, out);
        assertThat(out).containsOnly(0.0);
    }

    @Test
    void builderValidates() {
        assertThatThrownBy(() -> PrefixCacheScorer.builder().blockChars(0)).hasMessage("blockChars: 0 (expected: >= 1)");
        assertThatThrownBy(() -> PrefixCacheScorer.builder().blockTokens(-1)).hasMessage("blockTokens: -1 (expected: >= 1)");
        assertThatThrownBy(() -> PrefixCacheScorer.builder().blocksPerPod(4)).hasMessage("blocksPerPod: 4 (expected: 8..67108864)");
        assertThatThrownBy(() -> PrefixCacheScorer.builder().maxBlocks(0)).hasMessage("maxBlocks: 0 (expected: 1..1048576)");
        assertThatThrownBy(() -> PrefixCacheScorer.builder().ttl(Duration.ZERO)).hasMessage("ttl: PT0S (expected: > 0)");
    }

    @Test
    void maxBlocksBoundsTheHashedPrefix() {
        PrefixCacheScorer s = PrefixCacheScorer.builder().maxBlocks(4).build();
        assertThat(s.blocks(prompt(text(1, 128 * 10)))).isEqualTo(4);
    }

    @Test
    void selectionIsTheOnlyLearningSignal() {
        PrefixCacheScorer s = scorer();
        ComposedStrategy strategy = only(s);
        View v = new View(2, 1).preparedFor(strategy);
        InferenceRequest r = prompt(text(1, 1024));
        long pick = strategy.pick(r, v); // a pick the router did not take: nothing learned
        assertThat(s.matchedBlocks(r, v.pod(SelectionStrategy.index(pick)))).isZero();
        strategy.selected(r, v, 1);
        assertThat(s.matchedBlocks(r, v.pod(1))).isEqualTo(8);
    }

    @Test
    void aFirstBlockHeldByMorePodsThanTheDirectoryKeepsStillScoresEveryHolder() {
        PrefixCacheScorer s = scorer();
        ComposedStrategy strategy = only(s);
        int n = 24; // more than the 16 ways of a directory set that the index once had
        View v = new View(n, 1).preparedFor(strategy);
        String system = text(5, 1024);
        for (int i = 0; i < n; i++) {
            strategy.selected(prompt(system + text(10 + i, 512)), v, i);
        }
        double[] out = new double[n];
        s.score(prompt(system + text(99, 1024)), v, ((Object[]) v.prepared)[0], out);
        assertThat(out).containsOnly(0.5); // 8 of 16 blocks, on every pod
    }

    @Test
    void directoryEntriesOfARestartedPodDoNotLeakIntoItsNewIndex() {
        PrefixCacheScorer s = scorer();
        ComposedStrategy strategy = only(s);
        View v = new View(3, 1).preparedFor(strategy);
        InferenceRequest r = prompt(text(1, 1024));
        strategy.selected(r, v, 0);
        strategy.selected(r, v, 2);
        v.replace(2, v.pod(2).markedReady(Instant.EPOCH.plusSeconds(60)));
        double[] out = new double[3];
        s.score(r, v, ((Object[]) v.prepared)[0], out);
        assertThat(out).containsExactly(1.0, 0.0, 0.0);
    }

    @Test
    void everyCharacterOfABlockCountsIncludingAShortTail() {
        PrefixCacheScorer s = PrefixCacheScorer.builder().clock(clock).blockChars(13).blocksPerPod(64).build();
        ComposedStrategy strategy = only(s);
        View v = new View(1, 1).preparedFor(strategy);
        String base = text(3, 13 * 4);
        strategy.selected(prompt(base), v, 0);
        assertThat(s.matchedBlocks(prompt(base), v.pod(0))).isEqualTo(4);
        for (int pos : new int[] {0, 7, 8, 12, 20, 51}) {
            char[] c = base.toCharArray();
            c[pos] = c[pos] == 'a' ? 'b' : 'a';
            assertThat(s.matchedBlocks(prompt(new String(c)), v.pod(0))).as("changed at %d", pos).isEqualTo(pos / 13);
        }
    }
}
