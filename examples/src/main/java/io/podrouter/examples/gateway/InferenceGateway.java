package io.podrouter.examples.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.NoPodAvailableException;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.core.Router;
import io.podrouter.core.coldstart.SlowStart;
import io.podrouter.prometheus.EngineMapping;
import io.podrouter.prometheus.PrometheusScraper;
import io.podrouter.core.telemetry.PrometheusExposition;
import io.podrouter.examples.json.JsonWriter;
import io.podrouter.examples.openai.CompletionRequest;
import io.podrouter.examples.openai.InvalidRequestException;
import io.podrouter.examples.openai.OpenAiError;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastRequestStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * An OpenAI-compatible HTTP gateway that routes each request to a model-server backend with podrouter.
 *
 * <p><b>Endpoints.</b> {@code POST /v1/completions} and {@code POST /v1/chat/completions}: the gateway
 * reads {@code model} (and {@code stream}, {@code max_tokens}) from the JSON body, asks the
 * {@link Router} for a backend of that model among the {@linkplain #addBackend registered} ones, forwards
 * the body unchanged, and relays the backend's status, content type and body; server-sent events pass
 * through chunk by chunk, each flushed as it arrives. Every answer from a backend carries the header
 * {@value #POD_HEADER} naming the backend. {@code GET /metrics} is the router's telemetry
 * ({@link Router#writePrometheus}: {@code pod_coldstart_duration_seconds}, cold-request, fallback and
 * warm-up counters, the cold-pod gauge) plus the gateway's own {@code podrouter_gateway_responses_total}
 * by status code and {@code podrouter_gateway_backends} by model, in the Prometheus text format.
 * {@code GET /health} answers 200.
 *
 * <p><b>Errors</b> are OpenAI-style JSON objects ({@link OpenAiError}): 400 for a body that is not JSON,
 * not an object, lacks {@code model} or has a field of the wrong type; 404 for a model the gateway does
 * not know; 405 for another method; 413 for a body over {@link Builder#maxRequestBytes}; 503 with
 * {@code Retry-After} when the model has no ready backend ({@link NoPodAvailableException}); 502 when the
 * backend cannot be reached, times out before answering, answers 5xx, or breaks off a response (then the
 * status is already sent and the connection is closed instead). The gateway does not retry on another
 * backend: a retry can double a non-idempotent generation's cost, and a gateway that wants one can add
 * it around this.
 *
 * <p><b>The router contract.</b> Every selection is completed exactly once, in a {@code finally}: SUCCESS
 * (with the latency from forwarding to the end of the body) when the backend answered below 500 and the
 * body was relayed; FAILURE when the backend failed; CANCELLED when the client went away while the body
 * was relayed (not the backend's fault).
 *
 * <p><b>Backends</b> can be added and removed while the gateway runs ({@link #addBackend},
 * {@link #removeBackend}); each change rebuilds that model's {@link Candidates} (kept in a volatile field,
 * so requests in flight keep the set they started with) and the scraper's targets. Readiness is the
 * caller's business, as discovery's in Kubernetes: a pod added as Ready with {@code readySince} now is
 * "cold" to the router until the scraper brings its first metrics, and ramps up over the slow-start
 * window.
 *
 * <p><b>Threads and shutdown.</b> Thread-safe. The gateway owns, all as daemon threads named
 * {@code podrouter-gateway-*}: the HTTP handler pool, the forwarding client's pool and the router's
 * metrics-refresh thread; the scraper owns {@code podrouter-scrape-*} threads. {@link #close()} stops the
 * HTTP server (freeing the port), then every pool, the scraper and the router, and waits for their
 * threads to end. (Java 17's {@link HttpClient} has no close: its selector thread, named
 * {@code HttpClient-N-SelectorManager}, ends once the dropped client is garbage-collected.) Logs via
 * SLF4J once per backend change or state change, never per request.
 */
public final class InferenceGateway implements AutoCloseable {

    /** Response header naming the backend that answered. */
    public static final String POD_HEADER = "X-Podrouter-Pod";
    /** Default {@link Builder#maxRequestBytes}: 1 MiB. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1 << 20;
    /** Prefix of every thread the gateway owns. */
    public static final String THREAD_PREFIX = "podrouter-gateway-";

    private static final Logger LOG = LoggerFactory.getLogger(InferenceGateway.class);
    private static final String JSON = "application/json";

    private final int maxRequestBytes;
    private final Duration backendTimeout;
    private final Duration retryAfter;
    private final PrometheusScraper scraper;
    private final Router router;
    private final HttpServer server;
    private final ThreadPoolExecutor handlers;
    private final ThreadPoolExecutor clientPool;
    private final ScheduledThreadPoolExecutor refreshScheduler;
    private final HttpClient client;
    private final Map<String, ModelBackends> models = new ConcurrentHashMap<>();
    private final Object backendsLock = new Object();
    private final Map<Integer, LongAdder> responsesByStatus = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean backendFailureLogged = new AtomicBoolean();

    /** One model's backends; {@code candidates} is replaced whole on every change. */
    private static final class ModelBackends {
        final String model;
        volatile List<Pod> pods = List.of();
        volatile Candidates candidates;

        ModelBackends(String model, Candidates empty) {
            this.model = model;
            this.candidates = empty;
        }
    }

    private InferenceGateway(Builder b) throws IOException {
        this.maxRequestBytes = b.maxRequestBytes;
        this.backendTimeout = b.backendTimeout;
        this.retryAfter = b.retryAfter;
        this.handlers = pool("http-", b.handlerThreads);
        this.clientPool = pool("client-", 4);
        this.refreshScheduler = new ScheduledThreadPoolExecutor(1, named(THREAD_PREFIX + "refresh"));
        this.refreshScheduler.setRemoveOnCancelPolicy(true);
        HttpServer bound = null;
        PrometheusScraper s = null;
        Router r = null;
        try {
            s = PrometheusScraper.builder().engine(EngineMapping.vllm()).interval(b.scrapeInterval).build();
            Router.Builder rb = Router.builder().metricsSource(s).strategies(b.strategies).refreshScheduler(refreshScheduler);
            if (b.slowStart != null) {
                rb.slowStart(b.slowStart);
            }
            r = rb.build();
            bound = HttpServer.create(new InetSocketAddress(b.bindAddress, b.port), 256);
        } catch (IOException | RuntimeException e) {
            if (r != null) {
                r.close();
            }
            if (s != null) {
                s.close();
            }
            shutdown(handlers, clientPool, refreshScheduler);
            throw e;
        }
        this.scraper = s;
        this.router = r;
        this.server = bound;
        this.client = HttpClient.newBuilder()
                .executor(clientPool)
                .connectTimeout(b.connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        server.setExecutor(handlers);
        server.createContext("/v1/completions", this::completion);
        server.createContext("/v1/chat/completions", this::completion);
        server.createContext("/metrics", this::metrics);
        server.createContext("/health", ex -> respond(ex, 200, "text/plain", "ok\n"));
        server.createContext("/", ex -> error(ex, new OpenAiError(404, "not_found_error",
                "no route for " + ex.getRequestMethod() + " " + ex.getRequestURI().getPath()
                        + " (expected: POST /v1/completions, POST /v1/chat/completions, GET /metrics, GET /health)", null, null)));
        for (String model : b.models) {
            models.put(model, new ModelBackends(model, router.candidates(List.of())));
        }
        scraper.start();
        server.start();
        LOG.info("gateway listening on {} (scrape interval {} ms, strategies {})", server.getAddress(),
                b.scrapeInterval.toMillis(), router.strategies().stream().map(SelectionStrategy::name).toList());
    }

    /** A builder with the documented defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The port the gateway listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The gateway's base URI, e.g. {@code http://127.0.0.1:41234}. */
    public URI baseUri() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().getHostAddress();
        return URI.create("http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort());
    }

    /** The router (for its telemetry, {@link Router#isCold}, {@link Router#inFlight}). */
    public Router router() {
        return router;
    }

    /** The scraper feeding the router (for its {@link PrometheusScraper#stats()}). */
    public PrometheusScraper scraper() {
        return scraper;
    }

    /**
     * Adds (or, for a known id, replaces) a backend that became Ready just now.
     *
     * @see #addBackend(String, Pod)
     */
    public void addBackend(String model, String id, String host, int port) {
        addBackend(model, Pod.ready(id, host, port, Instant.now()));
    }

    /**
     * Adds a backend serving {@code model}, or replaces the one with the same id (e.g. when it turns
     * Ready). The model becomes known if it was not. Takes effect for requests that start afterwards.
     *
     * @throws NullPointerException     for a null argument
     * @throws IllegalArgumentException for a blank model, or an id already registered for another model
     * @throws IllegalStateException    after {@link #close()}
     */
    public void addBackend(String model, Pod pod) {
        Objects.requireNonNull(model, "model: null (expected: the model the backend serves)");
        Objects.requireNonNull(pod, "pod: null (expected: a Pod)");
        if (model.isBlank()) {
            throw new IllegalArgumentException("model: blank (expected: the model the backend serves)");
        }
        synchronized (backendsLock) {
            ensureOpen();
            for (ModelBackends m : models.values()) {
                if (!m.model.equals(model) && m.pods.stream().anyMatch(p -> p.id().equals(pod.id()))) {
                    throw new IllegalArgumentException("pod: id '" + pod.id() + "' already serves model '" + m.model
                            + "' (expected: a unique id per backend)");
                }
            }
            ModelBackends m = models.computeIfAbsent(model, k -> new ModelBackends(k, router.candidates(List.of())));
            List<Pod> pods = new ArrayList<>(m.pods);
            pods.removeIf(p -> p.id().equals(pod.id()));
            pods.add(pod);
            apply(m, pods);
        }
        LOG.info("backend {} at {} added for model {} ({})", pod.id(), pod.authority(), model,
                pod.ready() ? "Ready since " + pod.readySince() : "not ready");
    }

    /**
     * Removes the backend with this id; requests already routed to it finish. The model stays known
     * (with no backend it gets 503).
     *
     * @return whether a backend was removed; false for an unknown or null id
     */
    public boolean removeBackend(String podId) {
        synchronized (backendsLock) {
            for (ModelBackends m : models.values()) {
                List<Pod> pods = new ArrayList<>(m.pods);
                if (pods.removeIf(p -> p.id().equals(podId))) {
                    apply(m, pods);
                    LOG.info("backend {} removed from model {}", podId, m.model);
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Waits until the scraper has metrics for every registered Ready backend (for its model), scraping
     * again every 50 ms. Useful at start-up: backends that have been serving for a while should reach
     * the router with their metrics, not look cold because the gateway has not scraped them yet.
     *
     * @param timeout how long to wait, &gt; 0
     * @return whether every Ready backend had metrics in time (false: some are still without)
     * @throws InterruptedException  when interrupted
     * @throws IllegalStateException after {@link #close()}
     */
    public boolean awaitMetrics(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout: null (expected: > 0)");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ensureOpen();
            boolean all = true;
            for (ModelBackends m : models.values()) {
                for (Pod p : m.pods) {
                    all &= !p.ready() || scraper.lookup(p, m.model) instanceof MetricsLookup.Present;
                }
            }
            if (all) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            scraper.scrapeNow();
            Thread.sleep(50);
        }
    }

    /** The backends of {@code model} now; empty for an unknown model. */
    public List<Pod> backends(String model) {
        ModelBackends m = model == null ? null : models.get(model);
        return m == null ? List.of() : m.pods;
    }

    /** The models the gateway knows. */
    public Set<String> models() {
        return new TreeSet<>(models.keySet());
    }

    private void apply(ModelBackends m, List<Pod> pods) {
        List<Pod> all = new ArrayList<>();
        for (ModelBackends other : models.values()) {
            all.addAll(other == m ? pods : other.pods);
        }
        // Targets first: a new pod's first scrape starts at once, before requests can reach it.
        scraper.updateTargets(all);
        m.pods = List.copyOf(pods);
        m.candidates = router.candidates(pods);
    }

    /**
     * Serves one completion request. Every answer path closes the exchange itself; an exception escaping
     * (a response broken off mid-way) makes the HTTP server drop the connection, so the client sees a
     * cut response instead of a well-terminated short one.
     */
    private void completion(HttpExchange ex) throws IOException {
        if (!"POST".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", "POST");
            error(ex, new OpenAiError(405, "invalid_request_error",
                    "method " + ex.getRequestMethod() + " (expected: POST)", null, null));
            return;
        }
        byte[] body = readBody(ex);
        if (body == null) {
            error(ex, new OpenAiError(413, "invalid_request_error", "request body over " + maxRequestBytes
                    + " bytes (expected: at most " + maxRequestBytes + ")", null, "request_too_large"));
            return;
        }
        CompletionRequest req;
        try {
            req = CompletionRequest.parse(new String(body, StandardCharsets.UTF_8));
        } catch (InvalidRequestException e) {
            error(ex, OpenAiError.invalidRequest(e));
            return;
        }
        ModelBackends m = models.get(req.model());
        if (m == null) {
            error(ex, OpenAiError.modelNotFound(req.model()));
            return;
        }
        InferenceRequest routing = InferenceRequest.forModel(req.model())
                .withPromptTokens(body.length / 4) // a rough estimate: about 4 bytes of JSON per prompt token
                .withMaxOutputTokens(req.maxTokens() == CompletionRequest.UNSPECIFIED ? InferenceRequest.UNKNOWN : req.maxTokens());
        PodSelection selection;
        try {
            selection = router.selectPod(routing, m.candidates);
        } catch (NoPodAvailableException e) {
            ex.getResponseHeaders().set("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
            error(ex, new OpenAiError(503, "service_unavailable", "no ready backend for model '" + req.model()
                    + "' (" + e.candidateCount() + " registered); retry later", "model", "no_backend_available"));
            return;
        } catch (IllegalStateException e) {
            if (!closed.get()) {
                throw e;
            }
            error(ex, new OpenAiError(503, "service_unavailable", "gateway is shutting down", null, null));
            return;
        }
        forward(ex, body, selection);
    }

    /** The body, or null when it is over the limit. */
    private byte[] readBody(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > maxRequestBytes) {
                    return null;
                }
            } catch (NumberFormatException e) {
                // the HTTP server rejects malformed lengths itself; read and count instead
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                if (out.size() > maxRequestBytes) {
                    return null;
                }
            }
            return out.toByteArray();
        }
    }

    private void forward(HttpExchange ex, byte[] body, PodSelection selection) throws IOException {
        Pod pod = selection.pod();
        Outcome outcome = Outcome.FAILURE;
        long start = System.nanoTime();
        long latency = -1;
        try {
            URI target = URI.create("http://" + pod.authority() + ex.getRequestURI().getRawPath());
            HttpRequest request = HttpRequest.newBuilder(target)
                    .timeout(backendTimeout)
                    .header("Content-Type", JSON)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            HttpResponse<InputStream> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                backendFailed(pod, e.toString());
                ex.getResponseHeaders().set(POD_HEADER, pod.id());
                error(ex, new OpenAiError(502, "bad_gateway", "backend " + pod.id() + " failed: " + e, null, "backend_error"));
                return;
            }
            try (InputStream in = response.body()) {
                ex.getResponseHeaders().set(POD_HEADER, pod.id());
                if (response.statusCode() >= 500) {
                    in.readAllBytes(); // keeps the connection reusable
                    backendFailed(pod, "HTTP " + response.statusCode());
                    error(ex, new OpenAiError(502, "bad_gateway", "backend " + pod.id() + " answered HTTP "
                            + response.statusCode(), null, "backend_error"));
                    return;
                }
                outcome = relay(ex, response, in);
                latency = System.nanoTime() - start;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = Outcome.CANCELLED; // the gateway is closing
        } finally {
            selection.complete(outcome, latency);
        }
        if (outcome != Outcome.SUCCESS) {
            throw new IOException("response from " + pod.id() + " not relayed completely (" + outcome + "); dropping the connection");
        }
    }

    /** Copies status, content type and body; returns the outcome to report. */
    private Outcome relay(HttpExchange ex, HttpResponse<InputStream> response, InputStream in) throws IOException {
        response.headers().firstValue("Content-Type").ifPresent(v -> ex.getResponseHeaders().set("Content-Type", v));
        response.headers().firstValue("Cache-Control").ifPresent(v -> ex.getResponseHeaders().set("Cache-Control", v));
        long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        int status = response.statusCode();
        // Fixed length when the backend sent one; otherwise chunked (server-sent events), flushed per read.
        ex.sendResponseHeaders(status, length == 0 ? -1 : length > 0 ? length : 0);
        count(status);
        OutputStream out = ex.getResponseBody();
        byte[] buf = new byte[8192];
        while (true) {
            int n;
            try {
                n = in.read(buf);
            } catch (IOException e) {
                backendFailed(ex.getResponseHeaders().getFirst(POD_HEADER), "response broken off: " + e);
                return Outcome.FAILURE; // try-with-resources closes the exchange; the client sees a cut connection
            }
            if (n < 0) {
                break;
            }
            try {
                out.write(buf, 0, n);
                out.flush();
            } catch (IOException clientGone) {
                return Outcome.CANCELLED;
            }
        }
        try {
            out.close();
            ex.close();
        } catch (IOException clientGone) {
            return Outcome.CANCELLED;
        }
        return Outcome.SUCCESS;
    }

    private void backendFailed(Pod pod, String what) {
        backendFailed(pod.id(), what);
    }

    private void backendFailed(String podId, String what) {
        // Once per gateway at WARN, then DEBUG: the router's telemetry and the 502s count the rest.
        if (backendFailureLogged.compareAndSet(false, true)) {
            LOG.warn("backend {} failed: {} (answered 502; further backend failures are logged at DEBUG)", podId, what);
        } else {
            LOG.debug("backend {} failed: {}", podId, what);
        }
    }

    private void metrics(HttpExchange ex) throws IOException {
        try (ex) {
            StringBuilder out = new StringBuilder(4096);
            router.writePrometheus(out);
            out.append("# HELP podrouter_gateway_responses_total Responses the gateway sent, by HTTP status.\n")
                    .append("# TYPE podrouter_gateway_responses_total counter\n");
            for (Map.Entry<Integer, LongAdder> e : new TreeMap<>(responsesByStatus).entrySet()) {
                out.append("podrouter_gateway_responses_total{code=\"").append(e.getKey()).append("\"} ")
                        .append(e.getValue().sum()).append('\n');
            }
            out.append("# HELP podrouter_gateway_backends Registered backends per model and readiness.\n")
                    .append("# TYPE podrouter_gateway_backends gauge\n");
            for (ModelBackends m : new TreeMap<>(models).values()) {
                long ready = m.pods.stream().filter(Pod::ready).count();
                out.append("podrouter_gateway_backends{model=").append(JsonWriter.quote(m.model)).append(",ready=\"true\"} ")
                        .append(ready).append('\n');
                out.append("podrouter_gateway_backends{model=").append(JsonWriter.quote(m.model)).append(",ready=\"false\"} ")
                        .append(m.pods.size() - ready).append('\n');
            }
            byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", PrometheusExposition.CONTENT_TYPE);
            ex.sendResponseHeaders(200, bytes.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(bytes);
            }
        }
    }

    private void error(HttpExchange ex, OpenAiError err) throws IOException {
        respond(ex, err.status(), JSON, err.toJson());
    }

    private void respond(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length);
        count(status);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
        ex.close();
    }

    private void count(int status) {
        responsesByStatus.computeIfAbsent(status, k -> new LongAdder()).increment();
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("gateway is closed");
        }
    }

    /**
     * Stops accepting connections and frees the port at once, interrupts requests in progress (their
     * selections are completed as CANCELLED or FAILURE), then closes the scraper and the router and
     * waits (up to a few seconds each) for every thread the gateway owns to end. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        shutdown(handlers);
        scraper.close();
        router.close();
        shutdown(clientPool, refreshScheduler);
        LOG.info("gateway stopped");
    }

    private static void shutdown(ExecutorService... executors) {
        for (ExecutorService e : executors) {
            e.shutdownNow();
        }
        try {
            for (ExecutorService e : executors) {
                if (!e.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOG.warn("gateway threads still running 5 s after close: {}", e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadPoolExecutor pool(String kind, int threads) {
        ThreadPoolExecutor p = new ThreadPoolExecutor(threads, threads, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                named(THREAD_PREFIX + kind));
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        boolean numbered = prefix.endsWith("-");
        return r -> {
            Thread t = new Thread(r, numbered ? prefix + n.incrementAndGet() : prefix);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Configures an {@link InferenceGateway}. Not thread-safe. Every setter validates its argument and
     * throws {@link NullPointerException} or {@link IllegalArgumentException} naming it.
     */
    public static final class Builder {

        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private int port;
        private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private Duration scrapeInterval = PrometheusScraper.DEFAULT_INTERVAL;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration backendTimeout = Duration.ofSeconds(60);
        private Duration retryAfter = Duration.ofSeconds(1);
        private int handlerThreads = 64;
        private SelectionStrategy[] strategies = {new LeastKvCacheStrategy(), new LeastRequestStrategy()};
        private SlowStart slowStart;
        private final Set<String> models = new TreeSet<>();

        private Builder() {
        }

        /** The address to listen on; default the loopback address. */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "bindAddress: null (expected: an address)");
            return this;
        }

        /** The port; default 0 (ephemeral: read it back with {@link InferenceGateway#port()}). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
            }
            this.port = port;
            return this;
        }

        /** Largest request body accepted; larger gets 413. Default 1 MiB. Must be &gt;= 1. */
        public Builder maxRequestBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxRequestBytes: " + bytes + " (expected: >= 1)");
            }
            this.maxRequestBytes = bytes;
            return this;
        }

        /**
         * How often the scraper reads each backend's {@code /metrics}; default the scraper's 1 s. Shorter
         * makes a cold backend's first metrics arrive sooner after its engine is up. Must be &gt; 0.
         */
        public Builder scrapeInterval(Duration interval) {
            this.scrapeInterval = positive("scrapeInterval", interval);
            return this;
        }

        /** Connect timeout to a backend; default 2 s. Must be &gt; 0. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /** How long a backend may take to send its response headers (then 502); default 60 s. Must be &gt; 0. */
        public Builder backendTimeout(Duration timeout) {
            this.backendTimeout = positive("backendTimeout", timeout);
            return this;
        }

        /** The {@code Retry-After} sent with 503 (whole seconds, at least 1); default 1 s. Must be &gt; 0. */
        public Builder retryAfter(Duration retryAfter) {
            this.retryAfter = positive("retryAfter", retryAfter);
            return this;
        }

        /** Threads serving HTTP requests (each holds one request for its whole duration); default 64. */
        public Builder handlerThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("handlerThreads: " + threads + " (expected: >= 1)");
            }
            this.handlerThreads = threads;
            return this;
        }

        /**
         * The router's strategy chain; default least KV cache, then least request (the README's chain).
         * Null or empty throws, as does a null element.
         */
        public Builder strategies(SelectionStrategy... strategies) {
            Objects.requireNonNull(strategies, "strategies: null (expected: at least one strategy)");
            if (strategies.length == 0) {
                throw new IllegalArgumentException("strategies: [] (expected: at least one strategy)");
            }
            for (int i = 0; i < strategies.length; i++) {
                Objects.requireNonNull(strategies[i], "strategies[" + i + "]: null (expected: a strategy)");
            }
            this.strategies = strategies.clone();
            return this;
        }

        /** The router's slow-start ramp; default the router's ({@link SlowStart#defaults()}: 30 s linear from 10 %). */
        public Builder slowStart(SlowStart slowStart) {
            this.slowStart = Objects.requireNonNull(slowStart, "slowStart: null (expected: a SlowStart)");
            return this;
        }

        /** Declares a model with no backend yet: requests for it get 503 (not 404) until one is added. */
        public Builder model(String model) {
            Objects.requireNonNull(model, "model: null (expected: a model name)");
            if (model.isBlank()) {
                throw new IllegalArgumentException("model: blank (expected: a model name)");
            }
            models.add(model);
            return this;
        }

        /**
         * Binds the port, starts the scraper and the server.
         *
         * @throws IOException when the port cannot be bound
         */
        public InferenceGateway start() throws IOException {
            return new InferenceGateway(this);
        }

        private static Duration positive(String what, Duration d) {
            Objects.requireNonNull(d, what + ": null (expected: > 0)");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + ": " + d + " (expected: > 0)");
            }
            return d;
        }
    }
}
