package io.podrouter.prometheus;

import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.prometheus.text.ParseException;
import io.podrouter.prometheus.text.PrometheusTextParser;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;

/**
 * A ready-made {@link MetricsSource} for vLLM and SGLang pods: scrapes each pod's Prometheus endpoint
 * in the background and answers {@link #lookup} from memory. With a {@code Router} (artifact
 * {@code podrouter-core}) and a strategy from {@code podrouter-strategies}:
 *
 * <pre>{@code
 * PrometheusScraper scraper = PrometheusScraper.builder().engine(EngineMapping.vllm()).build();
 * scraper.start();
 * Router router = Router.builder()
 *         .metricsSource(scraper)
 *         .strategies(new LeastKvCacheStrategy())
 *         .build();
 * // whenever discovery changes:
 * scraper.updateTargets(pods);
 * Candidates candidates = router.candidates(pods);
 * }</pre>
 *
 * <p><b>What {@code lookup(pod, model)} answers</b> (O(1), no I/O, no lock, no allocation when metrics
 * are present):
 * <ul>
 *   <li>{@code Present(metrics)}: the last scrape succeeded, is at most {@link Builder#maxAge maxAge}
 *       old, and the pod exports series for {@code model} (vLLM and SGLang label {@code model_name}), or
 *       series without a model label, all of them in range (below). {@code observedAt} is the scrape
 *       time.</li>
 *   <li>{@code Missing(NOT_YET_SCRAPED)}: the pod has not been scraped successfully yet (the normal state
 *       of a pod for its first scrape interval), or it is not a target (detail says so: call
 *       {@link #updateTargets}), or the server answers but exports no series for {@code model} (detail
 *       {@code "no series for model X"}): vLLM exports no {@code vllm:} series until its engine is
 *       initialised, and a pod may serve other models only.</li>
 *   <li>{@code Missing(INVALID_VALUE, detail)}: the last scrape succeeded but a value read for
 *       {@code model} is out of range; the detail names the metric and the value (see <b>Values</b>).</li>
 *   <li>{@code Missing(SCRAPE_FAILED, detail)}: the last scrape failed; the detail names the
 *       {@link FailureKind} and the error. A single failure is enough: the router does not route on
 *       metrics the pod could not confirm.</li>
 *   <li>{@code Missing(STALE)}: the last successful scrape is older than {@code maxAge} and no failure
 *       has been recorded since (the scraper is not started or closed, or the pod's scrape keeps being
 *       skipped).</li>
 * </ul>
 * It never returns {@code NotReady}: readiness is discovery's business. {@code pod} null throws
 * {@link NullPointerException}; {@code model} null throws {@link NullPointerException} too (the
 * {@link MetricsSource} contract never passes one).
 *
 * <p><b>Two staleness limits.</b> The scraper's {@link Builder#maxAge maxAge} (default 5 s) and the
 * router's own maximum metrics age ({@code Router.Builder.maxMetricsAge}, default 10 s) both apply; the
 * effective limit is the smaller of the two. The scraper checks its own limit on every lookup and then
 * reports {@code STALE} itself, so with the defaults the router's limit never triggers for this source.
 * To loosen staleness, raise both; to tighten it, lowering either is enough.
 *
 * <p><b>Scraping.</b> {@link #updateTargets} says which pods to scrape (pods no longer listed are
 * dropped with their history; newly listed pods are scraped at once, so a cold pod's first metrics do
 * not wait for the next round). After {@link #start()}, every {@link Builder#interval interval} each
 * target is scraped independently on a pool of {@link Builder#concurrency concurrency} threads with a
 * per-scrape {@link Builder#timeout timeout} covering connect, headers and body: a hung pod occupies one
 * thread for at most the timeout and never delays the others, and a pod whose previous scrape is still
 * running is skipped that round (counted in {@link ScrapeStats#skippedBusy()}), never queued twice.
 * {@link #scrapeNow()} runs one round synchronously, with or without {@code start()}. The target URL
 * is {@code http://host:port/metrics} by default; per pod, the labels {@value #METRICS_PORT_LABEL} and
 * {@value #METRICS_PATH_LABEL} override port and path, and {@link Builder#targetUri} replaces the whole
 * rule. Memory: one body holds at most {@link Builder#maxBodyBytes maxBodyBytes}, all bodies together
 * at most {@link Builder#maxTotalBodyBytes maxTotalBodyBytes}.
 *
 * <p><b>Values.</b> Gauges are read as they are (several series of one model, e.g. the engines of a
 * data-parallel vLLM server, are combined as {@link EngineMapping} says; KV-cache usage with the mean by
 * default, see {@link Builder#kvCacheAggregation}); latencies are recent means computed from the change
 * of each cumulative histogram between consecutive scrapes (see {@link EngineMapping} for names, and the
 * extra percentiles). The first scrape of a pod therefore has gauges but no latencies; a window without
 * requests keeps the previous latency for {@link Builder#latencyHoldTime latencyHoldTime}; a server
 * restart (counters going down) starts a new baseline and never yields negative values. Values a model
 * server cannot mean are rejected, never passed on: a gauge that is NaN, infinite, negative, or above
 * 2^53 (a count no server reaches; 1e308 is garbage), a KV-cache usage outside 0..1, and a histogram
 * without a {@code +Inf} bucket, with cumulative counts that decrease, with a {@code _count} other than
 * its {@code +Inf} bucket, or with a negative, missing or absurd {@code _sum}. The model's lookups then
 * answer {@code Missing(INVALID_VALUE)} naming the metric and value until a scrape is valid again
 * (counted in {@link ScrapeStats#invalidValues()}); an invalid histogram also drops its baseline.
 * Extra gauges (no known unit) may be negative but must be finite.
 *
 * <p><b>LoRA adapters</b> (vLLM). {@code vllm:lora_requests_info} is an info gauge: labels
 * {@code running_lora_adapters} and {@code waiting_lora_adapters} list adapter names, comma-separated
 * (empty when none), {@code max_lora} is how many adapters fit at once, and the value is the Unix time at
 * which vLLM last set that combination. vLLM keeps every combination it ever set, so the series with the
 * newest timestamp is the current one (the others are ignored). It has no model label, so it applies to
 * every model of the pod: each running adapter becomes {@code PodMetrics.extra} {@code lora_running:<adapter>}
 * = 1 (the key {@code LoraAffinityScorer} reads), each waiting one {@code lora_waiting:<adapter>} = 1, and
 * {@code max_lora} becomes {@code lora_max}. Malformed input never fails the scrape: a series whose value is
 * not a finite non-negative number is ignored, a missing list label counts as empty, names are trimmed and
 * empty entries skipped, and a {@code max_lora} that is not a non-negative number is left out. A pod without
 * the family (LoRA disabled) has none of these keys.
 *
 * <p><b>Failures</b> (connection refused, timeout, HTTP status other than 2xx, body over
 * {@link Builder#maxBodyBytes maxBodyBytes}, no memory budget left, I/O errors such as a body cut short,
 * unparsable text, a mapped metric of the wrong type) affect only the pod concerned and are counted per
 * {@link FailureKind} in {@link #stats()}.
 *
 * <p><b>Logging.</b> One line per pod and change of state (healthy, a failure kind, invalid values,
 * and the start of a run of scrapes seeing the server restart), never one per scrape, and at most one
 * line per pod per {@link Builder#logInterval logInterval} (30 s by default): a pod flapping between
 * states is logged once per interval, and the next line says how many changes went unlogged. A failure
 * caused by an exception (connection refused, I/O error, a throwing engine or URI function, an internal
 * error) is logged with its stack trace on that line. Levels: INFO while the pod has never been scraped
 * successfully (a starting pod refusing connections is normal), WARN after, ERROR for internal errors.
 *
 * <p><b>Lifecycle and threads.</b> Thread-safe. The scraper owns a timer thread, up to
 * {@code concurrency} scrape threads (which time out when idle) and, unless an HTTP client is
 * {@link Builder#httpClient injected}, an HTTP client with two executor threads; all are daemon threads
 * named {@code podrouter-scrape-*}. {@link #close()} is idempotent, stops the scraper's threads and waits
 * for running scrapes to end. Java 17's {@code HttpClient} has no {@code close()}: the scraper shuts down
 * its own client's executor and drops the client, whose selector thread ({@code HttpClient-N-SelectorManager})
 * ends once the client is garbage-collected; an injected client is neither used nor closed after
 * {@code close()}. {@code lookup} keeps answering after close, from the last snapshots (they turn
 * {@code STALE}).
 */
public final class PrometheusScraper implements MetricsSource, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PrometheusScraper.class);

    /** Default {@link Builder#interval}: 1 s. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    /** Default {@link Builder#timeout}: 2 s. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    /** Default {@link Builder#maxAge}: 5 s. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(5);
    /** Default {@link Builder#latencyHoldTime}: 30 s. */
    public static final Duration DEFAULT_LATENCY_HOLD_TIME = Duration.ofSeconds(30);
    /** Default {@link Builder#maxBodyBytes}: 8 MiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
    /** Default {@link Builder#maxTotalBodyBytes}: 32 MiB (or twice {@code maxBodyBytes} if that is larger). */
    public static final long DEFAULT_MAX_TOTAL_BODY_BYTES = 32L * 1024 * 1024;
    /** Default {@link Builder#logInterval}: 30 s. */
    public static final Duration DEFAULT_LOG_INTERVAL = Duration.ofSeconds(30);
    /** Default {@link Builder#concurrency}: 8. */
    public static final int DEFAULT_CONCURRENCY = 8;
    /** Default {@link Builder#metricsPath}: {@code /metrics}. */
    public static final String DEFAULT_METRICS_PATH = "/metrics";
    /** Pod label overriding the port scraped (decimal, 1..65535). */
    public static final String METRICS_PORT_LABEL = "podrouter.io/metrics-port";
    /** Pod label overriding the path scraped (must start with {@code /}). */
    public static final String METRICS_PATH_LABEL = "podrouter.io/metrics-path";

    private static final MetricsLookup NOT_A_TARGET = MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED,
            "pod is not a scrape target (expected: listed in PrometheusScraper.updateTargets)");
    private static final String ACCEPT = "text/plain;version=0.0.4;q=1.0,*/*;q=0.1";

    private final Duration interval;
    private final Duration timeout;
    private final long maxAgeMillis;
    private final long latencyHoldMillis;
    private final int maxBodyBytes;
    private final ByteBudget budget;
    private final EngineMapping.Aggregation kvAggregation;
    private final long logIntervalMillis;
    private final Function<Pod, EngineMapping> engines;
    private final Function<Pod, URI> targetUri;
    private final boolean defaultRule;
    private final InstantSource clock;

    private final ConcurrentHashMap<String, PodScrapeState> targets = new ConcurrentHashMap<>();
    private final Object targetsLock = new Object();
    private final ScheduledThreadPoolExecutor timer;
    private final ThreadPoolExecutor workers;
    private final ExecutorService httpExecutor; // null when the client is injected
    private volatile HttpClient client;
    private final ThreadLocal<PrometheusTextParser> parsers = ThreadLocal.withInitial(PrometheusTextParser::new);
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private final AtomicLong attempts = new AtomicLong();
    private final AtomicLong successes = new AtomicLong();
    private final AtomicLongArray failures = new AtomicLongArray(FailureKind.values().length);
    private final AtomicLong skippedBusy = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong stateChanges = new AtomicLong();
    private final AtomicLong invalidValues = new AtomicLong();

    private PrometheusScraper(Builder b) {
        this.interval = b.interval;
        this.timeout = b.timeout;
        this.maxAgeMillis = b.maxAge.toMillis();
        this.latencyHoldMillis = b.latencyHoldTime.toMillis();
        this.maxBodyBytes = b.maxBodyBytes;
        this.budget = new ByteBudget(b.maxTotalBodyBytes > 0 ? b.maxTotalBodyBytes
                : Math.max(DEFAULT_MAX_TOTAL_BODY_BYTES, 2L * b.maxBodyBytes));
        this.kvAggregation = b.kvAggregation;
        this.logIntervalMillis = b.logInterval.toMillis();
        this.engines = b.engines;
        this.targetUri = b.targetUri != null ? b.targetUri : defaultTargetUri(b.metricsPath);
        this.defaultRule = b.targetUri == null;
        this.clock = b.clock;
        this.timer = new ScheduledThreadPoolExecutor(1, threads("podrouter-scrape-timer"));
        this.timer.setRemoveOnCancelPolicy(true);
        this.workers = new ThreadPoolExecutor(b.concurrency, b.concurrency, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), threads("podrouter-scrape-worker-"));
        this.workers.allowCoreThreadTimeOut(true);
        if (b.httpClient != null) {
            this.httpExecutor = null;
            this.client = b.httpClient;
        } else {
            ThreadPoolExecutor http = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    threads("podrouter-scrape-http-"));
            http.allowCoreThreadTimeOut(true);
            this.httpExecutor = http;
            this.client = HttpClient.newBuilder()
                    .executor(http)
                    .connectTimeout(timeout)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .version(HttpClient.Version.HTTP_1_1)
                    .build();
        }
    }

    /** A builder with the documented defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts background scraping: a round at once, then one every interval. Idempotent.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public void start() {
        ensureOpen();
        if (started.compareAndSet(false, true)) {
            long periodNanos = interval.toNanos();
            timer.scheduleAtFixedRate(this::round, 0, periodNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Replaces the set of pods to scrape. Pods not in {@code pods} are dropped with their history (their
     * lookups then say "not a scrape target"). A pod already scraped keeps its state when its scrape URI
     * and engine are unchanged (other changes, like becoming Ready, are just recorded); otherwise it
     * starts afresh. Newly added pods are scraped at once when the scraper is started. Safe to call from
     * any thread; concurrent calls are serialised.
     *
     * @param pods the pods; null throws {@link NullPointerException}, as does a null element; two pods
     *             with the same id: the later one counts; empty drops every target
     */
    public void updateTargets(Collection<Pod> pods) {
        Objects.requireNonNull(pods, "pods: null (expected: the pods to scrape, possibly empty)");
        Map<String, Pod> byId = new LinkedHashMap<>();
        for (Pod p : pods) {
            Objects.requireNonNull(p, "pods: contains null (expected: only pods)");
            byId.put(p.id(), p);
        }
        List<PodScrapeState> added = new ArrayList<>();
        synchronized (targetsLock) {
            targets.keySet().removeIf(id -> !byId.containsKey(id));
            for (Pod pod : byId.values()) {
                PodScrapeState current = targets.get(pod.id());
                PodScrapeState fresh = resolve(pod);
                if (current != null && Objects.equals(current.uri, fresh.uri) && current.engine == fresh.engine
                        && Objects.equals(current.targetProblem, fresh.targetProblem)) {
                    current.pod = pod;
                } else {
                    targets.put(pod.id(), fresh);
                    added.add(fresh);
                }
            }
        }
        if (started.get() && !closed.get()) {
            for (PodScrapeState s : added) {
                submit(s);
            }
        }
    }

    /**
     * Scrapes every target once, now, and returns when all those scrapes have finished (each bounded by
     * the timeout). Targets whose background scrape is still running are skipped. Useful before serving
     * the first request, and in tests with a virtual clock.
     *
     * @throws InterruptedException  when interrupted while waiting (the scrapes continue)
     * @throws IllegalStateException after {@link #close()}
     */
    public void scrapeNow() throws InterruptedException {
        ensureOpen();
        List<Future<?>> running = new ArrayList<>();
        for (PodScrapeState s : targets.values()) {
            Future<?> f = submit(s);
            if (f != null) {
                running.add(f);
            }
        }
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException | CancellationException e) {
                // scrape() records its own failures; a cancelled one means the scraper was closed
            }
        }
    }

    @Override
    public MetricsLookup lookup(Pod pod, String model) {
        Objects.requireNonNull(pod, "pod: null (expected: a Pod)");
        Objects.requireNonNull(model, "model: null (expected: the request's model)");
        PodScrapeState state = targets.get(pod.id());
        if (state == null) {
            return NOT_A_TARGET;
        }
        Snapshot s = state.snapshot;
        if (s.status != Status.OK) {
            return s.notOk;
        }
        if (clock.millis() - s.scrapedAtMillis > maxAgeMillis) {
            return s.stale;
        }
        MetricsLookup m = s.byModel.get(model);
        if (m != null) {
            return m;
        }
        if (s.anyModel != null) {
            return s.anyModel;
        }
        return MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED,
                "no series for model '" + model + "' (pod exports " + s.modelsText + ")");
    }

    /** A snapshot of the counters. Thread-safe. */
    public ScrapeStats stats() {
        Map<FailureKind, Long> f = new EnumMap<>(FailureKind.class);
        for (FailureKind k : FailureKind.values()) {
            f.put(k, failures.get(k.ordinal()));
        }
        return new ScrapeStats(targets.size(), attempts.get(), successes.get(), f, skippedBusy.get(),
                bytesRead.get(), stateChanges.get(), invalidValues.get());
    }

    /**
     * Stops scraping and ends the scraper's own threads (timer, scrape workers, and the HTTP executor of
     * the client it built); waits up to the timeout plus one second for running scrapes to end (they are
     * interrupted). An {@link Builder#httpClient injected client} is left untouched: it stays usable and
     * is the caller's to close. Idempotent; {@link #lookup} keeps working.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        timer.shutdownNow();
        workers.shutdownNow();
        long waitMillis = timeout.toMillis() + 1000;
        try {
            timer.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
            workers.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
            if (httpExecutor != null) {
                httpExecutor.shutdownNow();
                httpExecutor.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            if (httpExecutor != null) {
                httpExecutor.shutdownNow();
            }
            Thread.currentThread().interrupt();
        }
        // Java 17's HttpClient has no close(): dropping our own client lets it (its selector thread and
        // pooled connections) be collected. An injected client is the caller's.
        client = null;
    }

    /** The shared body budget; for tests. */
    ByteBudget budget() {
        return budget;
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("scraper is closed");
        }
    }

    private void round() {
        for (PodScrapeState s : targets.values()) {
            submit(s);
        }
    }

    /** Queues one scrape of {@code s} unless one is running; returns its future, or null when skipped. */
    private Future<?> submit(PodScrapeState s) {
        if (closed.get()) {
            return null;
        }
        if (!s.inFlight.compareAndSet(false, true)) {
            skippedBusy.incrementAndGet();
            return null;
        }
        try {
            return workers.submit(() -> scrape(s));
        } catch (RejectedExecutionException e) {
            s.inFlight.set(false); // closed meanwhile
            return null;
        }
    }

    private void scrape(PodScrapeState s) {
        BodyHolder holder = new BodyHolder();
        try {
            attempts.incrementAndGet();
            if (s.uri == null) {
                fail(s, FailureKind.BAD_TARGET, 0, s.targetProblem, s.targetProblemCause);
                return;
            }
            HttpClient c = client;
            if (c == null) {
                return; // closed
            }
            CappedBodySubscriber.Body body = fetch(s, c, holder);
            if (body == null) {
                return; // failure recorded
            }
            bytesRead.addAndGet(body.length());
            MetricsExtractor extractor = new MetricsExtractor(s.engine, kvAggregation);
            try {
                parsers.get().parse(body.bytes(), 0, body.length(), extractor);
            } catch (ParseException e) {
                fail(s, FailureKind.PARSE, 0, "unparsable body: " + e.getMessage(), null);
                return;
            }
            if (extractor.wrongType() != null) {
                fail(s, FailureKind.WRONG_TYPE, 0, extractor.wrongType(), null);
                return;
            }
            succeed(s, extractor);
        } catch (RuntimeException e) {
            fail(s, FailureKind.INTERNAL, 0, e.toString(), e);
        } finally {
            holder.releaseAll();
            s.inFlight.set(false);
        }
    }

    /** GETs the body, or records the failure and returns null. The body's memory is released through {@code holder}. */
    private CappedBodySubscriber.Body fetch(PodScrapeState s, HttpClient c, BodyHolder holder) {
        HttpRequest request = HttpRequest.newBuilder(s.uri).timeout(timeout).header("Accept", ACCEPT).GET().build();
        CompletableFuture<HttpResponse<CappedBodySubscriber.Body>> response = c.sendAsync(request, info -> {
            if (info.statusCode() / 100 != 2) {
                return HttpResponse.BodySubscribers.replacing(null);
            }
            long length = info.headers().firstValueAsLong("Content-Length").orElse(-1L);
            CappedBodySubscriber capped = new CappedBodySubscriber(maxBodyBytes, length, budget);
            holder.attach(capped);
            return capped;
        });
        HttpResponse<CappedBodySubscriber.Body> r;
        try {
            r = response.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            response.cancel(true);
            fail(s, FailureKind.TIMEOUT, 0, "no complete response within " + timeout + " from " + s.uri, null);
            return null;
        } catch (InterruptedException e) {
            response.cancel(true);
            Thread.currentThread().interrupt();
            return null; // closing
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof CappedBodySubscriber.BodyTooLargeException) {
                fail(s, FailureKind.BODY_TOO_LARGE, 0, cause.getMessage() + " from " + s.uri, null);
            } else if (cause instanceof CappedBodySubscriber.BudgetExhaustedException) {
                fail(s, FailureKind.MEMORY_BUDGET, 0, cause.getMessage() + "; not read from " + s.uri, null);
            } else if (cause instanceof HttpConnectTimeoutException || cause instanceof HttpTimeoutException) {
                fail(s, FailureKind.TIMEOUT, 0, "no complete response within " + timeout + " from " + s.uri, cause);
            } else if (cause instanceof ConnectException) {
                fail(s, FailureKind.CONNECT, 0, "cannot connect to " + s.uri + " (" + cause + ")", cause);
            } else if (cause instanceof IOException) {
                fail(s, FailureKind.IO, 0, "I/O error reading " + s.uri + ": " + cause, cause);
            } else {
                fail(s, FailureKind.INTERNAL, 0, cause.toString(), cause);
            }
            return null;
        } finally {
            if (!response.isDone()) {
                holder.releaseAll(); // a body still arriving after a timeout must not keep (or take) budget
            }
        }
        if (r.statusCode() / 100 != 2) {
            fail(s, FailureKind.HTTP_STATUS, r.statusCode(), "HTTP " + r.statusCode() + " from " + s.uri, null);
            return null;
        }
        return r.body() == null ? new CappedBodySubscriber.Body(new byte[0], 0) : r.body();
    }

    private void succeed(PodScrapeState s, MetricsExtractor extractor) {
        long nowMillis = clock.millis();
        Instant now = Instant.ofEpochMilli(nowMillis);
        EngineMapping engine = s.engine;
        Map<String, MetricsLookup> byModel = new HashMap<>();
        MetricsLookup anyModel = null;
        boolean restarted = false;
        String invalid = null;
        String invalidKey = null;
        Map<String, LatencyEstimator[]> estimators = new HashMap<>();
        Map<String, Double> loraExtras = extractor.lora().extras(); // pod-wide: vLLM's LoRA gauge has no model label
        for (Map.Entry<String, MetricsExtractor.ModelValues> e : extractor.models().entrySet()) {
            String model = e.getKey();
            LatencyEstimator[] est = s.estimators.get(model);
            if (est == null) {
                est = new LatencyEstimator[engine.histograms().size()];
                for (int i = 0; i < est.length; i++) {
                    est[i] = new LatencyEstimator(engine.percentileCount());
                }
            }
            estimators.put(model, est);
            String[] problem = new String[2]; // what is wrong, and the field's key (stable across values)
            PodMetrics m = toPodMetrics(engine, e.getValue(), est, now, nowMillis, problem, loraExtras);
            for (LatencyEstimator le : est) {
                restarted |= le.lastUpdateWasReset();
            }
            if (problem[0] == null) {
                problem[0] = m.firstInvalidValue(); // a safety net: the checks above should leave nothing out of range
                problem[1] = "metrics";
            }
            MetricsLookup lookup;
            if (problem[0] != null) {
                String label = model.equals(MetricsExtractor.ANY_MODEL) ? "(no model label)" : "'" + model + "'";
                String detail = "model " + label + ": " + problem[0];
                lookup = MetricsLookup.missing(MissingReason.INVALID_VALUE, detail);
                if (invalid == null) {
                    invalid = detail;
                    invalidKey = label + " " + problem[1];
                }
            } else {
                lookup = MetricsLookup.present(m);
            }
            if (model.equals(MetricsExtractor.ANY_MODEL)) {
                anyModel = lookup;
            } else {
                byModel.put(model, lookup);
            }
        }
        s.estimators = estimators; // models gone from the body lose their history
        successes.incrementAndGet();
        if (invalid != null) {
            invalidValues.incrementAndGet();
        }
        Snapshot previous = s.snapshot;
        s.snapshot = Snapshot.ok(nowMillis, now, maxAgeMillis, byModel, anyModel);
        boolean restartBegins = restarted && !s.inRestart;
        s.inRestart = restarted;
        if (restartBegins && mayLog(s, nowMillis)) {
            LOG.info("pod {}: histogram counters went down, so {} restarted; latency baseline reset{}",
                    s.pod.id(), s.uri, suppressedNote(s, nowMillis));
        } else if (restartBegins) {
            s.suppressed++;
        }
        // the state names the model and field, not the value, so a value that keeps changing is one state
        String state = invalid == null ? "OK" : "INVALID " + invalidKey;
        if (!enterState(s, state, nowMillis)) {
            return;
        }
        Pod pod = s.pod;
        if (invalid != null) {
            LOG.warn("pod {}: metrics invalid, reported missing: {}{}", pod.id(), invalid, suppressedNote(s, nowMillis));
            return;
        }
        String models = byModel.isEmpty() && anyModel == null ? "none yet" : new TreeSet<>(byModel.keySet()).toString();
        if (previous.status == Status.NONE && pod.ready() && pod.readySince() != null) {
            LOG.info("pod {}: first metrics from {} ({} ms after Ready; models {}){}", pod.id(), s.uri,
                    Math.max(0, nowMillis - pod.readySince().toEpochMilli()), models, suppressedNote(s, nowMillis));
        } else {
            LOG.info("pod {}: metrics scraped from {} (models {}){}", pod.id(), s.uri, models, suppressedNote(s, nowMillis));
        }
    }

    /**
     * Records that pod {@code s} is in {@code state} after this scrape, and says whether to log that now:
     * only when the state differs from the last one logged and the pod's log interval has passed. A change
     * that cannot be logged yet is counted as suppressed, and is logged by a later scrape once the interval
     * has passed if the pod is still in a state other than the last one logged.
     */
    private boolean enterState(PodScrapeState s, String state, long nowMillis) {
        boolean changed = !state.equals(s.state);
        if (changed) {
            s.state = state;
            stateChanges.incrementAndGet();
        }
        if (!state.equals(s.loggedState) && mayLog(s, nowMillis)) {
            s.loggedState = state;
            return true;
        }
        if (changed) {
            s.suppressed++; // includes a flap back to the state last logged: the next line reports it
        }
        return false;
    }

    /** Whether pod {@code s} may log a line now (at most one per log interval); if so, the interval restarts. */
    private boolean mayLog(PodScrapeState s, long nowMillis) {
        if (s.lastLogMillis != Long.MIN_VALUE && nowMillis - s.lastLogMillis < logIntervalMillis) {
            return false;
        }
        s.lastLogMillis = nowMillis;
        return true;
    }

    /** The note appended to a pod's log line about the lines suppressed before it; resets the count. */
    private String suppressedNote(PodScrapeState s, long nowMillis) {
        if (s.suppressed == 0) {
            return "";
        }
        String note = " (" + s.suppressed + " earlier state changes of this pod not logged: at most one line per "
                + Duration.ofMillis(logIntervalMillis) + ")";
        s.suppressed = 0;
        return note;
    }

    private PodMetrics toPodMetrics(EngineMapping engine, MetricsExtractor.ModelValues v, LatencyEstimator[] est,
                                    Instant now, long nowMillis, @Nullable String[] problem,
                                    Map<String, Double> loraExtras) {
        PodMetrics m = PodMetrics.observedAt(now);
        Map<String, Double> extra = new HashMap<>(loraExtras);
        List<EngineMapping.GaugeSpec> gauges = engine.gauges();
        for (int i = 0; i < gauges.size(); i++) {
            if (problem[0] == null && v.gaugeProblem(i) != null) {
                problem[0] = v.gaugeProblem(i);
                problem[1] = gauges.get(i).key();
            }
            double value = v.gauge(i);
            EngineMapping.GaugeSpec g = gauges.get(i);
            if (g.field() != null) {
                m = with(m, g.field(), value);
            } else if (!Double.isNaN(value)) {
                extra.put(g.key(), value);
            }
        }
        List<EngineMapping.HistogramSpec> histograms = engine.histograms();
        double[] percentiles = engine.percentiles();
        for (int i = 0; i < histograms.size(); i++) {
            EngineMapping.HistogramSpec h = histograms.get(i);
            CumulativeHistogram scraped = v.histogram(i);
            String bad = scraped == null ? null : scraped.problem();
            if (bad != null) {
                if (problem[0] == null) {
                    problem[0] = scraped.family + ": " + bad;
                    problem[1] = h.key();
                }
                scraped = null; // drops the baseline: the next valid scrape starts afresh
            }
            est[i].update(scraped, nowMillis, percentiles);
            double mean = est[i].mean(nowMillis, latencyHoldMillis);
            if (h.field() != null) {
                m = with(m, h.field(), mean);
            } else if (!Double.isNaN(mean)) {
                extra.put(h.key(), mean);
            }
            for (int q = 0; q < percentiles.length; q++) {
                double value = est[i].quantile(q, nowMillis, latencyHoldMillis);
                if (!Double.isNaN(value)) {
                    extra.put(h.key() + engine.percentileSuffix(q), value);
                }
            }
        }
        return extra.isEmpty() ? m : m.withExtra(extra);
    }
    private static PodMetrics with(PodMetrics m, MetricField field, double value) {
        switch (field) {
            case RUNNING_REQUESTS:
                return m.withRunningRequests(value);
            case WAITING_REQUESTS:
                return m.withWaitingRequests(value);
            case KV_CACHE_USAGE:
                return m.withKvCacheUsage(value);
            case TIME_TO_FIRST_TOKEN:
                return m.withTimeToFirstTokenSeconds(value);
            case TIME_PER_OUTPUT_TOKEN:
                return m.withTimePerOutputTokenSeconds(value);
            case E2E_LATENCY:
                return m.withE2eLatencySeconds(value);
            case QUEUE_TIME:
                return m.withQueueTimeSeconds(value);
            default:
                throw new AssertionError(field);
        }
    }

    private void fail(PodScrapeState s, FailureKind kind, int status, String detail, Throwable cause) {
        failures.incrementAndGet(kind.ordinal());
        Snapshot previous = s.snapshot;
        String text = kind + ": " + detail;
        s.snapshot = Snapshot.failed(previous, MetricsLookup.missing(MissingReason.SCRAPE_FAILED, text));
        long nowMillis = clock.millis();
        if (!enterState(s, kind + (status == 0 ? "" : ":" + status), nowMillis)) {
            return;
        }
        String note = suppressedNote(s, nowMillis);
        // the cause's stack trace goes with the one line logged per state change, never with every scrape
        if (kind == FailureKind.INTERNAL) {
            LOG.error("pod {}: scrape failed unexpectedly: {}{}", s.pod.id(), text, note, cause);
        } else if (previous.everSucceeded) {
            LOG.warn("pod {}: metrics missing, scrape failed: {}{}", s.pod.id(), text, note, cause);
        } else {
            LOG.info("pod {}: no metrics yet, scrape failed: {}{}", s.pod.id(), text, note, cause);
        }
    }
    private PodScrapeState resolve(Pod pod) {
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

    private static Function<Pod, URI> defaultTargetUri(String metricsPath) {
        return pod -> {
            int port = pod.port();
            String portLabel = pod.labels().get(METRICS_PORT_LABEL);
            if (portLabel != null) {
                try {
                    port = Integer.parseInt(portLabel.trim());
                } catch (NumberFormatException e) {
                    port = -1;
                }
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("label " + METRICS_PORT_LABEL + "=" + portLabel + " (expected: a port 1..65535)");
                }
            }
            if (port == 0) {
                throw new IllegalArgumentException("pod port 0 (expected: a port, or the label " + METRICS_PORT_LABEL + ")");
            }
            String path = pod.labels().getOrDefault(METRICS_PATH_LABEL, metricsPath);
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("label " + METRICS_PATH_LABEL + "=" + path + " (expected: a path starting with /)");
            }
            String host = pod.host().indexOf(':') >= 0 && !pod.host().startsWith("[") ? "[" + pod.host() + "]" : pod.host();
            try {
                return new URI("http://" + host + ":" + port + path);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("cannot make a URI for host " + pod.host() + " and path " + path + ": " + e.getMessage());
            }
        };
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix.endsWith("-") ? prefix + n.incrementAndGet() : prefix);
            t.setDaemon(true);
            return t;
        };
    }

    private enum Status { NONE, OK, FAILED }

    /**
     * The body subscriber of one scrape, so that its memory is given back when the scrape ends, even if
     * the HTTP client creates the subscriber only after the scrape gave up (it then starts released and
     * reserves nothing).
     */
    private static final class BodyHolder {
        private CappedBodySubscriber subscriber;
        private boolean done;

        synchronized void attach(CappedBodySubscriber s) {
            if (done) {
                s.release();
            } else {
                subscriber = s;
            }
        }

        synchronized void releaseAll() {
            done = true;
            if (subscriber != null) {
                subscriber.release();
            }
        }
    }

    /** What lookups see for one pod: immutable, replaced after every scrape. */
    private static final class Snapshot {
        static final Snapshot NONE = new Snapshot(Status.NONE, false, 0, MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED),
                null, Map.of(), null, "");

        final Status status;
        final boolean everSucceeded;
        final long scrapedAtMillis;
        final MetricsLookup notOk;
        final MetricsLookup stale;
        final Map<String, MetricsLookup> byModel;
        final MetricsLookup anyModel;
        final String modelsText;

        private Snapshot(Status status, boolean everSucceeded, long scrapedAtMillis, MetricsLookup notOk, MetricsLookup stale,
                         Map<String, MetricsLookup> byModel, MetricsLookup anyModel, String modelsText) {
            this.status = status;
            this.everSucceeded = everSucceeded;
            this.scrapedAtMillis = scrapedAtMillis;
            this.notOk = notOk;
            this.stale = stale;
            this.byModel = byModel;
            this.anyModel = anyModel;
            this.modelsText = modelsText;
        }

        static Snapshot ok(long nowMillis, Instant now, long maxAgeMillis, Map<String, MetricsLookup> byModel, MetricsLookup anyModel) {
            MetricsLookup stale = MetricsLookup.missing(MissingReason.STALE,
                    "last successful scrape at " + now + " is older than maxAge " + Duration.ofMillis(maxAgeMillis));
            String models = byModel.isEmpty() ? "no vllm/sglang series yet; the engine may still be starting"
                    : "series for models " + new TreeSet<>(byModel.keySet());
            return new Snapshot(Status.OK, true, nowMillis, null, stale, new HashMap<>(byModel), anyModel, models);
        }

        static Snapshot failed(Snapshot previous, MetricsLookup failure) {
            return new Snapshot(Status.FAILED, previous.everSucceeded, previous.scrapedAtMillis, failure, null, Map.of(), null, "");
        }
    }

    /** One target. {@code snapshot} and {@code pod} are read by lookups; the rest only by the thread holding {@code inFlight}. */
    private static final class PodScrapeState {
        volatile Pod pod;
        final URI uri;
        final EngineMapping engine;
        final String targetProblem;
        final Throwable targetProblemCause;
        final AtomicBoolean inFlight = new AtomicBoolean();
        volatile Snapshot snapshot = Snapshot.NONE;
        Map<String, LatencyEstimator[]> estimators = new HashMap<>();
        /** The pod's state after its last scrape ("OK", a failure kind, "INVALID metric"). */
        String state = "";
        /** The state last logged; differs from {@code state} while a change waits for the log interval. */
        String loggedState = "";
        long lastLogMillis = Long.MIN_VALUE;
        /** State changes and restarts not logged since the last line, reported with the next one. */
        int suppressed;
        /** Whether the last scrape saw histogram counters go down. */
        boolean inRestart;

        PodScrapeState(Pod pod, URI uri, EngineMapping engine, String targetProblem, Throwable targetProblemCause) {
            this.pod = pod;
            this.uri = uri;
            this.engine = engine;
            this.targetProblem = targetProblem;
            this.targetProblemCause = targetProblemCause;
        }
    }

    /**
     * Builds a {@link PrometheusScraper}. Not thread-safe. Setters validate at once and throw
     * {@link IllegalArgumentException} naming the value and the expectation (e.g.
     * {@code interval: PT-1S (expected: > 0)}), or {@link NullPointerException} for null.
     */
    public static final class Builder {
        private Duration interval = DEFAULT_INTERVAL;
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration maxAge = DEFAULT_MAX_AGE;
        private Duration latencyHoldTime = DEFAULT_LATENCY_HOLD_TIME;
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private int concurrency = DEFAULT_CONCURRENCY;
        private String metricsPath = DEFAULT_METRICS_PATH;
        private Function<Pod, EngineMapping> engines = pod -> EngineMapping.vllm();
        private Function<Pod, URI> targetUri;
        private InstantSource clock = InstantSource.system();
        private long maxTotalBodyBytes; // 0: the default, which depends on maxBodyBytes
        private EngineMapping.Aggregation kvAggregation;
        private Duration logInterval = DEFAULT_LOG_INTERVAL;
        private HttpClient httpClient;

        private Builder() {
        }

        /**
         * Time between scrape rounds; default 1 s. Short enough that a pod's load is at most about a
         * second old (the router refreshes its tables every 50 ms, but a model server's gauges move on
         * the scale of requests, i.e. seconds), long enough that serving {@code /metrics} (a Python
         * handler rendering ~100 KB) costs the server little. Must be &gt; 0.
         */
        public Builder interval(Duration interval) {
            this.interval = positive("interval", interval);
            return this;
        }

        /**
         * Time limit of one scrape: connect, response headers and the whole body; default 2 s. A healthy
         * server answers in milliseconds; a pod that takes seconds is overloaded or hung, and its metrics
         * would be stale anyway. Must be &gt; 0; may exceed the interval (the pod's next rounds are then
         * skipped while it runs).
         */
        public Builder timeout(Duration timeout) {
            this.timeout = positive("timeout", timeout);
            return this;
        }

        /**
         * Age beyond which the last successful scrape counts as {@code STALE}; default 5 s, i.e. about
         * five missed rounds. Must be &gt;= the interval (checked by {@link #build()}). The router has its
         * own limit ({@code Router.Builder.maxMetricsAge}, default 10 s); the smaller of the two is the one
         * in force, and with the defaults it is this one (the scraper reports {@code STALE} before the
         * router's limit is reached).
         */
        public Builder maxAge(Duration maxAge) {
            this.maxAge = positive("maxAge", maxAge);
            return this;
        }

        /**
         * How long a latency estimate is kept when no request completed since; default 30 s (an idle
         * pod's last latency is still the best guess for a while; after that it says nothing). Must be
         * &gt;= 0 (0: only windows with requests count).
         */
        public Builder latencyHoldTime(Duration hold) {
            Objects.requireNonNull(hold, "latencyHoldTime: null (expected: a duration >= 0)");
            if (hold.isNegative()) {
                throw new IllegalArgumentException("latencyHoldTime: " + hold + " (expected: >= 0)");
            }
            this.latencyHoldTime = hold;
            return this;
        }

        /**
         * Largest body accepted, in bytes; default 8 MiB. A vLLM server with dozens of LoRA adapters
         * exports a few hundred KB; anything near the cap is a misconfigured target, and the cap bounds
         * the memory one pod can make the scraper use. Must be in 1..2^31-9.
         */
        public Builder maxBodyBytes(int maxBodyBytes) {
            if (maxBodyBytes < 1 || maxBodyBytes > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " (expected: 1.." + (Integer.MAX_VALUE - 8) + ")");
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /**
         * Largest number of body bytes all scrapes together may hold at once; default
         * {@link #DEFAULT_MAX_TOTAL_BODY_BYTES 32 MiB}, or twice {@link #maxBodyBytes} when that is larger.
         * {@code maxBodyBytes} bounds one pod; this bounds the scraper, whatever the number of pods answering
         * with huge bodies at the same moment (without it, {@link #concurrency} scrapes could each hold a
         * full {@code maxBodyBytes}, plus a copy while the buffer grows). A body reserves its buffer before
         * allocating it and gives it back when its scrape ends; while its buffer grows, old and new buffer
         * are both reserved. A scrape that cannot reserve what it needs is abandoned at once (never queued)
         * and the pod's metrics become {@code SCRAPE_FAILED} with {@link FailureKind#MEMORY_BUDGET} until
         * its next scrape. Must be &gt;= {@code maxBodyBytes} (checked by {@link #build()}).
         */
        public Builder maxTotalBodyBytes(long maxTotalBodyBytes) {
            if (maxTotalBodyBytes < 1) {
                throw new IllegalArgumentException("maxTotalBodyBytes: " + maxTotalBodyBytes + " (expected: >= 1)");
            }
            this.maxTotalBodyBytes = maxTotalBodyBytes;
            return this;
        }

        /**
         * How the KV-cache usage series of one model are combined when a pod exports several (a data-parallel
         * vLLM server exports one per {@code engine} label, SGLang one per rank):
         * {@link EngineMapping.Aggregation#MEAN MEAN}, the figure vLLM's own aggregated stat logger prints,
         * or {@link EngineMapping.Aggregation#MAX MAX}, the fullest engine (for admission decisions that
         * must not overfill any engine). Default: the engine mapping's own choice, which is {@code MEAN} for
         * {@link EngineMapping#vllm()} and {@link EngineMapping#sglang()}. Example: engines at 0.42 and 0.57
         * give 0.495 with {@code MEAN}, 0.57 with {@code MAX}.
         *
         * @throws IllegalArgumentException for {@code SUM} (a sum of fractions is no fraction)
         */
        public Builder kvCacheAggregation(EngineMapping.Aggregation aggregation) {
            Objects.requireNonNull(aggregation, "kvCacheAggregation: null (expected: MEAN or MAX)");
            if (aggregation == EngineMapping.Aggregation.SUM) {
                throw new IllegalArgumentException("kvCacheAggregation: SUM (expected: MEAN or MAX)");
            }
            this.kvAggregation = aggregation;
            return this;
        }

        /**
         * Shortest time between two log lines about one pod; default 30 s. A pod whose scrapes keep
         * failing the same way is logged once (when its state changes), never per scrape; a pod that flaps
         * between states is logged at most once per interval, and the next line says how many changes were
         * not logged. {@link ScrapeStats#stateChanges()} counts every change. {@link Duration#ZERO} logs every
         * state change. Must be &gt;= 0.
         */
        public Builder logInterval(Duration interval) {
            Objects.requireNonNull(interval, "logInterval: null (expected: a duration >= 0)");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("logInterval: " + interval + " (expected: >= 0)");
            }
            this.logInterval = interval;
            return this;
        }

        /**
         * The HTTP client to scrape with, e.g. one shared with the rest of the application, or one with
         * TLS or proxy settings; default: the scraper builds its own (HTTP/1.1, no redirects, connect
         * timeout = {@link #timeout}, two daemon threads). The scraper still applies its {@link #timeout}
         * to every request and its body limits. It never closes an injected client: {@link PrometheusScraper#close()} leaves
         * it usable, and closing it (on Java 21+, where {@code HttpClient} has {@code close()}) is the
         * caller's business. An injected client also avoids the scraper's own client, whose selector
         * thread on Java 17 ends only once the client is garbage-collected after {@code close()}.
         */
        public Builder httpClient(HttpClient client) {
            this.httpClient = Objects.requireNonNull(client, "httpClient: null (expected: an HttpClient)");
            return this;
        }

        /**
         * Scrapes running at once (threads); default 8, so that even several hung pods (each holding a
         * thread for up to the timeout) leave threads for the others. Must be in 1..1024.
         */
        public Builder concurrency(int concurrency) {
            if (concurrency < 1 || concurrency > 1024) {
                throw new IllegalArgumentException("concurrency: " + concurrency + " (expected: 1..1024)");
            }
            this.concurrency = concurrency;
            return this;
        }

        /** Path scraped when the pod has no {@value #METRICS_PATH_LABEL} label; default {@code /metrics}. Must start with {@code /}. */
        public Builder metricsPath(String path) {
            Objects.requireNonNull(path, "metricsPath: null (expected: a path starting with /)");
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("metricsPath: '" + path + "' (expected: a path starting with /)");
            }
            this.metricsPath = path;
            return this;
        }

        /** The engine of every pod; default {@link EngineMapping#vllm()}. */
        public Builder engine(EngineMapping engine) {
            Objects.requireNonNull(engine, "engine: null (expected: an EngineMapping, e.g. EngineMapping.vllm())");
            this.engines = pod -> engine;
            return this;
        }

        /**
         * The engine per pod, for fleets mixing vLLM and SGLang (e.g. by a pod label). Called when a pod
         * is added by {@link PrometheusScraper#updateTargets}; a null result or exception makes that pod a
         * {@link FailureKind#BAD_TARGET}.
         */
        public Builder engine(Function<Pod, EngineMapping> enginePerPod) {
            this.engines = Objects.requireNonNull(enginePerPod, "engine: null (expected: a function Pod -> EngineMapping)");
            return this;
        }

        /**
         * Replaces the default URL rule ({@code http://host:port/metrics}, with the pod labels
         * {@value #METRICS_PORT_LABEL} and {@value #METRICS_PATH_LABEL} as overrides). Called when a pod is
         * added; a null result, a scheme other than http/https, or an exception makes that pod a
         * {@link FailureKind#BAD_TARGET}.
         */
        public Builder targetUri(Function<Pod, URI> uriPerPod) {
            this.targetUri = Objects.requireNonNull(uriPerPod, "targetUri: null (expected: a function Pod -> URI)");
            return this;
        }

        /** The clock for scrape times, staleness and latency windows; default {@link InstantSource#system()}. */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock: null (expected: an InstantSource)");
            return this;
        }

        /**
         * A new scraper (not started); it creates its HTTP client at once.
         *
         * @throws IllegalArgumentException when maxAge is shorter than the interval
         */
        public PrometheusScraper build() {
            if (maxAge.compareTo(interval) < 0) {
                throw new IllegalArgumentException("maxAge: " + maxAge + " (expected: >= interval " + interval + ")");
            }
            if (maxTotalBodyBytes > 0 && maxTotalBodyBytes < maxBodyBytes) {
                throw new IllegalArgumentException("maxTotalBodyBytes: " + maxTotalBodyBytes + " (expected: >= maxBodyBytes "
                        + maxBodyBytes + ")");
            }
            return new PrometheusScraper(this);
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name + ": null (expected: a duration > 0)");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }
    }
}
