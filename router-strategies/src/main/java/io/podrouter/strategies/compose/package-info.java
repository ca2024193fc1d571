/**
 * Composed, cache-aware selection: {@link io.podrouter.strategies.compose.ComposedStrategy} chains
 * {@linkplain io.podrouter.api.strategy.CandidateFilter filters}, weighted
 * {@linkplain io.podrouter.api.strategy.Scorer scorers} and a {@linkplain io.podrouter.api.strategy.Picker picker}
 * (the shape of llm-d's router), with prefix-cache affinity ({@link io.podrouter.strategies.compose.PrefixCacheScorer}),
 * a load gate ({@link io.podrouter.strategies.compose.LoadGateFilter}), request and token load
 * ({@link io.podrouter.strategies.compose.LoadScorer}), session affinity and LoRA affinity;
 * {@link io.podrouter.strategies.compose.CacheAware} assembles the default configuration.
 */
@NullMarked
package io.podrouter.strategies.compose;

import org.jspecify.annotations.NullMarked;
