package io.podrouter.bench.select;

import io.podrouter.api.PodSelection;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the benchmark's own setup, operation and teardown outside JMH, for every parameter but the largest sizes. */
class RouterSelectBenchmarkTest {

    @Test
    void everyStrategyAndMetricsModeSelectsAndBalancesInFlight() {
        for (RouterStrategy strategy : RouterStrategy.values()) {
            for (MetricsMode metrics : MetricsMode.values()) {
                RouterSelectBenchmark bench = new RouterSelectBenchmark();
                bench.strategy = strategy;
                bench.metrics = metrics;
                bench.pods = 64;
                bench.setUp();
                Set<String> chosen = new HashSet<>();
                for (int i = 0; i < 2000; i++) {
                    PodSelection s = i % 2 == 0 ? bench.oneThread() : bench.twoThreads();
                    chosen.add(s.pod().id());
                }
                bench.tearDown(); // throws when an in-flight count did not return to 0
                assertThat(chosen).as(strategy + " " + metrics).isNotEmpty();
            }
        }
    }

    @Test
    void peerBenchmarkRunsOutsideJmh() {
        PeerSelectBenchmark bench = new PeerSelectBenchmark();
        bench.peer = io.podrouter.bench.peers.Peer.FINAGLE_P2C;
        bench.pods = 8;
        bench.setUp();
        assertThat(bench.oneThread()).isNotNull();
        bench.tearDown();
    }
}
