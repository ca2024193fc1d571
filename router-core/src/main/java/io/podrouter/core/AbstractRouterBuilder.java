package io.podrouter.core;

import io.podrouter.api.MetricsPredictor;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.api.RouterEventListener;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.core.coldstart.ColdStartHistoryPredictor;
import io.podrouter.core.coldstart.SlowStart;
import io.podrouter.core.coldstart.WarmupSettings;
import io.podrouter.core.telemetry.PrometheusExposition;
import org.jspecify.annotations.Nullable;

import java.time.Clock;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

import static io.podrouter.core.Router.DEFAULT_COLD_START_IN_FLIGHT_CAP;
import static io.podrouter.core.Router.DEFAULT_LOG_INTERVAL;
import static io.podrouter.core.Router.DEFAULT_MAX_METRICS_AGE;
import static io.podrouter.core.Router.DEFAULT_METRICS_REFRESH_INTERVAL;
import static io.podrouter.core.Router.DEFAULT_MAX_UNANSWERED_SELECTIONS;
import static io.podrouter.core.Router.DEFAULT_STALL_TIMEOUT;

/**
 * The settings of a {@link Router} and their validation: what {@link Router.Builder} (the only subclass;
 * obtained from {@link Router#builder()}) configures. Its own file so that the router's facade stays
 * small; the type parameter only lets every setter return {@code Router.Builder}.
 *
 * <p>Not thread-safe; build once at start-up. Every setter validates its argument and throws
 * {@link NullPointerException} or {@link IllegalArgumentException} with a message naming the setting, the
 * value and what is expected.
 *
 * @param <B> the builder type the setters return ({@link Router.Builder})
 */
public abstract class AbstractRouterBuilder<B extends AbstractRouterBuilder<B>> {


    @Nullable MetricsSource metricsSource;
    final List<SelectionStrategy> chain = new ArrayList<>();
    RandomSource random = RandomSource.threadLocal();
    InstantSource clock = Clock.systemUTC();
    Duration refreshInterval = DEFAULT_METRICS_REFRESH_INTERVAL;
    Duration maxMetricsAge = DEFAULT_MAX_METRICS_AGE;
    @Nullable ScheduledExecutorService scheduler;
    SlowStart slowStart = SlowStart.disabled();
    @Nullable MetricsPredictor predictor;
    @Nullable WarmupSettings warmup;
    int coldInFlightCap = DEFAULT_COLD_START_IN_FLIGHT_CAP;
    boolean coldInFlightCapSet;
    @Nullable RouterEventListener listener;
    @Nullable String namespace;
    @Nullable OutlierDetection outlierDetection = OutlierDetection.defaults();
    Duration logInterval = DEFAULT_LOG_INTERVAL;
    Duration maxInFlightAge = Duration.ZERO;
    boolean boundedColdShare = true;
    Duration stallTimeout = DEFAULT_STALL_TIMEOUT;
    int maxUnansweredSelections = DEFAULT_MAX_UNANSWERED_SELECTIONS;

    /** Required: where pod metrics come from. */
    public B metricsSource(MetricsSource source) {
        this.metricsSource = Objects.requireNonNull(source, "metricsSource: null (expected: a MetricsSource)");
        return self();
    }

    /** Required (this or {@link #strategies}): a single strategy; replaces any chain set before. */
    public B strategy(SelectionStrategy strategy) {
        return strategies(strategy);
    }

    /**
     * Required (this or {@link #strategy}): an ordered chain; the first strategy that decides wins,
     * a uniformly random ready pod is the last resort. Replaces any chain set before. Null or empty
     * throws; so does a null element.
     */
    public B strategies(SelectionStrategy... strategies) {
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
        return self();
    }

    /** The random source for tie-breaks and fallbacks. Default: {@link RandomSource#threadLocal()}. */
    public B random(RandomSource random) {
        this.random = Objects.requireNonNull(random, "random: null (expected: a RandomSource)");
        return self();
    }

    /** The clock for staleness and cold-start timing. Default: {@link Clock#systemUTC()}. */
    public B clock(InstantSource clock) {
        this.clock = Objects.requireNonNull(clock, "clock: null (expected: an InstantSource)");
        return self();
    }

    /**
     * How often metrics tables are rebuilt from the metrics source in the background. Default 50 ms:
     * the Kubernetes inference-extension picker refreshes at that rate, and it keeps the router's view
     * within one step of a sub-second scraper while costing one lookup per pod and model per interval.
     * {@link Duration#ZERO} turns background refresh off: tables are then rebuilt only by
     * {@link Router#refreshMetrics()}. Negative throws.
     */
    public B metricsRefreshInterval(Duration interval) {
        Objects.requireNonNull(interval, "metricsRefreshInterval: null (expected: >= 0)");
        if (interval.isNegative()) {
            throw new IllegalArgumentException("metricsRefreshInterval: " + interval + " (expected: >= 0)");
        }
        this.refreshInterval = interval;
        return self();
    }

    /**
     * Metrics observed longer ago than this count as missing with reason STALE. Default 10 s: several
     * scrape intervals of a typical 1-5 s scraper, so one slow scrape does not flip a pod to
     * fallback, while a dead scraper's frozen values (AIBrix keeps them forever) stop steering
     * traffic within seconds. Zero or negative throws. A source may apply its own, stricter limit
     * (the Prometheus scraper reports STALE itself after its own maximum age): the effective limit is
     * the smaller of the two; this one guards against sources that never do.
     */
    public B maxMetricsAge(Duration maxAge) {
        Objects.requireNonNull(maxAge, "maxMetricsAge: null (expected: > 0)");
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxMetricsAge: " + maxAge + " (expected: > 0)");
        }
        this.maxMetricsAge = maxAge;
        return self();
    }

    /**
     * Runs the background refresh on this scheduler instead of a thread of the router's own. The
     * router cancels its task on {@link Router#close()} but does not shut the scheduler down.
     */
    public B refreshScheduler(ScheduledExecutorService scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "refreshScheduler: null (expected: a ScheduledExecutorService)");
        return self();
    }

    /**
     * The slow-start ramp (see {@link SlowStart} for the curve and how it applies to every strategy).
     * Default {@link SlowStart#disabled()}, as in Envoy: a time-based ramp cannot know whether the new
     * pod is ready for more (it throttles a pod that is fast from the start and, at low traffic, can
     * starve it). On the simulator's train family (its 65 length-workload scenarios, seeds 1-3) a 30 s ramp
     * made the TTFT p99 during scale-outs 1.11x the strategy's alone for round-robin (90th percentile of the
     * per-run ratios 1.32) and 2.59x for least-request, worst where new pods are as fast as warm ones (1.13x
     * and 4.32x). {@link SlowStart#defaults()} is a 30 s linear ramp from 10 %.
     */
    public B slowStart(SlowStart slowStart) {
        this.slowStart = Objects.requireNonNull(slowStart, "slowStart: null (expected: a SlowStart, or SlowStart.disabled())");
        return self();
    }

    /**
     * The slow-start ramp by its parameters: {@code window} (&gt;= 0, zero disables), {@code aggression}
     * (&gt; 0, 1 = linear), {@code minWeight} (0 &lt; w &lt;= 1). Invalid values throw with messages
     * such as {@code slowStartWindow: PT-1S (expected: >= 0)}.
     */
    public B slowStart(Duration window, double aggression, double minWeight) {
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
    public B metricsPredictor(MetricsPredictor predictor) {
        this.predictor = Objects.requireNonNull(predictor,
                "metricsPredictor: null (expected: a MetricsPredictor; use withoutPrediction() for none)");
        return self();
    }

    /**
     * No prediction (the default): cold pods get the {@linkplain #boundedColdShare bounded cold share},
     * or, with it off, the strategies' missing-metric policy (the AIBrix cold-start article's "missing
     * means random" with {@code MissingMetricPolicy.RANDOM}).
     */
    public B withoutPrediction() {
        this.predictor = null;
        return self();
    }

    /**
     * Warm-up probes for pods that just became Ready (see {@link WarmupSettings}). Until a pod's warm-up
     * succeeds or gives up, it gets at most the slow-start minimum weight (10 % when slow start is off)
     * of its share, and counts as cold. Default: no warm-up.
     */
    public B warmup(WarmupSettings settings) {
        this.warmup = Objects.requireNonNull(settings, "warmup: null (expected: WarmupSettings)");
        return self();
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
     * ignore load); round-robin and least-request keep their own logic unless this is set explicitly. On the
     * simulator's train family (65 length-workload scenarios, seeds 1-3) it is neutral for the metric rankings
     * next to the bounded cold share (TTFT p99 during scale-outs 0.94x plain's with it and 0.93x without for
     * least-KV-cache, 0.96x both ways for least-latency); it stays as the guard against bursts onto one new pod.
     * {@code Integer.MAX_VALUE} disables the guard; less than 1 throws.
     */
    public B coldStartInFlightCap(int cap) {
        if (cap < 1) {
            throw new IllegalArgumentException("coldStartInFlightCap: " + cap + " (expected: >= 1)");
        }
        this.coldInFlightCap = cap;
        this.coldInFlightCapSet = true;
        return self();
    }

    /**
     * Outlier detection: stops routing to a pod whose requests fail, from the outcomes reported
     * through {@link PodSelection#complete}; see {@link OutlierDetection} for the rules. Default
     * {@link OutlierDetection#defaults()} (Envoy's default values; see there for where the rules differ from Envoy's). Without it, a pod that fails fast frees
     * its in-flight slots fastest and least-request sends it most of the traffic. A failure slower than every
     * recent success (a timeout) counts neither way: it marks an overloaded pod, not a broken one. Without that
     * rule, on the simulator's train family, ejections of overloaded pods made round-robin and least-request
     * worse than with no outlier detection in 9 of 390 runs (TTFT p99 during scale-outs 1.01x on average, up to
     * 3.3x); with it they equal it in all 390.
     */
    public B outlierDetection(OutlierDetection settings) {
        this.outlierDetection = Objects.requireNonNull(settings,
                "outlierDetection: null (expected: OutlierDetection settings, or withoutOutlierDetection())");
        return self();
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
    public B stallTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "stallTimeout: null (expected: >= 0, zero for off)");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("stallTimeout: " + timeout + " (expected: >= 0, zero for off)");
        }
        this.stallTimeout = timeout;
        return self();
    }

    /**
     * How many times a pod may be chosen after its last successful completion while it still holds one of
     * those requests: once it has been chosen this many times, and at least twice the mean in-flight count of
     * its candidate set at the last table build (so a new pod that takes a burst to catch up with its peers,
     * as least-request sends it, is not mistaken for a hung one), it is not selected while another pod can serve (whatever the chain),
     * counted as {@link io.podrouter.api.RejectReason#STALLED}, until it answers a request or holds nothing
     * (then it may take one more, so a recovered pod proves itself one request at a time). Checked at every
     * pick, so it bounds what a pod that accepts requests and answers none can hold before the stall
     * detector ({@link #stallTimeout}) sees it: with its metrics saying "idle", a round-robin, a random
     * pick or a metric ranking's fair share for a pod without the metric keeps choosing it, and closed-loop
     * clients all end up waiting on it (measured through the example gateway with 16 clients and 4 pods,
     * least-latency: all 16 held within the first 5 s, and again after their timeouts; with this rule, at
     * most the limit; on the simulator's test family, TTFT p99 in scale-outs moved by a geometric mean of
     * 0.98x for the metric strategies and least-request was unchanged, see {@code docs/pod-health.md}). A
     * healthy pod restarts the count with every answer, so it reaches the limit only
     * when it is chosen that many times in a row between two answers; when every ready pod is past it
     * (a fleet-wide burst of long requests), nobody is left out. Default
     * {@value Router#DEFAULT_MAX_UNANSWERED_SELECTIONS}; 0 turns the rule off; negative throws.
     */
    public B maxUnansweredSelections(int selections) {
        if (selections < 0) {
            throw new IllegalArgumentException("maxUnansweredSelections: " + selections + " (expected: >= 0, zero for off)");
        }
        this.maxUnansweredSelections = selections;
        return self();
    }

    /** No outlier detection: reported failures do not steer routing. */
    public B withoutOutlierDetection() {
        this.outlierDetection = null;
        return self();
    }

    /**
     * The least time between two log lines about one pod's metrics state (present, missing with a
     * reason, not ready). Default 30 s: a source that flaps on every refresh writes one line per pod
     * per 30 s, each saying how many changes it held back, plus one summary line per interval.
     * {@link Duration#ZERO} logs every change; negative throws.
     */
    public B logInterval(Duration interval) {
        Objects.requireNonNull(interval, "logInterval: null (expected: >= 0)");
        if (interval.isNegative()) {
            throw new IllegalArgumentException("logInterval: " + interval + " (expected: >= 0)");
        }
        this.logInterval = interval;
        return self();
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
    public B maxInFlightAge(Duration age) {
        Objects.requireNonNull(age, "maxInFlightAge: null (expected: >= 0, zero for off)");
        if (age.isNegative()) {
            throw new IllegalArgumentException("maxInFlightAge: " + age + " (expected: >= 0, zero for off)");
        }
        this.maxInFlightAge = age;
        return self();
    }

    /**
     * The bounded cold share (default on): when the first strategy of the chain
     * {@linkplain SelectionStrategy#ranksByMetrics() ranks by metrics}, pods that are Ready but were
     * never scraped get their fair share of selections times {@code (warm mean in flight + 1) / (cold mean
     * in flight + 1)}, bounded to 1/2x-2x, and the strategy ranks the pods that have metrics: a cold pod's
     * share follows its service rate, which its in-flight count shows before any metric (a new pod as fast
     * as the others takes more while it holds less; a slow one falls behind and gets less). It is neither
     * starved (the failure of "skip the pod until it has metrics") nor flooded (the
     * failure of treating missing metrics as zero, AIBrix and the Gateway API inference extension's
     * reported problem). On the simulator's train family (65 length-workload scenarios, seeds 1-3) TTFT p99
     * during scale-outs was 0.94x plain's for least-KV-cache (90th percentile of the per-run ratios 1.05) and
     * 0.96x for least-latency (1.06) with it, 1.01x and 1.00x without it, and 1.02x and 1.00x with the share
     * bounded at 1x instead of 2x. Off: cold pods are left to the strategy's {@code MissingMetricPolicy}.
     * Not applied when a {@linkplain #metricsPredictor predictor} gives cold pods predicted metrics.
     */
    public B boundedColdShare(boolean on) {
        this.boundedColdShare = on;
        return self();
    }

    /** Receives cold-start events (wrapped so its exceptions cannot reach the router). Default: none. */
    public B eventListener(RouterEventListener listener) {
        this.listener = Objects.requireNonNull(listener, "eventListener: null (expected: a RouterEventListener)");
        return self();
    }

    /**
     * A prefix for the Prometheus family names ({@code <namespace>_pod_coldstart_duration_seconds}).
     * Default none; null or empty means none; otherwise it must match {@code [a-zA-Z_:][a-zA-Z0-9_:]*}.
     */
    public B metricsNamespace(@Nullable String namespace) {
        if (namespace != null && !namespace.isEmpty()) {
            new PrometheusExposition(namespace); // validates
        }
        this.namespace = namespace;
        return self();
    }

    AbstractRouterBuilder() {
    }

    /** This builder, as the type its setters return. */
    abstract B self();
}
