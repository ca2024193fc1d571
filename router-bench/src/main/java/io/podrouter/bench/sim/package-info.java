/**
 * A deterministic discrete-event simulator of an LLM serving cluster that replays scale-outs, scale-ins,
 * restarts and rolling updates with cold-starting pods and lets the real {@link io.podrouter.core.Router}
 * make every routing decision, and the scenario suite built on it.
 *
 * <p>One simulation is single-threaded, in virtual time (a binary heap of events; no sleeps, no wall
 * clock), reproducible for a given scenario and seed. Pods follow vLLM's continuous batching with a fitted
 * step-time model ({@link io.podrouter.bench.sim.StepTimeModel}) and, when requests carry token ids
 * ({@link io.podrouter.bench.sim.WorkloadSpec}: shared-prefix and multi-turn workloads), vLLM's automatic prefix
 * cache ({@code PrefixCache}); a virtual-time scraper publishes what vLLM
 * would ({@link io.podrouter.bench.sim.SimMetricsSource}); {@link io.podrouter.bench.sim.RouterConfig} lists
 * the router configurations compared; {@link io.podrouter.bench.sim.RunResult} defines every measure.
 * {@link io.podrouter.bench.sim.SimulatorMain} runs one scenario (table, CSV, SVG chart) or the suite
 * ({@link io.podrouter.bench.sim.Suite}: independent simulations on a thread pool, one CSV,
 * {@link io.podrouter.bench.sim.SuiteSummary} for the cold-start comparison,
 * {@link io.podrouter.bench.sim.CacheSummary} for the cache-aware one), and {@link io.podrouter.bench.sim.SimulationDoc} regenerates
 * the tables of {@code router-bench/SIMULATION.md}, where the model and its cited numbers are described.
 * {@link io.podrouter.bench.sim.ScenarioGenerator} draws scenario families from documented ranges and
 * {@link io.podrouter.bench.sim.FamilyReport} reports a family's runs as per-run ratios with bootstrap intervals.
 *
 * <p>Nothing in this package is thread-safe unless stated: one simulation runs on one thread; different
 * simulations may run on different threads.
 */
package io.podrouter.bench.sim;
