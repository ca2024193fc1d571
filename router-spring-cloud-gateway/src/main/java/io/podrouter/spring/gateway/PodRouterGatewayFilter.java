package io.podrouter.spring.gateway;

import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.NoPodAvailableException;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * Routes OpenAI-style completion requests to the pod podrouter picks: a Spring Cloud Gateway {@link GlobalFilter}
 * between {@link RouteToRequestUrlFilter} ({@value RouteToRequestUrlFilter#ROUTE_TO_URL_FILTER_ORDER}) and
 * {@link ReactiveLoadBalancerClientFilter} ({@value ReactiveLoadBalancerClientFilter#LOAD_BALANCER_CLIENT_FILTER_ORDER}),
 * active on routes whose URI is {@code podrouter://POOL} (or whose metadata key {@value PodRouterPools#POOL_METADATA}
 * names a pool); every other route passes through.
 *
 * <p><b>Per request:</b> {@code POST} with {@code Content-Type: application/json} (else 405 / 415); the body is
 * read once into memory, at most {@code podrouter.max-request-size} bytes (else 413, before reading when
 * {@code Content-Length} says so), and replayed to the pod from that copy on every attempt; {@code model},
 * {@code stream}, {@code max_tokens}, the prompt or messages are read into an {@link InferenceRequest}
 * ({@code OpenAiRequest}; 400 for a body that is not such a request) together with the session key from the
 * {@code podrouter.session-header} header; a model the pool does not list gets 404 {@code model_not_found}; the
 * pool's router chooses a pod ({@code selectPod}); {@code GATEWAY_REQUEST_URL_ATTR} is rewritten to
 * {@code http://host:port} plus the request URL's path and query, and the chain goes on to Spring Cloud Gateway's
 * Netty routing filter, which sends it. The answer carries the header {@value #POD_HEADER} naming the pod.
 * Errors are OpenAI-shaped JSON ({@code {"error":{"message","type","param","code"}}}): 503 with
 * {@code Retry-After} when the pool has no ready pod ({@link NoPodAvailableException}), 502 when the pod cannot be
 * reached (after the retries), 500 for a route naming a pool that is not configured. The response body, server-sent
 * events included, is relayed untouched.
 *
 * <p><b>Completion.</b> Every selection is completed exactly once: attempts that are retried as FAILURE here; the
 * last one by {@link PodRouterCompletionFilter} when the response has been written (SUCCESS below 500, FAILURE
 * for 5xx or an error, CANCELLED when the client went away), which also reports the first body chunk as the
 * first token. This filter's own chain completes when the pod's response headers arrive, too early for that.
 *
 * <p><b>Retries</b> (this filter's own mechanism, not Spring Cloud Gateway's {@code Retry} filter): when the pod
 * cannot be connected to, the connection fails before its response headers, or it answers 5xx, and no byte of the
 * answer has reached the client, the request is sent once more to another pod: {@code selectPod} with the pods
 * already tried excluded, at most {@code podrouter.max-retries} times (default 1, like the example gateway), and
 * only within the retry budget (Envoy's: retries in progress at most 20 % of the requests in progress, at least 3
 * at once). The 5xx answer being replaced is discarded (its connection closed) before the retry. A response-timeout
 * ({@code spring.cloud.gateway.httpclient.response-timeout}) is not retried: the pod may be generating, and a second
 * generation would double the cost. When no other pod is left, the failure is relayed (5xx as the pod sent it, a
 * connection failure as 502). Why not the {@code Retry} filter: it re-runs the chain without a say in which pod
 * comes next, counts attempts per request rather than against a budget, and its status rule cannot tell the retry
 * of a connection failure from that of a 5xx that the client should see.
 *
 * <p><b>Why not Spring Cloud LoadBalancer.</b> Its SPI cannot carry podrouter's contract: a
 * {@code ReactorServiceInstanceLoadBalancer} receives spring-cloud-commons' {@code RequestData}, which holds the
 * method, URL, headers, cookies and attributes but no body (so no model, prompt or output limit), and its
 * {@code LoadBalancerLifecycle} has no cancel callback (a client that leaves mid-stream would keep its in-flight
 * slot) and is told SUCCESS by the gateway's {@code ReactiveLoadBalancerClientFilter} for any response, 5xx
 * included (outlier detection would never see a failing pod).
 *
 * <p>Thread-safe; the router's {@code selectPod} is non-blocking and cheap, so it runs on the event loop. Logs the
 * first pod failure at WARN and the rest at DEBUG, never a line per request.
 */
public final class PodRouterGatewayFilter implements GlobalFilter, Ordered {

    /** One below the load-balancer filter: after the route URL is known, before {@code lb://} handling. */
    public static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER - 1;
    /** Response header naming the pod that answered. */
    public static final String POD_HEADER = "X-Podrouter-Pod";

    private static final Logger LOG = LoggerFactory.getLogger(PodRouterGatewayFilter.class);

    private final PodRouterPools pools;
    private final int maxRequestBytes;
    private final String sessionHeader;
    private final int maxRetries;
    private final long retryAfterSeconds;
    private final AtomicBoolean failureLogged = new AtomicBoolean();
    private final PodRouterCompletionFilter completionFilter;

    /**
     * @param pools           the pools; null throws
     * @param maxRequestBytes largest body read, &gt;= 1
     * @param sessionHeader   the session-key header, non-blank
     * @param maxRetries      retries on another pod, 0..3
     * @param retryAfter      the {@code Retry-After} of a 503, &gt; 0 (whole seconds, at least 1)
     * @param budget          the retry budget, shared with the paired completion filter
     * @throws IllegalArgumentException for a value out of range, naming it
     */
    PodRouterGatewayFilter(PodRouterPools pools, int maxRequestBytes, String sessionHeader, int maxRetries,
                           Duration retryAfter, RetryBudget budget) {
        this.pools = Objects.requireNonNull(pools, "pools: null (expected: the pools)");
        if (maxRequestBytes < 1) {
            throw new IllegalArgumentException("podrouter.max-request-size: " + maxRequestBytes + " bytes (expected: >= 1)");
        }
        Objects.requireNonNull(sessionHeader, "podrouter.session-header: null (expected: a header name)");
        if (sessionHeader.isBlank()) {
            throw new IllegalArgumentException("podrouter.session-header: blank (expected: a header name)");
        }
        if (maxRetries < 0 || maxRetries > 3) {
            throw new IllegalArgumentException("podrouter.max-retries: " + maxRetries + " (expected: 0..3)");
        }
        Objects.requireNonNull(retryAfter, "podrouter.retry-after: null (expected: > 0)");
        if (retryAfter.isNegative() || retryAfter.isZero()) {
            throw new IllegalArgumentException("podrouter.retry-after: " + retryAfter + " (expected: > 0)");
        }
        this.maxRequestBytes = maxRequestBytes;
        this.sessionHeader = sessionHeader;
        this.maxRetries = maxRetries;
        this.retryAfterSeconds = Math.max(1, retryAfter.toSeconds());
        this.completionFilter = new PodRouterCompletionFilter(pools, budget, System::nanoTime);
    }

    /**
     * The completion filter that must run with this one (it creates the per-exchange state this filter uses, and
     * completes the selections): register both as beans. The same instance on every call.
     */
    public PodRouterCompletionFilter completionFilter() {
        return completionFilter;
    }

    /** {@value #ORDER}. */
    @Override
    public int getOrder() {
        return ORDER;
    }

    /** Routes a podrouter route's request as the class documentation says; passes other exchanges on. */
    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        RoutedExchange state = exchange.getAttribute(RoutedExchange.ATTRIBUTE);
        if (state == null) {
            Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
            String name = PodRouterPools.poolName(route);
            if (name == null) {
                return chain.filter(exchange);
            }
            if (pools.pool(name) == null) {
                return respond(exchange, new OpenAiError(500, "server_error", "route " + OpenAiError.truncate(
                        route == null ? null : route.getId()) + " names podrouter pool '" + OpenAiError.truncate(name)
                        + "', which is not configured (expected: one of " + pools.names() + ")", null, "unknown_pool"), Map.of());
            }
            // a pool that exists but no state: the completion filter is missing, and nothing would complete selections
            return Mono.error(new IllegalStateException("podrouter: no routing state on a podrouter route (expected: the "
                    + "PodRouterCompletionFilter bean beside the PodRouterGatewayFilter)"));
        }
        ServerHttpRequest request = exchange.getRequest();
        if (!HttpMethod.POST.equals(request.getMethod())) {
            return respond(exchange, new OpenAiError(405, "invalid_request_error", "method "
                    + OpenAiError.truncate(request.getMethod().name()) + " (expected: POST)", null, "method_not_allowed"),
                    Map.of(HttpHeaders.ALLOW, "POST"));
        }
        MediaType type;
        try {
            type = request.getHeaders().getContentType();
        } catch (RuntimeException e) { // InvalidMediaTypeException: a malformed header is a missing one here
            type = null;
        }
        if (type == null || !MediaType.APPLICATION_JSON.equalsTypeAndSubtype(type)) {
            String sent = request.getHeaders().getFirst(HttpHeaders.CONTENT_TYPE);
            return respond(exchange, new OpenAiError(415, "invalid_request_error", "Content-Type: "
                    + (sent == null ? "missing" : OpenAiError.truncate(sent)) + " (expected: application/json)", null,
                    "unsupported_media_type"), Map.of());
        }
        long declared = request.getHeaders().getContentLength();
        if (declared > maxRequestBytes) {
            return respond(exchange, tooLarge(declared), Map.of());
        }
        return DataBufferUtils.join(request.getBody(), maxRequestBytes)
                .map(PodRouterGatewayFilter::bytes)
                .defaultIfEmpty(new byte[0])
                .onErrorMap(DataBufferLimitException.class, e -> new BodyTooLargeException())
                .flatMap(body -> route(exchange, chain, state, body))
                .onErrorResume(BodyTooLargeException.class, e -> respond(exchange, tooLarge(-1), Map.of()));
    }

    private OpenAiError tooLarge(long declared) {
        return new OpenAiError(413, "invalid_request_error", "request body of " + (declared >= 0 ? declared + " bytes"
                : "more than " + maxRequestBytes + " bytes") + " (expected: at most " + maxRequestBytes + " bytes)", null,
                "request_too_large");
    }

    private static byte[] bytes(DataBuffer joined) {
        try {
            byte[] b = new byte[joined.readableByteCount()];
            joined.read(b);
            return b;
        } finally {
            DataBufferUtils.release(joined);
        }
    }

    private Mono<Void> route(ServerWebExchange exchange, GatewayFilterChain chain, RoutedExchange state, byte[] body) {
        OpenAiRequest parsed;
        try {
            parsed = OpenAiRequest.parse(body);
        } catch (OpenAiRequest.InvalidRequestException e) {
            return respond(exchange, new OpenAiError(400, "invalid_request_error", e.getMessage(), e.param(), null), Map.of());
        }
        PodRouterPool pool = state.pool;
        if (!pool.servesModel(parsed.model())) {
            return respond(exchange, OpenAiError.modelNotFound(parsed.model()), Map.of());
        }
        InferenceRequest routing = parsed.toInferenceRequest(body.length,
                exchange.getRequest().getHeaders().getFirst(sessionHeader));
        state.start(routing, pool.candidates());
        ServerWebExchange replaying = exchange.mutate()
                .request(new CachedBodyRequest(exchange.getRequest(), body, exchange.getResponse().bufferFactory())).build();
        URI url = replaying.getRequiredAttribute(GATEWAY_REQUEST_URL_ATTR);
        ServerWebExchangeUtils.addOriginalRequestUrl(replaying, url);
        PodSelection first;
        try {
            first = pool.router().selectPod(routing, state.candidates());
        } catch (NoPodAvailableException e) {
            return respond(exchange, noPod(parsed.model(), e), Map.of(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds)));
        }
        return attempt(replaying, chain, state, url, first);
    }

    private OpenAiError noPod(String model, NoPodAvailableException e) {
        return new OpenAiError(503, "service_unavailable", "no ready pod for model '" + OpenAiError.truncate(model) + "' ("
                + e.candidateCount() + " in the pool); retry later", "model", "no_pod_available");
    }

    /** Sends the request to {@code selection}'s pod; on a retryable failure before any answer byte, to another one. */
    private Mono<Void> attempt(ServerWebExchange exchange, GatewayFilterChain chain, RoutedExchange state, URI url,
                               PodSelection selection) {
        if (!state.begin(selection)) {
            return Mono.empty(); // the client left while the pod was chosen; the selection is completed
        }
        Pod pod = selection.pod();
        exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, podUrl(url, pod));
        return chain.filter(exchange)
                .then(Mono.fromSupplier(() -> AttemptResult.OK))
                .onErrorResume(e -> Mono.just(new AttemptResult(e)))
                .flatMap(result -> afterAttempt(exchange, chain, state, url, pod, result));
    }

    private Mono<Void> afterAttempt(ServerWebExchange exchange, GatewayFilterChain chain, RoutedExchange state, URI url,
                                    Pod pod, AttemptResult result) {
        ServerHttpResponse response = exchange.getResponse();
        Throwable error = result.error;
        HttpStatusCode status = response.getStatusCode();
        boolean failedAtPod = error != null ? retryable(error) : status != null && status.is5xxServerError();
        if (!failedAtPod) {
            if (error instanceof ResponseStatusException rse && !response.isCommitted()) {
                // the route's response timeout (504): the pod did not answer in time; not retried
                state.failCurrent();
                state.markFailed();
                discardAnswer(exchange);
                int code = rse.getStatusCode().value();
                return respond(exchange, new OpenAiError(code >= 400 && code <= 599 ? code : 502, "gateway_timeout", "pod "
                        + pod.id() + ": " + OpenAiError.truncate(rse.getReason()), null, "backend_timeout"),
                        Map.of(POD_HEADER, pod.id()));
            }
            if (error != null) {
                return Mono.error(error); // not a pod failure: Spring's error handling answers
            }
            if (!response.isCommitted()) {
                response.getHeaders().set(POD_HEADER, pod.id());
            }
            return Mono.empty();
        }
        logFailure(pod, error != null ? error.toString() : "HTTP " + status.value());
        PodSelection next = response.isCommitted() ? null : nextSelection(state);
        if (next != null) {
            state.failCurrent();
            discardAnswer(exchange);
            return attempt(exchange, chain, state, url, next);
        }
        if (error != null) {
            state.failCurrent();
            state.markFailed();
            if (response.isCommitted()) {
                return Mono.error(error);
            }
            discardAnswer(exchange);
            return respond(exchange, new OpenAiError(502, "bad_gateway", "pod " + pod.id() + " failed: "
                    + describe(error), null, "backend_error"), Map.of(POD_HEADER, pod.id()));
        }
        if (!response.isCommitted()) {
            response.getHeaders().set(POD_HEADER, pod.id());
        }
        return Mono.empty(); // the 5xx is relayed; the completion filter completes it as FAILURE
    }

    /** Another pod for a retry, or null when the budget, the limit or the pool says no. */
    private @Nullable PodSelection nextSelection(RoutedExchange state) {
        InferenceRequest req = state.request();
        Candidates set = state.candidates();
        if (req == null || set == null || !state.tryRetry(maxRetries)) {
            return null;
        }
        try {
            return state.pool.router().selectPod(req, set, state.tried());
        } catch (NoPodAvailableException e) {
            return null;
        }
    }

    /** Connection failures before the response headers: the request may not have reached, or been served by, the pod. */
    static boolean retryable(Throwable error) {
        if (error instanceof ResponseStatusException) {
            return false; // the response timeout: the pod may be generating
        }
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException) { // ConnectException, ConnectTimeoutException, PrematureCloseException, resets
                return !RoutedExchange.clientGone(t);
            }
        }
        return false;
    }

    private static String describe(Throwable error) {
        return error instanceof java.net.ConnectException ? "connection refused or timed out"
                : error.getClass().getSimpleName();
    }

    /** Throws away a failed attempt's answer: closes its connection, clears its status and headers, un-routes. */
    private static void discardAnswer(ServerWebExchange exchange) {
        Connection connection = exchange.getAttribute(CLIENT_RESPONSE_CONN_ATTR);
        if (connection != null) {
            connection.dispose();
        }
        exchange.getAttributes().remove(CLIENT_RESPONSE_CONN_ATTR);
        exchange.getAttributes().remove(CLIENT_RESPONSE_ATTR);
        ServerWebExchangeUtils.reset(exchange); // removes the pod's response headers and the already-routed mark
        ServerHttpResponse response = exchange.getResponse();
        if (!response.isCommitted()) {
            response.setStatusCode(null);
        }
    }

    private void logFailure(Pod pod, String what) {
        if (failureLogged.compareAndSet(false, true)) {
            LOG.warn("pod {} failed: {} (further pod failures are logged at DEBUG; outlier detection counts them)", pod.id(), what);
        } else {
            LOG.debug("pod {} failed: {}", pod.id(), what);
        }
    }

    /** {@code http://host:port} plus the raw path and query of {@code url}. */
    static URI podUrl(URI url, Pod pod) {
        String path = url.getRawPath();
        String query = url.getRawQuery();
        return URI.create("http://" + pod.authority() + (path == null || path.isEmpty() ? "/" : path)
                + (query == null ? "" : "?" + query));
    }

    /** Answers with an OpenAI-shaped error, unless the response is already committed (then nothing more can be said). */
    static Mono<Void> respond(ServerWebExchange exchange, OpenAiError error, Map<String, String> headers) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.empty();
        }
        ServerWebExchangeUtils.setAlreadyRouted(exchange);
        response.setStatusCode(HttpStatusCode.valueOf(error.status()));
        HttpHeaders h = response.getHeaders();
        h.setContentType(MediaType.APPLICATION_JSON);
        headers.forEach(h::set);
        byte[] json = error.toJsonBytes();
        h.setContentLength(json.length);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(json)));
    }

    /** The outcome of one attempt's chain: completed (OK) or the error it ended with. */
    private static final class AttemptResult {
        static final AttemptResult OK = new AttemptResult(null);
        final @Nullable Throwable error;

        AttemptResult(@Nullable Throwable error) {
            this.error = error;
        }
    }

    /** Signals a body over the limit while it is read. */
    private static final class BodyTooLargeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BodyTooLargeException() {
            super(null, null, false, false);
        }
    }

    /** The request with its body replayed from memory: a fresh buffer per subscription, so every attempt sends it whole. */
    static final class CachedBodyRequest extends ServerHttpRequestDecorator {
        private final byte[] body;
        private final DataBufferFactory buffers;

        CachedBodyRequest(ServerHttpRequest delegate, byte[] body, DataBufferFactory buffers) {
            super(delegate);
            this.body = body;
            this.buffers = buffers;
        }

        @Override
        public Flux<DataBuffer> getBody() {
            return Flux.defer(() -> Flux.just(buffers.wrap(body)));
        }
    }
}
