/**
 * The router's telemetry: its immutable snapshot ({@link io.podrouter.core.telemetry.TelemetrySnapshot},
 * from {@code Router.telemetry()}): selections by strategy and fallback, selections and in-flight
 * requests per pod, outcomes, the {@code pod_coldstart_duration_seconds} histogram and cold-start
 * counters, outlier ejections; and the Prometheus text exposition writer
 * ({@link io.podrouter.core.telemetry.PrometheusExposition}). For Micrometer, see the
 * {@code router-micrometer} module.
 *
 * <p>The live counters behind the snapshot are the router's own (in
 * {@code io.podrouter.core.internal.telemetry}, which is not API and not exported by the module);
 * applications read them only through {@code Router.telemetry()}.
 *
 * <p>Depends only on {@code io.podrouter.api} and the JDK.
 */
@NullMarked
package io.podrouter.core.telemetry;

import org.jspecify.annotations.NullMarked;
