/**
 * The router: {@link io.podrouter.core.Router} implements {@link io.podrouter.api.PodSelector} over
 * router-owned per-pod state and immutable per-model metric tables.
 *
 * <p><b>Hot path.</b> A selection reads an immutable {@code MetricsTable} (primitive arrays, one entry
 * per candidate) through a volatile field, runs the strategy chain over it, increments the chosen pod's
 * in-flight counter and returns a 24-byte selection object. It takes no lock, reads no clock and does
 * no per-candidate hash lookup. Everything time-dependent (metric lookups, staleness, readiness, state
 * change logging) happens when tables are rebuilt: in the background every refresh interval, or on
 * demand via {@link io.podrouter.core.Router#refreshMetrics()}.
 */
package io.podrouter.core;
