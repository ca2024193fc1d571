/**
 * podrouter's selection strategies, one class each: {@link io.podrouter.strategies.RoundRobinStrategy},
 * {@link io.podrouter.strategies.LeastRequestStrategy}, {@link io.podrouter.strategies.LeastKvCacheStrategy},
 * {@link io.podrouter.strategies.LeastLatencyStrategy} and {@link io.podrouter.strategies.RandomStrategy}.
 *
 * <p>All are immutable apart from internal counters, thread-safe, allocation-free per pick, and break
 * ties uniformly at random (never by list order). The metric-driven ones decide what to do with pods
 * whose metric is missing by a {@link io.podrouter.strategies.MissingMetricPolicy}.
 *
 * <p>Depends only on {@code io.podrouter.api}.
 */
@NullMarked
package io.podrouter.strategies;

import org.jspecify.annotations.NullMarked;
