/**
 * A parser for the Prometheus text exposition format 0.0.4, tolerant of the OpenMetrics 1.0 text
 * variant, written for podrouter's metrics scraper.
 *
 * <p>Two ways to use it:
 * <ul>
 *   <li><b>Streaming</b>: {@link io.podrouter.core.prometheus.PrometheusTextParser#parse(byte[], int, int,
 *       SampleVisitor)} calls a {@link io.podrouter.core.prometheus.SampleVisitor} for each family and
 *       sample, through a reused {@link io.podrouter.core.prometheus.SampleView}. Names and label values
 *       are decoded only when the visitor asks for them and come from a per-parser cache, so parsing a
 *       body whose names were seen before allocates nothing per sample. This is what the scraper uses:
 *       it extracts a dozen families out of hundreds.</li>
 *   <li><b>Whole document</b>: {@link io.podrouter.core.prometheus.PrometheusTextParser#parseExposition(byte[])}
 *       builds an immutable {@link io.podrouter.core.prometheus.Exposition}, for tests and tools.</li>
 * </ul>
 *
 * <p>Malformed input always yields one exception type, the checked
 * {@link io.podrouter.core.prometheus.ParseException}, which names the 1-based line number. Parsing is a
 * single forward scan: its time is linear in the input size, whatever the input.
 *
 * <p>This package depends on nothing else in podrouter.
 */
package io.podrouter.core.prometheus;
