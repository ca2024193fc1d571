package io.podrouter.kubernetes;

import io.podrouter.api.Candidates;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.core.Router;
import io.podrouter.strategies.LeastRequestStrategy;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CandidateSetsTest {

    @Test
    void keepsOnePreparedSetPerModelAndAnEmptyOneForUnknownModels() {
        try (Router router = Router.builder()
                .metricsSource((pod, model) -> MetricsLookup.present(PodMetrics.observedAt(Instant.now())))
                .strategies(new LeastRequestStrategy()).build()) {
            CandidateSets sets = new CandidateSets(router);
            assertThat(sets.candidates("m").size()).isZero();

            Pod a = Pod.ready("llm/a", "10.0.0.1", 8000, Instant.now().minusSeconds(600));
            sets.podsChanged("m", List.of(a));
            Candidates c = sets.candidates("m");
            assertThat(c.pods()).containsExactly(a);
            assertThat(sets.candidates("other").size()).isZero();

            sets.podsChanged("m", List.of());
            assertThat(sets.candidates("m").size()).isZero();
            assertThatThrownBy(() -> new CandidateSets(null)).isInstanceOf(NullPointerException.class);
        }
    }

    @Test
    void allPodsHandsOverTheUnionOfEveryModelSortedById() {
        List<List<Pod>> seen = new java.util.ArrayList<>();
        PodDiscoveryListener l = PodDiscoveryListener.allPods(seen::add);
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        Pod b = Pod.ready("b", "10.0.0.2", 8000, t);
        Pod a = Pod.ready("a", "10.0.0.1", 8000, t);
        l.podsChanged("m1", List.of(b));
        l.podsChanged("m2", List.of(a));
        l.podsChanged("m1", List.of());
        assertThat(seen).containsExactly(List.of(b), List.of(a, b), List.of(a));
        assertThatThrownBy(() -> PodDiscoveryListener.allPods(null)).isInstanceOf(NullPointerException.class);
    }
}
