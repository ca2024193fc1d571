/**
 * The public API of podrouter: the value types a gateway passes in ({@link io.podrouter.api.Pod},
 * {@link io.podrouter.api.InferenceRequest}), the SPI it implements ({@link io.podrouter.api.MetricsSource}),
 * and the selector it calls ({@link io.podrouter.api.PodSelector}).
 *
 * <p>This package has no dependencies beyond the JDK. All records here are immutable and safe to share
 * between threads. Strategy authors also need {@link io.podrouter.api.strategy}.
 */
package io.podrouter.api;
