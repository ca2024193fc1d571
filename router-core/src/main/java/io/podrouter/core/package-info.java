/**
 * The router: {@link io.podrouter.core.Router} implements {@link io.podrouter.api.PodSelector} over
 * router-owned per-pod state and immutable per-model metric tables.
 *
 * <p><b>Hot path.</b> A selection reads an immutable {@code MetricsTable} (primitive arrays, one entry
 * per candidate) through a volatile field, runs the strategy chain over it, increments the chosen pod's
 * in-flight counter and returns a 32-byte selection object (measured: 32 B/op in router-bench). It takes
 * no lock, reads no clock (unless a maximum in-flight age is set) and does no per-candidate hash lookup;
 * each invariant is stated as a comment where it is enforced ({@code SelectionPipeline}, {@code Completions},
 * {@code MetricsTable.coldPick}). Everything time-dependent (metric lookups, staleness, readiness, state
 * change logging) happens when tables are rebuilt: in the background every refresh interval, or on
 * demand via {@link io.podrouter.core.Router#refreshMetrics()}. In-flight counters live in int chunks
 * owned by the router ({@code InFlightCounters}), one cache line per pod, at a constant stride for scans.
 *
 * <p><b>Layout, one owner per concern.</b> {@code Router} is the facade (candidate sets, the three
 * {@code selectPod} overloads, telemetry, close) and {@code AbstractRouterBuilder} its settings.
 * {@code SelectionPipeline} makes a selection: cold share, chain, ejection/stall re-check, admission,
 * overflow, in that order. {@code Completions} runs a completion's hooks (token ledger, observing strategies,
 * stall progress, burst guard, outlier detection, telemetry and listener); {@code InFlightLedger}'s reclaim
 * completes abandoned selections through the same hooks. {@code RefreshLoop} schedules
 * {@code Router.refreshMetrics}, which runs {@code OutlierDetector} (per-pod {@code Health} monitors, two
 * rules, one veto), {@code StallDetector}, the ledger's reclaim, and the table builds ({@code TableBuilder},
 * {@code ColdStartTracker} per (pod, model), {@code MetricsReader}) into {@code MetricsTable} /
 * {@code TableColumns}. Per-pod state is {@code PodHandle}.
 *
 * <p>Cold-start building blocks are in {@code io.podrouter.core.coldstart}, telemetry in
 * {@code io.podrouter.core.telemetry}; neither depends on this package. {@code io.podrouter.core.internal}
 * holds what these packages share and is not API. The Prometheus scraper for vLLM
 * and SGLang pods is a separate artifact, {@code podrouter-prometheus} ({@code io.podrouter.prometheus}).
 */
@NullMarked
package io.podrouter.core;

import org.jspecify.annotations.NullMarked;
