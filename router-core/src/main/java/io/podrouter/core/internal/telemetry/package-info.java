/**
 * <b>Internal: not API, not exported by the module.</b> The router's live telemetry counters
 * ({@link io.podrouter.core.internal.telemetry.RouterTelemetry}, read by applications through
 * {@code Router.telemetry()} as a {@code TelemetrySnapshot}), the wrapper that keeps a user's event
 * listener's exceptions away from the router, the per-pod log-line limiter, and the name of the router's
 * logger. The lowest of the internal packages: it depends on the API and on the public
 * {@code io.podrouter.core.telemetry} package only.
 *
 * <p>Public only so that the router's other packages can use it; the module does not export it, and on the
 * class path it may change or disappear in any release without notice. Use {@code io.podrouter.core.telemetry}
 * ({@code TelemetrySnapshot}, {@code PrometheusExposition}) or the Micrometer binder instead.
 */
@NullMarked
package io.podrouter.core.internal.telemetry;

import org.jspecify.annotations.NullMarked;
