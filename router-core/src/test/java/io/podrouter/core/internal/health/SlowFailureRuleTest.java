package io.podrouter.core.internal.health;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The slow-failure rule on its own: a failure counts as a timeout only when it took longer than a known success. */
class SlowFailureRuleTest {

    @Test
    void aFailureIsSlowOnlyWhenLongerThanAKnownLongestSuccess() {
        assertThat(OutlierRules.slowFailure(30_000_000_000L, 29_000_000_000L)).isTrue();
        assertThat(OutlierRules.slowFailure(29_000_000_000L, 29_000_000_000L)).as("as long as a success").isFalse();
        assertThat(OutlierRules.slowFailure(1_000_000L, 29_000_000_000L)).isFalse();
        assertThat(OutlierRules.slowFailure(-1, 29_000_000_000L)).as("unknown latency").isFalse();
        assertThat(OutlierRules.slowFailure(30_000_000_000L, 0)).as("no success seen").isFalse();
    }
}
