package io.podrouter.api;

/**
 * The SPI a gateway implements (or takes ready-made, e.g. podrouter's Prometheus scraper) to tell the
 * router what it knows about a pod's load.
 *
 * <p><b>Contract.</b> {@link #lookup(Pod, String)} returns one of three outcomes (see
 * {@link MetricsLookup}): not ready, missing with a reason, or present. It should answer from memory
 * (a cache filled by a background scraper), fast and without blocking on I/O: the router calls it
 * while refreshing a candidate snapshot, at most once per pod, model and refresh interval
 * ({@code Router.Builder.metricsRefreshInterval}, 50 ms by default), never once per request per pod.
 *
 * <p><b>Thread safety.</b> Implementations must be safe to call from several threads at once; the
 * router does not serialise calls.
 *
 * <p><b>Bad answers.</b> The router is defensive, so a faulty source degrades routing but never breaks
 * it: an exception thrown by {@code lookup} or a null result counts as
 * {@link MissingReason#SOURCE_ERROR} for that pod; metrics with an out-of-range value (negative counts
 * or latencies, KV-cache usage outside 0..1, infinities) count as {@link MissingReason#INVALID_VALUE};
 * metrics observed longer ago than the router's maximum age count as {@link MissingReason#STALE}.
 * NaN means "this metric is absent" and is not an error. Each such change is logged once per pod and
 * state change, never once per request.
 *
 * <p>Example: a source backed by a map your scraper fills:
 * <pre>{@code
 * Map<String, PodMetrics> latest = new ConcurrentHashMap<>();
 * MetricsSource source = (pod, model) -> {
 *     PodMetrics m = latest.get(pod.id());
 *     return m == null ? MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED) : MetricsLookup.present(m);
 * };
 * }</pre>
 */
@FunctionalInterface
public interface MetricsSource {

    /**
     * What is known about {@code pod}'s load for requests to {@code model}.
     *
     * @param pod   the pod; never null
     * @param model the model the request asks for (a server may serve several models or LoRA adapters
     *              with separate metrics); never null or blank. Sources that keep one set of metrics per
     *              pod may ignore it.
     * @return the outcome; should not be null (null is treated as {@link MissingReason#SOURCE_ERROR})
     */
    MetricsLookup lookup(Pod pod, String model);
}
