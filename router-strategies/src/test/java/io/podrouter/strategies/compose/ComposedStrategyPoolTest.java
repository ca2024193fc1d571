package io.podrouter.strategies.compose;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.strategy.SelectionStrategy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The composed strategy's scratch and its builder's message. */
class ComposedStrategyPoolTest {

    private static final InferenceRequest REQ = InferenceRequest.forModel("m");

    /**
     * One pick per new thread (what a gateway with a virtual thread per request does) reuses pooled scratch
     * arrays: before, a ThreadLocal created one scratch per thread, 200 here.
     */
    @Test
    void picksOnFreshThreadsReuseScratchInsteadOfAllocatingOnePerThread() throws InterruptedException {
        ComposedStrategy s = ComposedStrategy.builder("load").scorer(LoadScorer.inFlightRequests(), 1).build();
        View v = new View(64, 1);
        List<Long> picks = new ArrayList<>();
        for (int t = 0; t < 200; t++) {
            Thread th = new Thread(() -> {
                synchronized (picks) {
                    picks.add(s.pick(REQ, v));
                }
            });
            th.start();
            th.join();
        }
        assertThat(picks).hasSize(200).allMatch(p -> SelectionStrategy.index(p) < 64);
        // At most one per pool slot (16) when picks do not overlap; a ThreadLocal made 200.
        assertThat(s.scratchesCreated()).isLessThanOrEqualTo(16);
    }

    @Test
    void builderWithoutScorersNamesAScorerThatExists() {
        assertThatThrownBy(() -> ComposedStrategy.builder("x").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("scorers: none (expected: at least one, e.g. LoadScorer.inFlightRequests())");
    }

    /** Metric use is declared, with the same default for scorers and strategies (false). */
    @Test
    void metricRankingIsDeclaredAndBothDefaultsAreFalse() {
        SelectionStrategy plain = new SelectionStrategy() {
            @Override
            public String name() {
                return "plain";
            }

            @Override
            public long pick(InferenceRequest request, io.podrouter.api.strategy.CandidateView candidates) {
                return PASS;
            }
        };
        assertThat(plain.ranksByMetrics()).isFalse();
        assertThat(LoadScorer.inFlightRequests().usesMetrics()).isFalse();
        assertThat(ComposedStrategy.builder("load").scorer(LoadScorer.inFlightRequests(), 1).build().ranksByMetrics()).isFalse();
        assertThat(new io.podrouter.strategies.LeastKvCacheStrategy().ranksByMetrics()).isTrue();
        assertThat(new io.podrouter.strategies.LeastLatencyStrategy().ranksByMetrics()).isTrue();
    }
}
