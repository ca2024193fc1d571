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
 * Floors to read the other figures against: a plain {@link AtomicInteger} round robin over 8 endpoint
 * names (what one shared counter costs, alone and with 2 threads bouncing its cache line; independent
 * of the endpoint count, so measured once), and a plain minimum scan over a {@code double[]} of 8 to
 * 4096 values (what the cheapest possible metric scan costs per element). Neither does any in-flight
 * accounting or returns a result object.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BaselineBenchmark {

    /** The shared round-robin counter and the names it cycles over. */
    @State(Scope.Benchmark)
    public static class Counter {
        private final AtomicInteger next = new AtomicInteger();
        private final String[] endpoints = {"pod-0", "pod-1", "pod-2", "pod-3", "pod-4", "pod-5", "pod-6", "pod-7"};

        String next() {
            // floorMod keeps the index valid after the counter wraps past Integer.MAX_VALUE.
            return endpoints[Math.floorMod(next.getAndIncrement(), endpoints.length)];
        }
    }

    /** The load values a minimum scan runs over. */
    @State(Scope.Benchmark)
    public static class Loads {
        @Param({"8", "64", "512", "4096"})
        public int pods;

        double[] values;

        /** Fills {@link #pods} seeded values (distinct with high probability). */
        @Setup
        public void setUp() {
            values = new double[pods];
            SplittableRandom random = new SplittableRandom(RouterSelectBenchmark.SEED);
            for (int i = 0; i < pods; i++) {
                values[i] = random.nextDouble();
            }
        }
    }

    /** Shared-counter round robin, 1 thread. */
    @Benchmark
    @Threads(1)
    public String atomicRoundRobinOneThread(Counter counter) {
        return counter.next();
    }

    /** Shared-counter round robin, 2 threads on the same counter. */
    @Benchmark
    @Threads(2)
    public String atomicRoundRobinTwoThreads(Counter counter) {
        return counter.next();
    }

    /** Index of the minimum of the values, first one on ties. */
    @Benchmark
    @Threads(1)
    public int minScanOneThread(Loads loads) {
        double[] values = loads.values;
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
