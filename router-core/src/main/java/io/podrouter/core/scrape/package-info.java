/**
 * A ready-made {@link io.podrouter.api.MetricsSource} for vLLM and SGLang pods:
 * {@link io.podrouter.core.scrape.PrometheusScraper} scrapes each pod's Prometheus {@code /metrics}
 * endpoint over HTTP in the background and answers lookups from memory.
 *
 * <ul>
 *   <li>{@link io.podrouter.core.scrape.EngineMapping}: which metric fills which
 *       {@link io.podrouter.api.PodMetrics} field, per engine (vLLM, SGLang, or your own).</li>
 *   <li>Latencies are recent, not lifetime: the change of each cumulative histogram between two scrapes
 *       (package-private {@code LatencyEstimator}), robust to server restarts.</li>
 *   <li>Failures are reported per pod as {@link io.podrouter.api.MissingReason#SCRAPE_FAILED} with a
 *       {@link io.podrouter.core.scrape.FailureKind}, counted in
 *       {@link io.podrouter.core.scrape.ScrapeStats}.</li>
 * </ul>
 *
 * <p>Depends on {@link io.podrouter.core.prometheus} for parsing, on router-api, on the JDK's
 * {@code java.net.http} client and on SLF4J; on nothing else.
 */
package io.podrouter.core.scrape;
