/**
 * A ready-made {@link io.podrouter.api.MetricsSource} for vLLM and SGLang pods (artifact
 * {@code podrouter-prometheus}): {@link io.podrouter.prometheus.PrometheusScraper} scrapes each pod's
 * Prometheus {@code /metrics} endpoint over HTTP in the background and answers lookups from memory.
 *
 * <ul>
 *   <li>{@link io.podrouter.prometheus.EngineMapping}: which metric fills which
 *       {@link io.podrouter.api.PodMetrics} field, per engine (vLLM, SGLang, or your own), and how the
 *       series of a data-parallel server are combined.</li>
 *   <li>Latencies are recent, not lifetime: the change of each cumulative histogram between two scrapes
 *       (package-private {@code LatencyEstimator}), robust to server restarts.</li>
 *   <li>Values no model server can mean (NaN, infinities, negative counts, absurdly large numbers,
 *       malformed histograms) are reported as {@link io.podrouter.api.MissingReason#INVALID_VALUE}, never
 *       passed on.</li>
 *   <li>Failures are reported per pod as {@link io.podrouter.api.MissingReason#SCRAPE_FAILED} with a
 *       {@link io.podrouter.prometheus.FailureKind}, counted in
 *       {@link io.podrouter.prometheus.ScrapeStats}.</li>
 * </ul>
 *
 * <p>Everything else in this package is package-private. The text-format parser the scraper is built on
 * is {@link io.podrouter.prometheus.text}. This module depends on podrouter-api, the JDK's
 * {@code java.net.http} client and SLF4J, on nothing else; it works with any
 * {@link io.podrouter.api.PodSelector}, and the router does not depend on it.
 *
 * <p>Null is not allowed in this package's API unless a type says {@code @Nullable} (JSpecify).
 */
@NullMarked
package io.podrouter.prometheus;

import org.jspecify.annotations.NullMarked;
