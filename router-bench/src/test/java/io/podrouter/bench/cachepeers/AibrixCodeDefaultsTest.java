package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.podrouter.bench.cachepeers.TestView.prompt;
import static io.podrouter.bench.cachepeers.TestView.tokens;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code aibrix}: AIBrix's prefix-cache router with the defaults of its code (gate 8, 1 sigma, one shared index). */
class AibrixCodeDefaultsTest {

    private final AtomicLong nanos = new AtomicLong();

    @Test
    void aGapOf8IsBalancedSoTheMatchWinsAndAGapOf9KeepsOnlyTheLeastLoaded() {
        TestView v = new TestView(2, 1);
        AibrixPrefixCache s = new AibrixPrefixCache(nanos::get);
        InferenceRequest r = tokens(prompt(1, 10));
        s.selected(r, v, 0);
        v.inFlight[0] = 9;
        v.inFlight[1] = 1; // 9 - 1 = 8: balanced; mean 5 + sample sd 5.66 = 10.66 >= 9
        assertThat(s.pick(r, v)).isEqualTo(0);
        v.inFlight[0] = 10; // 10 - 1 = 9 > 8: only p1 stays a candidate
        assertThat(s.pick(r, v)).isEqualTo(1);
    }

    @Test
    void theBoundIsMeanPlusOneSampleStandardDeviation() {
        TestView v = new TestView(3, 1);
        AibrixPrefixCache s = new AibrixPrefixCache(nanos::get);
        InferenceRequest r = tokens(prompt(1, 10));
        s.selected(r, v, 0);
        v.inFlight[1] = 2;
        v.inFlight[2] = 2;
        v.inFlight[0] = 6; // mean 3.33, sample sd 2.31: bound 5.64 < 6, so the match is skipped
        assertThat(s.pick(r, v)).isIn(1L, 2L);
        v.inFlight[0] = 5; // mean 3, sample sd 1.73: bound 4.73 < 5
        assertThat(s.pick(r, v)).isIn(1L, 2L);
        v.inFlight[0] = 4; // mean 2.67, sample sd 1.15: bound 3.82 < 4
        assertThat(s.pick(r, v)).isIn(1L, 2L);
        v.inFlight[1] = 3; // p0 4, p1 3, p2 2: mean 3, sd 1: bound 4 >= 4
        assertThat(s.pick(r, v)).isEqualTo(0);
        AibrixTuned tuned = new AibrixTuned(nanos::get); // README: 2 population sigmas
        tuned.selected(r, v, 0);
        v.inFlight[0] = 6;
        v.inFlight[1] = 2; // mean 3.33 + 2 x 1.89 = 7.1 >= 6
        assertThat(tuned.pick(r, v)).isEqualTo(0);
    }

    @Test
    void whenImbalancedAMatchAmongTheLeastLoadedStillWins() {
        TestView v = new TestView(3, 1);
        AibrixPrefixCache s = new AibrixPrefixCache(nanos::get);
        InferenceRequest r = tokens(prompt(1, 10));
        s.selected(r, v, 2);
        s.selected(r, v, 0);
        v.inFlight[0] = 20; // p0 holds it too but is not among the least loaded
        for (int k = 0; k < 20; k++) {
            assertThat(s.pick(r, v)).isEqualTo(2); // not p1, the other least loaded pod
        }
        AibrixTuned tuned = new AibrixTuned(nanos::get); // the README's rule: least request, whatever matches
        tuned.selected(r, v, 2);
        v.inFlight[0] = 20;
        long[] seen = new long[3];
        for (int k = 0; k < 40; k++) {
            seen[(int) tuned.pick(r, v)]++;
        }
        assertThat(seen[1]).isPositive();
    }

    @Test
    void aPodHoldingOnlyTheFirstBlocksIsAMatchAtZeroPercent() {
        TestView v = new TestView(2, 1);
        AibrixPrefixCache s = new AibrixPrefixCache(nanos::get);
        s.selected(tokens(Arrays.copyOf(prompt(1, 1), 1)), v, 1); // p1 was sent the first token only
        v.inFlight[1] = 1; // p0 is less loaded
        // 1 of 160 one-token blocks: 0 %, still a match, and p1 is within mean 0.5 + sd 0.71
        assertThat(s.pick(tokens(prompt(1, 10)), v)).isEqualTo(1);
    }

    @Test
    void oneIndexOf200000BlocksServesTheWholeFleet() {
        TestView v = new TestView(2, 1);
        AibrixPrefixCache s = new AibrixPrefixCache(nanos::get);
        InferenceRequest a = tokens(prompt(1, 7_500)); // 120,000 one-token blocks
        InferenceRequest b = tokens(prompt(2, 6_250)); // 100,000 more, for another pod
        s.selected(a, v, 0);
        assertThat(s.store().size()).isEqualTo(120_000);
        s.selected(b, v, 1);
        assertThat(s.store().size()).isEqualTo(200_000);
        // a's first 20,000 blocks were the least recently put: p0 now matches nothing of a
        v.inFlight[0] = 1;
        assertThat(s.pick(a, v)).isEqualTo(1); // least request, no match
        int[] out = new int[2];
        BlockHashes.Scratch h = new BlockHashes(AibrixPrefixCache.MAX_BLOCKS, 1, false).of(b);
        s.store().matched(v, new boolean[] {true, true}, h.hashes, h.count, out);
        assertThat(out).containsExactly(0, 100_000);
    }

    @Test
    void withoutTokenIdsBlocksAreFourCharactersAndAnIncompleteOneIsNotHashed() {
        BlockHashes h = new BlockHashes(AibrixPrefixCache.MAX_BLOCKS, 1, false);
        assertThat(h.of(InferenceRequest.forModel("m").withPrompt("abcdefghij")).count).isEqualTo(2);
        assertThat(h.of(InferenceRequest.forModel("m").withPrompt("abc")).count).isZero();
    }

    @Test
    void blocksNotPutFor20MinutesStopMatching() {
        TestView v = new TestView(2, 1);
        AibrixPrefixCache s = new AibrixPrefixCache(nanos::get);
        InferenceRequest r = tokens(prompt(1, 10));
        s.selected(r, v, 0);
        v.inFlight[0] = 1;
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(20));
        assertThat(s.pick(r, v)).isEqualTo(0);
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(s.pick(r, v)).isEqualTo(1);
    }
}
