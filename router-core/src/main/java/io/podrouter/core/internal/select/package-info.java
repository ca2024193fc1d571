/**
 * <b>Internal: not API, not exported by the module.</b> A selection's life, from the pick to its completion
 * or reclaim: {@link io.podrouter.core.internal.select.SelectionPipeline} (bounded cold share, strategy
 * chain, ejection and stall re-check, admission, overflow, in that order), the {@code PodSelection} it returns
 * ({@code Selection}, pointing at a shared {@code Decision}), the completion hooks ({@code Completions}: token
 * ledger, observing strategies, stall progress, burst guard, outlier detection, telemetry and listener), the
 * ledger that reclaims selections nobody completed ({@link io.podrouter.core.internal.select.InFlightLedger})
 * and the once-per-strategy fault log. The selection, its decision and the completion hooks refer to each
 * other, so they share this package.
 *
 * <p>Hot-path invariants (no lock, one allocation per selection, no per-candidate hash lookup, no clock read
 * unless a maximum in-flight age is set) are stated where they are enforced: {@code SelectionPipeline},
 * {@code Completions}, and {@code MetricsTable.coldPick} in the table package.
 *
 * <p>Depends on the API and the internal {@code table}, {@code health} and {@code telemetry} packages, never on
 * the facade. Public only so that the facade can use it; the module does not export it.
 */
@NullMarked
package io.podrouter.core.internal.select;

import org.jspecify.annotations.NullMarked;
