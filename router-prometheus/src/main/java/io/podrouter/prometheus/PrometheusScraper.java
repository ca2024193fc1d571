package io.podrouter.prometheus;

import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.Pod;
import org.jspecify.annotations.Nullable;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Collection;
import java.util.Objects;
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

    // The work is done by package-private classes: ScrapeScheduler (targets, threads, one scrape),
    // ScrapeFetcher (HTTP and body limits), ScrapeRecorder (snapshots, counters, logging), TargetResolver.
    private final ByteBudget budget;
    private final ScrapeRecorder recorder;
    private final ScrapeScheduler scheduler;

    private PrometheusScraper(Builder b) {
        this.budget = new ByteBudget(b.maxTotalBodyBytes > 0 ? b.maxTotalBodyBytes
                : Math.max(DEFAULT_MAX_TOTAL_BODY_BYTES, 2L * b.maxBodyBytes));
        long maxAgeMillis = b.maxAge.toMillis();
        this.recorder = new ScrapeRecorder(b.clock, maxAgeMillis, b.latencyHoldTime.toMillis(), b.logInterval.toMillis());
        ScrapeFetcher fetcher = new ScrapeFetcher(b.timeout, b.maxBodyBytes, budget, recorder);
        TargetResolver resolver = new TargetResolver(b.engines, b.targetUri, b.metricsPath);
        this.scheduler = new ScrapeScheduler(b.interval, b.timeout, b.concurrency, b.httpClient, resolver, fetcher,
                recorder, b.kvAggregation, b.clock, maxAgeMillis);
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
        scheduler.start();
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
        scheduler.updateTargets(pods);
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
        scheduler.scrapeNow();
    }

    @Override
    public MetricsLookup lookup(Pod pod, String model) {
        Objects.requireNonNull(pod, "pod: null (expected: a Pod)");
        Objects.requireNonNull(model, "model: null (expected: the request's model)");
        return scheduler.lookup(pod, model);
    }

    /** A snapshot of the counters. Thread-safe. */
    public ScrapeStats stats() {
        return recorder.stats(scheduler.targetCount());
    }

    /**
     * Stops scraping and ends the scraper's own threads (timer, scrape workers, and the HTTP executor of
     * the client it built); waits up to the timeout plus one second for running scrapes to end (they are
     * interrupted). An {@link Builder#httpClient injected client} is left untouched: it stays usable and
     * is the caller's to close. Idempotent; {@link #lookup} keeps working.
     */
    @Override
    public void close() {
        scheduler.close();
    }

    /** The shared body budget; for tests. */
    ByteBudget budget() {
        return budget;
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
        private @Nullable Function<Pod, URI> targetUri;
        private InstantSource clock = InstantSource.system();
        private long maxTotalBodyBytes; // 0: the default, which depends on maxBodyBytes
        private EngineMapping.@Nullable Aggregation kvAggregation;
        private Duration logInterval = DEFAULT_LOG_INTERVAL;
        private @Nullable HttpClient httpClient;

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
