/**
 * <b>Not API.</b> Classes the router's own packages share but applications must not use: the live
 * telemetry counters ({@link io.podrouter.core.internal.RouterTelemetry}) behind
 * {@code Router.telemetry()}. They are public only because code outside {@code io.podrouter.core} (the
 * telemetry package's tests) drives them, and Java without a {@code module-info} has no visibility
 * limited to a group of packages; anything here may change or disappear in any release without notice
 * and is not covered by podrouter's compatibility promises. Use {@code io.podrouter.core.telemetry} instead
 * ({@code TelemetrySnapshot}, {@code PrometheusExposition}), or the Micrometer binder.
 *
 * <p>No other podrouter module's main code depends on this package; a build test checks it.
 */
@NullMarked
package io.podrouter.core.internal;

import org.jspecify.annotations.NullMarked;
