package io.podrouter.bench.select;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Floors to read the other figures against: a plain {@link AtomicInteger} round robin over an array
 * (what one shared counter costs, alone and with 2 threads bouncing its cache line), and a plain
 * minimum scan over a {@code double[]} (what the cheapest possible metric scan costs per element).
 * Neither does any in-flight accounting.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class BaselineBenchmark {

    @Param({"8", "64", "512", "4096"})
    public int pods;

    private final AtomicInteger next = new AtomicInteger();
    private String[] endpoints;
    private double[] load;

    /** Fills the endpoint names and the load values (seeded, distinct with high probability). */
    @Setup
    public void setUp() {
        endpoints = new String[pods];
        load = new double[pods];
        SplittableRandom random = new SplittableRandom(RouterSelectBenchmark.SEED);
        for (int i = 0; i < pods; i++) {
            endpoints[i] = "pod-" + i;
            load[i] = random.nextDouble();
        }
    }

    private String roundRobin() {
        // floorMod keeps the index valid after the counter wraps past Integer.MAX_VALUE.
        return endpoints[Math.floorMod(next.getAndIncrement(), endpoints.length)];
    }

    /** Shared-counter round robin, 1 thread. */
    @Benchmark
    @Threads(1)
    public String atomicRoundRobinOneThread() {
        return roundRobin();
    }

    /** Shared-counter round robin, 2 threads on the same counter. */
    @Benchmark
    @Threads(2)
    public String atomicRoundRobinTwoThreads() {
        return roundRobin();
    }

    /** Index of the minimum of {@link #pods} doubles, first one on ties. */
    @Benchmark
    @Threads(1)
    public int minScanOneThread() {
        double[] values = load;
        int best = 0;
        double min = values[0];
        for (int i = 1; i < values.length; i++) {
            double v = values[i];
            if (v < min) {
                min = v;
                best = i;
            }
        }
        return best;
    }
}
