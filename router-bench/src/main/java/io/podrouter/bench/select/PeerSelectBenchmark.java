package io.podrouter.bench.select;

import io.podrouter.bench.peers.Peer;
import io.podrouter.bench.peers.PeerBalancer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The peers' pick plus completion, measured exactly like {@link RouterSelectBenchmark}: same modes,
 * candidate counts and thread counts, the pick's handle returned to JMH (so it escapes), and the
 * library's own in-flight accounting started at the pick and ended at once. See
 * {@link Peer#caveat()} for what is not like for like.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class PeerSelectBenchmark {

    @Param({"GRPC_ROUND_ROBIN", "GRPC_LEAST_REQUEST", "GRPC_WEIGHTED_ROUND_ROBIN", "RIBBON_ROUND_ROBIN",
            "RIBBON_BEST_AVAILABLE", "FINAGLE_P2C", "FINAGLE_P2C_PEAK_EWMA"})
    public Peer peer;

    @Param({"8", "64", "512", "4096"})
    public int pods;

    private PeerBalancer balancer;

    /** Builds the peer over {@link #pods} fake endpoints and makes a few picks (JMH's warm-up does the rest). */
    @Setup(Level.Trial)
    public void setUp() {
        balancer = peer.create(pods);
        // Bounded: Ribbon's BestAvailableRule takes about a millisecond per pick at 4096 servers.
        for (int i = 0; i < 64; i++) {
            selectAndComplete();
        }
    }

    /** Stops the peer's threads and timers. */
    @TearDown(Level.Trial)
    public void tearDown() {
        balancer.close();
    }

    private Object selectAndComplete() {
        Object handle = balancer.select();
        balancer.complete(handle);
        return handle;
    }

    /** One thread picking and completing. */
    @Benchmark
    @Threads(1)
    public Object oneThread() {
        return selectAndComplete();
    }

    /** Two threads picking and completing on the same balancer. */
    @Benchmark
    @Threads(2)
    public Object twoThreads() {
        return selectAndComplete();
    }
}
