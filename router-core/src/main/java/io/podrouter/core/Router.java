package io.podrouter.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.podrouter.api.Candidates;
import io.podrouter.api.Fallback;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsPredictor;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.MissingReason;
import io.podrouter.api.NoPodAvailableException;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.api.PodSelector;
import io.podrouter.api.RandomSource;
import io.podrouter.api.RejectReason;
import io.podrouter.api.RouterEventListener;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.core.coldstart.ColdStartHistoryPredictor;
import io.podrouter.core.coldstart.SlowStart;
import io.podrouter.core.coldstart.WarmupSettings;
import io.podrouter.core.telemetry.PrometheusExposition;
import io.podrouter.core.internal.RouterTelemetry;
import io.podrouter.core.telemetry.TelemetrySnapshot;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
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
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * bounded share} of the traffic (between half and all of their fair share, steered by the in-flight
 * counts the router keeps itself), and a cold pod's in-flight requests are
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
    /** Default {@link Builder#coldStartInFlightCap}. */
    public static final int DEFAULT_COLD_START_IN_FLIGHT_CAP = 8;

    /** Strategy name reported for the router's own uniformly random last resort. */
    public static final String LAST_RESORT_NAME = "random";
    /** Strategy name reported for an {@linkplain Fallback#ADMISSION_OVERFLOW admission overflow}. */
    public static final String OVERFLOW_NAME = "least-loaded";

    private static final int WARMUP_THREADS = 4;
    private static final int AD_HOC_SETS = 64;
    private static final int STRATEGY_SHIFT = 40;

    private final SelectionStrategy[] chain;
    /** The chain's strategies that {@linkplain SelectionStrategy#observesSelections observe selections}. */
    private final SelectionStrategy[] observers;
    /** Some strategy of the chain reads in-flight tokens: selections add theirs to the pod and completions take them off. */
    private final boolean countsTokens;
    /** Selections keep their request until completion (for token release or observers). */
    private final boolean keepsRequest;
    private final RandomSource random;
    private final InstantSource clock;
    private final TableBuilder tableBuilder;
    private final RouterTelemetry telemetry = new RouterTelemetry();
    private final PrometheusExposition exposition;
    private final @Nullable RouterEventListener listener;
    private final @Nullable ExecutorService ownWarmupExecutor;
    private final Decision[][] decisions;
    private final AtomicBoolean[] strategyFaultLogged;
    private final Cache<String, PodHandle> handles = Caffeine.newBuilder().weakValues().build();
    private final InFlightCounters inFlightCounters = new InFlightCounters();
    private final Cache<CandidateSet, Boolean> sets = Caffeine.newBuilder().weakKeys().build();
    private final AtomicLong serials = new AtomicLong();
    /**
     * Candidate sets of {@link #selectPod(InferenceRequest, Collection)}, by pod list, so that a caller
     * passing the same pods on every request does not register (and refresh) a new set per call.
     */
    private final Cache<List<Pod>, Candidates> adHocSets = Caffeine.newBuilder().maximumSize(AD_HOC_SETS)
            .executor(Runnable::run).build();
    private final @Nullable ScheduledExecutorService ownScheduler;
    private final @Nullable ScheduledFuture<?> refreshTask;
    private final AtomicLong refreshFailures = new AtomicLong();
    /** Selections not yet seen completed, when a maximum in-flight age is set; null otherwise. */
    private final java.util.concurrent.@Nullable ConcurrentLinkedQueue<Selection.Tracked> open;
    private final long maxInFlightAgeMillis;
    /** A full sweep of {@link #open} for completed selections at most this often: an eighth of the age, at least 1 s. */
    private final long sweepIntervalMillis;
    /** Refresh only (refreshMetrics is serialised by the reclaim's caller; a race costs one extra sweep). */
    private volatile long lastSweepMillis = Long.MIN_VALUE / 2;
    private final AtomicBoolean reclaimLogged = new AtomicBoolean();
    /** The chain's first strategy ranks by metrics and the bounded cold share is on. */
    private final boolean boundedColdShare;
    /** Null when outlier detection is off. */
    private final @Nullable OutlierDetector outliers;
    private final StallDetector stalls;
    private volatile boolean closed;

    private Router(Builder b, MetricsSource metricsSource) {
        this.chain = b.chain.toArray(new SelectionStrategy[0]);
        this.observers = Arrays.stream(chain).filter(SelectionStrategy::observesSelections).toArray(SelectionStrategy[]::new);
        this.countsTokens = Arrays.stream(chain).anyMatch(SelectionStrategy::usesInFlightTokens);
        this.keepsRequest = countsTokens || observers.length > 0;
        this.random = b.random;
        this.clock = b.clock;
        this.listener = b.listener == null ? null : new SafeListener(b.listener);
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
        this.boundedColdShare = b.boundedColdShare && chain[0].ranksByMetrics();
        this.maxInFlightAgeMillis = b.maxInFlightAge.toMillis();
        this.sweepIntervalMillis = Math.max(1_000, maxInFlightAgeMillis / 8);
        this.open = b.maxInFlightAge.isZero() ? null : new java.util.concurrent.ConcurrentLinkedQueue<>();
        RouterEventListener events = listener != null ? listener : new RouterEventListener() { };
        this.outliers = b.outlierDetection == null ? null : new OutlierDetector(b.outlierDetection, b.clock, telemetry,
                events, () -> sets.asMap().keySet().stream().map(s -> s.handles).toList());
        this.stalls = new StallDetector(b.stallTimeout, telemetry, events);
        // The burst guard's default applies to chains that do not back off from a warming pod: metric rankings
        // (metrics lag) and affinity (ignores load). Round-robin and least-request keep their own logic for cold
        // pods (least-request counts in-flight at selection, so it cannot burst), and on the simulator suite the
        // guard made round-robin worse than without it in 5 of 70 runs.
        int coldCap = b.coldInFlightCapSet || chain[0].ranksByMetrics() || chain[0].keepsAffinity()
                ? b.coldInFlightCap : Integer.MAX_VALUE;
        ColdStartConfig cold = new ColdStartConfig(b.slowStart, b.predictor, b.warmup, warmupExecutor, coldCap,
                telemetry, listener);
        this.tableBuilder = new TableBuilder(new MetricsReader(metricsSource, b.maxMetricsAge, b.logInterval), cold, b.random);
        this.strategyFaultLogged = new AtomicBoolean[chain.length];
        Arrays.setAll(strategyFaultLogged, i -> new AtomicBoolean());
        // The overflow series exists from 0 only when some pod can be turned down (a burst guard or a ramp).
        boolean admits = coldCap != Integer.MAX_VALUE || b.slowStart.enabled() || b.warmup != null;
        this.decisions = new Decision[chain.length + 2][Decision.codes()];
        for (int s = 0; s <= chain.length + 1; s++) {
            String name = s < chain.length ? chain[s].name() : s == chain.length ? LAST_RESORT_NAME : OVERFLOW_NAME;
            for (Fallback f : Fallback.values()) {
                for (int r = -1; r < MissingReason.values().length; r++) {
                    MissingReason reason = r < 0 ? null : MissingReason.values()[r];
                    for (boolean p : new boolean[] {false, true}) {
                        decisions[s][Decision.code(f, reason, p)] = new Decision(this, name, f, reason, p,
                                f == Fallback.NONE ? null : telemetry.fallbackCounter(name, f, reason),
                                telemetry.selectionCounter(name, f, Decision.possible(s, chain.length, f)
                                        && (s <= chain.length || admits)));
                    }
                }
            }
        }
        long intervalNanos = b.refreshInterval.toNanos();
        if (intervalNanos == 0) {
            ownScheduler = null;
            refreshTask = null;
        } else {
            ScheduledExecutorService scheduler = b.scheduler;
            if (scheduler == null) {
                scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "podrouter-metrics-refresh");
                    t.setDaemon(true);
                    return t;
                });
                ownScheduler = scheduler;
            } else {
                ownScheduler = null;
            }
            refreshTask = scheduler.scheduleWithFixedDelay(this::refreshInBackground, intervalNanos, intervalNanos,
                    TimeUnit.NANOSECONDS);
        }
    }

    /** A builder with the documented defaults; only the metrics source and a strategy are required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Candidates candidates(@Nullable Collection<Pod> pods) {
        if (pods == null || pods.isEmpty()) {
            return register(new CandidateSet(this, serials.incrementAndGet(), new PodHandle[0], List.of(), null));
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
        return register(new CandidateSet(this, serials.incrementAndGet(), hs, view, prepare(view)));
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
        return selectFrom(request, table);
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
        return selectFrom(request, table);
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
        if (!(candidates instanceof CandidateSet) || ((CandidateSet) candidates).owner != this) {
            throw new IllegalArgumentException("candidates: not created by this router (expected: router.candidates(pods))");
        }
        return ((CandidateSet) candidates).table(request.model());
    }

    /** Chooses among {@code table}'s ready candidates (at least one) and takes the in-flight slot. */
    private PodSelection selectFrom(InferenceRequest request, MetricsTable table) {
        long pick;
        MetricsTable cold = table.withoutColdMissing;
        if (cold != null && boundedColdShare) {
            // Cold pods (never scraped) of a metric-ranking chain get a bounded share, decided here, and the
            // chain ranks the pods that have metrics; see MetricsTable.coldPick for the rule.
            int c = table.coldPick();
            if (c >= 0) {
                pick = SelectionStrategy.randomFallback(c);
            } else {
                table = cold;
                pick = choose(request, table);
            }
        } else {
            pick = choose(request, table);
        }
        int index = (int) pick;
        PodHandle handle = table.handle(index);
        if (handle.avoided()) {
            // Ejected or stalled after this table was built (table builds leave such pods out): pick again
            // without them, unless they are all that is ready (then they serve rather than nobody).
            MetricsTable healthy = table.withoutAvoided();
            if (healthy != null) {
                table = healthy;
                pick = choose(request, table);
                index = (int) pick;
                handle = table.handle(index);
            }
        }
        if (!table.needsAdmission(index)) {
            handle.acquire();
        } else if (!table.admit(index)) {
            // Slow start or the burst guard turned the pick down: decide again among the pods that need no
            // admission, with the same ejection re-check as a first pick.
            MetricsTable settled = table.withoutAdmission;
            if (settled != null && settled.readyCount() > 0) {
                table = settled;
                pick = choose(request, table);
                index = (int) pick;
                handle = table.handle(index);
                if (handle.avoided()) {
                    MetricsTable healthy = table.withoutAvoided();
                    if (healthy != null) {
                        table = healthy;
                        pick = choose(request, table);
                        index = (int) pick;
                    }
                }
            } else {
                // Every ready pod is new (an all-new or young fleet): traffic must flow, and the caps must
                // still mean something, so the excess goes to the pod holding the fewest requests; the
                // decision says so instead of crediting the strategy whose pick was turned down.
                index = table.leastLoadedReady();
                pick = index | ((long) (chain.length + 1) << STRATEGY_SHIFT);
            }
            handle = table.handle(index);
            handle.acquire();
        }
        return select(request, table, index, handle, decision(pick, table, index));
    }

    /**
     * Runs the chain; returns the pick with the deciding strategy's position in bits 40 and up (the
     * chain's length for the random last resort).
     */
    private long choose(InferenceRequest request, MetricsTable table) {
        SelectionStrategy[] strategies = chain;
        for (int s = 0; s < strategies.length; s++) {
            long pick;
            try {
                pick = strategies[s].pick(request, table);
            } catch (RuntimeException e) {
                strategyFault(s, "threw " + e, e);
                continue;
            }
            if (SelectionStrategy.isPass(pick)) {
                continue;
            }
            int index = SelectionStrategy.index(pick);
            if (index >= table.size() || !table.isReady(index)) {
                strategyFault(s, "picked candidate " + index + ", which is out of range or not ready", null);
                continue;
            }
            return (pick & ((1L << STRATEGY_SHIFT) - 1)) | ((long) s << STRATEGY_SHIFT); // keeps bits 32-39
        }
        return table.readyIndex(random.nextInt(table.readyCount())) | ((long) strategies.length << STRATEGY_SHIFT);
    }

    private Decision decision(long pick, MetricsTable table, int index) {
        int s = (int) (pick >>> STRATEGY_SHIFT);
        boolean predicted = SelectionStrategy.isPredicted(pick);
        if (s == chain.length) {
            return decisions[s][Decision.code(Fallback.LAST_RESORT_RANDOM, null, false)];
        }
        if (s == chain.length + 1) {
            return decisions[s][Decision.code(Fallback.ADMISSION_OVERFLOW, null, false)];
        }
        if (SelectionStrategy.isRandomFallback(pick)) {
            MissingReason reason = SelectionStrategy.isOthersMissing(pick) ? table.commonMissingReason()
                    : table.ownMissingReason(index);
            return decisions[s][Decision.code(Fallback.RANDOM_METRIC_MISSING, reason, predicted)];
        }
        return decisions[s][Decision.code(s == 0 ? Fallback.NONE : Fallback.CHAIN, null, predicted)];
    }

    private PodSelection select(InferenceRequest request, MetricsTable table, int index, PodHandle handle,
                                Decision decision) {
        if (countsTokens) {
            handle.addTokens(tokens(request));
        }
        decision.selectionCount().increment();
        handle.selections.increment();
        if (decision.fallbackCount() != null) {
            decision.fallbackCount().increment();
            if (listener != null) {
                listener.fallback(decision.strategy(), decision.fallback(), decision.missingReason());
            }
        }
        boolean cold = table.isCold(index);
        if (cold) {
            telemetry.coldRequestRouted();
        }
        Pod pod = table.pod(index);
        if (listener != null) {
            listener.selected(pod, decision.strategy(), decision.fallback(), decision.missingReason(), cold);
        }
        for (SelectionStrategy o : observers) {
            try {
                o.selected(request, table, index);
            } catch (RuntimeException e) {
                observerFault(o, "threw from selected(): " + e, e);
            }
        }
        if (open == null) {
            return keepsRequest ? new Selection.Observed(handle, pod, decision, cold, request)
                    : new Selection(handle, pod, decision, cold);
        }
        Selection.Tracked s = new Selection.Tracked(handle, pod, decision, cold, clock.millis(),
                keepsRequest ? request : null);
        open.add(s);
        return s;
    }

    /** The tokens a selection holds on its pod until completion (see {@code CandidateView.inFlightTokens}). */
    private static long tokens(InferenceRequest request) {
        return (long) request.estimatedPromptTokens() + request.estimatedOutputTokens();
    }

    private void observerFault(SelectionStrategy o, String what, @Nullable Throwable cause) {
        for (int s = 0; s < chain.length; s++) {
            if (chain[s] == o) {
                strategyFault(s, what, cause);
                return;
            }
        }
    }

    private void notifyCompleted(Pod pod, Outcome outcome, long latencyNanos, InferenceRequest request) {
        for (SelectionStrategy o : observers) {
            try {
                o.completed(request, pod, outcome, latencyNanos);
            } catch (RuntimeException e) {
                observerFault(o, "threw from completed(): " + e, e);
            }
        }
    }

    /** Called at most once per selection, before its completion, when the gateway reports the first token. */
    void firstToken(Pod pod, Decision decision, @Nullable InferenceRequest request) {
        if (request != null) {
            for (SelectionStrategy o : observers) {
                try {
                    o.firstToken(request, pod);
                } catch (RuntimeException e) {
                    observerFault(o, "threw from firstToken(): " + e, e);
                }
            }
        }
        if (listener != null) {
            listener.firstToken(pod, decision.strategy());
        }
    }

    /** Called once per completed selection, after its in-flight slot was released. */
    void completed(PodHandle handle, Pod pod, Decision decision, boolean cold, Outcome outcome, long latencyNanos,
                   @Nullable InferenceRequest request) {
        if (request != null) {
            if (countsTokens) {
                handle.addTokens(-tokens(request));
            }
            notifyCompleted(pod, outcome, latencyNanos, request);
        }
        if (outcome == Outcome.SUCCESS) {
            handle.progress.answered(latencyNanos);
        }
        if (cold) {
            coldRequestCompleted(handle, pod, outcome);
        }
        if (outliers != null) {
            outliers.record(handle, outcome);
        }
        telemetry.outcome(outcome);
        if (listener != null) {
            listener.completed(pod, decision.strategy(), decision.fallback(), decision.missingReason(), outcome,
                    latencyNanos);
        }
    }

    private void coldRequestCompleted(PodHandle handle, Pod pod, Outcome outcome) {
        if (outcome == Outcome.SUCCESS) {
            handle.countColdSuccess();
        }
        telemetry.coldRequestCompleted(outcome);
        if (listener != null) {
            listener.coldRequestCompleted(pod, outcome);
        }
    }

    private void strategyFault(int s, String what, @Nullable Throwable cause) {
        if (strategyFaultLogged[s].compareAndSet(false, true)) {
            LOG.warn("strategy {} {}; passing to the next strategy (logged once per strategy)", chain[s].name(), what, cause);
        }
    }

    /**
     * Builds a fresh table; called on first use of a (set, model) pair (with {@code previous} null) and
     * by refreshes (with the table being replaced).
     */
    MetricsTable buildTable(String model, PodHandle[] members, @Nullable MetricsTable previous) {
        return tableBuilder.build(model, members, clock.instant(), previous);
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
        if (outliers != null) {
            outliers.evaluate(handles.asMap().values());
        }
        stalls.evaluate(handles.asMap().values(), clock.millis());
        java.util.concurrent.ConcurrentLinkedQueue<Selection.Tracked> tracked = open;
        if (tracked != null) {
            reclaimAbandoned(tracked, clock.millis());
        }
        // In creation order, not the weak-key map's order: table builds feed the predictor, whose learning
        // depends on the order it sees pods in, and the same inputs must give the same routing.
        List<CandidateSet> ordered = new ArrayList<>(sets.asMap().keySet());
        ordered.sort((a, b) -> Long.compare(a.serial, b.serial));
        for (CandidateSet set : ordered) {
            set.refresh();
        }
        inFlightCounters.reclaim();
    }

    /**
     * Completes, as cancelled, the selections older than the maximum in-flight age, and drops completed
     * ones. The queue is in selection order (to within concurrent selections), so each refresh walks it only
     * from the head to the first open selection that is young enough: O(reclaimed + completed at the head),
     * not O(open). Completed selections behind a young one are dropped by a full sweep at most every
     * {@link #sweepIntervalMillis}, which bounds the queue to the selections of that interval plus the open ones.
     */
    private void reclaimAbandoned(java.util.concurrent.ConcurrentLinkedQueue<Selection.Tracked> tracked, long now) {
        long oldest = now - maxInFlightAgeMillis;
        boolean sweep = now - lastSweepMillis >= sweepIntervalMillis;
        if (sweep) {
            lastSweepMillis = now;
        }
        for (java.util.Iterator<Selection.Tracked> it = tracked.iterator(); it.hasNext(); ) {
            Selection.Tracked s = it.next();
            if (s.isDone()) {
                it.remove();
            } else if (s.selectedAtMillis >= oldest) {
                if (!sweep) {
                    return;
                }
            } else if (s.reclaim()) {
                it.remove();
                telemetry.inFlightReclaimed();
                if (reclaimLogged.compareAndSet(false, true)) {
                    LOG.warn("selection of pod {} was not completed within {} ms; its in-flight slot was reclaimed "
                            + "(complete or close every PodSelection; logged once, counted in "
                            + "podrouter_in_flight_reclaimed_total)", s.chosenPod().id(), maxInFlightAgeMillis);
                }
            }
        }
    }

    private void refreshInBackground() {
        try {
            refreshMetrics();
        } catch (RuntimeException e) {
            // A scheduled task that throws is silently cancelled; keep refreshing and say so, sparingly.
            long n = refreshFailures.incrementAndGet();
            if (Long.bitCount(n) == 1) {
                LOG.warn("metrics refresh failed ({} failures so far; logged at powers of two)", n, e);
            }
        }
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
            ejected += h.ejected ? 1 : 0;
            stalled += h.stalled ? 1 : 0;
            pods.put(h.id, new TelemetrySnapshot.PodTelemetry(h.selections.sum(), Math.max(0, h.inFlight())));
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
        return h != null && h.ejected;
    }

    /**
     * Whether the pod with this id is stalled now: it holds requests it has not answered for longer than
     * the {@linkplain Builder#stallTimeout stall timeout} and than its peers take; false when unknown (or null).
     */
    public boolean isStalled(@Nullable String podId) {
        PodHandle h = podId == null ? null : handles.getIfPresent(podId);
        return h != null && h.stalled;
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
        if (refreshTask != null) {
            refreshTask.cancel(false);
        }
        if (ownScheduler != null) {
            ownScheduler.shutdownNow();
        }
        for (PodHandle h : handles.asMap().values()) {
            synchronized (h) {
                if (h.warmup != null) {
                    h.warmup.cancel();
                }
            }
        }
        if (ownWarmupExecutor != null) {
            ownWarmupExecutor.shutdownNow();
        }
    }

    /**
     * Configures a {@link Router}. Not thread-safe; build once at start-up. Every setter validates its
     * argument and throws {@link NullPointerException} or {@link IllegalArgumentException} with a
     * message naming the setting, the value and what is expected.
     */
    public static final class Builder {

        private @Nullable MetricsSource metricsSource;
        private final List<SelectionStrategy> chain = new ArrayList<>();
        private RandomSource random = RandomSource.threadLocal();
        private InstantSource clock = Clock.systemUTC();
        private Duration refreshInterval = DEFAULT_METRICS_REFRESH_INTERVAL;
        private Duration maxMetricsAge = DEFAULT_MAX_METRICS_AGE;
        private @Nullable ScheduledExecutorService scheduler;
        private SlowStart slowStart = SlowStart.disabled();
        private @Nullable MetricsPredictor predictor;
        private @Nullable WarmupSettings warmup;
        private int coldInFlightCap = DEFAULT_COLD_START_IN_FLIGHT_CAP;
        private boolean coldInFlightCapSet;
        private @Nullable RouterEventListener listener;
        private @Nullable String namespace;
        private @Nullable OutlierDetection outlierDetection = OutlierDetection.defaults();
        private Duration logInterval = DEFAULT_LOG_INTERVAL;
        private Duration maxInFlightAge = Duration.ZERO;
        private boolean boundedColdShare = true;
        private Duration stallTimeout = DEFAULT_STALL_TIMEOUT;

        private Builder() {
        }

        /** Required: where pod metrics come from. */
        public Builder metricsSource(MetricsSource source) {
            this.metricsSource = Objects.requireNonNull(source, "metricsSource: null (expected: a MetricsSource)");
            return this;
        }

        /** Required (this or {@link #strategies}): a single strategy; replaces any chain set before. */
        public Builder strategy(SelectionStrategy strategy) {
            return strategies(strategy);
        }

        /**
         * Required (this or {@link #strategy}): an ordered chain; the first strategy that decides wins,
         * a uniformly random ready pod is the last resort. Replaces any chain set before. Null or empty
         * throws; so does a null element.
         */
        public Builder strategies(SelectionStrategy... strategies) {
            Objects.requireNonNull(strategies, "strategies: null (expected: at least one strategy)");
            if (strategies.length == 0) {
                throw new IllegalArgumentException("strategies: [] (expected: at least one strategy)");
            }
            List<SelectionStrategy> list = new ArrayList<>(strategies.length);
            for (int i = 0; i < strategies.length; i++) {
                list.add(Objects.requireNonNull(strategies[i], "strategies[" + i + "]: null (expected: a strategy)"));
            }
            chain.clear();
            chain.addAll(list);
            return this;
        }

        /** The random source for tie-breaks and fallbacks. Default: {@link RandomSource#threadLocal()}. */
        public Builder random(RandomSource random) {
            this.random = Objects.requireNonNull(random, "random: null (expected: a RandomSource)");
            return this;
        }

        /** The clock for staleness and cold-start timing. Default: {@link Clock#systemUTC()}. */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock: null (expected: an InstantSource)");
            return this;
        }

        /**
         * How often metrics tables are rebuilt from the metrics source in the background. Default 50 ms:
         * the Kubernetes inference-extension picker refreshes at that rate, and it keeps the router's view
         * within one step of a sub-second scraper while costing one lookup per pod and model per interval.
         * {@link Duration#ZERO} turns background refresh off: tables are then rebuilt only by
         * {@link Router#refreshMetrics()}. Negative throws.
         */
        public Builder metricsRefreshInterval(Duration interval) {
            Objects.requireNonNull(interval, "metricsRefreshInterval: null (expected: >= 0)");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("metricsRefreshInterval: " + interval + " (expected: >= 0)");
            }
            this.refreshInterval = interval;
            return this;
        }

        /**
         * Metrics observed longer ago than this count as missing with reason STALE. Default 10 s: several
         * scrape intervals of a typical 1-5 s scraper, so one slow scrape does not flip a pod to
         * fallback, while a dead scraper's frozen values (AIBrix keeps them forever) stop steering
         * traffic within seconds. Zero or negative throws. A source may apply its own, stricter limit
         * (the Prometheus scraper reports STALE itself after its own maximum age): the effective limit is
         * the smaller of the two; this one guards against sources that never do.
         */
        public Builder maxMetricsAge(Duration maxAge) {
            Objects.requireNonNull(maxAge, "maxMetricsAge: null (expected: > 0)");
            if (maxAge.isNegative() || maxAge.isZero()) {
                throw new IllegalArgumentException("maxMetricsAge: " + maxAge + " (expected: > 0)");
            }
            this.maxMetricsAge = maxAge;
            return this;
        }

        /**
         * Runs the background refresh on this scheduler instead of a thread of the router's own. The
         * router cancels its task on {@link Router#close()} but does not shut the scheduler down.
         */
        public Builder refreshScheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "refreshScheduler: null (expected: a ScheduledExecutorService)");
            return this;
        }

        /**
         * The slow-start ramp (see {@link SlowStart} for the curve and how it applies to every strategy).
         * Default {@link SlowStart#disabled()}, as in Envoy: a time-based ramp cannot know whether the new
         * pod is ready for more (it throttles a pod that is fast from the start and, at low traffic, can
         * starve it), and on scenarios it was not tuned on it made round-robin and least-request worse than
         * without it. {@link SlowStart#defaults()} is a 30 s linear ramp from 10 %.
         */
        public Builder slowStart(SlowStart slowStart) {
            this.slowStart = Objects.requireNonNull(slowStart, "slowStart: null (expected: a SlowStart, or SlowStart.disabled())");
            return this;
        }

        /**
         * The slow-start ramp by its parameters: {@code window} (&gt;= 0, zero disables), {@code aggression}
         * (&gt; 0, 1 = linear), {@code minWeight} (0 &lt; w &lt;= 1). Invalid values throw with messages
         * such as {@code slowStartWindow: PT-1S (expected: >= 0)}.
         */
        public Builder slowStart(Duration window, double aggression, double minWeight) {
            return slowStart(new SlowStart(window, aggression, minWeight));
        }

        /**
         * Predicts metrics of cold pods (Ready, never scraped), so metric-driven strategies rank them
         * instead of giving them the {@linkplain #boundedColdShare bounded cold share}. Default: none.
         * {@link ColdStartHistoryPredictor} learns what earlier cold pods looked
         * like at each age (only from pods it saw cold) and falls back to the peers' median scaled by
         * load; opt-in because a prediction's error has no bound: a pod predicted idle takes every request
         * at low traffic. Pods that lost their metrics are never predicted.
         */
        public Builder metricsPredictor(MetricsPredictor predictor) {
            this.predictor = Objects.requireNonNull(predictor,
                    "metricsPredictor: null (expected: a MetricsPredictor; use withoutPrediction() for none)");
            return this;
        }

        /**
         * No prediction (the default): cold pods get the {@linkplain #boundedColdShare bounded cold share},
         * or, with it off, the strategies' missing-metric policy (the AIBrix cold-start article's "missing
         * means random" with {@code MissingMetricPolicy.RANDOM}).
         */
        public Builder withoutPrediction() {
            this.predictor = null;
            return this;
        }

        /**
         * Warm-up probes for pods that just became Ready (see {@link WarmupSettings}). Until a pod's warm-up
         * succeeds or gives up, it gets at most the slow-start minimum weight (10 % when slow start is off)
         * of its share, and counts as cold. Default: no warm-up.
         */
        public Builder warmup(WarmupSettings settings) {
            this.warmup = Objects.requireNonNull(settings, "warmup: null (expected: WarmupSettings)");
            return this;
        }

        /**
         * The burst guard: until its first successful completion a cold pod may hold at most this many
         * in-flight requests, or as many as the average warm pod of the candidate set held at the last
         * refresh, whichever is more; each success doubles the first. Default 8
         * ({@link Router#DEFAULT_COLD_START_IN_FLIGHT_CAP}): enough to exercise a new vLLM pod's batch
         * without piling its slow first requests (lazy compilation, empty caches) onto it. The warm mean
         * keeps the guard from ever holding a cold pod below what an average pod carries, which on a busy
         * fleet would push the excess onto the warm pods. By default the guard applies when the chain's
         * first strategy {@linkplain SelectionStrategy#ranksByMetrics ranks by metrics} or
         * {@linkplain SelectionStrategy#keepsAffinity keeps affinity} (prefix, session or LoRA affinity, which
         * ignore load); round-robin and least-request keep their own logic unless this is set explicitly. {@code Integer.MAX_VALUE}
         * disables the guard; less than 1 throws.
         */
        public Builder coldStartInFlightCap(int cap) {
            if (cap < 1) {
                throw new IllegalArgumentException("coldStartInFlightCap: " + cap + " (expected: >= 1)");
            }
            this.coldInFlightCap = cap;
            this.coldInFlightCapSet = true;
            return this;
        }

        /**
         * Outlier detection: stops routing to a pod whose requests fail, from the outcomes reported
         * through {@link PodSelection#complete}; see {@link OutlierDetection} for the rules. Default
         * {@link OutlierDetection#defaults()} (Envoy's default values; see there for where the rules differ from Envoy's). Without it, a pod that fails fast frees
         * its in-flight slots fastest and least-request sends it most of the traffic.
         */
        public Builder outlierDetection(OutlierDetection settings) {
            this.outlierDetection = Objects.requireNonNull(settings,
                    "outlierDetection: null (expected: OutlierDetection settings, or withoutOutlierDetection())");
            return this;
        }

        /**
         * How long a pod may hold requests without answering any (no successful completion) before the
         * router stops trusting it, provided a peer answered in that time; the effective threshold is the
         * larger of this and twice the longest latency its peers reported over the last one to two minutes,
         * so a fleet of long generations does not distrust a pod that is as slow as its peers. A stalled pod
         * is not selected while another pod can serve (whatever the chain), is reported in
         * {@code podrouter_stalled_pods} and {@code podrouter_stalls_total} and to the event listener, and
         * is trusted again at the refresh after its next success (or once it holds nothing). Checked at each
         * metrics refresh. Default 5 s ({@link Router#DEFAULT_STALL_TIMEOUT}): a hung server whose scrapes
         * still say "idle" ranks best on every metric, and at a few hundred requests per second every second
         * of trust sends it hundreds of requests it will not answer. {@link Duration#ZERO} turns the rule off;
         * negative throws.
         */
        public Builder stallTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "stallTimeout: null (expected: >= 0, zero for off)");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("stallTimeout: " + timeout + " (expected: >= 0, zero for off)");
            }
            this.stallTimeout = timeout;
            return this;
        }

        /** No outlier detection: reported failures do not steer routing. */
        public Builder withoutOutlierDetection() {
            this.outlierDetection = null;
            return this;
        }

        /**
         * The least time between two log lines about one pod's metrics state (present, missing with a
         * reason, not ready). Default 30 s: a source that flaps on every refresh writes one line per pod
         * per 30 s, each saying how many changes it held back, plus one summary line per interval.
         * {@link Duration#ZERO} logs every change; negative throws.
         */
        public Builder logInterval(Duration interval) {
            Objects.requireNonNull(interval, "logInterval: null (expected: >= 0)");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("logInterval: " + interval + " (expected: >= 0)");
            }
            this.logInterval = interval;
            return this;
        }

        /**
         * Reclaims the in-flight slot of a selection not completed within this age (a caller that lost a
         * {@link PodSelection} would otherwise hold its slot forever, skewing least-request and pinning a
         * cold pod at its burst cap). The age runs from the selection (the router reads its clock once per
         * selection when this is set). Checked at each metrics refresh; a reclaimed selection completes as
         * {@code CANCELLED} with latency -1 for every completion hook (strategies, event listener, telemetry);
         * each reclaim is counted in {@code podrouter_in_flight_reclaimed_total} and the first is logged. Set it above your longest
         * legitimate request (a streamed generation can take minutes). Default {@link Duration#ZERO}: off,
         * because it keeps every open selection in a queue (one node and 8 more bytes per selection);
         * prefer completing or closing every selection ({@link PodSelection} is {@link AutoCloseable}).
         * Negative throws.
         */
        public Builder maxInFlightAge(Duration age) {
            Objects.requireNonNull(age, "maxInFlightAge: null (expected: >= 0, zero for off)");
            if (age.isNegative()) {
                throw new IllegalArgumentException("maxInFlightAge: " + age + " (expected: >= 0, zero for off)");
            }
            this.maxInFlightAge = age;
            return this;
        }

        /**
         * The bounded cold share (default on): when the first strategy of the chain
         * {@linkplain SelectionStrategy#ranksByMetrics() ranks by metrics}, pods that are Ready but were
         * never scraped get their fair share of selections, halved while they hold more in-flight requests
         * on average than the other pods (they are falling behind), and the strategy ranks the pods that
         * have metrics. A cold pod thus gets between half and all of its fair share at any traffic level:
         * it is neither starved (the failure of "skip the pod until it has metrics") nor flooded (the
         * failure of treating missing metrics as zero, AIBrix and the Gateway API inference extension's
         * reported problem). Off: cold pods are left to the strategy's {@code MissingMetricPolicy}.
         * Not applied when a {@linkplain #metricsPredictor predictor} gives cold pods predicted metrics.
         */
        public Builder boundedColdShare(boolean on) {
            this.boundedColdShare = on;
            return this;
        }

        /** Receives cold-start events (wrapped so its exceptions cannot reach the router). Default: none. */
        public Builder eventListener(RouterEventListener listener) {
            this.listener = Objects.requireNonNull(listener, "eventListener: null (expected: a RouterEventListener)");
            return this;
        }

        /**
         * A prefix for the Prometheus family names ({@code <namespace>_pod_coldstart_duration_seconds}).
         * Default none; null or empty means none; otherwise it must match {@code [a-zA-Z_:][a-zA-Z0-9_:]*}.
         */
        public Builder metricsNamespace(@Nullable String namespace) {
            if (namespace != null && !namespace.isEmpty()) {
                new PrometheusExposition(namespace); // validates
            }
            this.namespace = namespace;
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
