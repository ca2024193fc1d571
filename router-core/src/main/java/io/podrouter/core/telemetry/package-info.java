/**
 * Cold-start telemetry: the counters and the {@code pod_coldstart_duration_seconds} histogram the router
 * keeps ({@link io.podrouter.core.telemetry.RouterTelemetry}), their immutable snapshot
 * ({@link io.podrouter.core.telemetry.TelemetrySnapshot}), the Prometheus text exposition writer
 * ({@link io.podrouter.core.telemetry.PrometheusExposition}) and a safe wrapper for user event listeners.
 *
 * <p>Depends only on {@code io.podrouter.api}, the JDK and SLF4J.
 */
package io.podrouter.core.telemetry;
