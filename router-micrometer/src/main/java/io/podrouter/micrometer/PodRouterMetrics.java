package io.podrouter.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.podrouter.api.EjectionReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.RouterEventListener;
import io.podrouter.api.WarmupOutcome;
import io.podrouter.core.Router;
import io.podrouter.core.telemetry.PrometheusExposition;
import io.podrouter.core.telemetry.TelemetrySnapshot;
import io.podrouter.core.telemetry.TelemetrySnapshot.FallbackKey;
import io.podrouter.core.telemetry.TelemetrySnapshot.PodTelemetry;
import io.podrouter.core.telemetry.TelemetrySnapshot.SelectionKey;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Exposes a {@link Router}'s telemetry as Micrometer meters, with the names and tags of the router's
 * Prometheus exposition: a Prometheus registry renders every family {@link PrometheusExposition} writes,
 * under the same name, type and labels ({@code podrouter.selections} as {@code podrouter_selections_total},
 * {@code podrouter.pod.in.flight} as {@code podrouter_pod_in_flight}, {@code pod.coldstart.duration} as the
 * histogram {@code pod_coldstart_duration_seconds} with the router's buckets).
 *
 * <p>Create the binder before the router, so that the router can report each cold start to it:
 *
 * <pre>{@code
 * PodRouterMetrics metrics = new PodRouterMetrics(Tags.of("gateway", "chat"));
 * Router router = Router.builder()
 *         .metricsSource(source)
 *         .eventListener(metrics.eventListener())     // feeds the cold-start histogram
 *         .build();
 * metrics.attach(router).bindTo(meterRegistry);
 * }</pre>
 *
 * A router with a listener of its own forwards {@link RouterEventListener#firstMetrics} to
 * {@link #eventListener()} from it (the router takes one listener).
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th></tr>
 *   <tr><td>{@value #SELECTIONS}</td><td>function counter</td><td>{@code strategy}, {@code fallback}</td></tr>
 *   <tr><td>{@value #POD_SELECTIONS}</td><td>function counter</td><td>{@code pod}</td></tr>
 *   <tr><td>{@value #POD_IN_FLIGHT}</td><td>gauge</td><td>{@code pod}</td></tr>
 *   <tr><td>{@value #OUTCOMES}</td><td>function counter</td><td>{@code outcome}</td></tr>
 *   <tr><td>{@value #FALLBACKS}</td><td>function counter</td><td>{@code strategy}, {@code fallback}, {@code reason}</td></tr>
 *   <tr><td>{@value #COLDSTART_DURATION}</td><td>timer with the router's bucket bounds as service-level
 *       objectives (a histogram in Prometheus: {@code _bucket}, {@code _count}, {@code _sum}, plus
 *       Micrometer's {@code _max} gauge)</td><td></td></tr>
 *   <tr><td>{@value #COLD_REQUESTS}</td><td>function counter</td><td></td></tr>
 *   <tr><td>{@value #COLD_REQUESTS_FAILED}</td><td>function counter</td><td></td></tr>
 *   <tr><td>{@value #WARMUP_PROBES}</td><td>function counter</td><td>{@code outcome}</td></tr>
 *   <tr><td>{@value #COLD_PODS}</td><td>gauge</td><td></td></tr>
 *   <tr><td>{@value #OUTLIER_EJECTIONS}</td><td>function counter</td><td>{@code reason}</td></tr>
 *   <tr><td>{@value #OUTLIER_EJECTIONS_SKIPPED}</td><td>function counter</td><td></td></tr>
 *   <tr><td>{@value #EJECTED_PODS}</td><td>gauge</td><td></td></tr>
 *   <tr><td>{@value #STALLS}</td><td>function counter</td><td></td></tr>
 *   <tr><td>{@value #STALLED_PODS}</td><td>gauge</td><td></td></tr>
 *   <tr><td>{@value #IN_FLIGHT_RECLAIMED}</td><td>function counter</td><td></td></tr>
 * </table>
 * plus the tags given to the constructor on every meter. The fallback tag's {@code reason} is empty
 * for kinds without a reason, as in the exposition.
 *
 * <p><b>The cold-start histogram</b> is the one meter not read from the snapshot: a Micrometer meter
 * cannot be fed the router's pre-bucketed counts, so {@link #eventListener()} records each
 * {@link RouterEventListener#firstMetrics} duration into a {@link Timer} whose service-level objectives
 * are the router's bucket bounds (read from {@link TelemetrySnapshot#coldStartDurations()} at
 * {@link #attach}). A registry's timer counts the cold starts from its {@link #bindTo} on; bind before
 * the router gets pods and it matches the exposition's buckets, count and sum exactly. When the router
 * reports cold starts the listener never heard (it was not passed to the router's builder), the binder
 * logs one warning; the timer then stays empty rather than invent values.
 *
 * <p><b>How the other values are read.</b> Every other meter reads one shared {@link Router#telemetry()}
 * snapshot, taken again when a meter is read and the snapshot is older than {@code maxSnapshotAge}
 * (default {@value #DEFAULT_MAX_SNAPSHOT_AGE_MILLIS} ms), so one publication of all meters costs one
 * snapshot, not one per meter. Nothing runs on the router's selection path.
 *
 * <p><b>Meters that come and go.</b> Per-pod meters exist only for the pods in the snapshot, which are
 * the pods the router knows (see {@link TelemetrySnapshot}): each time a new snapshot is taken, meters
 * of new pods, strategies and fallback kinds are registered and the meters of pods that left are
 * removed from every registry this binder is bound to. A new pod's meters therefore appear at the
 * publication after the one whose snapshot first contained it, or at once after {@link #update()}.
 * Label cardinality stays bounded by the
 * pods the router knows.
 *
 * <p>The meters, and this binder, hold the router weakly (Micrometer's convention), so a registry does
 * not keep a discarded router alive: once it is unreachable, gauges report NaN and counters keep the
 * last value they read. Thread-safe: snapshots and meter changes happen under this binder's monitor, at
 * publication time; the listener records without that monitor. Binding to several registries is
 * supported; binding twice to one registry registers nothing new.
 */
public final class PodRouterMetrics implements MeterBinder {

    /** Selections by deciding strategy and fallback kind. */
    public static final String SELECTIONS = "podrouter.selections";
    /** Selections per pod. */
    public static final String POD_SELECTIONS = "podrouter.pod.selections";
    /** Requests routed to the pod and not completed yet. */
    public static final String POD_IN_FLIGHT = "podrouter.pod.in.flight";
    /** Completed selections by outcome. */
    public static final String OUTCOMES = "podrouter.outcomes";
    /** Selections that departed from their strategy's primary rule, by strategy, kind and reason. */
    public static final String FALLBACKS = "podrouter.fallbacks";
    /** Time from a pod becoming Ready to its first metrics. */
    public static final String COLDSTART_DURATION = "pod.coldstart.duration";
    /** Requests routed to a pod while it was cold. */
    public static final String COLD_REQUESTS = "podrouter.cold.requests";
    /** Requests routed to a cold pod that were reported failed. */
    public static final String COLD_REQUESTS_FAILED = "podrouter.cold.requests.failed";
    /** Warm-up probe attempts by outcome. */
    public static final String WARMUP_PROBES = "podrouter.warmup.probes";
    /** Pods cold now. */
    public static final String COLD_PODS = "podrouter.cold.pods";
    /** Outlier ejections by reason. */
    public static final String OUTLIER_EJECTIONS = "podrouter.outlier.ejections";
    /** Ejections not made because of the ejected-fraction cap or a fleet-wide failure. */
    public static final String OUTLIER_EJECTIONS_SKIPPED = "podrouter.outlier.ejections.skipped";
    /** Pods ejected now. */
    public static final String EJECTED_PODS = "podrouter.ejected.pods";
    /** Pods found holding requests they did not answer for longer than their peers take. */
    public static final String STALLS = "podrouter.stalls";
    /** Pods stalled now (not selected while another pod can serve). */
    public static final String STALLED_PODS = "podrouter.stalled.pods";

    /** In-flight slots reclaimed from selections not completed within the router's maximum in-flight age. */
    public static final String IN_FLIGHT_RECLAIMED = "podrouter.in.flight.reclaimed";

    /** Default maximum age of the shared snapshot, in milliseconds. */
    public static final long DEFAULT_MAX_SNAPSHOT_AGE_MILLIS = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(PodRouterMetrics.class);

    private final Tags tags;
    private final long maxAgeNanos;
    private final LongSupplier nanoTime;
    private final ColdStartRecorder recorder = new ColdStartRecorder();

    // Guarded by this. The owner is held weakly, like the meters' reference: the registry holds this
    // binder through the meters' functions, and must not keep the router alive through it.
    private @Nullable WeakReference<Object> owner;
    private @Nullable Function<Object, TelemetrySnapshot> source;
    private Duration[] coldStartBuckets = new Duration[0];
    private final List<Bound> bound = new ArrayList<>();
    private final Map<String, PodHolder> pods = new HashMap<>();
    private @Nullable TelemetrySnapshot snapshot;
    private long takenAt;
    private long coldStartsAtLastRefresh;
    private boolean unheardColdStartsLogged;

    /** A binder without extra tags; {@link #attach} it to a router before {@link #bindTo}. */
    public PodRouterMetrics() {
        this(Tags.empty());
    }

    /**
     * A binder adding {@code tags} to every meter (e.g. to tell two routers apart); {@link #attach} it to a
     * router before {@link #bindTo}.
     *
     * @param tags extra tags; null throws {@link NullPointerException}, empty for none
     */
    public PodRouterMetrics(Iterable<Tag> tags) {
        this(tags, Duration.ofMillis(DEFAULT_MAX_SNAPSHOT_AGE_MILLIS));
    }

    /**
     * A binder with a chosen snapshot age.
     *
     * @param tags           extra tags; null throws {@link NullPointerException}, empty for none
     * @param maxSnapshotAge how long meters share one snapshot; {@link Duration#ZERO} takes one per meter
     *                       read; null throws {@link NullPointerException}, negative {@link IllegalArgumentException}
     */
    public PodRouterMetrics(Iterable<Tag> tags, Duration maxSnapshotAge) {
        this(tags, maxSnapshotAge, System::nanoTime);
    }

    /** For tests: an injected nanosecond clock. */
    PodRouterMetrics(Iterable<Tag> tags, Duration maxSnapshotAge, LongSupplier nanoTime) {
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags: null (expected: tags, or Tags.empty())"));
        Objects.requireNonNull(maxSnapshotAge, "maxSnapshotAge: null (expected: >= 0)");
        if (maxSnapshotAge.isNegative()) {
            throw new IllegalArgumentException("maxSnapshotAge: " + maxSnapshotAge + " (expected: >= 0)");
        }
        this.maxAgeNanos = maxSnapshotAge.toNanos();
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /**
     * The listener to pass to {@code Router.builder().eventListener(...)}: it records each pod's
     * Ready-to-first-metrics duration into the {@value #COLDSTART_DURATION} timers and ignores every other
     * event. The same instance on every call; thread-safe, it never blocks (a timer record per cold start).
     */
    public RouterEventListener eventListener() {
        return recorder;
    }

    /**
     * Makes this binder report {@code router}'s telemetry; call it once, before {@link #bindTo}.
     *
     * @param router the router, built with {@link #eventListener()}; null throws {@link NullPointerException}
     * @return this binder
     * @throws IllegalStateException when already attached to a router
     */
    public PodRouterMetrics attach(Router router) {
        Objects.requireNonNull(router, "router: null (expected: a Router)");
        return attach(router, r -> ((Router) r).telemetry());
    }

    /**
     * For tests: any owner and snapshot source (applied to the owner; it must not hold the owner strongly).
     */
    synchronized PodRouterMetrics attach(Object owner, Function<Object, TelemetrySnapshot> source) {
        if (this.owner != null) {
            throw new IllegalStateException("router: already attached (expected: one router per PodRouterMetrics)");
        }
        Objects.requireNonNull(source, "source");
        TelemetrySnapshot first = Objects.requireNonNull(source.apply(owner), "telemetry snapshot");
        List<Duration> bounds = new ArrayList<>();
        for (double b : first.coldStartDurations().upperBounds()) {
            if (Double.isFinite(b)) { // +Inf: every histogram has it
                bounds.add(Duration.ofNanos(Math.round(b * 1e9)));
            }
        }
        this.coldStartBuckets = bounds.toArray(new Duration[0]);
        this.owner = new WeakReference<>(owner);
        this.source = source;
        return this;
    }

    /**
     * Registers the meters in {@code registry} (taking a snapshot now).
     *
     * @throws NullPointerException  for a null registry
     * @throws IllegalStateException before {@link #attach}
     */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry: null (expected: a MeterRegistry)");
        if (this.owner == null) {
            throw new IllegalStateException("router: not attached (expected: attach(router) before bindTo)");
        }
        for (Bound b : bound) {
            if (b.registry == registry) {
                return;
            }
        }
        Object owner = this.owner.get();
        if (owner == null) {
            return; // the router is gone: nothing to report
        }
        Bound b = new Bound(registry);
        bound.add(b);
        for (Outcome o : Outcome.values()) {
            counter(registry, owner, OUTCOMES, "Completed selections by the outcome the caller reported.",
                    Tags.of("outcome", o.name()), s -> s.outcomes().getOrDefault(o, 0L));
        }
        recorder.add(Timer.builder(COLDSTART_DURATION)
                .description("Time from a pod becoming Ready to its first metrics.")
                .serviceLevelObjectives(coldStartBuckets)
                .tags(tags)
                .register(registry));
        counter(registry, owner, COLD_REQUESTS, "Requests routed to a pod while it was cold.", Tags.empty(),
                TelemetrySnapshot::coldRequests);
        counter(registry, owner, COLD_REQUESTS_FAILED, "Requests routed to a cold pod that were reported failed.",
                Tags.empty(), TelemetrySnapshot::coldRequestsFailed);
        for (WarmupOutcome o : WarmupOutcome.values()) {
            counter(registry, owner, WARMUP_PROBES, "Warm-up probe attempts by outcome.", Tags.of("outcome", o.name()),
                    s -> s.warmupProbes().getOrDefault(o, 0L));
        }
        gauge(registry, owner, COLD_PODS, "Pods currently cold (Ready without metrics, or warming up).", Tags.empty(),
                TelemetrySnapshot::coldPods);
        for (EjectionReason r : EjectionReason.values()) {
            counter(registry, owner, OUTLIER_EJECTIONS, "Pods ejected by outlier detection after failed requests.",
                    Tags.of("reason", r.name()), s -> s.ejections().getOrDefault(r, 0L));
        }
        counter(registry, owner, OUTLIER_EJECTIONS_SKIPPED,
                "Ejections not made: ejected-fraction cap reached, or the other pods were failing too.", Tags.empty(),
                TelemetrySnapshot::ejectionsSkipped);
        gauge(registry, owner, EJECTED_PODS, "Pods currently ejected by outlier detection.", Tags.empty(),
                TelemetrySnapshot::ejectedPods);
        counter(registry, owner, STALLS,
                "Pods found holding requests they did not answer for longer than their peers take.", Tags.empty(),
                TelemetrySnapshot::podStalls);
        gauge(registry, owner, STALLED_PODS, "Pods currently stalled: not selected while another pod can serve.",
                Tags.empty(), TelemetrySnapshot::stalledPods);
        counter(registry, owner, IN_FLIGHT_RECLAIMED,
                "In-flight slots reclaimed from selections not completed within the maximum in-flight age.",
                Tags.empty(), TelemetrySnapshot::inFlightReclaimed);
        refresh();
    }

    /**
     * Takes a new snapshot now and brings the per-pod, per-strategy and per-fallback meters up to date.
     * Call it right before a pull-based scrape (such as {@code PrometheusMeterRegistry.scrape()} behind a
     * {@code /metrics} endpoint) so that the scrape shows the router as it is, new pods included, instead of
     * a snapshot up to {@code maxSnapshotAge} old. Does nothing before {@link #attach} or once the router is
     * gone. Thread-safe.
     */
    public synchronized void update() {
        refresh();
    }

    /**
     * The snapshot the meters read now, taken afresh (and the per-pod and per-strategy meters brought up
     * to date) when older than the maximum age.
     */
    synchronized TelemetrySnapshot current() {
        long now = nanoTime.getAsLong();
        if (snapshot == null || now - takenAt >= maxAgeNanos) {
            refresh();
        }
        return Objects.requireNonNull(snapshot, "bound before attached"); // bindTo took the first one
    }

    // Caller holds the monitor. Once the router is gone the last snapshot stays (Micrometer then reports
    // NaN without asking).
    private void refresh() {
        WeakReference<Object> ref = this.owner;
        Function<Object, TelemetrySnapshot> source = this.source;
        Object owner = ref == null ? null : ref.get();
        if (owner == null || source == null) {
            return;
        }
        TelemetrySnapshot snapshot = Objects.requireNonNull(source.apply(owner), "telemetry snapshot");
        this.snapshot = snapshot;
        takenAt = nanoTime.getAsLong();
        // The router calls the listener right after counting a cold start, so every cold start of the
        // previous snapshot has been heard by now unless the listener is not the router's.
        long heard = recorder.heard.sum();
        if (!unheardColdStartsLogged && coldStartsAtLastRefresh > heard) {
            unheardColdStartsLogged = true;
            LOG.warn("{}: the router counted {} cold starts, the binder's listener heard {}: its timer misses them "
                    + "(expected: Router.builder().eventListener(metrics.eventListener()))", COLDSTART_DURATION,
                    coldStartsAtLastRefresh, heard);
        }
        coldStartsAtLastRefresh = snapshot.coldStartDurations().count();
        for (Bound b : bound) {
            for (SelectionKey k : snapshot.selections().keySet()) {
                if (b.selections.add(k)) {
                    counter(b.registry, owner, SELECTIONS,
                            "Selections by deciding strategy and fallback kind (NONE: the strategy's primary rule).",
                            Tags.of("strategy", k.strategy(), "fallback", k.fallback().name()),
                            s -> s.selections().getOrDefault(k, 0L));
                }
            }
            for (FallbackKey k : snapshot.fallbacks().keySet()) {
                if (b.fallbacks.add(k)) {
                    counter(b.registry, owner, FALLBACKS, "Selections that departed from their strategy's primary rule.",
                            Tags.of("strategy", k.strategy(), "fallback", k.fallback().name(),
                                    "reason", k.reason() == null ? "" : k.reason().name()),
                            s -> s.fallbacks().getOrDefault(k, 0L));
                }
            }
        }
        for (Iterator<Map.Entry<String, PodHolder>> it = pods.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, PodHolder> e = it.next();
            PodTelemetry now = snapshot.pods().get(e.getKey());
            if (now == null) {
                it.remove();
                e.getValue().meters.forEach((registry, meters) -> meters.forEach(registry::remove));
            } else {
                e.getValue().last = now;
            }
        }
        for (Map.Entry<String, PodTelemetry> e : snapshot.pods().entrySet()) {
            PodHolder h = pods.get(e.getKey());
            if (h == null) {
                h = new PodHolder(e.getValue());
                pods.put(e.getKey(), h);
            }
            for (Bound b : bound) {
                if (!h.meters.containsKey(b.registry)) {
                    h.meters.put(b.registry, registerPod(b.registry, owner, e.getKey(), h));
                }
            }
        }
    }

    private List<Meter> registerPod(MeterRegistry registry, Object owner, String pod, PodHolder h) {
        Tags podTags = tags.and("pod", pod);
        return List.of(FunctionCounter.builder(POD_SELECTIONS, owner, o -> {
                    current();
                    return h.last.selections();
                })
                .description("Selections per pod, for the pods the router knows now.").tags(podTags).register(registry),
                Gauge.builder(POD_IN_FLIGHT, owner, o -> {
                    current();
                    return h.last.inFlight();
                })
                .description("Requests routed to the pod and not completed yet.").tags(podTags).register(registry));
    }

    private void counter(MeterRegistry registry, Object owner, String name, String help, Tags extra,
                         ToDoubleFunction<TelemetrySnapshot> value) {
        FunctionCounter.builder(name, owner, o -> value.applyAsDouble(current())).description(help)
                .tags(tags.and(extra)).register(registry);
    }

    private void gauge(MeterRegistry registry, Object owner, String name, String help, Tags extra,
                       ToDoubleFunction<TelemetrySnapshot> value) {
        Gauge.builder(name, owner, o -> value.applyAsDouble(current())).description(help).tags(tags.and(extra))
                .register(registry);
    }

    /** The meters of one pod, shared by the registries this binder is bound to. */
    private static final class PodHolder {
        volatile PodTelemetry last;
        /** By registry: this pod's meters there. */
        final Map<MeterRegistry, List<Meter>> meters = new HashMap<>();

        PodHolder(PodTelemetry first) {
            this.last = first;
        }
    }

    /** Records cold-start durations into the timers of every registry bound so far. */
    private static final class ColdStartRecorder implements RouterEventListener {
        final LongAdder heard = new LongAdder();
        private final List<Timer> timers = new CopyOnWriteArrayList<>();

        void add(Timer timer) {
            timers.add(timer);
        }

        @Override
        public void firstMetrics(Pod pod, Duration coldStartDuration) {
            heard.increment();
            if (coldStartDuration.isNegative()) {
                return; // a clock that went back: Micrometer would drop it anyway; counted as heard
            }
            for (Timer t : timers) {
                t.record(coldStartDuration);
            }
        }
    }

    /** The registries this binder is bound to, with the dynamic keys registered there. */
    private static final class Bound {
        final MeterRegistry registry;
        final Set<SelectionKey> selections = new HashSet<>();
        final Set<FallbackKey> fallbacks = new HashSet<>();

        Bound(MeterRegistry registry) {
            this.registry = registry;
        }
    }
}
