/**
 * <b>Internal: not API, not exported by the module.</b> The cold-start lifecycle of each pod as the
 * router tracks it on table builds: {@link io.podrouter.core.internal.coldstart.ColdStartTracker} (cold from
 * Ready until the first metrics per model and the end of the warm-up, the cold-start histogram and events),
 * the per-pod {@link io.podrouter.core.internal.coldstart.ColdStartState} a pod handle owns, the warm-up
 * state machine, and the settings the router gathers for them
 * ({@link io.podrouter.core.internal.coldstart.ColdStartConfig}). The user-facing settings and predictors
 * are in the public {@code io.podrouter.core.coldstart} package.
 *
 * <p>Depends on the API, the public {@code io.podrouter.core.coldstart} package and
 * {@code io.podrouter.core.internal.telemetry} only; it knows nothing of pod handles or tables. Public only so
 * that the router's table package can use it; the module does not export it.
 */
@NullMarked
package io.podrouter.core.internal.coldstart;

import org.jspecify.annotations.NullMarked;
