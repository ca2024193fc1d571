package io.podrouter.strategies.compose;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Outcome;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The affinity release rule: a holder's match is released when its pending prefill exceeds the least pending
 * candidate's by more than the cached tokens plus the margin (200 ms x 58,000 tokens/s = 11,600 tokens), and
 * engaged again only at the cached tokens plus half the margin or less.
 */
class AffinityReleaseTest {

    private final MutableClock clock = new MutableClock();
    private final PrefixCacheScorer scorer = PrefixCacheScorer.builder().clock(clock).blocksPerPod(1024).build();
    private final View v = new View(3, 1);
    private final Object prepared = scorer.prepare(java.util.List.of(v.pods));

    /** 1,024 token ids: 64 blocks of 16, all cached on the holder once it was sent them. */
    private static InferenceRequest cachedPrompt() {
        int[] ids = new int[1024];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 7 * i + 1;
        }
        return InferenceRequest.forModel("m").withTokenIds(ids);
    }

    /** A request without content that adds {@code tokens} of prompt to pod {@code i}'s pending prefill. */
    private InferenceRequest load(int i, int tokens) {
        InferenceRequest r = InferenceRequest.forModel("m").withPromptTokens(tokens);
        scorer.selected(r, v, prepared, i);
        return r;
    }

    private double holderScore() {
        double[] out = new double[3];
        scorer.score(cachedPrompt(), v, prepared, out);
        assertThat(out[1]).isZero();
        assertThat(out[2]).isZero();
        return out[0];
    }

    @Test
    void theHolderKeepsItsMatchUntilItsExcessPendingPrefillPassesTheCachedTokensPlusTheMargin() {
        InferenceRequest warm = cachedPrompt();
        scorer.selected(warm, v, prepared, 0);
        scorer.firstToken(warm, v.pod(0));
        assertThat(scorer.pendingPrefillTokens(v.pod(0))).isZero();
        assertThat(holderScore()).isEqualTo(1.0);
        load(0, 12_624); // excess 12,624 - 0 - 1,024 cached = 11,600: not more than the margin
        assertThat(holderScore()).isEqualTo(1.0);
        InferenceRequest one = load(0, 1); // 11,601 tokens more than the cache saves
        assertThat(holderScore()).isZero();
        // Hysteresis: back under the margin but above half of it, it stays released...
        scorer.firstToken(one, v.pod(0));
        scorer.firstToken(InferenceRequest.forModel("m").withPromptTokens(2_000), v.pod(0)); // excess 9,600
        assertThat(holderScore()).isZero();
        // ...and is engaged again at cached tokens + half the margin (5,800).
        scorer.firstToken(InferenceRequest.forModel("m").withPromptTokens(3_800), v.pod(0)); // excess 5,800
        assertThat(holderScore()).isEqualTo(1.0);
    }

    @Test
    void theExcessIsOverTheLeastPendingCandidateSoAFleetLoadedEvenlyKeepsItsAffinity() {
        scorer.selected(cachedPrompt(), v, prepared, 0); // its own 1,024 tokens are pending too
        load(0, 20_000);
        load(1, 20_000);
        load(2, 15_000); // excess 21,024 - 15,000 - 1,024 = 5,000
        assertThat(holderScore()).isEqualTo(1.0);
        scorer.completed(InferenceRequest.forModel("m").withPromptTokens(15_000), v.pod(2), Outcome.SUCCESS, 1);
        assertThat(holderScore()).isZero(); // the idle pod would start it 0.34 s sooner (20,000 tokens at 58,000/s)
        // 0.34 s is more than the 0.2 s margin
    }

    @Test
    void aMatchIsReleasedOnlyTowardAPodThatIsNotQueueingItself() {
        InferenceRequest warm = cachedPrompt();
        scorer.selected(warm, v, prepared, 0);
        scorer.firstToken(warm, v.pod(0));
        load(0, 40_000);
        InferenceRequest queued1 = load(1, 13_000);
        load(2, 13_000); // the least pending candidate waits 13,000 tokens: more than the 11,600-token margin
        assertThat(holderScore()).isEqualTo(1.0); // 27,000 more than it, but moving the request joins another queue
        scorer.firstToken(queued1, v.pod(1)); // pod 1 starts its work: nothing pending there any more
        assertThat(holderScore()).isZero(); // 40,000 - 1,024 cached > 11,600 over an idle pod
    }

    @Test
    void pendingPromptsCountWholeEvenWhenTheHolderHasThemCached() {
        for (int k = 0; k < 12; k++) {
            scorer.selected(cachedPrompt(), v, prepared, 0); // 12 x 1,024 cached tokens waiting for a batch place
        }
        assertThat(scorer.pendingPrefillTokens(v.pod(0))).isEqualTo(12 * 1024);
        // 12,288 - 1,024 cached = 11,264: within the margin, affinity kept
        assertThat(holderScore()).isEqualTo(1.0);
        scorer.selected(cachedPrompt(), v, prepared, 0);
        assertThat(holderScore()).isZero(); // 12,288 > 11,600: the hot group spreads
    }

    @Test
    void aCompletionWithoutAFirstTokenReportNeverLeavesPendingPrefillBelowZeroOrStuck() {
        InferenceRequest a = load(1, 3_000);
        InferenceRequest b = load(1, 2_000);
        scorer.firstToken(a, v.pod(1));
        assertThat(scorer.pendingPrefillTokens(v.pod(1))).isEqualTo(2_000);
        scorer.completed(b, v.pod(1), Outcome.FAILURE, 1); // failed before its first token
        // Counted against the reported first tokens (the scorer keeps no per-selection state): overestimated...
        assertThat(scorer.pendingPrefillTokens(v.pod(1))).isEqualTo(2_000);
        scorer.completed(a, v.pod(1), Outcome.SUCCESS, 1);
        assertThat(scorer.pendingPrefillTokens(v.pod(1))).isZero(); // ...until the pod's selections complete
        scorer.completed(a, v.pod(1), Outcome.SUCCESS, 1); // more completions than selections: clamped
        assertThat(scorer.pendingPrefillTokens(v.pod(1))).isZero();
        load(1, 10);
        assertThat(scorer.pendingPrefillTokens(v.pod(1))).isEqualTo(10);
    }

    @Test
    void withoutTheReleaseAHolderKeepsItsMatchWhateverItsQueue() {
        PrefixCacheScorer off = PrefixCacheScorer.builder().clock(clock).blocksPerPod(1024).withoutAffinityRelease().build();
        Object p = off.prepare(java.util.List.of(v.pods));
        off.selected(cachedPrompt(), v, p, 0);
        off.selected(InferenceRequest.forModel("m").withPromptTokens(1_000_000), v, p, 0);
        double[] out = new double[3];
        off.score(cachedPrompt(), v, p, out);
        assertThat(out[0]).isEqualTo(1.0);
        assertThat(off.toString()).contains("no release");
    }

    @Test
    void aLargerMarginOrASlowerRateReleasesLater() {
        PrefixCacheScorer slow = PrefixCacheScorer.builder().clock(clock).blocksPerPod(1024)
                .prefillTokensPerSecond(10_000).releaseMargin(Duration.ofSeconds(1)).build(); // margin 10,000 tokens
        Object p = slow.prepare(java.util.List.of(v.pods));
        InferenceRequest warm = cachedPrompt();
        slow.selected(warm, v, p, 0);
        slow.firstToken(warm, v.pod(0));
        slow.selected(InferenceRequest.forModel("m").withPromptTokens(11_024), v, p, 0);
        double[] out = new double[3];
        slow.score(cachedPrompt(), v, p, out);
        assertThat(out[0]).isEqualTo(1.0);
        slow.selected(InferenceRequest.forModel("m").withPromptTokens(1), v, p, 0);
        slow.score(cachedPrompt(), v, p, out);
        assertThat(out[0]).isZero();
    }

    @Test
    void builderValidatesTheReleaseSettings() {
        assertThatThrownBy(() -> PrefixCacheScorer.builder().prefillTokensPerSecond(0))
                .hasMessage("prefillTokensPerSecond: 0.0 (expected: finite and > 0)");
        assertThatThrownBy(() -> PrefixCacheScorer.builder().prefillTokensPerSecond(Double.NaN))
                .hasMessage("prefillTokensPerSecond: NaN (expected: finite and > 0)");
        assertThatThrownBy(() -> PrefixCacheScorer.builder().releaseMargin(Duration.ofMillis(-1)))
                .hasMessage("releaseMargin: PT-0.001S (expected: >= 0)");
        assertThatThrownBy(() -> PrefixCacheScorer.builder().releaseMargin(null))
                .hasMessage("releaseMargin: null (expected: a Duration >= 0)");
        assertThatThrownBy(() -> PrefixCacheScorer.builder().maxIndexBytes(1000))
                .hasMessage("maxIndexBytes: 1000 (expected: >= 1048576)");
    }
}
