package io.podrouter.examples.gateway;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.NoPodAvailableException;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.core.Router;
import io.podrouter.examples.json.JsonWriter;
import io.podrouter.examples.openai.CompletionRequest;
import io.podrouter.examples.openai.InvalidRequestException;
import io.podrouter.examples.openai.OpenAiError;
import org.jspecify.annotations.Nullable;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The gateway's routes: which requests it accepts (path, method, content type, decided from the head
 * alone so a bad request is refused before its body is read), and the answers of the small endpoints
 * ({@code /health}, {@code /metrics}, {@code /v1/models}); a completion is parsed, routed by the
 * {@link Router} and handed to a {@link ProxyExchange}.
 *
 * <p>Thread-safe: it keeps no per-request state; it runs on the connection's event loop.
 */
final class GatewayRoutes {

    private static final String COMPLETIONS = "/v1/completions";
    private static final String CHAT_COMPLETIONS = "/v1/chat/completions";
    private static final String MODELS = "/v1/models";
    private static final String MODEL_PREFIX = "/v1/models/";
    private static final String JSON = "application/json";
    private static final String EXPECTED_ROUTES = "POST /v1/completions, POST /v1/chat/completions, GET /v1/models, "
            + "GET /v1/models/{id}, GET /metrics, GET /health";

    private final InferenceGateway gateway;
    private final BackendRegistry backends;
    private final Router router;
    private final GatewayMetrics metrics;
    private final Duration retryAfter;
    private final AtomicBoolean closed;

    GatewayRoutes(InferenceGateway gateway, BackendRegistry backends, Router router, GatewayMetrics metrics,
                  Duration retryAfter, AtomicBoolean closed) {
        this.gateway = gateway;
        this.backends = backends;
        this.router = router;
        this.metrics = metrics;
        this.retryAfter = retryAfter;
        this.closed = closed;
    }

    /** The request path without query string, from origin-form or absolute-form targets; null if unusable. */
    private static String path(HttpRequest req) {
        String uri = req.uri();
        if (uri.startsWith("http://") || uri.startsWith("https://")) {
            int slash = uri.indexOf('/', uri.indexOf("//") + 2);
            uri = slash < 0 ? "/" : uri.substring(slash);
        }
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    /**
     * Checks what the head alone decides: path, method and, for completions, content type. Null when the
     * request may proceed to its body; otherwise the error to answer once the body is read.
     */
    @Nullable OpenAiError checkHead(HttpRequest req) {
        String path = path(req);
        HttpMethod method = req.method();
        boolean completion = COMPLETIONS.equals(path) || CHAT_COMPLETIONS.equals(path);
        boolean get = "/health".equals(path) || "/metrics".equals(path) || MODELS.equals(path)
                || (path.startsWith(MODEL_PREFIX) && path.length() > MODEL_PREFIX.length());
        if (!completion && !get) {
            return new OpenAiError(404, "not_found_error", "no route for " + OpenAiError.truncate(method.name()) + " "
                    + OpenAiError.truncate(path) + " (expected: " + EXPECTED_ROUTES + ")", null, "unknown_url");
        }
        HttpMethod allowed = completion ? HttpMethod.POST : HttpMethod.GET;
        if (!allowed.equals(method)) {
            return new OpenAiError(405, "invalid_request_error", "method " + OpenAiError.truncate(method.name())
                    + " (expected: " + allowed + ")", null, "method_not_allowed");
        }
        if (completion) {
            String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
            String mime = type == null ? "" : (type.indexOf(';') >= 0 ? type.substring(0, type.indexOf(';')) : type).trim();
            if (!JSON.equalsIgnoreCase(mime)) {
                return new OpenAiError(415, "invalid_request_error", "Content-Type: "
                        + (type == null ? "missing" : OpenAiError.truncate(type)) + " (expected: application/json)",
                        null, "unsupported_media_type");
            }
        }
        return null;
    }

    /** Answers a complete request that passed {@link #checkHead}. */
    void dispatch(GatewayConnection conn, HttpRequest req, byte[] body) {
        String path = path(req);
        switch (path) {
            case "/health" -> conn.respond(HttpResponseStatus.OK, "text/plain", "ok\n", Map.of());
            case "/metrics" -> conn.respond(HttpResponseStatus.OK, InferenceGateway.METRICS_CONTENT_TYPE, metrics.scrape(), Map.of());
            case MODELS -> conn.respond(HttpResponseStatus.OK, JSON, modelList(), Map.of());
            case COMPLETIONS, CHAT_COMPLETIONS -> completion(conn, path, body);
            default -> model(conn, path.substring(MODEL_PREFIX.length()));
        }
    }

    /** {@code GET /v1/models/{id}}: the model if it has a Ready backend, else OpenAI's 404. */
    private void model(GatewayConnection conn, String rawId) {
        String id = percentDecode(rawId);
        ModelBackends m = backends.get(id);
        if (m == null || m.pods.stream().noneMatch(Pod::ready)) {
            conn.respond(OpenAiError.modelNotFound(id == null ? rawId : id), Map.of());
            return;
        }
        conn.respond(HttpResponseStatus.OK, JSON, modelJson(m), Map.of());
    }

    /** {@code GET /v1/models}: the models with a Ready backend, sorted. */
    private String modelList() {
        StringBuilder out = new StringBuilder("{\"object\":\"list\",\"data\":[");
        boolean first = true;
        for (ModelBackends m : backends.sorted()) {
            if (m.pods.stream().anyMatch(Pod::ready)) {
                out.append(first ? "" : ",").append(modelJson(m));
                first = false;
            }
        }
        return out.append("]}").toString();
    }

    private static String modelJson(ModelBackends m) {
        return "{\"id\":" + JsonWriter.quote(m.model) + ",\"object\":\"model\",\"created\":" + m.created
                + ",\"owned_by\":\"podrouter\"}";
    }

    /** RFC 3986 percent-decoding as UTF-8; null for a malformed escape. ({@code +} stays a plus: this is a path.) */
    static @Nullable String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    return null;
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A completion: parsed, routed to a pod (503 when none is ready), then forwarded by a {@link ProxyExchange}. */
    private void completion(GatewayConnection conn, String path, byte[] body) {
        CompletionRequest req;
        try {
            req = CompletionRequest.parse(new String(body, StandardCharsets.UTF_8));
        } catch (InvalidRequestException e) {
            conn.respond(OpenAiError.invalidRequest(e), Map.of());
            return;
        }
        ModelBackends m = backends.get(req.model());
        if (m == null) {
            conn.respond(OpenAiError.modelNotFound(req.model()), Map.of());
            return;
        }
        InferenceRequest routing = InferenceRequest.forModel(req.model())
                .withPromptTokens(body.length / 4) // a rough estimate: about 4 bytes of JSON per prompt token
                .withMaxOutputTokens(req.maxTokens() == CompletionRequest.UNSPECIFIED ? InferenceRequest.UNKNOWN : req.maxTokens());
        Candidates candidates = m.candidates;
        PodSelection selection;
        try {
            selection = router.selectPod(routing, candidates);
        } catch (NoPodAvailableException e) {
            conn.respond(new OpenAiError(503, "service_unavailable", "no ready backend for model '"
                    + OpenAiError.truncate(req.model()) + "' (" + e.candidateCount() + " registered); retry later",
                    "model", "no_backend_available"), Map.of("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds()))));
            return;
        } catch (IllegalStateException e) {
            if (!closed.get()) {
                throw e;
            }
            conn.respond(new OpenAiError(503, "service_unavailable", "gateway is shutting down", null, null), Map.of());
            return;
        }
        new ProxyExchange(gateway, conn, path, body, routing, candidates).start(selection);
    }
}
