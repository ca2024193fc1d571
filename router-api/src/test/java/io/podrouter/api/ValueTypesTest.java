package io.podrouter.api;

import io.podrouter.api.strategy.SelectionStrategy;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ValueTypesTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void podRejectsBlankIdsHostsAndBadPortsWithMessagesNamingTheField() {
        assertThatThrownBy(() -> Pod.ready(null, "h", 1, T0)).isInstanceOf(NullPointerException.class).hasMessageContaining("id");
        assertThatThrownBy(() -> Pod.ready(" ", "h", 1, T0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id: blank");
        assertThatThrownBy(() -> Pod.ready("p", "", 1, T0)).hasMessageContaining("host: blank");
        assertThatThrownBy(() -> Pod.ready("p", "h", -1, T0)).hasMessage("port: -1 (expected: 0..65535)");
        assertThatThrownBy(() -> Pod.ready("p", "h", 70000, T0)).hasMessageContaining("port: 70000");
    }

    @Test
    void readyPodRequiresReadySinceAndNotReadyPodDropsIt() {
        assertThatThrownBy(() -> new Pod("p", "h", 1, null, true, null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("readySince");
        Pod notReady = new Pod("p", "h", 1, null, false, T0);
        assertThat(notReady.readySince()).isNull();
        assertThat(notReady.labels()).isEmpty();
        assertThat(notReady.markedReady(T0).readySince()).isEqualTo(T0);
    }

    @Test
    void podCopiesLabelsSoLaterChangesDoNotLeakIn() {
        Map<String, String> labels = new HashMap<>();
        labels.put("model", "a");
        Pod pod = Pod.ready("p", "h", 1, T0).withLabels(labels);
        labels.put("model", "b");
        assertThat(pod.labels()).containsEntry("model", "a");
        assertThat(Pod.ready("p", "::1", 8000, T0).authority()).isEqualTo("[::1]:8000");
    }

    @Test
    void podMetricsTreatsNanAsAbsentAndReportsOutOfRangeValues() {
        PodMetrics m = PodMetrics.observedAt(T0);
        assertThat(m.hasKvCacheUsage()).isFalse();
        assertThat(m.firstInvalidValue()).isNull();
        assertThat(m.withKvCacheUsage(0.5).firstInvalidValue()).isNull();
        assertThat(m.withKvCacheUsage(1.7).firstInvalidValue()).isEqualTo("kvCacheUsage=1.7 (expected: 0..1)");
        assertThat(m.withRunningRequests(-1).firstInvalidValue()).contains("runningRequests=-1.0");
        assertThat(m.withTimeToFirstTokenSeconds(Double.POSITIVE_INFINITY).firstInvalidValue())
                .contains("timeToFirstTokenSeconds=Infinity");
        assertThat(m.withTimeToFirstTokenSeconds(0.1).withTimePerOutputTokenSeconds(0.01).hasLatency()).isTrue();
        assertThatThrownBy(() -> PodMetrics.observedAt(null)).hasMessageContaining("observedAt");
    }

    @Test
    void inferenceRequestValidatesModelAndTokenCounts() {
        assertThatThrownBy(() -> InferenceRequest.forModel(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> InferenceRequest.forModel("  ")).hasMessageContaining("model: blank");
        assertThatThrownBy(() -> InferenceRequest.forModel("m").withPromptTokens(-2)).hasMessageContaining("promptTokens: -2");
        assertThatThrownBy(() -> InferenceRequest.forModel("m").withMaxOutputTokens(-5)).hasMessageContaining("maxOutputTokens: -5");
        InferenceRequest r = InferenceRequest.forModel("m").withMaxOutputTokens(16).withHeaders(null);
        assertThat(r.maxOutputTokens()).isEqualTo(16);
        assertThat(r.promptTokens()).isEqualTo(InferenceRequest.UNKNOWN);
        assertThat(r.headers()).isEmpty();
    }

    @Test
    void metricsLookupOutcomesAreDistinctAndSharedConstantsReused() {
        MetricsLookup missing = MetricsLookup.missing(MissingReason.STALE);
        assertThat(missing).isInstanceOf(MetricsLookup.Missing.class).isSameAs(MetricsLookup.missing(MissingReason.STALE));
        assertThat(((MetricsLookup.Missing) missing).reason()).isEqualTo(MissingReason.STALE);
        assertThat(MetricsLookup.notReady()).isInstanceOf(MetricsLookup.NotReady.class);
        assertThat(MetricsLookup.present(PodMetrics.observedAt(T0))).isInstanceOf(MetricsLookup.Present.class);
        assertThatThrownBy(() -> MetricsLookup.present(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> MetricsLookup.missing(null, "x")).isInstanceOf(NullPointerException.class);
    }

    @Test
    void noPodAvailableMessageNamesModelCountAndReasons() {
        NoPodAvailableException e = new NoPodAvailableException("llama", 3,
                Map.of(RejectReason.POD_NOT_READY, 2, RejectReason.SOURCE_NOT_READY, 1));
        assertThat(e).hasMessage("no pod available for model 'llama': 3 candidates, rejected: 2 POD_NOT_READY, 1 SOURCE_NOT_READY");
        assertThat(e.rejections()).containsEntry(RejectReason.POD_NOT_READY, 2);
        assertThat(new NoPodAvailableException("llama", 0, null)).hasMessage("no pod available for model 'llama': no candidates");
    }

    @Test
    void pickEncodingRoundTripsIndexAndFlags() {
        long p = SelectionStrategy.randomFallback(4096);
        assertThat(SelectionStrategy.index(p)).isEqualTo(4096);
        assertThat(SelectionStrategy.isRandomFallback(p)).isTrue();
        assertThat(SelectionStrategy.isPredicted(p)).isFalse();
        assertThat(SelectionStrategy.isPass(SelectionStrategy.PASS)).isTrue();
        assertThat(SelectionStrategy.isRandomFallback(SelectionStrategy.PASS)).isFalse();
        assertThat(SelectionStrategy.isPredicted(SelectionStrategy.predicted(7))).isTrue();
        assertThatThrownBy(() -> SelectionStrategy.chosen(-1)).hasMessageContaining("index: -1");
    }

    @Test
    void seededRandomSourceIsReproducible() {
        RandomSource a = RandomSource.seeded(42);
        RandomSource b = RandomSource.seeded(42);
        for (int i = 0; i < 100; i++) {
            assertThat(a.nextInt(1000)).isEqualTo(b.nextInt(1000));
        }
    }

    @Test
    void nullWhereTheApiMarksItNullableMeansNoneOrUnknown() {
        // every @Nullable input of the value types: accepted, and normalised as each Javadoc says
        InferenceRequest r = new InferenceRequest("m", null, -1, -1, null, null, null, null);
        assertThat(r.prompt()).isNull();
        assertThat(r.headers()).isEmpty();
        assertThat(r.tokenIds()).isNull();
        assertThat(r.tokenIdCount()).isEqualTo(InferenceRequest.UNKNOWN);
        assertThat(r.sessionKey()).isNull();
        assertThat(r.loraAdapter()).isNull();
        assertThat(r.estimatedPromptTokens()).isZero();
        assertThat(new Pod("p", "h", 1, null, false, T0).labels()).isEmpty();
        assertThat(new Pod("p", "h", 1, null, false, T0).readySince()).as("ignored when not ready").isNull();
        assertThatThrownBy(() -> new Pod("p", "h", 1, null, true, null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("readySince: null");
        assertThat(PodMetrics.observedAt(T0).withExtra(null).extra()).isEmpty();
        assertThat(PodMetrics.observedAt(T0).firstInvalidValue()).isNull();
        assertThat(new MetricsLookup.NotReady(null).detail()).isEmpty();
        assertThat(new MetricsLookup.Missing(MissingReason.STALE, null).detail()).isEmpty();
        assertThatThrownBy(() -> MetricsLookup.missing((MissingReason) null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("reason: null");
        MetricsPredictor.PredictionInput in = new MetricsPredictor.PredictionInput(
                Pod.ready("p", "h", 1, T0), "m", null, -3, null);
        assertThat(in.age()).isEqualTo(java.time.Duration.ZERO);
        assertThat(in.inFlight()).isZero();
        assertThat(in.peers()).isEmpty();
        NoPodAvailableException e = new NoPodAvailableException(null, 0, null);
        assertThat(e.model()).isNull();
        assertThat(e).hasMessage("no pod available for model '?': no candidates");
        assertThat(e.rejections()).isEmpty();
    }
}
