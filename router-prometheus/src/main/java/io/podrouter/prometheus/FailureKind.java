package io.podrouter.prometheus;

/**
 * Why a scrape of a pod failed. Every failure makes that pod's metrics
 * {@link io.podrouter.api.MissingReason#SCRAPE_FAILED} (with a detail naming the kind) until its next
 * successful scrape, and is counted in {@link ScrapeStats}.
 */
public enum FailureKind {
    /** No URI could be made for the pod (port 0, a bad port or path label, or the URI function threw). */
    BAD_TARGET,
    /** The connection was refused or could not be opened. */
    CONNECT,
    /** No complete response (headers and body) within the timeout. */
    TIMEOUT,
    /** The server answered with a status other than 2xx. */
    HTTP_STATUS,
    /** The body (declared or received) exceeded the configured maximum size. */
    BODY_TOO_LARGE,
    /** Another I/O error, e.g. the connection closed before the declared body length arrived. */
    IO,
    /**
     * The body was not read because all scrapes together already hold
     * {@link PrometheusScraper.Builder#maxTotalBodyBytes maxTotalBodyBytes} of bodies (many pods answering
     * with huge bodies at once); the pod is scraped again next round.
     */
    MEMORY_BUDGET,
    /** The body is not valid Prometheus text (includes bodies cut off mid-line). */
    PARSE,
    /** A metric the engine mapping reads is declared with another type (e.g. a gauge where a histogram is expected). */
    WRONG_TYPE,
    /** An unexpected error inside the scraper (a bug); logged with its stack trace. */
    INTERNAL
}
