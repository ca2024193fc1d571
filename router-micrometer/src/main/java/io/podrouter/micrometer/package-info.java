/**
 * Micrometer integration: {@link io.podrouter.micrometer.PodRouterMetrics}, a {@code MeterBinder} that
 * exposes a router's telemetry (selections, per-pod selections and in-flight requests, outcomes,
 * fallbacks, the cold-start histogram, outlier ejections) as meters named like the router's Prometheus
 * exposition.
 *
 * <p>An optional module: it depends on {@code router-core} and {@code micrometer-core}; the router
 * itself does not depend on Micrometer. Null is not allowed in this package's API unless a parameter or
 * return type says {@code @Nullable}.
 */
@NullMarked
package io.podrouter.micrometer;

import org.jspecify.annotations.NullMarked;
