/**
 * An OpenAI-compatible HTTP gateway built on podrouter, on Netty's HTTP server: it reads the model from
 * each request, picks a backend with a {@link io.podrouter.core.Router} fed by a
 * {@link io.podrouter.prometheus.PrometheusScraper}, forwards the request over a bounded pool of keep-alive
 * connections to that pod on the same Netty event loops (streams pass through chunk by chunk, as fast as
 * the client reads), retries once on another pod when a
 * backend fails before the answer started (within a {@link io.podrouter.examples.gateway.RetryBudget}),
 * bounds every phase with a timeout, reports each attempt's outcome to the router, lists the served
 * models, and exposes the router's telemetry and its own at {@code /metrics}.
 * See {@link io.podrouter.examples.gateway.InferenceGateway}.
 */
package io.podrouter.examples.gateway;
