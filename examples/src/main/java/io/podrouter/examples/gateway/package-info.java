/**
 * An OpenAI-compatible HTTP gateway built on podrouter with the JDK alone: it reads the model from each
 * request, picks a backend with a {@link io.podrouter.core.Router} fed by a
 * {@link io.podrouter.prometheus.PrometheusScraper}, forwards the request (streams pass through chunk by
 * chunk), reports the outcome to the router, and exposes the router's telemetry at {@code /metrics}.
 * See {@link io.podrouter.examples.gateway.InferenceGateway}.
 */
package io.podrouter.examples.gateway;
