/**
 * The public API of podrouter: the value types a gateway passes in ({@link io.podrouter.api.Pod},
 * {@link io.podrouter.api.InferenceRequest}), the SPI it implements ({@link io.podrouter.api.MetricsSource}),
 * and the selector it calls ({@link io.podrouter.api.PodSelector}).
 *
 * <p>This package has no dependencies beyond the JDK at run time. All records here are immutable and safe
 * to share between threads. Strategy authors also need {@link io.podrouter.api.strategy}.
 *
 * <p><b>Nullness.</b> Every package of podrouter is {@code @NullMarked} (JSpecify): a parameter, return
 * value, field or record component is non-null unless it carries {@code @Nullable}, and the Javadoc says
 * what null means there. The JSpecify annotations are for compile-time tools (NullAway, the Checker
 * Framework, Kotlin, IDEs); podrouter-api declares them as an optional dependency, so they are not passed
 * on to your project and nothing needs them at run time.
 */
@NullMarked
package io.podrouter.api;

import org.jspecify.annotations.NullMarked;
