package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.podrouter.bench.cachepeers.TestView.prompt;
import static io.podrouter.bench.cachepeers.TestView.tokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BlockHashesTest {

    private final BlockHashes hashes = new BlockHashes(8);

    private long[] of(InferenceRequest r) {
        BlockHashes.Scratch s = hashes.of(r);
        return Arrays.copyOf(s.hashes, s.count);
    }

    @Test
    void aChangedTokenChangesItsBlockAndEveryBlockAfterIt() {
        int[] ids = prompt(1, 5);
        long[] before = of(tokens(ids));
        ids[2 * 16 + 3]++;
        long[] after = of(tokens(ids));
        assertThat(after).hasSize(5);
        for (int b = 0; b < 5; b++) {
            if (b < 2) {
                assertThat(after[b]).isEqualTo(before[b]);
            } else {
                assertThat(after[b]).isNotEqualTo(before[b]);
            }
        }
    }

    @Test
    void onlyWholeBlocksCountUpToMaxBlocks() {
        assertThat(of(tokens(Arrays.copyOf(prompt(1, 3), 47)))).hasSize(2);
        assertThat(of(tokens(prompt(1, 20)))).hasSize(8);
        assertThat(of(InferenceRequest.forModel("m"))).isEmpty();
    }

    @Test
    void withoutTokenIdsThePromptIsCutInto64CharacterBlocks() {
        String text = "x".repeat(64 * 3 + 10);
        InferenceRequest a = InferenceRequest.forModel("m").withPrompt(text);
        InferenceRequest b = InferenceRequest.forModel("m").withPrompt(text.substring(0, 64) + "y" + text.substring(65));
        long[] ha = of(a);
        long[] hb = of(b);
        assertThat(ha).hasSize(3);
        assertThat(hb[0]).isEqualTo(ha[0]);
        assertThat(hb[1]).isNotEqualTo(ha[1]);
    }

    @Test
    void rejectsMaxBlocksBelowOne() {
        assertThatThrownBy(() -> new BlockHashes(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxBlocks: 0 (expected: >= 1)");
    }
}
