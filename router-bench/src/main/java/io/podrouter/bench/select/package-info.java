/**
 * JMH benchmarks of the selection hot path: podrouter's {@code selectPod} plus {@code complete} per
 * strategy ({@link io.podrouter.bench.select.RouterSelectBenchmark}), the peer load balancers measured
 * the same way ({@link io.podrouter.bench.select.PeerSelectBenchmark}), floors
 * ({@link io.podrouter.bench.select.BaselineBenchmark}), and the program that turns JMH's JSON into
 * {@code RESULTS.md} ({@link io.podrouter.bench.select.ResultsReport}). {@code router-bench/bench.sh}
 * builds and runs them all.
 */
package io.podrouter.bench.select;
