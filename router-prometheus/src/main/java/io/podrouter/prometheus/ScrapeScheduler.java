package io.podrouter.prometheus;

import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.prometheus.text.ParseException;
import io.podrouter.prometheus.text.PrometheusTextParser;
import org.jspecify.annotations.Nullable;

import java.net.http.HttpClient;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The scraper's targets and threads: the timer that starts a round every interval, the bounded pool of
 * scrape workers (a pod whose scrape is still running is skipped, never queued twice), the HTTP client it
 * builds unless one is injected, and one scrape from fetch to parse to record. {@link PrometheusScraper}
 * documents the behaviour; this class is its engine.
 *
 * <p>Thread-safe: targets live in a concurrent map whose updates are serialised by a lock, the lifecycle
 * flags are atomic, and a pod is scraped by at most one thread at a time (its {@code inFlight} flag).
 */
final class ScrapeScheduler {

    private static final MetricsLookup NOT_A_TARGET = MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED,
            "pod is not a scrape target (expected: listed in PrometheusScraper.updateTargets)");

    private final Duration interval;
    private final Duration timeout;
    private final TargetResolver resolver;
    private final ScrapeFetcher fetcher;
    private final ScrapeRecorder recorder;
    private final EngineMapping.@Nullable Aggregation kvAggregation;
    private final InstantSource clock;
    private final long maxAgeMillis;

    private final ConcurrentHashMap<String, PodScrapeState> targets = new ConcurrentHashMap<>();
    private final Object targetsLock = new Object();
    private final ScheduledThreadPoolExecutor timer;
    private final ThreadPoolExecutor workers;
    private final @Nullable ExecutorService httpExecutor; // null when the client is injected
    private volatile @Nullable HttpClient client;
    private final ThreadLocal<PrometheusTextParser> parsers = ThreadLocal.withInitial(PrometheusTextParser::new);
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    ScrapeScheduler(Duration interval, Duration timeout, int concurrency, @Nullable HttpClient httpClient,
                    TargetResolver resolver, ScrapeFetcher fetcher, ScrapeRecorder recorder,
                    EngineMapping.@Nullable Aggregation kvAggregation, InstantSource clock, long maxAgeMillis) {
        this.interval = interval;
        this.timeout = timeout;
        this.resolver = resolver;
        this.fetcher = fetcher;
        this.recorder = recorder;
        this.kvAggregation = kvAggregation;
        this.clock = clock;
        this.maxAgeMillis = maxAgeMillis;
        this.timer = new ScheduledThreadPoolExecutor(1, threads("podrouter-scrape-timer"));
        this.timer.setRemoveOnCancelPolicy(true);
        this.workers = new ThreadPoolExecutor(concurrency, concurrency, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), threads("podrouter-scrape-worker-"));
        this.workers.allowCoreThreadTimeOut(true);
        if (httpClient != null) {
            this.httpExecutor = null;
            this.client = httpClient;
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

    /** See {@link PrometheusScraper#start()}. */
    void start() {
        ensureOpen();
        if (started.compareAndSet(false, true)) {
            long periodNanos = interval.toNanos();
            timer.scheduleAtFixedRate(this::round, 0, periodNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** See {@link PrometheusScraper#updateTargets}. */
    void updateTargets(Collection<Pod> pods) {
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
                PodScrapeState fresh = resolver.resolve(pod);
                if (current != null && current.sameTarget(fresh)) {
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

    /** See {@link PrometheusScraper#scrapeNow()}. */
    void scrapeNow() throws InterruptedException {
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

    /** See {@link PrometheusScraper#lookup}; {@code pod} and {@code model} are non-null. */
    MetricsLookup lookup(Pod pod, String model) {
        PodScrapeState state = targets.get(pod.id());
        if (state == null) {
            return NOT_A_TARGET;
        }
        return state.snapshot.lookup(model, clock.millis(), maxAgeMillis);
    }

    /** The number of targets now. */
    int targetCount() {
        return targets.size();
    }

    /** See {@link PrometheusScraper#close()}. */
    void close() {
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
    private @Nullable Future<?> submit(PodScrapeState s) {
        if (closed.get()) {
            return null;
        }
        if (!s.inFlight.compareAndSet(false, true)) {
            recorder.skippedBusy.incrementAndGet();
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
        ScrapeFetcher.BodyHolder holder = new ScrapeFetcher.BodyHolder();
        try {
            recorder.attempts.incrementAndGet();
            if (s.uri == null) {
                recorder.fail(s, FailureKind.BAD_TARGET, 0, s.targetProblem, s.targetProblemCause);
                return;
            }
            HttpClient c = client;
            if (c == null) {
                return; // closed
            }
            CappedBodySubscriber.Body body = fetcher.fetch(s, c, holder);
            if (body == null) {
                return; // failure recorded
            }
            recorder.bytesRead.addAndGet(body.length());
            MetricsExtractor extractor = new MetricsExtractor(s.engine, kvAggregation);
            try {
                parsers.get().parse(body.bytes(), 0, body.length(), extractor);
            } catch (ParseException e) {
                recorder.fail(s, FailureKind.PARSE, 0, "unparsable body: " + e.getMessage(), null);
                return;
            }
            if (extractor.wrongType() != null) {
                recorder.fail(s, FailureKind.WRONG_TYPE, 0, extractor.wrongType(), null);
                return;
            }
            recorder.succeed(s, extractor);
        } catch (RuntimeException e) {
            recorder.fail(s, FailureKind.INTERNAL, 0, e.toString(), e);
        } finally {
            holder.releaseAll();
            s.inFlight.set(false);
        }
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix.endsWith("-") ? prefix + n.incrementAndGet() : prefix);
            t.setDaemon(true);
            return t;
        };
    }
}
