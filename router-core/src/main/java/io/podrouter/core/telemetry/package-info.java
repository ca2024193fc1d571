/**
 * The router's telemetry: its immutable snapshot ({@link io.podrouter.core.telemetry.TelemetrySnapshot},
 * from {@code Router.telemetry()}): selections by strategy and fallback, selections and in-flight
 * requests per pod, outcomes, the {@code pod_coldstart_duration_seconds} histogram and cold-start
 * counters, outlier ejections; and the Prometheus text exposition writer
 * ({@link io.podrouter.core.telemetry.PrometheusExposition}). For Micrometer, see the
 * {@code router-micrometer} module.
 *
 * <p>{@link io.podrouter.core.telemetry.RouterTelemetry} holds the live counters; it is internal (public
 * only for the router's own packages) and not meant for applications.
 *
 * <p>Depends only on {@code io.podrouter.api} and the JDK.
 */
@NullMarked
package io.podrouter.core.telemetry;

import org.jspecify.annotations.NullMarked;
