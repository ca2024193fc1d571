/**
 * The router: {@link io.podrouter.core.Router} implements {@link io.podrouter.api.PodSelector} over
 * router-owned per-pod state and immutable per-model metric tables; {@link io.podrouter.core.Router.Builder}
 * (settings in {@link io.podrouter.core.AbstractRouterBuilder}) configures it, and
 * {@link io.podrouter.core.OutlierDetection} holds the outlier-detection settings.
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
 * <p><b>Layout, one owner per concern.</b> This package is the facade: {@code Router} (candidate sets, the
 * three {@code selectPod} overloads, the refresh, telemetry, close), its builder, and {@code RefreshLoop},
 * which schedules {@code Router.refreshMetrics}. Cold-start settings and predictors are in
 * {@code io.podrouter.core.coldstart}, the telemetry snapshot and Prometheus exposition in
 * {@code io.podrouter.core.telemetry}; the module exports these three packages only. The rest is internal,
 * not exported, in {@code io.podrouter.core.internal.*}, one package per concern:
 * <ul>
 *   <li>{@code select}: {@code SelectionPipeline} (cold share, chain, ejection/stall re-check, admission,
 *       overflow), the selection it returns, its completion hooks ({@code Completions}) and the
 *       {@code InFlightLedger} that reclaims abandoned selections through the same hooks;</li>
 *   <li>{@code table}: per-pod state ({@code PodHandle}, {@code InFlightCounters}), candidate sets, and the
 *       table builds ({@code TableBuilder}, {@code MetricsReader}) into {@code MetricsTable} /
 *       {@code TableColumns};</li>
 *   <li>{@code health}: {@code OutlierDetector} (per-pod {@code Health} monitors, two rules, one veto) and
 *       {@code StallDetector}, both run by the refresh;</li>
 *   <li>{@code coldstart}: {@code ColdStartTracker} per (pod, model), the per-pod {@code ColdStartState} and
 *       the warm-up;</li>
 *   <li>{@code telemetry}: the live counters ({@code RouterTelemetry}), the listener wrapper, the per-pod log
 *       limiter.</li>
 * </ul>
 *
 * <p><b>Imports run one way</b>, in this order: this package, {@code internal.select}, {@code internal.table},
 * {@code internal.health}, {@code internal.coldstart}, {@code internal.telemetry}, {@code coldstart},
 * {@code telemetry}; a package imports only packages after it, and the internal packages import one type of
 * this package, the settings value {@code OutlierDetection} (which imports nothing of router-core). A unit
 * test ({@code PackageLayoutTest}) checks the order and that no main source file exceeds 500 lines. The
 * Prometheus scraper for vLLM and SGLang pods is a separate artifact, {@code podrouter-prometheus}
 * ({@code io.podrouter.prometheus}).
 */
@NullMarked
package io.podrouter.core;

import org.jspecify.annotations.NullMarked;
