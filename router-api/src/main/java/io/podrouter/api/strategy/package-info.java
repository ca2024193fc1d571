/**
 * The strategy SPI: how a selection strategy sees the candidates ({@link io.podrouter.api.strategy.CandidateView})
 * and how it answers ({@link io.podrouter.api.strategy.SelectionStrategy}). podrouter's own strategies
 * live in {@code io.podrouter.strategies}; write your own against these two interfaces.
 *
 * <p>The SPI is shaped for an allocation-free hot path: candidates are addressed by index, metrics are
 * primitive doubles (NaN when missing), and a pick is encoded in a {@code long}.
 */
package io.podrouter.api.strategy;
