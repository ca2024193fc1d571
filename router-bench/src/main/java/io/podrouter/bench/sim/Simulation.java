package io.podrouter.bench.sim;

import io.podrouter.api.Candidates;
import io.podrouter.api.Fallback;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.NoPodAvailableException;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.core.Router;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * One run of one router configuration and strategy on one scenario: the single-threaded event loop in
 * virtual time. The real {@link Router} (built with the virtual clock, a seeded random source and
 * {@code metricsRefreshInterval(Duration.ZERO)}) makes every routing decision; the loop calls
 * {@link Router#refreshMetrics()} after each scrape and every 50 ms of virtual time (the router's default
 * refresh interval), and completes every selection (success, timeout or
 * failure) so that in-flight counts stay right.
 *
 * <p>Events: arrivals (generated one ahead by the {@link Workload}), engine step ends, service ends
 * (exponential model), request timeouts, scrapes, and the scale-out. Events at the same instant run in
 * the order they were scheduled, so a run is a pure function of the scenario. Arrivals stop at the
 * scenario's duration; the loop then drains until every request has finished or timed out.
 *
 * <p>A request fails when the router throws {@link NoPodAvailableException}, when its configuration
 * {@linkplain RouterConfig#failsWhenNoStrategyDecides() fails undecided selections} and no strategy
 * decided, when it is still unfinished {@code timeout} seconds after arrival (it is then aborted at
 * the pod, freeing its batch slot and KV cache), or when it can never fit a pod's KV cache.
 *
 * <p>Not thread-safe: {@link #run()} once per instance.
 */
public final class Simulation {

    private static final int ARRIVAL = 0;
    private static final int STEP_END = 1;
    private static final int SERVICE_END = 2;
    private static final int TIMEOUT = 3;
    private static final int SCRAPE = 4;
    private static final int SCALE_OUT = 5;
    private static final int REFRESH = 6;
    /** The router rebuilds its tables at its production default interval, in virtual time. */
    private static final double ROUTER_REFRESH_SECONDS = Router.DEFAULT_METRICS_REFRESH_INTERVAL.toNanos() / 1e9;
    private static final String MODEL = "llama-3.1-8b";

    private final Scenario s;
    private final RouterConfig config;
    private final StrategyKind kind;
    private final VirtualClock clock = new VirtualClock();
    private final EventQueue queue = new EventQueue();
    private final SimMetricsSource metrics;
    private final Router router;
    private final Workload workload;
    private final List<SimPod> pods = new ArrayList<>();
    private final List<Pod> podRecords = new ArrayList<>();
    private Candidates candidates;
    private final double[] addedMetricDelays;
    private final double coldWindowEnd;
    private final int seconds;
    private final double windowStart;
    private final double windowEnd;

    private final List<int[]> assigned = new ArrayList<>();
    private final List<double[]> busy = new ArrayList<>();
    private final List<Double> firstAssigned = new ArrayList<>();
    private final FloatList[] e2eBySecond;
    private final FloatList[] ttftBySecond;
    private final FloatList windowTtft = new FloatList();
    private final FloatList windowE2e = new FloatList();
    private final InferenceRequest baseRequest = InferenceRequest.forModel(MODEL);

    private long requests;
    private long failed;
    private long failedNoPod;
    private long failedRejected;
    private long failedTimeout;
    private long coldArrivals;
    private long coldFailed;
    private long completed;
    private double sojournSum;
    private double waitSum;
    private long inSystem;
    private double inSystemArea;
    private double lastEventTime;
    private long events;
    private boolean ran;

    /**
     * Prepares a run; builds the router through {@code config}.
     *
     * @throws IllegalArgumentException when {@code config} does not apply to {@code kind}
     */
    public Simulation(Scenario scenario, RouterConfig config, StrategyKind kind) {
        this.s = Objects.requireNonNull(scenario, "scenario: null");
        this.config = Objects.requireNonNull(config, "config: null");
        this.kind = Objects.requireNonNull(kind, "kind: null");
        this.metrics = new SimMetricsSource(scenario);
        Router.Builder b = Router.builder()
                .metricsSource(metrics)
                .clock(clock)
                .random(RandomSource.seeded(scenario.seed() * 0x9E3779B97F4A7C15L + 0x0C0FFEE))
                .metricsRefreshInterval(Duration.ZERO);
        if (!config.configure(kind, b)) {
            throw new IllegalArgumentException("config " + config.label() + " does not apply to " + kind.label());
        }
        this.router = b.build();
        this.workload = new Workload(scenario);
        SplittableRandom delays = new SplittableRandom(scenario.seed() ^ 0xDE1A7L);
        this.addedMetricDelays = new double[scenario.scaleOutPods()];
        double longest = 0;
        for (int i = 0; i < addedMetricDelays.length; i++) {
            double d = scenario.metricDelayMin()
                    + delays.nextDouble() * (scenario.metricDelayMax() - scenario.metricDelayMin());
            addedMetricDelays[i] = d;
            longest = Math.max(longest, d);
        }
        boolean scaleOut = scenario.scaleOutPods() > 0 && scenario.scaleOutAt() < scenario.durationSeconds();
        this.coldWindowEnd = scaleOut ? scenario.scaleOutAt() + Math.max(longest, scenario.warmupSeconds()) : Double.NaN;
        this.seconds = (int) Math.ceil(scenario.durationSeconds() + scenario.timeoutSeconds()) + 2;
        this.e2eBySecond = new FloatList[seconds];
        this.ttftBySecond = new FloatList[seconds];
        this.windowStart = scenario.scaleOutAt();
        this.windowEnd = scenario.scaleOutWindowEnd();
    }

    /** The pod index encoded in a simulated pod id ({@code pod-<index>}), or -1 for other ids. */
    static int podIndex(String id) {
        if (!id.startsWith("pod-")) {
            return -1;
        }
        try {
            return Integer.parseInt(id, 4, id.length(), 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Runs the simulation to the end and returns what it measured; a second call throws. */
    public RunResult run() {
        if (ran) {
            throw new IllegalStateException("simulation already ran (expected: one run per instance)");
        }
        ran = true;
        long wallStart = System.nanoTime();
        for (int i = 0; i < s.initialPods(); i++) {
            addPod(0, false, 0);
        }
        candidates = router.candidates(podRecords);
        queue.schedule(0, SCRAPE, 0, null);
        queue.schedule(ROUTER_REFRESH_SECONDS, REFRESH, 0, null);
        if (s.scaleOutPods() > 0 && s.scaleOutAt() < s.durationSeconds()) {
            queue.schedule(s.scaleOutAt(), SCALE_OUT, 0, null);
        }
        scheduleNextArrival();
        double end = s.durationSeconds() + s.timeoutSeconds() + 1;
        while (!queue.isEmpty() && queue.peekTime() <= end) {
            queue.pop();
            double t = queue.topTime;
            inSystemArea += inSystem * (t - lastEventTime);
            lastEventTime = t;
            clock.advanceTo(t);
            events++;
            switch (queue.topKind) {
                case ARRIVAL:
                    arrive((Workload.Arrival) queue.topRef, t);
                    scheduleNextArrival();
                    break;
                case STEP_END:
                    pods.get(queue.topArg).endStep(t);
                    break;
                case SERVICE_END:
                    pods.get(queue.topArg).endService((SimRequest) queue.topRef, t);
                    break;
                case TIMEOUT:
                    timeout((SimRequest) queue.topRef, t);
                    break;
                case SCRAPE:
                    metrics.scrape(pods, t);
                    router.refreshMetrics();
                    double next = t + s.scrapeInterval();
                    if (next < s.durationSeconds()) {
                        queue.schedule(next, SCRAPE, 0, null);
                    }
                    break;
                case REFRESH:
                    router.refreshMetrics();
                    if (t + ROUTER_REFRESH_SECONDS < s.durationSeconds()) {
                        queue.schedule(t + ROUTER_REFRESH_SECONDS, REFRESH, 0, null);
                    }
                    break;
                case SCALE_OUT:
                    for (int i = 0; i < s.scaleOutPods(); i++) {
                        addPod(t, true, t + addedMetricDelays[i]);
                    }
                    candidates = router.candidates(podRecords);
                    break;
                default:
                    throw new IllegalStateException("unknown event kind " + queue.topKind);
            }
        }
        router.close();
        double wall = (System.nanoTime() - wallStart) / 1e9;
        return result(wall);
    }

    private void addPod(double t, boolean added, double metricsFrom) {
        int index = pods.size();
        SimPod pod = new SimPod(this, s, index, t, added, metricsFrom);
        pods.add(pod);
        podRecords.add(Pod.ready(pod.id, "10.0." + (index >> 8) + "." + (index & 255), 8000, VirtualClock.at(t)));
        metrics.addPod(pod);
        assigned.add(new int[seconds]);
        busy.add(new double[seconds]);
        firstAssigned.add(Double.NaN);
    }

    private void scheduleNextArrival() {
        Workload.Arrival a = workload.next();
        if (a != null) {
            queue.schedule(a.time(), ARRIVAL, 0, a);
        }
    }

    private void arrive(Workload.Arrival a, double t) {
        boolean cold = t >= s.scaleOutAt() && t < coldWindowEnd;
        SimRequest r = new SimRequest(requests, t, a.promptTokens(), a.outputTokens(), a.serviceSeconds(), cold);
        requests++;
        if (cold) {
            coldArrivals++;
        }
        PodSelection selection;
        try {
            selection = router.selectPod(baseRequest.withPromptTokens(a.promptTokens()), candidates);
        } catch (NoPodAvailableException e) {
            failedNoPod++;
            fail(r);
            return;
        }
        if (config.failsWhenNoStrategyDecides() && selection.fallback() == Fallback.LAST_RESORT_RANDOM) {
            selection.complete(Outcome.FAILURE, -1);
            failedRejected++;
            fail(r);
            return;
        }
        int index = podIndex(selection.pod().id());
        SimPod pod = pods.get(index);
        r.pod = index;
        r.selection = selection;
        assigned.get(index)[second(t)]++;
        if (Double.isNaN(firstAssigned.get(index))) {
            firstAssigned.set(index, t);
        }
        inSystem++;
        queue.schedule(t + s.timeoutSeconds(), TIMEOUT, 0, r);
        pod.accept(r, t);
    }

    private void fail(SimRequest r) {
        failed++;
        if (r.coldWindow) {
            coldFailed++;
        }
    }

    private void timeout(SimRequest r, double t) {
        if (r.state == SimRequest.DONE) {
            return;
        }
        pods.get(r.pod).abort(r);
        r.selection.complete(Outcome.FAILURE, nanos(t - r.arrival));
        inSystem--;
        failedTimeout++;
        fail(r);
    }

    void failTooLarge(SimRequest r, double t) {
        r.selection.complete(Outcome.FAILURE, nanos(t - r.arrival));
        inSystem--;
        fail(r);
    }

    void scheduleStepEnd(SimPod pod, double at) {
        queue.schedule(at, STEP_END, pod.index, null);
    }

    void scheduleServiceEnd(SimPod pod, SimRequest r, double at) {
        queue.schedule(at, SERVICE_END, pod.index, r);
    }

    void onFirstToken(SimPod pod, SimRequest r, double t) {
        pod.ttftSum += t - r.arrival;
        pod.ttftCount++;
    }

    void onComplete(SimPod pod, SimRequest r, double t) {
        double e2e = t - r.arrival;
        pod.completedAny = true;
        pod.e2eSum += e2e;
        pod.e2eCount++;
        double wait = r.admitted - r.arrival;
        pod.queueSum += wait;
        pod.queueCount++;
        if (r.outputTokens > 1) {
            pod.tpotSum += (t - r.firstToken) / (r.outputTokens - 1);
            pod.tpotCount++;
        }
        r.selection.complete(Outcome.SUCCESS, nanos(e2e));
        inSystem--;
        completed++;
        sojournSum += e2e;
        waitSum += wait;
        int sec = second(r.arrival);
        FloatList list = e2eBySecond[sec];
        if (list == null) {
            list = e2eBySecond[sec] = new FloatList();
        }
        list.add(e2e);
        FloatList ttfts = ttftBySecond[sec];
        if (ttfts == null) {
            ttfts = ttftBySecond[sec] = new FloatList();
        }
        ttfts.add(r.firstToken - r.arrival);
        if (r.arrival >= windowStart && r.arrival < windowEnd) {
            windowTtft.add(r.firstToken - r.arrival);
            windowE2e.add(e2e);
        }
    }

    /** Adds {@code weight} x the overlap of [start, end) with each virtual second to the pod's busy time. */
    void recordBusy(int pod, double start, double end, double weight) {
        double[] bins = busy.get(pod);
        double t = start;
        while (t < end) {
            int sec = second(t);
            double until = Math.min(end, sec + 1);
            if (sec >= bins.length - 1) {
                break;
            }
            bins[sec] += (until - t) * weight;
            t = until;
        }
    }

    private int second(double t) {
        return Math.min(seconds - 1, (int) t);
    }

    private static long nanos(double secondsValue) {
        return Math.round(secondsValue * 1e9);
    }

    private RunResult result(double wall) {
        int n = pods.size();
        int from = (int) Math.floor(windowStart);
        int to = (int) Math.ceil(windowEnd);
        // Utilisation: busy pod-seconds over present pod-seconds in the window, new pods from their Ready time.
        double busySum = 0;
        double presentSum = 0;
        for (int p = 0; p < n; p++) {
            double ready = pods.get(p).readyAt;
            double start = Math.max(windowStart, ready);
            if (start >= windowEnd) {
                continue;
            }
            presentSum += windowEnd - start;
            double[] bins = busy.get(p);
            for (int sec = from; sec < to; sec++) {
                double lo = Math.max(sec, start);
                double hi = Math.min(sec + 1, windowEnd);
                if (hi > lo) {
                    busySum += bins[sec] * (hi - lo); // bins hold busy seconds per whole second
                }
            }
        }
        double utilization = presentSum > 0 ? busySum / presentSum : Double.NaN;
        // Latency fluctuation: CV of the per-second mean e2e latency (by arrival second) over the window,
        // and the same for TTFT.
        double cv = perSecondMeanCv(e2eBySecond, from, to);
        double ttftCv = perSecondMeanCv(ttftBySecond, from, to);
        // Jain's fairness of per-pod assignments over the window.
        double js = 0;
        double jsq = 0;
        int jn = 0;
        for (int p = 0; p < n; p++) {
            if (pods.get(p).readyAt >= windowEnd) {
                continue;
            }
            long c = 0;
            int[] a = assigned.get(p);
            for (int sec = Math.max(from, 0); sec < to; sec++) {
                c += a[sec];
            }
            js += c;
            jsq += (double) c * c;
            jn++;
        }
        double jain = jsq > 0 ? js * js / (jn * jsq) : Double.NaN;
        List<Double> delays = new ArrayList<>();
        boolean[] added = new boolean[n];
        for (int p = 0; p < n; p++) {
            SimPod pod = pods.get(p);
            added[p] = pod.added;
            if (pod.added) {
                delays.add(firstAssigned.get(p) - pod.readyAt);
            }
        }
        double[] share = new double[] {newShare(0, 10), newShare(10, 30), newShare(30, 60)};
        double[] p99 = new double[seconds];
        for (int sec = 0; sec < seconds; sec++) {
            p99[sec] = e2eBySecond[sec] == null ? Double.NaN : e2eBySecond[sec].percentile(0.99);
        }
        int[][] assignedArr = assigned.toArray(new int[0][]);
        return new RunResult(config, kind, requests, failed, failedNoPod, failedRejected, failedTimeout, coldArrivals,
                coldFailed, utilization, cv, ttftCv, windowTtft.percentile(0.5), windowTtft.percentile(0.99),
                windowE2e.percentile(0.99), jain, delays.stream().mapToDouble(Double::doubleValue).toArray(), share,
                completed == 0 ? Double.NaN : sojournSum / completed, completed == 0 ? Double.NaN : waitSum / completed,
                lastEventTime > 0 ? inSystemArea / lastEventTime : Double.NaN, completed, lastEventTime, events, wall,
                assignedArr, p99, added, coldWindowEnd);
    }

    /** Coefficient of variation of the per-second means in seconds [from, to); NaN with fewer than two. */
    private static double perSecondMeanCv(FloatList[] bySecond, int from, int to) {
        double sum = 0;
        double sumSq = 0;
        int k = 0;
        for (int sec = from; sec < to && sec < bySecond.length; sec++) {
            FloatList l = bySecond[sec];
            if (l != null && l.size() > 0) {
                double m = l.mean();
                sum += m;
                sumSq += m * m;
                k++;
            }
        }
        double mean = k > 0 ? sum / k : Double.NaN;
        return k > 1 ? Math.sqrt(Math.max(0, sumSq / k - mean * mean)) / mean : Double.NaN;
    }

    /** Added pods' share of the assignments in [scaleOutAt + a, scaleOutAt + b); NaN when none. */
    private double newShare(double a, double b) {
        if (s.scaleOutPods() == 0) {
            return Double.NaN;
        }
        int from = (int) Math.floor(s.scaleOutAt() + a);
        int to = Math.min(seconds, (int) Math.floor(s.scaleOutAt() + b));
        long all = 0;
        long fresh = 0;
        for (int p = 0; p < pods.size(); p++) {
            int[] arr = assigned.get(p);
            long c = 0;
            for (int sec = from; sec < to; sec++) {
                c += arr[sec];
            }
            all += c;
            if (pods.get(p).added) {
                fresh += c;
            }
        }
        return all == 0 ? Double.NaN : (double) fresh / all;
    }
}
