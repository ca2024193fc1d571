/**
 * The router: {@link io.podrouter.core.Router} implements {@link io.podrouter.api.PodSelector} over
 * router-owned per-pod state and immutable per-model metric tables.
 *
 * <p><b>Hot path.</b> A selection reads an immutable {@code MetricsTable} (primitive arrays, one entry
 * per candidate) through a volatile field, runs the strategy chain over it, increments the chosen pod's
 * in-flight counter and returns a 32-byte selection object (measured: 32 B/op in router-bench). It takes
 * no lock, reads no clock and does no per-candidate hash lookup. Everything time-dependent (metric lookups, staleness, readiness, state
 * change logging) happens when tables are rebuilt: in the background every refresh interval, or on
 * demand via {@link io.podrouter.core.Router#refreshMetrics()}. In-flight counters live in int chunks
 * owned by the router ({@code InFlightCounters}), one cache line per pod, at a constant stride for scans.
 *
 * <p>Cold-start building blocks are in {@code io.podrouter.core.coldstart}, telemetry in
 * {@code io.podrouter.core.telemetry}; neither depends on this package. {@code io.podrouter.core.internal}
 * holds what these packages share and is not API. The Prometheus scraper for vLLM
 * and SGLang pods is a separate artifact, {@code podrouter-prometheus} ({@code io.podrouter.prometheus}).
 */
@NullMarked
package io.podrouter.core;

import org.jspecify.annotations.NullMarked;
