package io.podrouter.bench.cachepeers;

import io.podrouter.api.Pod;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApproxPrefixIndexTest {

    private final AtomicLong nanos = new AtomicLong();
    private final Pod pod = Pod.ready("p0", "10.0.0.1", 8000, TestView.T0);

    @Test
    void matchesLeadingBlocksOnly() {
        ApproxPrefixIndex index = new ApproxPrefixIndex(100, ApproxPrefixIndex.NO_TTL, false, nanos::get);
        index.record(pod, new long[] {1, 2, 3}, 3);
        assertThat(index.matched(pod, new long[] {1, 2, 3, 4}, 4)).isEqualTo(3);
        assertThat(index.matched(pod, new long[] {1, 9, 3}, 3)).isEqualTo(1);
        assertThat(index.matched(pod, new long[] {9, 2, 3}, 3)).isZero();
        assertThat(index.matched(Pod.ready("p1", "10.0.0.2", 8000, TestView.T0), new long[] {1}, 1)).isZero();
    }

    @Test
    void dropsTheLeastRecentlyRecordedBlockBeyondCapacity() {
        ApproxPrefixIndex index = new ApproxPrefixIndex(3, ApproxPrefixIndex.NO_TTL, false, nanos::get);
        index.record(pod, new long[] {1, 2, 3}, 3);
        index.record(pod, new long[] {1}, 1); // 1 is the most recent now; 2 is the oldest
        index.record(pod, new long[] {4}, 1);
        assertThat(index.size(pod)).isEqualTo(3);
        assertThat(index.matched(pod, new long[] {1, 2}, 2)).isEqualTo(1);
        assertThat(index.matched(pod, new long[] {4}, 1)).isEqualTo(1);
    }

    @Test
    void blocksOlderThanTheTtlDoNotMatchAndAreDropped() {
        ApproxPrefixIndex index = new ApproxPrefixIndex(100, 10, false, nanos::get);
        index.record(pod, new long[] {1, 2}, 2);
        nanos.set(10);
        assertThat(index.matched(pod, new long[] {1, 2}, 2)).isEqualTo(2);
        nanos.set(11);
        assertThat(index.matched(pod, new long[] {1, 2}, 2)).isZero();
        index.record(pod, new long[] {5}, 1);
        assertThat(index.size(pod)).isEqualTo(1);
    }

    @Test
    void aRestartKeepsEntriesUnlessForgetOnRestart() {
        Pod restarted = pod.markedNotReady().markedReady(TestView.T0.plusSeconds(5));
        ApproxPrefixIndex byName = new ApproxPrefixIndex(100, ApproxPrefixIndex.NO_TTL, false, nanos::get);
        ApproxPrefixIndex byInstance = new ApproxPrefixIndex(100, ApproxPrefixIndex.NO_TTL, true, nanos::get);
        byName.record(pod, new long[] {1}, 1);
        byInstance.record(pod, new long[] {1}, 1);
        assertThat(byName.matched(restarted, new long[] {1}, 1)).isEqualTo(1);
        assertThat(byInstance.matched(restarted, new long[] {1}, 1)).isZero();
    }

    @Test
    void rejectsInvalidSettings() {
        assertThatThrownBy(() -> new ApproxPrefixIndex(0, 1, false, nanos::get))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("capacityPerPod: 0 (expected: >= 1)");
        assertThatThrownBy(() -> new ApproxPrefixIndex(1, 0, false, nanos::get))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("ttlNanos: 0 (expected: > 0)");
    }
}
