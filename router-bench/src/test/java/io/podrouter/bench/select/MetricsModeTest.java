package io.podrouter.bench.select;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetricsModeTest {

    @Test
    void coldCountIsTenPercentRoundedButAtLeastOne() {
        assertThat(MetricsMode.COLD_10_PERCENT.coldCount(8)).isEqualTo(1);
        assertThat(MetricsMode.COLD_10_PERCENT.coldCount(64)).isEqualTo(6);
        assertThat(MetricsMode.COLD_10_PERCENT.coldCount(512)).isEqualTo(51);
        assertThat(MetricsMode.COLD_10_PERCENT.coldCount(4096)).isEqualTo(410);
        assertThat(MetricsMode.PRESENT.coldCount(4096)).isZero();
        assertThat(MetricsMode.ALL_MISSING.coldCount(4096)).isEqualTo(4096);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 8, 64, 512, 4096})
    void isColdMarksExactlyColdCountPods(int pods) {
        for (MetricsMode mode : MetricsMode.values()) {
            long cold = IntStream.range(0, pods).filter(i -> mode.isCold(i, pods)).count();
            assertThat(cold).as(mode + " at " + pods).isEqualTo(mode.coldCount(pods));
        }
    }

    @Test
    void coldPodsAreSpreadOverTheList() {
        int[] cold = IntStream.range(0, 4096).filter(i -> MetricsMode.COLD_10_PERCENT.isCold(i, 4096)).toArray();
        for (int k = 1; k < cold.length; k++) {
            assertThat(cold[k] - cold[k - 1]).isBetween(9, 11);
        }
    }

    @Test
    void rejectsIndexOutsideThePods() {
        assertThatThrownBy(() -> MetricsMode.PRESENT.isCold(8, 8))
                .isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("index: 8 (expected: 0..7)");
    }
}
