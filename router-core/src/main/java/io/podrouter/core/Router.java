package io.podrouter.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.podrouter.api.Candidates;
import io.podrouter.api.Fallback;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.NoPodAvailableException;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.api.PodSelector;
import io.podrouter.api.RejectReason;
import io.podrouter.api.RouterEventListener;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.core.internal.coldstart.ColdStartConfig;
import io.podrouter.core.internal.health.OutlierDetector;
import io.podrouter.core.internal.health.StallDetector;
import io.podrouter.core.internal.select.InFlightLedger;
import io.podrouter.core.internal.select.SelectionPipeline;
import io.podrouter.core.internal.table.CandidateSet;
import io.podrouter.core.internal.table.InFlightCounters;
import io.podrouter.core.internal.table.MetricsReader;
import io.podrouter.core.internal.table.MetricsTable;
import io.podrouter.core.internal.table.PodHandle;
import io.podrouter.core.internal.table.TableBuilder;
import io.podrouter.core.internal.telemetry.RouterTelemetry;
import io.podrouter.core.internal.telemetry.SafeListener;
import io.podrouter.core.telemetry.PrometheusExposition;
import io.podrouter.core.telemetry.TelemetrySnapshot;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * podrouter's {@link PodSelector}: chooses a ready pod per request with an ordered chain of
 * {@link SelectionStrategy strategies} over live pod metrics, and keeps routing sensibly while pods
 * have no metrics yet.
 *
 * <pre>{@code
 * Router router = Router.builder()
 *         .metricsSource(mySource)
 *         .strategies(new LeastKvCacheStrategy(), new LeastRequestStrategy())
 *         .build();
 * Candidates pods = router.candidates(discoveredPods);       // when discovery changes
 * PodSelection s = router.selectPod(InferenceRequest.forModel("llama-3-8b"), pods);
 * try { forward(s.pod()); s.complete(Outcome.SUCCESS, latencyNanos); }
 * catch (IOException e) { s.complete(Outcome.FAILURE, -1); }
 * }</pre>
 *
 * <p><b>How a selection is made.</b> The router looks up the candidate set's metrics table for the
 * request's model (built on first use, then rebuilt every {@linkplain Builder#metricsRefreshInterval
 * refresh interval} off the hot path), asks each strategy of the chain in order, and takes the first
 * pick; if every strategy passes (or throws, or returns an invalid index, both logged once per
 * strategy), it picks a ready pod uniformly at random. Pods that are not ready, per discovery or per
 * the metrics source, are never selected. The chosen pod's in-flight count is incremented before
 * {@code selectPod} returns, so concurrent selections see each other.
 *
 * <p><b>Metrics.</b> The {@link MetricsSource} is asked about each pod when a table is built; its
 * exceptions, nulls, out-of-range values and snapshots older than {@linkplain Builder#maxMetricsAge the
 * maximum age} all become "metrics missing" with a reason, logged at most once per pod per
 * {@linkplain Builder#logInterval log interval}, and never escape {@code selectPod}. Tables are rebuilt
 * by the refresh (a background thread by default). The first selection of a (candidate set, model) pair
 * builds its table on the caller's thread: one source lookup per candidate, and the cold-start events of
 * that build ({@link RouterEventListener}) are delivered on that thread; every later build runs on the
 * refresh thread. Prepare candidate sets when discovery changes, not per request, and the request path
 * asks the source nothing.
 *
 * <p><b>Cold starts.</b> A pod is cold from Ready until its first metrics and, with a
 * {@linkplain Builder#warmup warm-up} configured, until the warm-up succeeded or gave up. By default a
 * chain whose first strategy ranks by metrics gives cold pods a {@linkplain Builder#boundedColdShare
 * bounded share} of the traffic (between half and twice their fair share, following their in-flight
 * counts, which the router keeps itself, against the warm pods'), and a cold pod's in-flight requests are
 * {@linkplain Builder#coldStartInFlightCap capped} until its first completions come back (the burst guard; also
 * for chains that {@linkplain SelectionStrategy#keepsAffinity keep affinity}). Opt-in: metrics
 * {@linkplain Builder#metricsPredictor prediction} and a {@linkplain Builder#slowStart slow-start ramp}.
 * A pod that had metrics and lost them is not cold but suspect: it is never predicted, and gets at most
 * its fair share through the strategy's missing-metric policy. The router records
 * {@code pod_coldstart_duration_seconds} and cold-start counters ({@link #telemetry()},
 * {@link #writePrometheus(Appendable)}) and reports events to an optional {@link RouterEventListener}.
 *
 * <p><b>Failures.</b> Outcomes reported through {@link PodSelection#complete} feed
 * {@linkplain Builder#outlierDetection outlier detection}: a pod whose requests fail while the others'
 * succeed is ejected for a while. A retry can exclude the pods already tried
 * ({@link #selectPod(InferenceRequest, Candidates, Collection)}).
 *
 * <p><b>Thread safety.</b> Fully thread-safe and lock-free on the selection path. With background
 * refresh (the default) the router owns one daemon thread, plus a small daemon pool for warm-up probes
 * when warm-up is configured without an executor; {@link #close()} stops them.
 */
public final class Router implements PodSelector, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    /** Default {@link Builder#metricsRefreshInterval}. */
    public static final Duration DEFAULT_METRICS_REFRESH_INTERVAL = Duration.ofMillis(50);
    /** Default {@link Builder#maxMetricsAge}. */
    public static final Duration DEFAULT_MAX_METRICS_AGE = Duration.ofSeconds(10);
    /** Default {@link Builder#logInterval}. */
    public static final Duration DEFAULT_LOG_INTERVAL = Duration.ofSeconds(30);
    /** Default {@link Builder#stallTimeout}. */
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(5);
    /** Default {@link Builder#maxUnansweredSelections}. */
    public static final int DEFAULT_MAX_UNANSWERED_SELECTIONS = 8;
    /** Default {@link Builder#coldStartInFlightCap}. */
    public static final int DEFAULT_COLD_START_IN_FLIGHT_CAP = 8;

    /** Strategy name reported for the router's own uniformly random last resort: {@value}. */
    public static final String LAST_RESORT_NAME = SelectionPipeline.LAST_RESORT_NAME;
    /** Strategy name reported for an {@linkplain Fallback#ADMISSION_OVERFLOW admission overflow}: {@value}. */
    public static final String OVERFLOW_NAME = SelectionPipeline.OVERFLOW_NAME;

    private static final int WARMUP_THREADS = 4;
    private static final int AD_HOC_SETS = 64;

    private final SelectionStrategy[] chain;
    private final InstantSource clock;
    private final TableBuilder tableBuilder;
    private final RouterTelemetry telemetry = new RouterTelemetry();
    private final PrometheusExposition exposition;
    private final @Nullable ExecutorService ownWarmupExecutor;
    private final SelectionPipeline pipeline;
    // Pods by id, held weakly: candidate sets hold the handles, so a pod no set lists is forgotten.
    private final Cache<String, PodHandle> handles = Caffeine.newBuilder().weakValues().build();
    private final InFlightCounters inFlightCounters;
    private final Cache<CandidateSet, Boolean> sets = Caffeine.newBuilder().weakKeys().build();
    private final AtomicLong serials = new AtomicLong();
    /**
     * Candidate sets of {@link #selectPod(InferenceRequest, Collection)}, by pod list, so that a caller
     * passing the same pods on every request does not register (and refresh) a new set per call.
     */
    private final Cache<List<Pod>, Candidates> adHocSets = Caffeine.newBuilder().maximumSize(AD_HOC_SETS)
            .executor(Runnable::run).build();
    /** Null when no maximum in-flight age is set. */
    private final @Nullable InFlightLedger ledger;
    /** Null when outlier detection is off. */
    private final @Nullable OutlierDetector outliers;
    private final StallDetector stalls;
    private final RefreshLoop refreshLoop;
    private volatile boolean closed;

    private Router(Builder b, MetricsSource metricsSource) {
        this.chain = b.chain.toArray(new SelectionStrategy[0]);
        SelectionStrategy[] observers = Arrays.stream(chain).filter(SelectionStrategy::observesSelections)
                .toArray(SelectionStrategy[]::new);
        boolean countsTokens = Arrays.stream(chain).anyMatch(SelectionStrategy::usesInFlightTokens);
        this.clock = b.clock;
        RouterEventListener listener = b.listener == null ? null : new SafeListener(b.listener);
        this.exposition = new PrometheusExposition(b.namespace);
        Executor warmupExecutor = null;
        ExecutorService ownPool = null;
        if (b.warmup != null) {
            warmupExecutor = b.warmup.executor();
            if (warmupExecutor == null) {
                ThreadPoolExecutor pool = new ThreadPoolExecutor(WARMUP_THREADS, WARMUP_THREADS, 30, TimeUnit.SECONDS,
                        new LinkedBlockingQueue<>(), r -> {
                            Thread t = new Thread(r, "podrouter-warmup");
                            t.setDaemon(true);
                            return t;
                        });
                pool.allowCoreThreadTimeOut(true);
                ownPool = pool;
                warmupExecutor = pool;
            }
        }
        this.ownWarmupExecutor = ownPool;
        RouterEventListener events = listener != null ? listener : new RouterEventListener() { };
        this.outliers = b.outlierDetection == null ? null : new OutlierDetector(b.outlierDetection, b.clock, telemetry,
                events, () -> sets.asMap().keySet().stream().map(CandidateSet::handles).toList());
        this.stalls = new StallDetector(b.stallTimeout, telemetry, events);
        this.inFlightCounters = new InFlightCounters(b.maxUnansweredSelections);
        this.ledger = b.maxInFlightAge.isZero() ? null : new InFlightLedger(b.maxInFlightAge.toMillis(), telemetry);
        // The cold-share and burst-guard rules (which chains get them by default) live here and in
        // MetricsTable.coldPick / admit (internal.table).
        // The burst guard's default applies to chains that do not back off from a warming pod: metric rankings
        // (metrics lag) and affinity (ignores load). Round-robin and least-request keep their own logic for cold
        // pods (least-request counts in-flight at selection, so it cannot burst), and on the simulator suite the
        // guard made round-robin worse than without it in 5 of 70 runs.
        int coldCap = b.coldInFlightCapSet || chain[0].ranksByMetrics() || chain[0].keepsAffinity()
                ? b.coldInFlightCap : Integer.MAX_VALUE;
        boolean boundedColdShare = b.boundedColdShare && chain[0].ranksByMetrics();
        ColdStartConfig cold = new ColdStartConfig(b.slowStart, b.predictor, b.warmup, warmupExecutor, coldCap,
                telemetry, listener);
        this.tableBuilder = new TableBuilder(new MetricsReader(metricsSource, b.maxMetricsAge, b.logInterval), cold,
                b.random, b.clock);
        boolean admits = coldCap != Integer.MAX_VALUE || b.slowStart.enabled() || b.warmup != null;
        this.pipeline = new SelectionPipeline(chain, observers, countsTokens, boundedColdShare, admits, b.random,
                b.clock, telemetry, listener, ledger, stalls, outliers);
        this.refreshLoop = new RefreshLoop(b.refreshInterval, b.scheduler, this::refreshMetrics);
    }

    /** A builder with the documented defaults; only the metrics source and a strategy are required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Candidates candidates(@Nullable Collection<Pod> pods) {
        if (pods == null || pods.isEmpty()) {
            return register(new CandidateSet(this, tableBuilder, serials.incrementAndGet(), new PodHandle[0], List.of(),
                    null));
        }
        List<Pod> list = new ArrayList<>(pods.size());
        Set<String> ids = new HashSet<>();
        int i = 0;
        for (Pod pod : pods) {
            int at = i++;
            Objects.requireNonNull(pod, () -> "pods[" + at + "]: null (expected: a Pod)");
            if (!ids.add(pod.id())) {
                throw new IllegalArgumentException("pods: duplicate id '" + pod.id() + "' (expected: unique pod ids)");
            }
            list.add(pod);
        }
        PodHandle[] hs = new PodHandle[list.size()];
        for (int k = 0; k < hs.length; k++) {
            Pod pod = list.get(k);
            PodHandle h = handles.get(pod.id(), id -> new PodHandle(pod, inFlightCounters));
            h.update(pod);
            hs[k] = h;
        }
        List<Pod> view = Collections.unmodifiableList(list);
        return register(new CandidateSet(this, tableBuilder, serials.incrementAndGet(), hs, view, prepare(view)));
    }

    /** Each strategy's prepared state for a new candidate set, as (strategy, state) pairs, or null when none. */
    private Object @Nullable [] prepare(List<Pod> pods) {
        List<Object> pairs = new ArrayList<>();
        for (SelectionStrategy s : chain) {
            Object state = s.prepare(pods);
            if (state != null) {
                pairs.add(s);
                pairs.add(state);
            }
        }
        return pairs.isEmpty() ? null : pairs.toArray();
    }

    private CandidateSet register(CandidateSet set) {
        sets.put(set, Boolean.TRUE);
        return set;
    }

    @Override
    public PodSelection selectPod(InferenceRequest request, @Nullable Candidates candidates) {
        MetricsTable table = tableFor(request, candidates);
        if (table.readyCount() == 0) {
            throw new NoPodAvailableException(request.model(), table.size(), table.rejections());
        }
        return pipeline.selectFrom(request, table);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The retry is chosen by the same chain, cold-start admission and outlier ejection as a first
     * selection; only the excluded pods are treated as not ready for it.
     */
    @Override
    public PodSelection selectPod(InferenceRequest request, @Nullable Candidates candidates,
                                  @Nullable Collection<String> excludedPodIds) {
        MetricsTable table = tableFor(request, candidates);
        if (excludedPodIds != null && !excludedPodIds.isEmpty()) {
            for (String id : excludedPodIds) {
                Objects.requireNonNull(id, "excludedPodIds: contains null (expected: pod ids)");
            }
            boolean[] exclude = new boolean[table.size()];
            boolean any = false;
            for (int i = 0; i < exclude.length; i++) {
                if (excludedPodIds.contains(table.pod(i).id())) {
                    exclude[i] = true;
                    any = true;
                }
            }
            if (any) {
                MetricsTable retry = table.excluding(exclude, RejectReason.EXCLUDED);
                MetricsTable panic = table.panic();
                // The panic rule holds for retries: when the caller's exclusions leave only ejected or stalled
                // pods, they serve rather than nobody.
                table = retry.readyCount() == 0 && panic != null ? panic.excluding(exclude, RejectReason.EXCLUDED) : retry;
            }
        }
        if (table.readyCount() == 0) {
            throw new NoPodAvailableException(request.model(), table.size(), table.rejections());
        }
        return pipeline.selectFrom(request, table);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The router keeps the candidate sets of the last {@value #AD_HOC_SETS} distinct pod lists passed
     * here (compared with {@code List.equals}, so a changed pod, e.g. one that is no longer ready, makes a
     * new set), so passing the same pods on every request costs a list copy and a hash of it, and the
     * metrics source is asked about them once per refresh, not once per call.
     */
    @Override
    public PodSelection selectPod(InferenceRequest request, @Nullable Collection<Pod> pods) {
        Objects.requireNonNull(request, "request: null (expected: an InferenceRequest)");
        if (pods == null || pods.isEmpty()) {
            throw new NoPodAvailableException(request.model(), 0, null);
        }
        List<Pod> key = List.copyOf(pods); // throws NullPointerException on a null element
        Candidates set = adHocSets.get(key, this::candidates);
        return selectPod(request, set);
    }

    private MetricsTable tableFor(InferenceRequest request, @Nullable Candidates candidates) {
        Objects.requireNonNull(request, "request: null (expected: an InferenceRequest)");
        if (closed) {
            throw new IllegalStateException("router is closed");
        }
        if (candidates == null || candidates.size() == 0) {
            throw new NoPodAvailableException(request.model(), 0, null);
        }
        if (!(candidates instanceof CandidateSet) || !((CandidateSet) candidates).isOwnedBy(this)) {
            throw new IllegalArgumentException("candidates: not created by this router (expected: router.candidates(pods))");
        }
        return ((CandidateSet) candidates).table(request.model());
    }

    /**
     * Rebuilds, now, the metrics tables of every candidate set and model that selections have used since
     * the last refresh, from fresh {@link MetricsSource} lookups (tables nobody used are dropped and
     * rebuilt on demand). The background refresh calls this every refresh interval; call it yourself when
     * background refresh is off ({@code metricsRefreshInterval(Duration.ZERO)}), e.g. in tests after
     * advancing an injected clock. Thread-safe; concurrent selections keep using the previous tables
     * until the new ones are swapped in.
     */
    public void refreshMetrics() {
        // Health first, so that the tables built below leave out the pods ejected or stalled now.
        if (outliers != null) {
            outliers.evaluate(handles.asMap().values());
        }
        stalls.evaluate(handles.asMap().values(), clock.millis());
        if (ledger != null) {
            ledger.reclaim(clock.millis());
        }
        // In creation order, not the weak-key map's order: table builds feed the predictor, whose learning
        // depends on the order it sees pods in, and the same inputs must give the same routing.
        List<CandidateSet> ordered = new ArrayList<>(sets.asMap().keySet());
        ordered.sort((a, b) -> Long.compare(a.serial(), b.serial()));
        for (CandidateSet set : ordered) {
            set.refresh();
        }
        inFlightCounters.reclaim();
    }

    /**
     * A snapshot of the router's telemetry: selections, outcomes, per-pod selections and in-flight
     * requests, cold-start counters and histogram, outlier ejections (see {@link TelemetrySnapshot}).
     * Per-pod series cover the pods the router knows now, so their number is bounded by the pods of live
     * candidate sets. Costs one pass over the known pods; call it per scrape, not per request.
     */
    public TelemetrySnapshot telemetry() {
        int cold = 0;
        int ejected = 0;
        int stalled = 0;
        java.util.Map<String, TelemetrySnapshot.PodTelemetry> pods = new java.util.HashMap<>();
        for (PodHandle h : handles.asMap().values()) {
            if (h.isColdAndReady()) {
                cold++;
            }
            // Gauges counted from the pods the router knows now: a pod forgotten while ejected or stalled
            // leaves them with it.
            ejected += h.isEjected() ? 1 : 0;
            stalled += h.isStalled() ? 1 : 0;
            pods.put(h.id(), new TelemetrySnapshot.PodTelemetry(h.selections(), Math.max(0, h.inFlight())));
        }
        return telemetry.snapshot(cold, ejected, stalled, pods);
    }

    /**
     * Writes {@link #telemetry()} in the Prometheus text format 0.0.4 (see {@link PrometheusExposition}
     * for the families), with the builder's {@linkplain Builder#metricsNamespace namespace}.
     *
     * @throws IOException from {@code out}; null {@code out} throws {@link NullPointerException}
     */
    public void writePrometheus(Appendable out) throws IOException {
        exposition.write(telemetry(), out);
    }

    /** Whether the pod with this id is cold now (Ready without metrics yet, or warming up); false when unknown. */
    public boolean isCold(@Nullable String podId) {
        PodHandle h = podId == null ? null : handles.getIfPresent(podId);
        return h != null && h.isColdAndReady();
    }

    /** Whether the pod with this id is ejected by outlier detection now; false when unknown (or null). */
    public boolean isEjected(@Nullable String podId) {
        PodHandle h = podId == null ? null : handles.getIfPresent(podId);
        return h != null && h.isEjected();
    }

    /**
     * Whether the pod with this id is stalled now: it holds requests it has not answered for longer than
     * the {@linkplain Builder#stallTimeout stall timeout} and than its peers take; false when unknown (or null).
     */
    public boolean isStalled(@Nullable String podId) {
        PodHandle h = podId == null ? null : handles.getIfPresent(podId);
        return h != null && h.isStalled();
    }

    /**
     * Requests routed to the pod with this id and not yet completed, across all candidate sets; 0 for a
     * pod the router does not know (or a null id).
     */
    public int inFlight(@Nullable String podId) {
        if (podId == null) {
            return 0;
        }
        PodHandle h = handles.getIfPresent(podId);
        return h == null ? 0 : h.inFlight();
    }

    /** Pods the router currently holds state for (for tests: forgotten pods drop out). */
    long knownPods() {
        handles.cleanUp();
        return handles.asMap().size();
    }

    /** In-flight counter slots still held by pods (for tests: forgotten pods give theirs back). */
    int liveCounterSlots() {
        return inFlightCounters.liveSlots();
    }

    /** The strategy chain, in order (the router's random last resort is not included). */
    public List<SelectionStrategy> strategies() {
        return List.of(chain);
    }

    /**
     * Stops the background refresh (and its thread, when the router created it), cancels running warm-up
     * probes and stops the router's own warm-up pool. Afterwards
     * {@code selectPod} throws {@link IllegalStateException}, because its metrics would no longer be
     * fresh; completing earlier selections still works. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        refreshLoop.close();
        for (PodHandle h : handles.asMap().values()) {
            h.cancelWarmup();
        }
        if (ownWarmupExecutor != null) {
            ownWarmupExecutor.shutdownNow();
        }
    }

    /**
     * Configures a {@link Router}: the setters, defaults and validation are those of
     * {@link AbstractRouterBuilder}. Not thread-safe; build once at start-up.
     */
    public static final class Builder extends AbstractRouterBuilder<Builder> {

        private Builder() {
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalStateException when the metrics source or the strategy is missing
         */
        public Router build() {
            MetricsSource source = metricsSource;
            if (source == null) {
                throw new IllegalStateException("metricsSource: missing (expected: a MetricsSource, e.g. a map your scraper fills)");
            }
            if (chain.isEmpty()) {
                throw new IllegalStateException("strategies: missing (expected: at least one, e.g. new LeastKvCacheStrategy())");
            }
            return new Router(this, source);
        }
    }
}
