package io.podrouter.core.coldstart;

import io.podrouter.api.MetricsPredictor.PredictionInput;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PredictorTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Pod COLD = Pod.ready("cold", "h", 1, T0);

    private static PodMetrics peer(double running, double kv, double ttft, double tpot) {
        return PodMetrics.observedAt(T0).withRunningRequests(running).withWaitingRequests(0).withKvCacheUsage(kv)
                .withTimeToFirstTokenSeconds(ttft).withTimePerOutputTokenSeconds(tpot);
    }

    private static final List<PodMetrics> PEERS = List.of(
            peer(2, 0.2, 0.10, 0.010), peer(4, 0.4, 0.30, 0.020), peer(6, 0.6, 0.50, 0.030));

    @Test
    void peerMedianScalesPeersMedianByRelativeLoad() {
        // median running 4, waiting 0 -> peer load 4; an empty pod: f = (0 + 1) / (4 + 1) = 0.2
        PodMetrics p = new PeerMedianPredictor().predict(new PredictionInput(COLD, "m", Duration.ofSeconds(3), 0, PEERS));
        assertThat(p.kvCacheUsage()).isCloseTo(0.08, within(1e-12));
        assertThat(p.timeToFirstTokenSeconds()).isCloseTo(0.06, within(1e-12));
        assertThat(p.timePerOutputTokenSeconds()).isCloseTo(0.004, within(1e-12));
        assertThat(p.runningRequests()).isZero();
        assertThat(p.firstInvalidValue()).isNull();
        // as its own in-flight count reaches the peers' load it looks like them (f = 1)
        PodMetrics loaded = new PeerMedianPredictor().predict(new PredictionInput(COLD, "m", Duration.ofSeconds(3), 4, PEERS));
        assertThat(loaded.kvCacheUsage()).isCloseTo(0.4, within(1e-12));
        assertThat(loaded.runningRequests()).isEqualTo(4);
    }

    @Test
    void peerMedianMakesNoPredictionWithoutPeersAndCapsKvAtOne() {
        assertThat(new PeerMedianPredictor().predict(new PredictionInput(COLD, "m", Duration.ZERO, 0, List.of()))).isNull();
        PodMetrics p = new PeerMedianPredictor().predict(new PredictionInput(COLD, "m", Duration.ZERO, 100, PEERS));
        assertThat(p.kvCacheUsage()).isEqualTo(1.0);
    }

    @Test
    void peerMedianIgnoresPeersLackingAMetric() {
        List<PodMetrics> peers = List.of(peer(1, 0.5, Double.NaN, Double.NaN), peer(1, Double.NaN, Double.NaN, Double.NaN));
        PodMetrics p = new PeerMedianPredictor().predict(new PredictionInput(COLD, "m", Duration.ZERO, 1, peers));
        assertThat(p.kvCacheUsage()).isCloseTo(0.5, within(1e-12));
        assertThat(p.hasLatency()).isFalse();
    }

    @Test
    void historyPredictorLearnsThatNewPodsAreSlowerAtTheSameAge() {
        ColdStartHistoryPredictor history = new ColdStartHistoryPredictor();
        PredictionInput at10s = new PredictionInput(COLD, "m", Duration.ofSeconds(10), 0, PEERS);
        PodMetrics base = new PeerMedianPredictor().predict(at10s);
        // earlier cold pods at 5-15 s showed twice the predicted TTFT
        for (int k = 0; k < 50; k++) {
            history.observe(at10s, base.withTimeToFirstTokenSeconds(base.timeToFirstTokenSeconds() * 2));
        }
        assertThat(history.learnedRatio(Duration.ofSeconds(8), 3)).isCloseTo(2.0, within(1e-6));
        PodMetrics p = history.predict(new PredictionInput(COLD, "m", Duration.ofSeconds(8), 0, PEERS));
        assertThat(p.timeToFirstTokenSeconds()).isCloseTo(2 * base.timeToFirstTokenSeconds(), within(1e-9));
        // a bucket with no data borrows the nearest one; other metrics are untouched
        assertThat(history.learnedRatio(Duration.ofSeconds(200), 3)).isCloseTo(2.0, within(1e-6));
        assertThat(p.kvCacheUsage()).isCloseTo(base.kvCacheUsage(), within(1e-12));
    }

    @Test
    void historyPredictorMovesByExponentialMeanAndClampsOutliers() {
        ColdStartHistoryPredictor history = new ColdStartHistoryPredictor();
        PredictionInput in = new PredictionInput(COLD, "m", Duration.ofSeconds(40), 0, PEERS);
        PodMetrics base = new PeerMedianPredictor().predict(in);
        history.observe(in, base.withTimeToFirstTokenSeconds(base.timeToFirstTokenSeconds() * 3));
        assertThat(history.learnedRatio(in.age(), 3)).isCloseTo(3.0, within(1e-9)); // first observation taken as is
        history.observe(in, base.withTimeToFirstTokenSeconds(base.timeToFirstTokenSeconds() * 1000));
        // outlier clamped to 10, then folded in with weight 0.2: 0.8 * 3 + 0.2 * 10
        assertThat(history.learnedRatio(in.age(), 3)).isCloseTo(4.4, within(1e-9));
        assertThat(new ColdStartHistoryPredictor().learnedRatio(Duration.ZERO, 2)).isEqualTo(1.0);
    }
}
