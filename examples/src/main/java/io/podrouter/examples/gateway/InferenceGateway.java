package io.podrouter.examples.gateway;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.podrouter.api.Pod;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.core.Router;
import io.podrouter.core.coldstart.SlowStart;
import io.podrouter.micrometer.PodRouterMetrics;
import io.podrouter.prometheus.EngineMapping;
import io.podrouter.prometheus.PrometheusScraper;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastRequestStrategy;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * An OpenAI-compatible HTTP gateway that routes each request to a model-server backend with podrouter.
 *
 * <p><b>Endpoints</b> (exact paths; a query string is ignored; anything else is 404, and no client path
 * ever reaches a backend). {@code POST /v1/completions} and {@code POST /v1/chat/completions} with
 * {@code Content-Type: application/json} (else 415): the gateway reads {@code model} (and
 * {@code stream}, {@code max_tokens}) from the JSON body, asks the {@link Router} for a backend of that
 * model among the {@linkplain #addBackend registered} ones, forwards the body unchanged to the same path
 * on the backend, and relays the backend's status, content type and body; server-sent events pass
 * through chunk by chunk as they arrive. Every answer from a backend carries the header
 * {@value #POD_HEADER} naming it. {@code GET /v1/models} lists, in OpenAI's shape
 * ({@code {"object":"list","data":[{"id":...,"object":"model","created":...,"owned_by":"podrouter"}]}}),
 * the models that have at least one Ready backend; {@code GET /v1/models/{id}} answers one of them, or
 * 404 {@code model_not_found} ({@code id} may contain {@code /}, as in {@code meta-llama/Llama-3.1-8B},
 * and may be percent-encoded). {@code GET /metrics} is a Micrometer {@link PrometheusMeterRegistry}'s
 * scrape: the router's telemetry through {@link PodRouterMetrics} (the cold-start histogram with its
 * buckets included) plus the gateway's own meters (below). {@code GET /health} answers 200.
 *
 * <p><b>Errors</b> are OpenAI-style JSON objects ({@link OpenAiError}); client input is echoed in them at
 * most {@value OpenAiError#MAX_ECHO_CHARS} characters long. 400 for a body that is not JSON, not an
 * object, lacks {@code model} or has a field of the wrong type, for a malformed HTTP request or chunked
 * body, and for a body cut short by a half-closed connection; 404 for an unknown path or model; 405 for
 * another method; 408 when a request is not received completely within the request read timeout; 413
 * for a body over {@link Builder#maxRequestBytes}; 414 for a request line over
 * {@value #MAX_REQUEST_LINE_BYTES} bytes; 415 for a missing or other content type; 431 for request
 * headers over {@link Builder#maxHeaderBytes}; 503 with {@code Retry-After} when the model has no ready
 * backend ({@link NoPodAvailableException}); 502 when the backend cannot be reached or answers 5xx (after
 * the retry, if any); 504 when it sends no response headers within the response-headers timeout, or the
 * request exceeds the total timeout before its answer started. After a relayed answer has started, a
 * failure can only be signalled by cutting the connection: the client sees a truncated response.
 *
 * <p><b>Failover</b>, before any byte of the answer reached the client: when the connection to the
 * backend fails (refused, reset, connect timeout) or it answers 5xx or 429, the gateway tries once more on
 * another pod ({@link Router#selectPod(InferenceRequest, Candidates, java.util.Collection) selectPod}
 * excluding the pods tried), within a {@link RetryBudget} as Envoy's retry budget works: retries in
 * progress at most 20 % of the requests in progress, but at least 3 at once. Never after the answer
 * started, and never after a response-headers timeout (the backend may be generating: a second
 * generation would double the cost of a request that may still succeed slowly). A 429 that is not
 * retried is relayed as is; a 5xx becomes 502. A new connection that cannot be opened while other
 * connections to the same pod are open (the pod is up but accepts no more now, e.g. its accept backlog is
 * full) is not a failure either: the request waits for one of those.
 *
 * <p><b>Timeouts</b> (each configurable; defaults in {@link Builder}): connect 2 s; response headers
 * 60 s from an attempt's start (non-streamed completions send their headers only when generation ends,
 * so this bounds the whole generation for them); stream idle 30 s between two body chunks while the
 * gateway waits on the backend; total 300 s for the whole request; request read 10 s from a request's
 * first byte to its last; idle keep-alive connection 60 s. A request that times out frees its router
 * slot at once, is reported to the router as {@code FAILURE} (or {@code CANCELLED} when the time went
 * waiting on a client that does not read), and is counted as what it was.
 *
 * <p><b>The router contract.</b> Every attempt's selection is completed exactly once: SUCCESS (with the
 * latency from sending to the end of the body) when the backend answered below 500 and the body was
 * relayed; FAILURE for connection errors, 5xx and timeouts; CANCELLED when the client went away.
 *
 * <p><b>Telemetry</b> at {@code GET /metrics}, besides the router's: {@code podrouter_gateway_responses_total}
 * by {@code code} and {@code result} ({@code complete}; {@code backend_error}, {@code idle_timeout},
 * {@code total_timeout}: the answer started with {@code code} and was cut; {@code client_closed}: the
 * client left, {@code code} 499 if it left before the answer started),
 * {@code podrouter_gateway_retries_total} by {@code reason} ({@code connect_error},
 * {@code connection_error}, {@code status_5xx}, {@code status_429}),
 * {@code podrouter_gateway_retries_skipped_total} by {@code reason} ({@code max_retries}, {@code budget},
 * {@code no_other_pod}), {@code podrouter_gateway_timeouts_total} by {@code phase}
 * ({@code response_headers}, {@code stream_idle}, {@code total}, {@code request_read}),
 * {@code podrouter_gateway_requests_in_flight} and {@code podrouter_gateway_backends} by {@code model}
 * and {@code ready}. They are Micrometer meters in {@link #meterRegistry()}, which a host application can
 * also publish elsewhere.
 *
 * <p><b>The server</b> is Netty's, for per-request read deadlines, header limits and connection counts the
 * JDK's HTTP server cannot give a library ({@code GatewayServer} says why in full).
 *
 * <p><b>The pod client</b> is Netty too, on the same event loops: a request's connection to its pod is
 * opened on the loop of the client's connection, so a request and its relay normally run on one thread
 * with no hand-off, and nothing depends on the JVM's CPU count or flags. (The JDK {@code HttpClient} used
 * before completed every response through {@code CompletableFuture}'s default executor, which on fewer
 * than 3 CPUs starts a thread per task: on 2 CPUs the gateway reached about a fifth of the direct rate
 * without a JVM flag and half with it.) Connections are HTTP/1.1 keep-alive, pooled per pod address, at
 * most {@link Builder#maxConnectionsPerPod} per pod (default {@value #DEFAULT_MAX_CONNECTIONS_PER_POD}, at
 * most 32 being opened at once); a request that finds them all busy waits for one, within its
 * response-headers timeout. An idle pooled connection is closed after the idle connection timeout. The
 * pod's answer is read only as fast as the client takes it (the pod connection reads only when asked, once
 * the client's socket took the previous read), so a slow client holds back its pod connection, not the
 * gateway's memory. A pooled connection that the pod closed just as a request went out on it (a keep-alive
 * timeout race) is not the pod's failure: the request goes again to the same pod on another connection,
 * at most twice, as long as not one byte of the answer came back.
 *
 * <p><b>Backends</b> can be added and removed while the gateway runs ({@link #addBackend},
 * {@link #removeBackend}); each change rebuilds that model's {@link Candidates} (kept in a volatile
 * field, so requests in flight keep the set they started with) and the scraper's targets. Readiness is
 * the caller's business, as discovery's in Kubernetes.
 *
 * <p><b>Threads and shutdown.</b> Thread-safe. The gateway owns, all as daemon threads named
 * {@code podrouter-gateway-*}: the event loops ({@code io-N}), which serve the clients and the pods alike,
 * and the router's metrics-refresh thread; the scraper owns {@code podrouter-scrape-*} threads.
 * {@link #close()} closes the listening socket and every connection (requests in flight are completed as
 * CANCELLED; their pod connections close with them), then the event loops, the scraper and the router,
 * and waits for their threads to end. Logs via
 * SLF4J once per backend change, and the first backend failure at WARN (the rest at DEBUG), never a
 * line per request.
 */
public final class InferenceGateway implements AutoCloseable {

    /** Response header naming the backend that answered. */
    public static final String POD_HEADER = "X-Podrouter-Pod";
    /** Default {@link Builder#maxRequestBytes}: 1 MiB. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1 << 20;
    /**
     * Default {@link Builder#maxConnectionsPerPod}: 1,024, the default connection limit of Envoy's
     * per-cluster circuit breaker.
     */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_POD = 1024;
    /** Default {@link Builder#maxHeaderBytes}: 16 KiB. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 << 10;
    /** Longest request line accepted (method, target, version); longer gets 414. */
    public static final int MAX_REQUEST_LINE_BYTES = 8 << 10;
    /** The content type of {@code GET /metrics}: {@link PrometheusMeterRegistry#scrape()} writes text format 0.0.4. */
    public static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Prefix of every thread the gateway owns. */
    public static final String THREAD_PREFIX = "podrouter-gateway-";

    static final Logger LOG = LoggerFactory.getLogger(InferenceGateway.class);
    static final String RESULT_COMPLETE = "complete";
    static final String RESULT_BACKEND_ERROR = "backend_error";
    static final String RESULT_IDLE_TIMEOUT = "idle_timeout";
    static final String RESULT_TOTAL_TIMEOUT = "total_timeout";
    static final String RESULT_CLIENT_CLOSED = "client_closed";
    /** The status counted for a client that left before its answer started (nginx's convention). */
    static final int CLIENT_CLOSED_STATUS = 499;

    final int maxRequestBytes;
    final int maxHeaderBytes;
    final Duration requestReadTimeout;
    final Duration idleConnectionTimeout;
    final Duration responseHeadersTimeout;
    final Duration streamIdleTimeout;
    final Duration totalTimeout;
    final int maxRetries;
    final RetryBudget retryBudget;
    final PodClient pods;
    // The work is shared with package-private classes: GatewayRoutes (what each request gets),
    // BackendRegistry (models and backends), GatewayMetrics (meters, failure log), GatewayConnection and
    // ProxyExchange (a client connection; one forwarded completion).
    final LongAdder exchangesInFlight = new LongAdder();
    final GatewayMetrics metrics = new GatewayMetrics(exchangesInFlight);
    final GatewayRoutes routes;
    private final BackendRegistry backends;
    private final PrometheusScraper scraper;
    private final Router router;
    private final GatewayServer server;
    private final ScheduledThreadPoolExecutor refreshScheduler;
    private final AtomicBoolean closed = new AtomicBoolean();

    private InferenceGateway(Builder b) throws IOException {
        this.maxRequestBytes = b.maxRequestBytes;
        this.maxHeaderBytes = b.maxHeaderBytes;
        this.requestReadTimeout = b.requestReadTimeout;
        this.idleConnectionTimeout = b.idleConnectionTimeout;
        this.responseHeadersTimeout = b.responseHeadersTimeout;
        this.streamIdleTimeout = b.streamIdleTimeout;
        this.totalTimeout = b.totalTimeout;
        this.maxRetries = b.maxRetries;
        this.retryBudget = new RetryBudget(b.retryBudgetPercent, b.minRetryConcurrency);
        this.refreshScheduler = new ScheduledThreadPoolExecutor(1, GatewayServer.named(THREAD_PREFIX + "refresh"));
        this.refreshScheduler.setRemoveOnCancelPolicy(true);
        this.pods = new PodClient(b.connectTimeout, b.maxConnectionsPerPod, b.idleConnectionTimeout);
        PrometheusScraper s = null;
        Router r = null;
        try {
            s = PrometheusScraper.builder().engine(EngineMapping.vllm()).interval(b.scrapeInterval).build();
            Router.Builder rb = Router.builder().metricsSource(s).strategies(b.strategies).refreshScheduler(refreshScheduler)
                    .eventListener(metrics.routerEvents()); // the cold-start histogram's observations
            if (b.slowStart != null) {
                rb.slowStart(b.slowStart);
            }
            r = rb.build();
            metrics.bind(r);
            // Models and routes exist before the port is bound: a request may arrive as soon as it is.
            this.backends = new BackendRegistry(r, s, pods, metrics, closed);
            for (String model : b.models) {
                backends.declare(model);
            }
            this.routes = new GatewayRoutes(this, backends, r, metrics, b.retryAfter, closed);
            this.server = GatewayServer.bind(this, b.bindAddress, b.port, b.ioThreads, b.maxHeaderBytes);
        } catch (Exception e) { // Netty rethrows a BindException unchecked-style from syncUninterruptibly
            if (r != null) {
                r.close();
            }
            if (s != null) {
                s.close();
            }
            GatewayServer.shutdown(refreshScheduler);
            if (e instanceof IOException io) {
                throw io;
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("cannot bind " + b.bindAddress + ":" + b.port + ": " + e, e);
        }
        this.scraper = s;
        this.router = r;
        scraper.start();
        LOG.info("gateway listening on {} (scrape interval {} ms, strategies {})", server.address(),
                b.scrapeInterval.toMillis(), router.strategies().stream().map(SelectionStrategy::name).toList());
    }

    /** A builder with the documented defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The port the gateway listens on. */
    public int port() {
        return server.address().getPort();
    }

    /** The gateway's base URI, e.g. {@code http://127.0.0.1:41234}. */
    public URI baseUri() {
        InetSocketAddress a = server.address();
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
        backends.addBackend(model, pod);
    }

    /**
     * Replaces every backend of {@code model} at once (what a discovery source publishes: the model's whole
     * current list). The model becomes known if it was not; an empty list leaves it known with no backend.
     * Takes effect for requests that start afterwards.
     *
     * @throws NullPointerException     for a null argument or element
     * @throws IllegalArgumentException for a blank model, duplicate ids, or an id registered for another model
     * @throws IllegalStateException    after {@link #close()}
     */
    public void replaceBackends(String model, List<Pod> pods) {
        backends.replaceBackends(model, pods);
    }

    /**
     * Removes the backend with this id; requests already routed to it finish. The model stays known
     * (with no backend it gets 503).
     *
     * @return whether a backend was removed; false for an unknown or null id
     */
    public boolean removeBackend(String podId) {
        return backends.removeBackend(podId);
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
        return backends.awaitMetrics(timeout);
    }

    /** The backends of {@code model} now; empty for an unknown (or null) model. */
    public List<Pod> backends(@Nullable String model) {
        return backends.backends(model);
    }

    /** The models the gateway knows. */
    public Set<String> models() {
        return backends.models();
    }

    /** The models with at least one Ready backend: what {@code GET /v1/models} lists. */
    public Set<String> servedModels() {
        return backends.servedModels();
    }

    /**
     * The counter {@code podrouter_gateway_responses_total} for one HTTP status and result (one of
     * {@code complete}, {@code backend_error}, {@code idle_timeout}, {@code total_timeout},
     * {@code client_closed}); 0 for a pair never counted, including an unknown or null result. For tests and
     * demos; thread-safe.
     */
    public long responses(int code, @Nullable String result) {
        return metrics.responses(code, result);
    }

    /** Retries made so far, all reasons (the sum of {@code podrouter_gateway_retries_total}); thread-safe. */
    public long retries() {
        return metrics.retries();
    }

    /**
     * The registry behind {@code GET /metrics}: the router's meters ({@link PodRouterMetrics}) and the
     * gateway's own. Closed with the gateway.
     */
    public PrometheusMeterRegistry meterRegistry() {
        return metrics.registry();
    }

    /**
     * Closes the listening socket (freeing the port) and every client connection (requests in flight are
     * completed as CANCELLED), then the event loops, the scraper and the router, and waits (up to a few
     * seconds each) for every thread the gateway owns to end. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.closeConnections();
        pods.close();
        server.shutdownLoops();
        scraper.close();
        router.close();
        metrics.close();
        GatewayServer.shutdown(refreshScheduler);
        LOG.info("gateway stopped");
    }

    /**
     * Configures an {@link InferenceGateway}. Not thread-safe. Every setter validates its argument and
     * throws {@link NullPointerException} or {@link IllegalArgumentException} naming it.
     */
    public static final class Builder {

        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private int port;
        private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
        private Duration scrapeInterval = PrometheusScraper.DEFAULT_INTERVAL;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration responseHeadersTimeout = Duration.ofSeconds(60);
        private Duration streamIdleTimeout = Duration.ofSeconds(30);
        private Duration totalTimeout = Duration.ofSeconds(300);
        private Duration requestReadTimeout = Duration.ofSeconds(10);
        private Duration idleConnectionTimeout = Duration.ofSeconds(60);
        private Duration retryAfter = Duration.ofSeconds(1);
        private int maxRetries = 1;
        private double retryBudgetPercent = RetryBudget.DEFAULT_PERCENT;
        private int minRetryConcurrency = RetryBudget.DEFAULT_MIN_CONCURRENT;
        private int ioThreads = 2 * Runtime.getRuntime().availableProcessors();
        private int maxConnectionsPerPod = DEFAULT_MAX_CONNECTIONS_PER_POD;
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

        /** Largest request body accepted; larger gets 413 and the connection is closed. Default 1 MiB. Must be &gt;= 1. */
        public Builder maxRequestBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxRequestBytes: " + bytes + " (expected: >= 1)");
            }
            this.maxRequestBytes = bytes;
            return this;
        }

        /** Largest total size of a request's header lines; larger gets 431. Default 16 KiB. Must be &gt;= 1024. */
        public Builder maxHeaderBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxHeaderBytes: " + bytes + " (expected: >= 1024)");
            }
            this.maxHeaderBytes = bytes;
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

        /** Connect timeout to a backend (then a retry on another pod, or 502); default 2 s. Must be &gt; 0. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /**
         * How long a backend may take, from the start of an attempt, to send its response headers (then
         * 504, no retry); default 60 s. A non-streamed completion's headers come when its generation ends,
         * so this also bounds non-streamed generations. Must be &gt; 0.
         */
        public Builder responseHeadersTimeout(Duration timeout) {
            this.responseHeadersTimeout = positive("responseHeadersTimeout", timeout);
            return this;
        }

        /**
         * Longest wait for the backend's next body chunk once the answer started (then the client's
         * connection is cut and the request counted as {@code idle_timeout}); default 30 s. Time spent
         * waiting for a slow client to take a chunk does not count. Must be &gt; 0.
         */
        public Builder streamIdleTimeout(Duration timeout) {
            this.streamIdleTimeout = positive("streamIdleTimeout", timeout);
            return this;
        }

        /** Longest time for a whole completion request, retries and relay included; default 300 s. Must be &gt; 0. */
        public Builder totalTimeout(Duration timeout) {
            this.totalTimeout = positive("totalTimeout", timeout);
            return this;
        }

        /**
         * Longest time from a request's first byte to its last, headers and body (then 408 and the
         * connection is closed: slow-loris clients cannot hold a connection open); default 10 s. Must be &gt; 0.
         */
        public Builder requestReadTimeout(Duration timeout) {
            this.requestReadTimeout = positive("requestReadTimeout", timeout);
            return this;
        }

        /**
         * How long a keep-alive connection may sit idle between requests before it is closed, a client's
         * connection and a pooled connection to a pod alike; default 60 s. Must be &gt; 0.
         */
        public Builder idleConnectionTimeout(Duration timeout) {
            this.idleConnectionTimeout = positive("idleConnectionTimeout", timeout);
            return this;
        }

        /** The {@code Retry-After} sent with 503 (whole seconds, at least 1); default 1 s. Must be &gt; 0. */
        public Builder retryAfter(Duration retryAfter) {
            this.retryAfter = positive("retryAfter", retryAfter);
            return this;
        }

        /** Retries per request on another pod, before the answer started; default 1; 0 disables failover. Must be 0..3. */
        public Builder maxRetries(int retries) {
            if (retries < 0 || retries > 3) {
                throw new IllegalArgumentException("maxRetries: " + retries + " (expected: 0..3)");
            }
            this.maxRetries = retries;
            return this;
        }

        /**
         * The retry budget (see {@link RetryBudget}): retries in progress at most {@code percent} % of the
         * requests in progress, but at least {@code minConcurrent} at once. Default 20 % and 3, Envoy's.
         */
        public Builder retryBudget(double percent, int minConcurrent) {
            new RetryBudget(percent, minConcurrent); // validates, naming the argument
            this.retryBudgetPercent = percent;
            this.minRetryConcurrency = minConcurrent;
            return this;
        }

        /**
         * Event-loop threads, serving the client connections and the pod connections alike; default twice the
         * number of processors, as Netty's own default (on a machine shared with other busy processes, more
         * threads keep the gateway its share of the CPUs: measured on a loaded 2-CPU machine, 4 loops served
         * more requests per second than 2). Must be &gt;= 1.
         */
        public Builder ioThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("ioThreads: " + threads + " (expected: >= 1)");
            }
            this.ioThreads = threads;
            return this;
        }

        /**
         * Most connections the gateway keeps open to one pod (its address), connecting ones included; a
         * request that finds them all busy waits for the next one free, within its response-headers
         * timeout. Each connection carries one request at a time (HTTP/1.1), so this also bounds the
         * requests in progress on a pod. Default {@value InferenceGateway#DEFAULT_MAX_CONNECTIONS_PER_POD}.
         * Must be &gt;= 1.
         */
        public Builder maxConnectionsPerPod(int connections) {
            if (connections < 1) {
                throw new IllegalArgumentException("maxConnectionsPerPod: " + connections + " (expected: >= 1)");
            }
            this.maxConnectionsPerPod = connections;
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

        /** The router's slow-start ramp; default the router's (off; {@link SlowStart#defaults()} is a 30 s linear ramp from 10 %). */
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
