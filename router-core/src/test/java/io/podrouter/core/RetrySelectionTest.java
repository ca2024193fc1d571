package io.podrouter.core;

import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MissingReason;
import io.podrouter.api.NoPodAvailableException;
import io.podrouter.api.Outcome;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RejectReason;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastRequestStrategy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Retries: {@code selectPod(request, candidates, excludedPodIds)}. */
class RetrySelectionTest extends VirtualClockRouterTest {

    private Router router(io.podrouter.api.strategy.SelectionStrategy s) {
        return track(defaults(s, 7).build());
    }

    private void kv(String id, double usage) {
        source.answers.put(id, MetricsLookup.present(PodMetrics.observedAt(clock.instant()).withKvCacheUsage(usage)));
    }

    @Test
    void retryNeverReturnsAnExcludedPodAndKeepsRankingTheRest() {
        Router router = router(new LeastKvCacheStrategy());
        kv("pod-0", 0.1);
        kv("pod-1", 0.2);
        kv("pod-2", 0.9);
        Candidates set = router.candidates(pods(3));
        router.selectPod(REQ, set).complete(Outcome.SUCCESS, 1); // builds the set's table
        int lookups = source.lookups.get();
        for (int i = 0; i < 200; i++) {
            PodSelection s = router.selectPod(REQ, set, List.of("pod-0"));
            assertThat(s.pod().id()).isEqualTo("pod-1"); // the best of the rest, not a random one
            s.complete(Outcome.SUCCESS, 1);
        }
        assertThat(source.lookups.get()).as("a retry asks the metrics source nothing").isEqualTo(lookups);
        assertThat(router.inFlight("pod-1")).isZero();
    }

    @Test
    void retryWithEveryPodExcludedThrowsAndCountsThemAsExcluded() {
        Router router = router(new LeastRequestStrategy());
        Candidates set = router.candidates(pods(2));
        assertThatThrownBy(() -> router.selectPod(REQ, set, Set.of("pod-0", "pod-1")))
                .isInstanceOfSatisfying(NoPodAvailableException.class,
                        e -> assertThat(e.rejections()).containsEntry(RejectReason.EXCLUDED, 2))
                .hasMessageContaining("2 EXCLUDED");
    }

    @Test
    void nullOrEmptyOrUnknownExclusionsExcludeNothing() {
        Router router = router(new LeastRequestStrategy());
        Candidates set = router.candidates(pods(3));
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            PodSelection a = router.selectPod(REQ, set, null);
            PodSelection b = router.selectPod(REQ, set, List.of());
            PodSelection c = router.selectPod(REQ, set, List.of("not-a-candidate"));
            for (PodSelection s : List.of(a, b, c)) {
                seen.merge(s.pod().id(), 1, Integer::sum);
                s.complete(Outcome.SUCCESS, 1);
            }
        }
        assertThat(seen).containsOnlyKeys("pod-0", "pod-1", "pod-2");
    }

    @Test
    void aNullExcludedIdThrows() {
        Router router = router(new LeastRequestStrategy());
        Candidates set = router.candidates(pods(2));
        List<String> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> router.selectPod(REQ, set, withNull))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("excludedPodIds");
    }

    @Test
    void anExcludedCandidateReportsNoMissingReasonAsTheViewDocuments() {
        // CandidateView.missingReason: null when the candidate is not ready. pod-0's scrape failed, so it is
        // a ready candidate with a reason; excluded for a retry it is not ready, and must not carry one.
        source.answers.put("pod-0", MetricsLookup.missing(MissingReason.SCRAPE_FAILED));
        kv("pod-1", 0.2);
        List<String> seen = new ArrayList<>();
        SelectionStrategy probe = new SelectionStrategy() {
            @Override
            public String name() {
                return "probe";
            }

            @Override
            public boolean ranksByMetrics() {
                return false;
            }

            @Override
            public long pick(InferenceRequest request, CandidateView v) {
                seen.add(v.isReady(0) + " " + v.missingReason(0));
                return SelectionStrategy.chosen(v.readyIndex(0));
            }
        };
        Router router = router(probe);
        Candidates set = router.candidates(pods(2));
        router.selectPod(REQ, set).complete(Outcome.SUCCESS, 1);
        router.selectPod(REQ, set, List.of("pod-0")).complete(Outcome.SUCCESS, 1);
        assertThat(seen).containsExactly("true SCRAPE_FAILED", "false null");
    }
}
