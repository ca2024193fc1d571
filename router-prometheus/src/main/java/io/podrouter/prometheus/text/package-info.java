/**
 * A parser for the Prometheus text exposition format 0.0.4, tolerant of the OpenMetrics 1.0 text
 * variant, written for podrouter's metrics scraper ({@link io.podrouter.prometheus.PrometheusScraper}).
 *
 * <p><b>A low-level utility.</b> Most users never touch this package: the scraper uses it for them. It
 * is public for tools and tests that read a {@code /metrics} body themselves (podrouter's example gateway
 * and its tests do). Its types are the parser's object model, no more: there are no helpers to call
 * (the byte-string cache and the suffix and type lookups are package-private).
 *
 * <p>Two ways to use it:
 * <ul>
 *   <li><b>Streaming</b>: {@link io.podrouter.prometheus.text.PrometheusTextParser#parse(byte[], int, int,
 *       SampleVisitor)} calls a {@link io.podrouter.prometheus.text.SampleVisitor} for each family and
 *       sample, through a reused {@link io.podrouter.prometheus.text.SampleView}. Names and label values
 *       are decoded only when the visitor asks for them and come from a per-parser cache, so parsing a
 *       body whose names were seen before allocates nothing per sample. This is what the scraper uses:
 *       it extracts a dozen families out of hundreds.</li>
 *   <li><b>Whole document</b>: {@link io.podrouter.prometheus.text.PrometheusTextParser#parseExposition(byte[])}
 *       builds an immutable {@link io.podrouter.prometheus.text.Exposition}, for tests and tools.</li>
 * </ul>
 *
 * <p>Malformed input always yields one exception type, the checked
 * {@link io.podrouter.prometheus.text.ParseException}, which names the 1-based line number. Parsing is a
 * single forward scan: its time is linear in the input size, whatever the input.
 *
 * <p>This package depends on nothing else in podrouter.
 *
 * <p>Null is not allowed in this package's API unless a type says {@code @Nullable} (JSpecify).
 */
@NullMarked
package io.podrouter.prometheus.text;

import org.jspecify.annotations.NullMarked;
