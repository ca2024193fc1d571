package io.podrouter.core;

import io.podrouter.api.Candidates;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.NoPodAvailableException;
import io.podrouter.api.Outcome;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RejectReason;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastLatencyStrategy;
import io.podrouter.strategies.LeastRequestStrategy;
import io.podrouter.strategies.RandomStrategy;
import io.podrouter.strategies.RoundRobinStrategy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The unanswered-selection limit: a pod chosen {@code maxUnansweredSelections} times since its last success (and
 * more than twice the mean in-flight count of its candidate set), still holding one of those requests, is passed
 * over at the next pick, whatever the chain. This is what keeps
 * closed-loop clients from all ending up on a hung pod before the stall detector's timeout: a round-robin or a
 * random pick gives the pod its share of picks however many of them it holds, and a least-latency ranking gives
 * a pod without latency metrics (one that never answered) its fair share.
 */
class UnansweredSelectionsTest extends VirtualClockRouterTest {

    private static final int LIMIT = Router.DEFAULT_MAX_UNANSWERED_SELECTIONS;

    /** Runs {@code picks} selections; every pod but {@code hung} answers at once; returns the hung pod's held ones. */
    private static List<PodSelection> run(Router router, Candidates set, int picks, String hung) {
        List<PodSelection> held = new ArrayList<>();
        for (int i = 0; i < picks; i++) {
            PodSelection s = router.selectPod(REQ, set);
            if (s.pod().id().equals(hung)) {
                held.add(s);
            } else {
                s.complete(Outcome.SUCCESS, 1_000_000);
            }
        }
        return held;
    }

    @Test
    void roundRobinGivesAPodThatAnswersNothingExactlyTheLimitThenNothingWhileItHoldsThem() {
        Router router = track(defaults(new RoundRobinStrategy(), 1).build());
        Candidates set = router.candidates(pods(4));
        List<PodSelection> held = run(router, set, 1_000, "pod-0");
        // Without the rule round-robin gives it 250 of 1,000 (the last test below).
        assertThat(held).hasSize(LIMIT);
        assertThat(router.inFlight("pod-0")).isEqualTo(LIMIT);
    }

    @Test
    void everyChainThatIgnoresHeldRequestsIsBoundedTheSameWay() {
        // Random and round-robin give a pod its share whatever it holds; least-latency gives a pod without latency
        // metrics (it never answered, so it has none) its fair share of picks.
        source.answers.put("pod-0", MetricsLookup.present(PodMetrics.observedAt(clock.instant())
                .withRunningRequests(0).withWaitingRequests(0).withKvCacheUsage(0)));
        for (int p = 1; p < 4; p++) {
            source.answers.put("pod-" + p, MetricsLookup.present(PodMetrics.observedAt(clock.instant())
                    .withRunningRequests(1).withWaitingRequests(0).withKvCacheUsage(0.2)
                    .withTimeToFirstTokenSeconds(0.1).withTimePerOutputTokenSeconds(0.01)));
        }
        for (SelectionStrategy s : List.of(new RandomStrategy(), new LeastLatencyStrategy(), new LeastKvCacheStrategy())) {
            Router router = track(defaults(s, 3).build());
            Candidates set = router.candidates(pods(4));
            router.selectPod(REQ, set).complete(Outcome.SUCCESS, 1_000_000); // builds the table
            router.refreshMetrics();
            List<PodSelection> held = run(router, set, 1_000, "pod-0");
            assertThat(held).as(s.name()).hasSizeLessThanOrEqualTo(LIMIT);
            held.forEach(h -> h.complete(Outcome.CANCELLED, -1));
        }
    }

    @Test
    void aPodHoldingNothingMayTakeOneMoreSoARecoveredPodProvesItselfOneRequestAtATime() {
        Router router = track(defaults(new RoundRobinStrategy(), 1).build());
        Candidates set = router.candidates(pods(4));
        List<PodSelection> held = run(router, set, 100, "pod-0");
        // The gateway's timeout ends them: failures slower than any success, which outlier detection leaves alone.
        held.forEach(h -> h.complete(Outcome.FAILURE, 60_000_000_000L));
        assertThat(router.inFlight("pod-0")).isZero();

        List<PodSelection> next = run(router, set, 1_000, "pod-0");
        assertThat(next).as("one request while it holds nothing, then none while it holds that one").hasSize(1);

        // It answers: the count restarts and it takes its round-robin share again.
        next.get(0).complete(Outcome.SUCCESS, 1_000_000);
        int toPod0 = 0;
        for (int i = 0; i < 400; i++) {
            PodSelection s = router.selectPod(REQ, set);
            toPod0 += s.pod().id().equals("pod-0") ? 1 : 0;
            s.complete(Outcome.SUCCESS, 1_000_000);
        }
        assertThat(toPod0).isEqualTo(100);
    }

    @Test
    void aPodThatAnswersBetweenPicksNeverReachesTheLimitHoweverManyItHolds() {
        Router router = track(defaults(new RoundRobinStrategy(), 1).build());
        Candidates set = router.candidates(pods(2));
        // pod-0 holds every request it gets for a long time but answers one old request between two picks: a busy,
        // healthy pod with long generations. It keeps its share and ends up holding hundreds.
        List<PodSelection> open = new ArrayList<>();
        int toPod0 = 0;
        for (int i = 0; i < 1_000; i++) {
            PodSelection s = router.selectPod(REQ, set);
            if (s.pod().id().equals("pod-0")) {
                toPod0++;
                open.add(s);
                if (open.size() > 1 && toPod0 % 2 == 0) {
                    open.remove(0).complete(Outcome.SUCCESS, 1_000_000);
                }
            } else {
                s.complete(Outcome.SUCCESS, 1_000_000);
            }
        }
        assertThat(toPod0).isEqualTo(500);
        assertThat(router.inFlight("pod-0")).isGreaterThan(200);
    }

    @Test
    void aNewPodCatchingUpWithItsPeersUnderLeastRequestIsNotPassedOver() {
        Router router = track(defaults(new LeastRequestStrategy(), 1).build());
        Candidates four = router.candidates(pods(4));
        for (int i = 0; i < 40; i++) {
            router.selectPod(REQ, four).complete(Outcome.SUCCESS, 1_000_000);
        }
        List<PodSelection> held = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            held.add(router.selectPod(REQ, four)); // long requests: 20 on each pod, none answered yet
        }
        router.refreshMetrics();
        // A scale-out: pod-4 joins holding nothing, and least-request sends it every request until it holds what
        // its peers hold, 16 here, all before its first answer. A fixed limit of 8 would turn it away halfway,
        // back to the busy pods; the limit also needs twice the mean in-flight count (2 x 16).
        Candidates five = router.candidates(pods(5));
        int toNew = 0;
        for (int i = 0; i < 16; i++) {
            PodSelection s = router.selectPod(REQ, five);
            toNew += s.pod().id().equals("pod-4") ? 1 : 0;
            held.add(s);
        }
        assertThat(toNew).isEqualTo(16);
        held.forEach(s -> s.complete(Outcome.SUCCESS, 1_000_000));
    }

    @Test
    void whenEveryReadyPodIsPastTheLimitTheyStillServe() {
        Router router = track(defaults(new RoundRobinStrategy(), 1).build());
        Candidates set = router.candidates(pods(2));
        List<PodSelection> held = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            held.add(router.selectPod(REQ, set)); // nobody answers anything: a fleet-wide burst of long requests
        }
        assertThat(held).extracting(s -> s.pod().id()).containsOnly("pod-0", "pod-1");
        assertThat(held.stream().filter(s -> s.pod().id().equals("pod-0")).count()).isBetween(40L, 60L);
    }

    @Test
    void aRetryThatExcludesTheOnlyAnsweringPodGetsTheUnansweredOneRatherThanNothing() {
        Router router = track(defaults(new RoundRobinStrategy(), 1).build());
        Candidates set = router.candidates(pods(2));
        run(router, set, 100, "pod-0");
        PodSelection retry = router.selectPod(REQ, set, Set.of("pod-1"));
        assertThat(retry.pod().id()).isEqualTo("pod-0");
    }

    @Test
    void theRuleIsCountedAsAStallWhenItLeavesNobody() {
        Router router = track(defaults(new RoundRobinStrategy(), 1).build());
        Candidates set = router.candidates(pods(1));
        run(router, set, 0, "pod-0");
        for (int i = 0; i < LIMIT; i++) {
            router.selectPod(REQ, set);
        }
        // A single pod past its limit still serves (nothing else can)...
        assertThat(router.selectPod(REQ, set).pod().id()).isEqualTo("pod-0");
        // ...and a retry excluding it reports it as excluded, not as missing.
        assertThatThrownBy(() -> router.selectPod(REQ, set, Set.of("pod-0")))
                .isInstanceOf(NoPodAvailableException.class)
                .satisfies(e -> assertThat(((NoPodAvailableException) e).rejections()).containsKey(RejectReason.EXCLUDED));
    }

    @Test
    void zeroTurnsTheRuleOffAndNegativeIsRejected() {
        Router router = track(defaults(new RoundRobinStrategy(), 1).maxUnansweredSelections(0).build());
        Candidates set = router.candidates(pods(4));
        assertThat(run(router, set, 1_000, "pod-0")).hasSize(250);
        assertThatThrownBy(() -> Router.builder().maxUnansweredSelections(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxUnansweredSelections: -1 (expected: >= 0, zero for off)");
    }
}
