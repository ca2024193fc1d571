package io.podrouter.core;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Pod;
import io.podrouter.api.RandomSource;
import io.podrouter.api.strategy.SelectionStrategy;
import org.junit.jupiter.api.AfterEach;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Shared fixture of the router tests that run on a virtual clock with a map-backed metrics source: routers
 * with the library's defaults, seeded, refreshed only by the test, and closed after each test.
 */
abstract class VirtualClockRouterTest {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final InferenceRequest REQ = InferenceRequest.forModel("llama");

    final MutableClock clock = new MutableClock(T0.plusSeconds(600));
    final MapMetricsSource source = new MapMetricsSource();
    private final List<Router> routers = new ArrayList<>();

    @AfterEach
    void closeRouters() {
        routers.forEach(Router::close);
    }

    /** The library's defaults, on the virtual clock, with a seeded random source and no background refresh. */
    Router.Builder defaults(SelectionStrategy s, long seed) {
        return Router.builder().metricsSource(source).strategy(s).clock(clock).random(RandomSource.seeded(seed))
                .metricsRefreshInterval(Duration.ZERO);
    }

    /** Closes {@code r} after the test. */
    Router track(Router r) {
        routers.add(r);
        return r;
    }

    /** {@code n} pods {@code pod-0..} Ready since {@link #T0}. */
    static List<Pod> pods(int n) {
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pods.add(Pod.ready("pod-" + i, "10.0.0." + i, 8000, T0));
        }
        return pods;
    }
}
