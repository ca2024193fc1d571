package io.podrouter.prometheus;

import io.podrouter.api.Pod;
import org.jspecify.annotations.Nullable;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns a pod into a scrape target: the engine mapping and the URI to scrape, by the user's functions or
 * the default rule. Immutable and thread-safe (the functions it calls must be, as the builder documents).
 */
final class TargetResolver {

    private final Function<Pod, EngineMapping> engines;
    private final Function<Pod, URI> targetUri;
    /** Whether {@code targetUri} is the default rule, whose own messages need no stack trace. */
    private final boolean defaultRule;

    TargetResolver(Function<Pod, EngineMapping> engines, @Nullable Function<Pod, URI> targetUri, String metricsPath) {
        this.engines = engines;
        this.targetUri = targetUri != null ? targetUri : defaultTargetUri(metricsPath);
        this.defaultRule = targetUri == null;
    }

    /**
     * The target for {@code pod}: its URI and engine, or, when the engine or URI function throws or returns
     * something unusable, a target that cannot be scraped and says why (the pod then fails as
     * {@link FailureKind#BAD_TARGET} on every scrape instead of the exception escaping
     * {@link PrometheusScraper#updateTargets}).
     */
    PodScrapeState resolve(Pod pod) {
        EngineMapping engine;
        try {
            engine = Objects.requireNonNull(engines.apply(pod), "engine function returned null");
        } catch (RuntimeException e) {
            return new PodScrapeState(pod, null, EngineMapping.vllm(), "engine for pod: " + e, e);
        }
        try {
            URI uri = targetUri.apply(pod);
            if (uri == null) {
                return new PodScrapeState(pod, null, engine, "target URI function returned null", null);
            }
            if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
                return new PodScrapeState(pod, null, engine, "target URI " + uri + " (expected: http or https)", null);
            }
            return new PodScrapeState(pod, uri, engine, null, null);
        } catch (RuntimeException e) {
            // the default rule's own IllegalArgumentExceptions say all there is; anything else keeps its stack trace
            boolean own = defaultRule && e instanceof IllegalArgumentException;
            return new PodScrapeState(pod, null, engine, e.getMessage() == null ? e.toString() : e.getMessage(), own ? null : e);
        }
    }

    /** The default rule: {@code http://host:port<metricsPath>}, with the pod labels overriding port and path. */
    static Function<Pod, URI> defaultTargetUri(String metricsPath) {
        return pod -> {
            int port = pod.port();
            String portLabel = pod.labels().get(PrometheusScraper.METRICS_PORT_LABEL);
            if (portLabel != null) {
                try {
                    port = Integer.parseInt(portLabel.trim());
                } catch (NumberFormatException e) {
                    port = -1;
                }
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("label " + PrometheusScraper.METRICS_PORT_LABEL + "=" + portLabel + " (expected: a port 1..65535)");
                }
            }
            if (port == 0) {
                throw new IllegalArgumentException("pod port 0 (expected: a port, or the label " + PrometheusScraper.METRICS_PORT_LABEL + ")");
            }
            String path = pod.labels().getOrDefault(PrometheusScraper.METRICS_PATH_LABEL, metricsPath);
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("label " + PrometheusScraper.METRICS_PATH_LABEL + "=" + path + " (expected: a path starting with /)");
            }
            String host = pod.host().indexOf(':') >= 0 && !pod.host().startsWith("[") ? "[" + pod.host() + "]" : pod.host();
            try {
                return new URI("http://" + host + ":" + port + path);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("cannot make a URI for host " + pod.host() + " and path " + path + ": " + e.getMessage());
            }
        };
    }
}
