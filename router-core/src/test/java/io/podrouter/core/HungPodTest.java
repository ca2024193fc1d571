package io.podrouter.core;

import io.podrouter.api.Candidates;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.Outcome;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastLatencyStrategy;
import io.podrouter.strategies.LeastRequestStrategy;
import io.podrouter.strategies.RoundRobinStrategy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pod that stops answering while its scrapes keep reporting it idle (running 0, KV 0, fresh timestamps):
 * the field failure in which it went from 22 to 80 requests in flight in 20 s under the default chain.
 */
class HungPodTest extends VirtualClockRouterTest {

    private static final int PODS = 4;
    private static final int PER_SECOND = 40;
    private static final int TICKS_PER_SECOND = 20; // a 50 ms refresh, as by default

    /** Per simulated second, the selections that went to the hung pod-0. */
    private int[] simulate(Router router, int seconds) {
        Candidates set = router.candidates(pods(PODS));
        Map<String, ArrayDeque<PodSelection>> open = new HashMap<>();
        Map<String, ArrayDeque<Long>> openedAt = new HashMap<>();
        for (int p = 0; p < PODS; p++) {
            open.put("pod-" + p, new ArrayDeque<>());
            openedAt.put("pod-" + p, new ArrayDeque<>());
        }
        int[] toHung = new int[seconds];
        long tick = 0;
        for (int sec = 0; sec < seconds; sec++) {
            for (int t = 0; t < TICKS_PER_SECOND; t++, tick++) {
                // Healthy pods answer each request 1 s after it was sent; the hung pod answers nothing.
                for (int p = 1; p < PODS; p++) {
                    ArrayDeque<PodSelection> q = open.get("pod-" + p);
                    ArrayDeque<Long> at = openedAt.get("pod-" + p);
                    while (!at.isEmpty() && at.peekFirst() + TICKS_PER_SECOND <= tick) {
                        at.pollFirst();
                        q.pollFirst().complete(Outcome.SUCCESS, 1_000_000_000L);
                    }
                }
                if (t % 5 == 0) { // the scraper runs every 250 ms: healthy pods report what they hold
                    scrape(router);
                }
                for (int r = 0; r < PER_SECOND / TICKS_PER_SECOND; r++) {
                    PodSelection s = router.selectPod(REQ, set);
                    String id = s.pod().id();
                    open.get(id).addLast(s);
                    openedAt.get(id).addLast(tick);
                    if (id.equals("pod-0")) {
                        toHung[sec]++;
                    }
                }
                clock.advance(Duration.ofMillis(1000 / TICKS_PER_SECOND));
                router.refreshMetrics();
            }
        }
        return toHung;
    }

    private void scrape(Router router) {
        source.answers.put("pod-0", MetricsLookup.present(PodMetrics.observedAt(clock.instant())
                .withRunningRequests(0).withWaitingRequests(0).withKvCacheUsage(0)
                .withTimeToFirstTokenSeconds(0.1).withTimePerOutputTokenSeconds(0.01)));
        for (int p = 1; p < PODS; p++) {
            int held = router.inFlight("pod-" + p);
            source.answers.put("pod-" + p, MetricsLookup.present(PodMetrics.observedAt(clock.instant())
                    .withRunningRequests(held).withWaitingRequests(0).withKvCacheUsage(Math.min(1, 0.02 * held))
                    .withTimeToFirstTokenSeconds(0.1 + 0.01 * held).withTimePerOutputTokenSeconds(0.01)));
        }
    }

    private static int sum(int[] a, int from, int to) {
        int s = 0;
        for (int i = from; i < to; i++) {
            s += a[i];
        }
        return s;
    }

    /**
     * With the default chain, the hung pod takes about its fair share for a few seconds, then nothing: it
     * holds requests it does not answer for longer than {@link Router#DEFAULT_STALL_TIMEOUT} while its peers
     * answer theirs. Before the fix it took 1,150 of the 1,200 selections of seconds 10-40 (every one its
     * least-KV rank could give it).
     */
    @Test
    void hungPodWithIdleMetricsStopsAttractingRequestsWithinSeconds() {
        Router router = track(defaults(new LeastKvCacheStrategy(), 7)
                .strategies(new LeastKvCacheStrategy(), new LeastRequestStrategy()).build());
        int[] toHung = simulate(router, 40);
        // The stall timeout is 5 s; from second 6 on it gets nothing.
        assertThat(sum(toHung, 6, 40)).as("selections of the hung pod in seconds 6-40: %s", java.util.Arrays.toString(toHung)).isZero();
        assertThat(router.telemetry().stalledPods()).isEqualTo(1);
        assertThat(router.telemetry().podStalls()).isEqualTo(1);
        assertThat(router.isStalled("pod-0")).isTrue();
    }

    /** The rule is the router's, not the chain's: every strategy stops feeding the hung pod. */
    @Test
    void everyChainStopsFeedingTheHungPod() {
        List<SelectionStrategy> chains = List.of(new LeastLatencyStrategy(), new RoundRobinStrategy(),
                new LeastRequestStrategy());
        for (SelectionStrategy s : chains) {
            Router router = track(defaults(s, 11).build());
            int[] toHung = simulate(router, 20);
            assertThat(sum(toHung, 6, 20)).as("%s: %s", s.name(), java.util.Arrays.toString(toHung)).isZero();
        }
    }

    /**
     * A scrape's running count cannot forgive selections the pod has not answered: with the stall rule out of
     * the way (a long timeout), the in-flight correction alone keeps the hung pod from taking more than its
     * peers hold. Before the fix the correction restarted at every scrape and the pod took 95 % of selections.
     */
    @Test
    void scrapeThatDoesNotCountOurRequestsDoesNotResetTheInFlightCorrection() {
        Router router = track(defaults(new LeastKvCacheStrategy(), 7)
                .strategies(new LeastKvCacheStrategy(), new LeastRequestStrategy())
                .stallTimeout(Duration.ofHours(1)).build());
        int[] toHung = simulate(router, 20);
        // Each healthy pod holds about 10 (40/s for 1 s, over 4 pods); the hung pod soaks up requests until it
        // holds about as many as that in corrected KV, then takes a trickle as the others' requests complete.
        assertThat(router.inFlight("pod-0")).as(java.util.Arrays.toString(toHung).toString()).isLessThan(40);
        assertThat(sum(toHung, 10, 20)).isLessThan(40);
    }

    /** A pod whose requests all take long, like its peers', is not stalled: the threshold follows the peers. */
    @Test
    void podServingLongRequestsLikeItsPeersIsNotStalled() {
        Router router = track(defaults(new LeastRequestStrategy(), 3).build());
        Candidates set = router.candidates(pods(2));
        List<PodSelection> open = new ArrayList<>();
        // Every request takes 20 s on both pods; one request per 10 s each.
        for (int sec = 0; sec < 120; sec++) {
            if (sec % 10 == 0) {
                open.add(router.selectPod(REQ, set));
            }
            if (sec >= 20 && sec % 10 == 0) {
                open.remove(0).complete(Outcome.SUCCESS, 20_000_000_000L);
            }
            clock.advance(Duration.ofSeconds(1));
            router.refreshMetrics();
            assertThat(router.telemetry().stalledPods()).as("second %d", sec).isZero();
        }
    }

    /** A stalled pod that answers again is trusted again at the next refresh. */
    @Test
    void stalledPodThatAnswersIsTrustedAgain() {
        Router router = track(defaults(new LeastRequestStrategy(), 5).build());
        Candidates set = router.candidates(pods(2));
        PodSelection stuck = null;
        for (int sec = 0; sec < 10; sec++) {
            PodSelection s = router.selectPod(REQ, set);
            if (s.pod().id().equals("pod-0") && stuck == null) {
                stuck = s;
            } else {
                s.complete(Outcome.SUCCESS, 1_000_000);
            }
            clock.advance(Duration.ofSeconds(1));
            router.refreshMetrics();
        }
        assertThat(stuck).isNotNull();
        assertThat(router.isStalled("pod-0")).isTrue();
        stuck.complete(Outcome.SUCCESS, 10_000_000_000L);
        router.refreshMetrics();
        assertThat(router.isStalled("pod-0")).isFalse();
        assertThat(router.telemetry().stalledPods()).isZero();
    }
}
