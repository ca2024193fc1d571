package io.podrouter.examples.gateway;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetryBudgetTest {

    @Test
    void allowsTheMinimumConcurrentRetriesWhateverTheLoad() {
        RetryBudget budget = new RetryBudget(20, 3);
        budget.requestStarted();
        assertThat(budget.tryAcquireRetry()).isTrue();
        assertThat(budget.tryAcquireRetry()).isTrue();
        assertThat(budget.tryAcquireRetry()).isTrue();
        assertThat(budget.tryAcquireRetry()).as("a 4th concurrent retry with 1 request in progress").isFalse();
        budget.releaseRetry();
        assertThat(budget.tryAcquireRetry()).as("after one retry ended").isTrue();
    }

    @Test
    void allowsThePercentOfRequestsInProgressAboveTheMinimum() {
        RetryBudget budget = new RetryBudget(20, 3);
        for (int i = 0; i < 100; i++) {
            budget.requestStarted();
        }
        assertThat(budget.limit()).isEqualTo(20);
        int granted = 0;
        while (budget.tryAcquireRetry()) {
            granted++;
        }
        assertThat(granted).isEqualTo(20);
        for (int i = 0; i < 50; i++) {
            budget.requestFinished();
        }
        assertThat(budget.limit()).as("20 %% of 50, floored, but at least 3").isEqualTo(10);
        assertThat(budget.tryAcquireRetry()).as("20 retries already run").isFalse();
    }

    @Test
    void zeroPercentAndZeroMinimumDisablesRetries() {
        RetryBudget budget = new RetryBudget(0, 0);
        budget.requestStarted();
        assertThat(budget.tryAcquireRetry()).isFalse();
    }

    @Test
    void concurrentAcquirersNeverExceedTheLimit() throws Exception {
        RetryBudget budget = new RetryBudget(10, 5);
        for (int i = 0; i < 100; i++) {
            budget.requestStarted();
        }
        AtomicInteger granted = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 1000; i++) {
                    if (budget.tryAcquireRetry()) {
                        granted.incrementAndGet();
                    }
                }
            });
            th.start();
            threads.add(th);
        }
        go.countDown();
        for (Thread th : threads) {
            th.join(10_000);
        }
        assertThat(granted.get()).isEqualTo(10);
        assertThat(budget.activeRetries()).isEqualTo(10);
    }

    @Test
    void rejectsOutOfRangeSettingsAndUnbalancedReleases() {
        assertThatThrownBy(() -> new RetryBudget(Double.NaN, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("percent: NaN (expected: 0..100)");
        assertThatThrownBy(() -> new RetryBudget(100.5, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetryBudget(-1, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetryBudget(20, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("minConcurrent: -1 (expected: >= 0)");
        RetryBudget budget = new RetryBudget(20, 3);
        assertThatThrownBy(budget::releaseRetry).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(budget::requestFinished).isInstanceOf(IllegalStateException.class);
        assertThat(budget.activeRetries()).isZero();
        assertThat(budget.activeRequests()).isZero();
    }
}
