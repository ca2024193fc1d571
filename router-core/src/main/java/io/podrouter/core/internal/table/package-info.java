/**
 * <b>Internal: not API, not exported by the module.</b> Per-pod state and the per-model tables built from
 * it: {@link io.podrouter.core.internal.table.PodHandle} (one per pod id: the in-flight slot in
 * {@link io.podrouter.core.internal.table.InFlightCounters}, the health flags, the cold-start lifecycle, the
 * metrics state per model), {@link io.podrouter.core.internal.table.CandidateSet} (the router's
 * {@code Candidates}: handles and one table per model, replaced copy-on-write),
 * {@link io.podrouter.core.internal.table.TableBuilder} with {@code MetricsReader} (the metrics source's
 * answers turned into states, logged on change) and the immutable
 * {@link io.podrouter.core.internal.table.MetricsTable} (columns in {@code TableColumns}, the strategies'
 * reads in {@code ColumnView}) with the admission and cold-share rules a selection applies to it.
 *
 * <p>Depends on the API, the public {@code io.podrouter.core.coldstart} package, and the internal
 * {@code health}, {@code coldstart} and {@code telemetry} packages, never on the selection package or the
 * facade. Public only so that the router's selection package and facade can use it; the module does not
 * export it.
 */
@NullMarked
package io.podrouter.core.internal.table;

import org.jspecify.annotations.NullMarked;
