/**
 * A deterministic discrete-event simulator of an LLM serving cluster that replays a scale-out with
 * cold-starting pods and lets the real {@link io.podrouter.core.Router} make every routing decision.
 *
 * <p>Single-threaded, in virtual time (a binary heap of events; no sleeps, no wall clock), reproducible
 * for a given seed. Pods follow vLLM's continuous batching with a fitted step-time model
 * ({@link io.podrouter.bench.sim.StepTimeModel}); a virtual-time scraper publishes what vLLM would
 * ({@link io.podrouter.bench.sim.SimMetricsSource}); {@link io.podrouter.bench.sim.RouterConfig} lists
 * the router configurations compared; {@link io.podrouter.bench.sim.SimulatorMain} runs them and writes
 * the table, the CSV and the SVG chart. The model and its cited numbers are described in
 * {@code router-bench/SIMULATION.md}.
 *
 * <p>Nothing in this package is thread-safe unless stated: one simulation runs on one thread.
 */
package io.podrouter.bench.sim;
