package io.podrouter.examples.fakevllm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.podrouter.examples.json.JsonWriter;
import io.podrouter.examples.openai.CompletionRequest;
import io.podrouter.examples.openai.InvalidRequestException;
import io.podrouter.examples.openai.OpenAiError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.podrouter.examples.fakevllm.MetricsText.counter;
import static io.podrouter.examples.fakevllm.MetricsText.gauge;
import static io.podrouter.examples.fakevllm.MetricsText.histogram;

/**
 * A fake vLLM server on the loopback interface, for demos and integration tests with real sockets.
 *
 * <p><b>Endpoints.</b> {@code POST /v1/completions} and {@code POST /v1/chat/completions} answer
 * OpenAI-style, as one JSON object or, with {@code "stream": true}, as server-sent events, one chunk per
 * token, each flushed as it is "generated", ending with {@code data: [DONE]}. {@code GET /health} answers
 * 200 once started. {@code GET /metrics} answers in vLLM's Prometheus exposition (text format 0.0.4) with
 * vLLM's metric names, labelled {@code model_name} and {@code engine}: the gauges
 * {@code vllm:num_requests_running}, {@code vllm:num_requests_waiting}, {@code vllm:kv_cache_usage_perc},
 * the counters {@code vllm:prompt_tokens_total}, {@code vllm:generation_tokens_total}, and the histograms
 * {@code vllm:time_to_first_token_seconds}, {@code vllm:inter_token_latency_seconds} (and its older name
 * {@code vllm:time_per_output_token_seconds}), {@code vllm:e2e_request_latency_seconds},
 * {@code vllm:request_queue_time_seconds}, all reflecting the requests actually served.
 *
 * <p><b>Load model.</b> At most {@link Builder#maxRunningRequests} requests run at once (vLLM's
 * {@code max_num_seqs}); the others wait, counted as waiting. Each running request's time to first token
 * is {@code ttft x (1 + loadSlowdown x (others running))} and each further token takes
 * {@code timePerOutputToken x (1 + loadSlowdown x (others running))}, so a busier server is slower, as a
 * continuous-batching engine is. KV-cache usage is the running requests' prompt (body length / 4) plus
 * output tokens over {@link Builder#kvCacheTokens}. Output length is {@code max_tokens} (default
 * {@link Builder#defaultMaxTokens}, capped at {@link Builder#maxTokensCap}).
 *
 * <p><b>Cold start.</b> With {@link Builder#coldStart(Duration, int, double)}, {@code /health} answers
 * 200 at once but {@code /metrics} has no {@code vllm:} series (only process metrics) until the delay
 * has passed since {@link #start()}, as a vLLM pod whose engine is still initialising; and the first
 * requests' time to first token is multiplied (lazy compilation, empty caches).
 *
 * <p><b>Failure modes.</b> {@link #setFailing(boolean)} makes the completion endpoints answer 500, to
 * exercise a gateway's error handling. {@link #setHung(boolean)} makes them accept requests and never
 * answer, while {@code /health} and {@code /metrics} keep answering with the engine's (idle) state: a pod
 * whose engine loop is stuck but whose HTTP front is alive, the case a router that trusts metrics alone
 * sends everything to.
 *
 * <p><b>Threads and lifecycle.</b> Thread-safe. Requests are served on a pool of daemon threads named
 * {@code podrouter-fakevllm-<id>-N}. {@link #close()} stops the server (freeing the port at once) and the
 * pool, interrupting requests in progress. Logs via SLF4J once per lifecycle change, never per request.
 */
public final class FakeVllmBackend implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FakeVllmBackend.class);
    private static final String CONTENT_TYPE_METRICS = "text/plain; version=0.0.4; charset=utf-8";
    private static final String WORDS = "the quick brown fox jumps over a lazy dog while podrouter picks pods ";

    private final String id;
    private final String model;
    private final int maxRunning;
    private final Duration ttft;
    private final Duration tpot;
    private final double loadSlowdown;
    private final int defaultMaxTokens;
    private final int maxTokensCap;
    private final long kvCacheTokens;
    private final Duration metricsDelay;
    private final int slowFirstRequests;
    private final double slowFactor;

    private final HttpServer server;
    private final ThreadPoolExecutor pool;
    private final Semaphore slots;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong kvTokens = new AtomicLong();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong generationTokens = new AtomicLong();
    private final AtomicLong requestsStarted = new AtomicLong();
    private final AtomicLong requestsCompleted = new AtomicLong();
    private final AtomicBoolean failing = new AtomicBoolean();
    private final AtomicBoolean hung = new AtomicBoolean();
    /** Completion exchanges held open while hung (no pool thread waits on them); closed by setHung(false) or close. */
    private final ConcurrentLinkedQueue<HttpExchange> held = new ConcurrentLinkedQueue<>();
    private final AtomicLong heldTotal = new AtomicLong();
    private final AtomicBoolean metricsAnnounced = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LatencyHistogram ttftHist = new LatencyHistogram();
    private final LatencyHistogram itlHist = new LatencyHistogram();
    private final LatencyHistogram e2eHist = new LatencyHistogram();
    private final LatencyHistogram queueHist = new LatencyHistogram();
    private volatile long startedAtNanos;

    private FakeVllmBackend(Builder b) throws IOException {
        this.id = b.id;
        this.model = b.model;
        this.maxRunning = b.maxRunning;
        this.ttft = b.ttft;
        this.tpot = b.tpot;
        this.loadSlowdown = b.loadSlowdown;
        this.defaultMaxTokens = b.defaultMaxTokens;
        this.maxTokensCap = b.maxTokensCap;
        this.kvCacheTokens = b.kvCacheTokens;
        this.metricsDelay = b.metricsDelay;
        this.slowFirstRequests = b.slowFirstRequests;
        this.slowFactor = b.slowFactor;
        this.slots = new Semaphore(maxRunning, true);
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(b.threads, b.threads, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "podrouter-fakevllm-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port), 128);
        server.setExecutor(pool);
        server.createContext("/v1/completions", ex -> serve(ex, false));
        server.createContext("/v1/chat/completions", ex -> serve(ex, true));
        server.createContext("/health", this::health);
        server.createContext("/metrics", this::metrics);
        server.createContext("/", ex -> respond(ex, 404, "application/json",
                new OpenAiError(404, "not_found_error", "no route for " + ex.getRequestURI().getPath(), null, null).toJson()));
    }

    /** A builder with the defaults documented on each setter; {@code id} and {@code model} are required. */
    public static Builder builder(String id, String model) {
        return new Builder(id, model);
    }

    /** Starts serving (the port is bound since construction). Idempotent; throws after {@link #close()}. */
    public synchronized FakeVllmBackend start() {
        if (closed.get()) {
            throw new IllegalStateException("backend " + id + " is closed");
        }
        if (startedAtNanos == 0) {
            startedAtNanos = System.nanoTime();
            server.start();
            LOG.info("fake vLLM backend {} serving {} on {}{}", id, model, server.getAddress(),
                    metricsDelay.isZero() ? "" : " (cold: no vllm metrics for " + metricsDelay.toMillis() + " ms)");
        }
        return this;
    }

    /** The id given to the builder. */
    public String id() {
        return id;
    }

    /** The model this backend serves. */
    public String model() {
        return model;
    }

    /** The loopback address the backend listens on. */
    public String host() {
        return server.getAddress().getAddress().getHostAddress();
    }

    /** The bound port (ephemeral unless the builder set one). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Requests currently running (not waiting). */
    public int runningRequests() {
        return running.get();
    }

    /** Completion requests answered so far, successfully or not (including those that failed mid-way). */
    public long completedRequests() {
        return requestsCompleted.get();
    }

    /** Whether {@code /metrics} exports the {@code vllm:} series yet (always true without a cold start). */
    public boolean metricsAvailable() {
        long started = startedAtNanos;
        return started != 0 && System.nanoTime() - started >= metricsDelay.toNanos();
    }

    /** Makes the completion endpoints answer 500 ({@code true}) or serve normally ({@code false}). */
    public void setFailing(boolean fail) {
        if (failing.getAndSet(fail) != fail) {
            LOG.info("fake vLLM backend {} {}", id, fail ? "now fails every completion request with 500" : "serves normally again");
        }
    }

    /**
     * Makes the completion endpoints accept every request and never answer ({@code true}), while
     * {@code /health} and {@code /metrics} keep answering: the held requests are not counted as running or
     * waiting, so the metrics keep saying what the engine did before (idle, if it was). A held request uses
     * no request thread. {@code false} serves normally again and drops the connections of the held
     * requests (what a restarted engine's clients see).
     */
    public void setHung(boolean hang) {
        if (hung.getAndSet(hang) != hang) {
            LOG.info("fake vLLM backend {} {}", id, hang ? "now holds every completion request without answering"
                    : "serves normally again; held requests are dropped");
        }
        if (!hang) {
            dropHeld();
        }
    }

    /** Completion requests held without an answer since the backend started (see {@link #setHung}). */
    public long heldRequests() {
        return heldTotal.get();
    }

    private void dropHeld() {
        HttpExchange ex;
        while ((ex = held.poll()) != null) {
            ex.close();
        }
    }

    /**
     * Stops the server at once (the port is free when this returns) and the request pool (requests in
     * progress are interrupted and their connections closed). Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        dropHeld();
        server.stop(0);
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("fake vLLM backend {}: request threads still running 5 s after close", id);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("fake vLLM backend {} stopped", id);
    }

    private void health(HttpExchange ex) throws IOException {
        respond(ex, 200, "text/plain", "");
    }

    private void metrics(HttpExchange ex) throws IOException {
        respond(ex, 200, CONTENT_TYPE_METRICS, exposition());
    }

    /** The {@code /metrics} text as it stands now. */
    String exposition() {
        StringBuilder out = new StringBuilder(8192);
        out.append("# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n")
                .append("# TYPE process_start_time_seconds gauge\n")
                .append("process_start_time_seconds ").append(ProcessHandle.current().info().startInstant()
                        .map(i -> i.getEpochSecond()).orElse(0L)).append(".0\n");
        if (!metricsAvailable()) {
            return out.toString();
        }
        if (metricsAnnounced.compareAndSet(false, true) && !metricsDelay.isZero()) {
            LOG.info("fake vLLM backend {}: engine initialised, /metrics now exports vllm: series", id);
        }
        String labels = "engine=\"0\",model_name=" + JsonWriter.quote(model);
        gauge(out, "vllm:num_requests_running", "Number of requests in model execution batches.", labels, running.get());
        gauge(out, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", labels, waiting.get());
        gauge(out, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", labels,
                Math.min(1.0, (double) kvTokens.get() / kvCacheTokens));
        counter(out, "vllm:prompt_tokens_total", "Number of prefill tokens processed.", labels, promptTokens.get());
        counter(out, "vllm:generation_tokens_total", "Number of generation tokens processed.", labels, generationTokens.get());
        histogram(out, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", labels, ttftHist);
        histogram(out, "vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", labels, itlHist);
        histogram(out, "vllm:time_per_output_token_seconds",
                "Histogram of time per output token in seconds. DEPRECATED: use vllm:inter_token_latency_seconds.", labels, itlHist);
        histogram(out, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", labels, e2eHist);
        histogram(out, "vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", labels, queueHist);
        return out.toString();
    }

    private void serve(HttpExchange ex, boolean chat) throws IOException {
        boolean hold = false;
        try {
            if (!"POST".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", "POST");
                respond(ex, 405, "application/json",
                        new OpenAiError(405, "invalid_request_error", "method " + ex.getRequestMethod() + " (expected: POST)", null, null).toJson());
                return;
            }
            String body;
            try (InputStream in = ex.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            CompletionRequest req;
            try {
                req = CompletionRequest.parse(body);
            } catch (InvalidRequestException e) {
                OpenAiError err = OpenAiError.invalidRequest(e);
                respond(ex, err.status(), "application/json", err.toJson());
                return;
            }
            if (!model.equals(req.model())) {
                OpenAiError err = OpenAiError.modelNotFound(req.model());
                respond(ex, err.status(), "application/json", err.toJson());
                return;
            }
            if (failing.get()) {
                respond(ex, 500, "application/json",
                        new OpenAiError(500, "internal_server_error", "engine failure (simulated by " + id + ")", null, null).toJson());
                return;
            }
            if (hung.get()) {
                // Left open: the request is accepted and never answered; the pool thread goes back to serve
                // /metrics and /health, which keep answering.
                hold = true;
                heldTotal.incrementAndGet();
                held.add(ex);
                if (!hung.get() || closed.get()) {
                    dropHeld(); // setHung(false) or close ran between the check and the add
                }
                return;
            }
            generate(ex, chat, req, Math.max(1, body.length() / 4));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing: the exchange is closed below
        } finally {
            if (!hold) {
                ex.close();
            }
        }
    }

    private void generate(HttpExchange ex, boolean chat, CompletionRequest req, int prompt)
            throws IOException, InterruptedException {
        long arrived = System.nanoTime();
        long n = requestsStarted.incrementAndGet();
        int tokens = Math.min(maxTokensCap, req.maxTokens() == CompletionRequest.UNSPECIFIED ? defaultMaxTokens : req.maxTokens());
        waiting.incrementAndGet();
        try {
            slots.acquire();
        } finally {
            waiting.decrementAndGet();
        }
        int others = running.getAndIncrement();
        kvTokens.addAndGet(prompt + tokens);
        promptTokens.addAndGet(prompt);
        long started = System.nanoTime();
        try {
            double slowdown = 1 + loadSlowdown * others;
            double cold = n <= slowFirstRequests ? slowFactor : 1.0;
            long firstTokenNanos = (long) (ttft.toNanos() * slowdown * cold);
            long perTokenNanos = (long) (tpot.toNanos() * slowdown);
            String created = Long.toString(System.currentTimeMillis() / 1000);
            String rid = (chat ? "chatcmpl-" : "cmpl-") + id + "-" + n;
            if (req.stream()) {
                ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                ex.getResponseHeaders().set("Cache-Control", "no-cache");
                ex.sendResponseHeaders(200, 0);
                OutputStream out = ex.getResponseBody();
                TimeUnit.NANOSECONDS.sleep(firstTokenNanos);
                long firstAt = System.nanoTime();
                for (int i = 0; i < tokens; i++) {
                    if (i > 0) {
                        TimeUnit.NANOSECONDS.sleep(perTokenNanos);
                    }
                    String finish = i == tokens - 1 ? "\"length\"" : "null";
                    String chunk = chat
                            ? "{\"id\":\"" + rid + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                                    + ",\"model\":" + JsonWriter.quote(model) + ",\"choices\":[{\"index\":0,\"delta\":{"
                                    + (i == 0 ? "\"role\":\"assistant\"," : "") + "\"content\":" + JsonWriter.quote(word(i))
                                    + "},\"finish_reason\":" + finish + "}]}"
                            : "{\"id\":\"" + rid + "\",\"object\":\"text_completion\",\"created\":" + created
                                    + ",\"model\":" + JsonWriter.quote(model) + ",\"choices\":[{\"index\":0,\"text\":"
                                    + JsonWriter.quote(word(i)) + ",\"finish_reason\":" + finish + "}]}";
                    out.write(("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    generationTokens.incrementAndGet();
                    if (i == 0) {
                        ttftHist.observe((firstAt - arrived) / 1e9);
                    } else {
                        itlHist.observe(perTokenNanos / 1e9);
                    }
                }
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            } else {
                TimeUnit.NANOSECONDS.sleep(firstTokenNanos);
                ttftHist.observe((System.nanoTime() - arrived) / 1e9);
                TimeUnit.NANOSECONDS.sleep(perTokenNanos * (tokens - 1));
                for (int i = 1; i < tokens; i++) {
                    itlHist.observe(perTokenNanos / 1e9);
                }
                generationTokens.addAndGet(tokens);
                StringBuilder text = new StringBuilder();
                for (int i = 0; i < tokens; i++) {
                    text.append(word(i));
                }
                String usage = "\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + tokens
                        + ",\"total_tokens\":" + (prompt + tokens) + "}";
                String json = chat
                        ? "{\"id\":\"" + rid + "\",\"object\":\"chat.completion\",\"created\":" + created + ",\"model\":"
                                + JsonWriter.quote(model) + ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                                + JsonWriter.quote(text.toString()) + "},\"finish_reason\":\"length\"}]," + usage + "}"
                        : "{\"id\":\"" + rid + "\",\"object\":\"text_completion\",\"created\":" + created + ",\"model\":"
                                + JsonWriter.quote(model) + ",\"choices\":[{\"index\":0,\"text\":" + JsonWriter.quote(text.toString())
                                + ",\"finish_reason\":\"length\"}]," + usage + "}";
                respond(ex, 200, "application/json", json);
            }
            long done = System.nanoTime();
            e2eHist.observe((done - arrived) / 1e9);
            queueHist.observe((started - arrived) / 1e9);
        } finally {
            kvTokens.addAndGet(-(prompt + tokens));
            running.decrementAndGet();
            slots.release();
            requestsCompleted.incrementAndGet();
        }
    }

    private static String word(int i) {
        int start = (i * 7) % (WORDS.length() - 6);
        int space = WORDS.indexOf(' ', start);
        return WORDS.substring(start, space + 1);
    }

    private static void respond(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
        ex.close();
    }

    /**
     * Configures a {@link FakeVllmBackend}. Not thread-safe. Every setter validates its argument and
     * throws {@link IllegalArgumentException} (or {@link NullPointerException} for null) naming it.
     */
    public static final class Builder {

        private final String id;
        private final String model;
        private int port;
        private int maxRunning = 8;
        private Duration ttft = Duration.ofMillis(20);
        private Duration tpot = Duration.ofMillis(3);
        private double loadSlowdown = 0.15;
        private int defaultMaxTokens = 16;
        private int maxTokensCap = 256;
        private long kvCacheTokens = 4096;
        private int threads = 48;
        private Duration metricsDelay = Duration.ZERO;
        private int slowFirstRequests;
        private double slowFactor = 1.0;

        private Builder(String id, String model) {
            Objects.requireNonNull(id, "id: null (expected: a backend id)");
            Objects.requireNonNull(model, "model: null (expected: the served model name)");
            if (!id.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("id: '" + id + "' (expected: letters, digits, '.', '_', '-')");
            }
            if (model.isBlank()) {
                throw new IllegalArgumentException("model: blank (expected: the served model name)");
            }
            this.id = id;
            this.model = model;
        }

        /** The port to bind on 127.0.0.1; default 0 (ephemeral). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
            }
            this.port = port;
            return this;
        }

        /** Requests that run at once ({@code max_num_seqs}); more wait. Default 8. Must be &gt;= 1. */
        public Builder maxRunningRequests(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxRunningRequests: " + max + " (expected: >= 1)");
            }
            this.maxRunning = max;
            return this;
        }

        /** Time to first token of a request running alone; default 20 ms. Must be &gt;= 0. */
        public Builder timeToFirstToken(Duration d) {
            this.ttft = nonNegative("timeToFirstToken", d);
            return this;
        }

        /** Time per further output token of a request running alone; default 3 ms. Must be &gt;= 0. */
        public Builder timePerOutputToken(Duration d) {
            this.tpot = nonNegative("timePerOutputToken", d);
            return this;
        }

        /** Latency growth per other running request (0.15 = +15 % each); default 0.15. Must be &gt;= 0 and finite. */
        public Builder loadSlowdown(double perRunningRequest) {
            if (!(perRunningRequest >= 0) || Double.isInfinite(perRunningRequest)) {
                throw new IllegalArgumentException("loadSlowdown: " + perRunningRequest + " (expected: >= 0 and finite)");
            }
            this.loadSlowdown = perRunningRequest;
            return this;
        }

        /** Output tokens when a request has no {@code max_tokens}; default 16. Must be &gt;= 1. */
        public Builder defaultMaxTokens(int tokens) {
            if (tokens < 1) {
                throw new IllegalArgumentException("defaultMaxTokens: " + tokens + " (expected: >= 1)");
            }
            this.defaultMaxTokens = tokens;
            return this;
        }

        /** Most output tokens per request, whatever {@code max_tokens} says; default 256. Must be &gt;= 1. */
        public Builder maxTokensCap(int tokens) {
            if (tokens < 1) {
                throw new IllegalArgumentException("maxTokensCap: " + tokens + " (expected: >= 1)");
            }
            this.maxTokensCap = tokens;
            return this;
        }

        /** KV-cache capacity in tokens, the denominator of {@code vllm:kv_cache_usage_perc}; default 4096. */
        public Builder kvCacheTokens(long tokens) {
            if (tokens < 1) {
                throw new IllegalArgumentException("kvCacheTokens: " + tokens + " (expected: >= 1)");
            }
            this.kvCacheTokens = tokens;
            return this;
        }

        /** Request threads (running plus waiting plus health and metrics); default 48. Must be &gt; maxRunningRequests. */
        public Builder threads(int threads) {
            if (threads < 2) {
                throw new IllegalArgumentException("threads: " + threads + " (expected: >= 2)");
            }
            this.threads = threads;
            return this;
        }

        /**
         * Simulates a cold start: {@code /metrics} has no {@code vllm:} series until {@code metricsDelay}
         * after {@link FakeVllmBackend#start()}, and the first {@code slowRequests} requests take
         * {@code slowFactor} times longer to their first token. Default: no delay, no slow requests.
         */
        public Builder coldStart(Duration metricsDelay, int slowRequests, double slowFactor) {
            this.metricsDelay = nonNegative("metricsDelay", metricsDelay);
            if (slowRequests < 0) {
                throw new IllegalArgumentException("slowRequests: " + slowRequests + " (expected: >= 0)");
            }
            if (!(slowFactor >= 1) || Double.isInfinite(slowFactor)) {
                throw new IllegalArgumentException("slowFactor: " + slowFactor + " (expected: >= 1 and finite)");
            }
            this.slowFirstRequests = slowRequests;
            this.slowFactor = slowFactor;
            return this;
        }

        /**
         * Binds the port (127.0.0.1) and builds; call {@link FakeVllmBackend#start()} to serve.
         *
         * @throws IOException when the port cannot be bound
         */
        public FakeVllmBackend build() throws IOException {
            if (threads <= maxRunning) {
                throw new IllegalArgumentException("threads: " + threads + " (expected: > maxRunningRequests " + maxRunning + ")");
            }
            return new FakeVllmBackend(this);
        }

        private static Duration nonNegative(String what, Duration d) {
            Objects.requireNonNull(d, what + ": null (expected: >= 0)");
            if (d.isNegative()) {
                throw new IllegalArgumentException(what + ": " + d + " (expected: >= 0)");
            }
            return d;
        }
    }
}
