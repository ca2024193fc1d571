package io.podrouter.core.coldstart;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SlowStartTest {

    private static Duration s(double seconds) {
        return Duration.ofMillis((long) (seconds * 1000));
    }

    @Test
    void linearRampRisesFromMinimumToFullOverTheWindow() {
        SlowStart ramp = new SlowStart(Duration.ofSeconds(30), 1.0, 0.1);
        assertThat(ramp.weight(Duration.ZERO)).isEqualTo(0.1);
        assertThat(ramp.weight(s(1.5))).isEqualTo(0.1); // (1.5/30) = 0.05 < min
        assertThat(ramp.weight(s(15))).isCloseTo(0.5, within(1e-9));
        assertThat(ramp.weight(s(29.999))).isCloseTo(1.0, within(1e-4));
        assertThat(ramp.weight(s(30))).isEqualTo(1.0);
        assertThat(ramp.weight(Duration.ofDays(3))).isEqualTo(1.0);
    }

    @Test
    void aggressionBendsTheCurveLikeEnvoy() {
        // weight = (t/window)^(1/aggression)
        SlowStart fastEarly = new SlowStart(Duration.ofSeconds(100), 2.0, 0.01);
        assertThat(fastEarly.weight(s(25))).isCloseTo(0.5, within(1e-9));
        SlowStart slowEarly = new SlowStart(Duration.ofSeconds(100), 0.5, 0.01);
        assertThat(slowEarly.weight(s(50))).isCloseTo(0.25, within(1e-9));
    }

    @Test
    void negativeOrNullAgeCountsAsJustReadyAndDisabledRampIsAlwaysFull() {
        SlowStart ramp = SlowStart.defaults();
        assertThat(ramp.weight(Duration.ofSeconds(-5))).isEqualTo(SlowStart.DEFAULT_MIN_WEIGHT);
        assertThat(ramp.weight(null)).isEqualTo(SlowStart.DEFAULT_MIN_WEIGHT);
        assertThat(SlowStart.disabled().weight(Duration.ZERO)).isEqualTo(1.0);
        assertThat(SlowStart.disabled().enabled()).isFalse();
    }

    @Test
    void invalidParametersAreRejectedWithTheSettingName() {
        assertThatThrownBy(() -> new SlowStart(Duration.ofSeconds(-1), 1, 0.1)).hasMessage("slowStartWindow: PT-1S (expected: >= 0)");
        assertThatThrownBy(() -> new SlowStart(Duration.ofSeconds(1), 0, 0.1)).hasMessage("slowStartAggression: 0.0 (expected: > 0 and finite)");
        assertThatThrownBy(() -> new SlowStart(Duration.ofSeconds(1), Double.NaN, 0.1)).hasMessageContaining("slowStartAggression: NaN");
        assertThatThrownBy(() -> new SlowStart(Duration.ofSeconds(1), 1, 0)).hasMessage("slowStartMinWeight: 0.0 (expected: 0 < w <= 1)");
        assertThatThrownBy(() -> new SlowStart(Duration.ofSeconds(1), 1, 1.5)).hasMessageContaining("slowStartMinWeight: 1.5");
        assertThatThrownBy(() -> new SlowStart(null, 1, 0.5)).isInstanceOf(NullPointerException.class);
    }
}
