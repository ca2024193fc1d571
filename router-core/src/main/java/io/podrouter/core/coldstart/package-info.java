/**
 * Cold-start building blocks the {@link io.podrouter.core.Router} composes: the slow-start ramp curve
 * ({@link io.podrouter.core.coldstart.SlowStart}), the warm-up settings
 * ({@link io.podrouter.core.coldstart.WarmupSettings}; the router runs the per-pod warm-up itself), and two
 * metric predictors ({@link io.podrouter.core.coldstart.PeerMedianPredictor},
 * {@link io.podrouter.core.coldstart.ColdStartHistoryPredictor}).
 *
 * <p>Depends only on {@code io.podrouter.api} and the JDK (and SLF4J for logging).
 */
@NullMarked
package io.podrouter.core.coldstart;

import org.jspecify.annotations.NullMarked;
