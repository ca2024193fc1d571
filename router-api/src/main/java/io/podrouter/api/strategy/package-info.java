/**
 * The strategy SPI: how a selection strategy sees the candidates ({@link io.podrouter.api.strategy.CandidateView})
 * and how it answers ({@link io.podrouter.api.strategy.SelectionStrategy}). podrouter's own strategies
 * live in {@code io.podrouter.strategies}; write your own against these two interfaces. Composed strategies
 * ({@code io.podrouter.strategies.compose}) are built from {@link io.podrouter.api.strategy.CandidateFilter filters},
 * weighted {@link io.podrouter.api.strategy.Scorer scorers} (each in [0, 1], higher is better) and a
 * {@link io.podrouter.api.strategy.Picker picker}; a strategy or scorer may prepare state per candidate set and
 * learn from the router's selections and completions.
 *
 * <p>The SPI is shaped for an allocation-free hot path: candidates are addressed by index, metrics are
 * primitive doubles (NaN when missing), and a pick is encoded in a {@code long}.
 */
@NullMarked
package io.podrouter.api.strategy;

import org.jspecify.annotations.NullMarked;
