package io.podrouter.core;

import io.podrouter.api.Candidates;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.strategies.LeastKvCacheStrategy;
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
     * share. On the train family every such protection cost them (a 30 s ramp: round-robin 1.05x plain's TTFT p99
     * during the scale-out, least-request 1.98x), so by default a pod that just became Ready, without metrics,
     * holds exactly its share of 100 concurrent requests.
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
     * to the slow new pods, which made round-robin and least-request worse than without outlier detection in 18 of
     * 600 runs. A timeout is a failure slower than every recent success; it counts neither way.
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

    /**
     * The burst guard is off by default for every chain that does not keep affinity, metric rankings included (on
     * the train family it bought least-KV-cache nothing and cost least-latency one run of 46x): a cold pod holds
     * what the strategy sends it. Set explicitly, it caps a metric ranking's cold pod at 8.
     */
    @Test
    void theBurstCapDefaultsToAffinityChainsOnly() {
        List<Pod> fleet = new ArrayList<>(pods(1));
        fleet.add(Pod.ready("cold", "h", 9000, clock.instant()));
        // Round-robin by default: no cap, the cold pod holds its round-robin half of 100 concurrent requests.
        Router rr = track(defaults(new RoundRobinStrategy(), 7).build());
        Candidates set = rr.candidates(fleet);
        for (int r = 0; r < 100; r++) {
            rr.selectPod(REQ, set);
        }
        assertThat(rr.inFlight("cold")).isEqualTo(50);
        // Least-KV-cache: the warm pod's KV cache is 90 % full, so its fair-share policy sends the cold pod its
        // half (binomial, sd 5) and nothing holds it back; with the cap set, 8 (the warm mean is below 8).
        source.answers.put("pod-0", kvUsage(0.9));
        List<Pod> fleet2 = List.of(Pod.ready("pod-0", "h", 1, T0), Pod.ready("cold2", "h", 2, clock.instant()));
        for (boolean capped : new boolean[] {false, true}) {
            Router.Builder b = Router.builder().metricsSource(source).strategy(new LeastKvCacheStrategy()).clock(clock)
                    .random(RandomSource.seeded(5)).metricsRefreshInterval(Duration.ZERO);
            Router kv = track((capped ? b.coldStartInFlightCap(8) : b).build());
            Candidates set2 = kv.candidates(fleet2);
            for (int r = 0; r < 100; r++) {
                kv.selectPod(REQ, set2);
            }
            if (capped) {
                assertThat(kv.inFlight("cold2")).isLessThanOrEqualTo(8);
            } else {
                assertThat(kv.inFlight("cold2")).isBetween(25, 75);
            }
        }
    }

    private MetricsLookup kvUsage(double kv) {
        return MetricsLookup.present(PodMetrics.observedAt(clock.instant()).withKvCacheUsage(kv).withRunningRequests(8)
                .withWaitingRequests(2));
    }
}
