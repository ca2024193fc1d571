/**
 * <b>Not API.</b> Classes the router's own packages share but applications must not use: the live
 * telemetry counters ({@link io.podrouter.core.internal.RouterTelemetry}) behind
 * {@code Router.telemetry()}. They are public only because Java has no visibility between packages of
 * one module; anything here may change or disappear in any release without notice and is not covered by
 * podrouter's compatibility promises. Use {@code io.podrouter.core.telemetry} instead
 * ({@code TelemetrySnapshot}, {@code PrometheusExposition}), or the Micrometer binder.
 *
 * <p>A build test fails when a class of another podrouter module depends on this package.
 */
@NullMarked
package io.podrouter.core.internal;

import org.jspecify.annotations.NullMarked;
