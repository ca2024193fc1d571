/**
 * <b>Internal: not API, not exported by the module.</b> Pod health, from what selections report: outlier
 * detection ({@link io.podrouter.core.internal.health.OutlierDetector}, per-pod {@code Health} counters, the
 * consecutive-failure and failure-rate rules and their veto in {@code OutlierRules}) and stall detection
 * ({@link io.podrouter.core.internal.health.StallDetector}). Both run on the router's refresh; the
 * completion path only counts. The rules read and flag pods through
 * {@link io.podrouter.core.internal.health.MonitoredPod}, which the router's pod handle implements.
 *
 * <p>Depends on the API, {@code io.podrouter.core.internal.telemetry} and one value type of the facade
 * package, the public settings {@code io.podrouter.core.OutlierDetection}. Public only so that the router's
 * other packages can use it; the module does not export it.
 */
@NullMarked
package io.podrouter.core.internal.health;

import org.jspecify.annotations.NullMarked;
