package io.podrouter.core;

import io.podrouter.api.Candidates;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.strategies.LeastRequestStrategy;
import io.podrouter.strategies.RoundRobinStrategy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default rules chosen on the simulator's train family (router-bench/SIMULATION.md, "How podrouter's defaults
 * were chosen"), each in the situation that motivated it, on a virtual clock and a seeded random source.
 */
class TrainedDefaultsTest extends VirtualClockRouterTest {

    /**
     * Round-robin and least-request keep their own logic for a new pod: no slow-start ramp, no burst cap, no cold
     * share. On the train family a 30 s ramp cost them (round-robin 1.11x plain's TTFT p99 during the scale-out,
     * least-request 2.59x), so by default a pod that just became Ready, without metrics, holds exactly its share
     * of 100 concurrent requests.
     */
    @Test
    void roundRobinAndLeastRequestGiveANewPodExactlyItsShareByDefault() {
        for (SelectionStrategy strategy : List.of(new RoundRobinStrategy(), new LeastRequestStrategy())) {
            Router router = track(defaults(strategy, 7).build());
            List<Pod> fleet = new ArrayList<>(pods(3));
            fleet.add(Pod.ready("new", "10.0.0.9", 8000, clock.instant()));
            Candidates set = router.candidates(fleet);
            for (int r = 0; r < 100; r++) {
                router.selectPod(REQ, set);
            }
            assertThat(router.inFlight("new")).as(strategy.name()).isEqualTo(25);
            assertThat(router.isCold("new")).as("the pod is cold, yet routed as the strategy decides").isTrue();
        }
    }

    /**
     * An overloaded pod whose requests time out stays in service: on the train family, small overloaded fleets
     * (one or two warm pods before a scale-out) had their busy pod ejected for its timeouts, and the traffic went
     * to the others, new and slow ones included, which made round-robin and least-request worse than without outlier
     * detection in 9 of 390 runs. A timeout is a failure slower than every recent success; it counts neither way.
     */
    @Test
    void anOverloadedPodWhoseRequestsTimeOutIsNotEjectedWhenANewPodArrives() {
        Router router = track(defaults(new LeastRequestStrategy(), 3).build());
        Candidates alone = router.candidates(pods(1));
        router.refreshMetrics();
        for (int r = 0; r < 60; r++) {
            PodSelection s = router.selectPod(REQ, alone);
            // The queue grows: the first 20 requests succeed after 25 s, then every one times out at 30 s.
            s.complete(r < 20 ? Outcome.SUCCESS : Outcome.FAILURE, Duration.ofSeconds(r < 20 ? 25 : 30).toNanos());
            clock.advance(Duration.ofMillis(100));
            router.refreshMetrics();
        }
        assertThat(router.isEjected("pod-0")).isFalse();
        List<Pod> fleet = new ArrayList<>(pods(1));
        fleet.add(Pod.ready("new", "10.0.0.9", 8000, clock.instant()));
        Candidates scaled = router.candidates(fleet);
        int toWarm = 0;
        for (int r = 0; r < 100; r++) {
            PodSelection s = router.selectPod(REQ, scaled);
            toWarm += s.pod().id().equals("pod-0") ? 1 : 0;
        }
        assertThat(toWarm).as("least-request splits 100 open requests evenly").isEqualTo(50);
    }
}
