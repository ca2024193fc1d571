package io.podrouter.strategies.compose;

import io.podrouter.api.InferenceRequest;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;

/** The Java snippets of docs/cache-aware.md, compiled and run here. */
class CacheAwareDocSnippets {

    static ComposedStrategy tuned() {
        return io.podrouter.strategies.compose.snippets.CacheAwareTuningSnippet.tuned();
    }

    @Test
    void theTunedCompositionReleasesAHolderWhoseQueueOutweighsItsCache() {
        ComposedStrategy s = tuned();
        View v = new View(2, 1).preparedFor(s);
        InferenceRequest r = InferenceRequest.forModel("m").withPrompt("x".repeat(4096));
        int holder = v.route(s, r);
        s.firstToken(r, v.pod(holder));
        assertThat(v.route(s, r)).isEqualTo(holder); // 1,024 cached tokens, nothing pending: affinity holds
        // 4,000 tokens pending on the holder (its two requests never reported a first token): more than the
        // 1,024 cached tokens plus 2,000 (100 ms at 20,000 tokens/s) over the idle pod, so the match is released.
        s.selected(InferenceRequest.forModel("m").withPromptTokens(2_976), v, holder);
        assertThat(v.route(s, r)).isEqualTo(1 - holder);
    }
}
