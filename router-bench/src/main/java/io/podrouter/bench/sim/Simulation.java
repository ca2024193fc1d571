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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * One run of one router configuration and strategy on one scenario: the single-threaded event loop in
 * virtual time. The real {@link Router} (built with the virtual clock, a seeded random source and
 * {@code metricsRefreshInterval(Duration.ZERO)}) makes every routing decision; the loop calls
 * {@link Router#refreshMetrics()} after each scrape and every 50 ms of virtual time (the router's default
 * refresh interval), and completes every selection (success, timeout or failure) so that in-flight counts
 * stay right. With {@code routers=N} there are N routers (gateway replicas), each with its own strategy
 * instance, random stream and in-flight counts; each request goes to one of them uniformly at random.
 *
 * <p><b>Pod lifecycle.</b> The scenario's schedule (scale-out and scale-in steps, restarts, a rolling update)
 * is planned before the run, from the scenario alone, so every configuration sees the same pods, metric
 * delays and measurement windows. A scale-in removes the newest pods; a removed pod (also the old pod of
 * a rolling-update step) leaves the candidate list and finishes what it holds. A restart takes the pod
 * not-ready at once, fails every request it holds, and brings a new, cold instance back under the same
 * id after {@code restartDowntime} seconds, with no metrics and no latency history. A request that finds
 * no ready pod (scale from zero, every pod down) waits at the gateway until one is ready or its timeout.
 *
 * <p>Events at the same instant run in the order they were scheduled, so a run is a pure function of the
 * scenario. Arrivals stop at the scenario's duration; the loop then drains until every request has
 * finished or timed out.
 *
 * <p>Failures: {@code rejected} (the naive reject router hit a missing metric), {@code timeout} (not
 * finished {@code timeout} seconds after arrival, at the gateway or at a pod; aborted at the pod),
 * {@code killed} (its pod restarted), or too large for any pod's KV cache. The measures are defined once, in
 * {@link RunResult}.
 *
 * <p>Not thread-safe: {@link #run()} once per instance. Different instances may run on different threads.
 */
public final class Simulation {

    private static final int ARRIVAL = 0;
    private static final int STEP_END = 1;
    private static final int SERVICE_END = 2;
    private static final int TIMEOUT = 3;
    private static final int SCRAPE = 4;
    private static final int ACTION = 5;
    private static final int REFRESH = 6;
    private static final int FOLLOW_UP = 7;
    /** The router rebuilds its tables at its production default interval, in virtual time. */
    private static final double ROUTER_REFRESH_SECONDS = Router.DEFAULT_METRICS_REFRESH_INTERVAL.toNanos() / 1e9;
    private static final String MODEL = "llama-3.1-8b";
    /** Pods with fewer requests in the window are left out of the per-pod spread (their mean is noise). */
    static final int SPREAD_MIN_REQUESTS = 10;

    /** One planned change of the pod set. */
    record Action(double at, int type, int pod, double metricsFrom) {
        static final int ADD = 0;
        static final int REMOVE = 1;
        static final int DOWN = 2;
        static final int UP = 3;
    }

    private final Scenario s;
    private final RouterConfig config;
    private final StrategyKind kind;
    private final double capacity;
    private final VirtualClock clock = new VirtualClock();
    private final EventQueue queue = new EventQueue();
    private final SimMetricsSource metrics;
    private final Router[] routers;
    private final Candidates[] candidates;
    private final SplittableRandom routerChoice;
    private final Workload workload;
    private final List<SimPod> pods = new ArrayList<>();
    private final List<SimPod> instances = new ArrayList<>();
    private final List<Pod> records = new ArrayList<>();
    private final List<Integer> members = new ArrayList<>();
    private final List<int[]> assigned = new ArrayList<>();
    private final List<Action> actions;
    private final List<double[]> coldIntervals = new ArrayList<>();
    private final double coldWindowEnd;
    private final int seconds;
    private final double windowStart;
    private final double windowEnd;
    private final double firstAction;
    private final ArrayDeque<SimRequest> pending = new ArrayDeque<>();

    private final FloatList ttftAll = new FloatList();
    private final FloatList e2eAll = new FloatList();
    private final FloatList ttftWindow = new FloatList();
    private final FloatList e2eWindow = new FloatList();
    private final double[] winE2eSum;
    private final int[] winE2eCount;
    private final FloatList[] e2eBySecond;
    private final int[] assignedNewBySecond;
    private final int[] assignedAllBySecond;
    private double[] podE2eSum = new double[16];
    private int[] podE2eCount = new int[16];
    private final InferenceRequest baseRequest = InferenceRequest.forModel(MODEL);

    private long requests;
    private long windowRequests;
    private long failed;
    private long failedNoPod;
    private long failedRejected;
    private long failedTimeout;
    private long failedKilled;
    private long coldArrivals;
    private long coldFailed;
    private long completed;
    private long good;
    private long goodWindow;
    private long windowAssigned;
    private long windowAssignedNew;
    private double sojournSum;
    private double waitSum;
    private long inSystem;
    private double inSystemArea;
    private double lastEventTime;
    private long events;
    private boolean ran;
    private long outputTokensDone;
    private double lastCompletion;

    /**
     * Prepares a run; builds the routers through {@code config}. Utilisation is measured against
     * {@link Capacity#of(Scenario)} (calibrated once per pod model and length profile, then cached).
     *
     * @throws IllegalArgumentException when {@code config} does not apply to {@code kind}, or the schedule
     *                                  names a pod that does not exist at that time
     */
    public Simulation(Scenario scenario, RouterConfig config, StrategyKind kind) {
        this(scenario, config, kind, scenario.workload().hasContent() ? Double.NaN : Capacity.of(scenario));
    }

    /**
     * As {@link #Simulation(Scenario, RouterConfig, StrategyKind)} with the pod's capacity in output tokens
     * per second given; NaN leaves utilisation NaN (as for workloads with content: their capacity depends on the
     * prefix-cache hit rate, which depends on the router).
     */
    Simulation(Scenario scenario, RouterConfig config, StrategyKind kind, double capacityTokensPerSecond) {
        this.s = Objects.requireNonNull(scenario, "scenario: null");
        this.config = Objects.requireNonNull(config, "config: null");
        this.kind = Objects.requireNonNull(kind, "kind: null");
        this.capacity = capacityTokensPerSecond;
        this.metrics = new SimMetricsSource(scenario);
        this.routers = new Router[scenario.routers()];
        this.candidates = new Candidates[routers.length];
        for (int r = 0; r < routers.length; r++) {
            Router.Builder b = Router.builder()
                    .metricsSource(metrics)
                    .clock(clock)
                    .random(RandomSource.seeded(scenario.seed() * 0x9E3779B97F4A7C15L + 0x0C0FFEE + r * 0x632BE59BD9B4E019L))
                    .metricsRefreshInterval(Duration.ZERO);
            if (!config.configure(kind, b, clock)) {
                throw new IllegalArgumentException("config " + config.label() + " does not apply to " + kind.label());
            }
            routers[r] = b.build();
        }
        this.routerChoice = new SplittableRandom(scenario.seed() ^ 0x6A7E3A7L);
        this.workload = new Workload(scenario);
        this.seconds = (int) Math.ceil(scenario.durationSeconds() + scenario.timeoutSeconds()) + 2;
        this.actions = plan(scenario);
        double coldEnd = Double.NaN;
        double start = Double.NaN;
        double end = Double.NEGATIVE_INFINITY;
        for (Action a : actions) {
            if (start != start) {
                start = a.at();
            }
            if (a.type() == Action.ADD || a.type() == Action.UP) {
                double until = Math.max(a.metricsFrom(), a.at() + scenario.warmupSeconds());
                coldIntervals.add(new double[] {a.at(), until});
                coldEnd = coldEnd != coldEnd ? until : Math.max(coldEnd, until);
                end = Math.max(end, a.metricsFrom() + scenario.windowSettleSeconds());
            } else {
                end = Math.max(end, a.at() + scenario.windowSettleSeconds());
            }
        }
        this.coldWindowEnd = coldEnd;
        this.firstAction = start;
        this.windowStart = actions.isEmpty() ? 0 : start;
        this.windowEnd = actions.isEmpty() ? scenario.durationSeconds() : Math.min(scenario.durationSeconds(), end);
        this.winE2eSum = new double[seconds];
        this.winE2eCount = new int[seconds];
        this.e2eBySecond = new FloatList[seconds];
        this.assignedNewBySecond = new int[seconds];
        this.assignedAllBySecond = new int[seconds];
    }

    /**
     * The scenario's pod-set changes in time order, with each cold pod's metric delay drawn from the
     * scenario's delay stream in the order the pods appear (so every configuration gets the same delays).
     */
    static List<Action> plan(Scenario s) {
        SplittableRandom delays = new SplittableRandom(s.seed() ^ 0xDE1A7L);
        // (time, source order, what): scale steps first, then restarts, then rolling-update steps at equal times
        List<double[]> todo = new ArrayList<>();
        for (Scenario.ScaleStep st : s.scaleSchedule()) {
            todo.add(new double[] {st.at(), 0, st.delta()});
        }
        for (Scenario.Restart r : s.restarts()) {
            todo.add(new double[] {r.at(), 1, r.pod()});
        }
        if (s.hasRollingUpdate()) {
            todo.add(new double[] {s.rollingUpdateAt(), 2, 0});
        }
        todo.sort((a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0]) : Double.compare(a[1], b[1]));
        List<Action> out = new ArrayList<>();
        List<Integer> present = new ArrayList<>();
        List<Integer> rollQueue = new ArrayList<>();
        for (int i = 0; i < s.initialPods(); i++) {
            present.add(i);
        }
        int next = s.initialPods();
        // Rolling-update steps are generated lazily so that they interleave with later scale steps and restarts.
        double rollAt = Double.NaN;
        int k = 0;
        while (k < todo.size() || rollAt == rollAt) {
            boolean takeRoll = rollAt == rollAt && (k >= todo.size() || rollAt < todo.get(k)[0]);
            if (takeRoll) {
                if (rollAt >= s.durationSeconds() || rollQueue.isEmpty()) {
                    rollAt = Double.NaN;
                    continue;
                }
                int old = rollQueue.remove(0);
                out.add(new Action(rollAt, Action.ADD, next, rollAt + delay(s, delays)));
                present.add(next++);
                if (present.remove((Integer) old)) {
                    out.add(new Action(rollAt, Action.REMOVE, old, Double.NaN));
                }
                rollAt += s.rollingUpdateInterval();
                continue;
            }
            double[] e = todo.get(k++);
            double t = e[0];
            if (t >= s.durationSeconds()) {
                continue;
            }
            if (e[1] == 0) {
                int delta = (int) e[2];
                for (int i = 0; i < delta; i++) {
                    out.add(new Action(t, Action.ADD, next, t + delay(s, delays)));
                    present.add(next++);
                }
                for (int i = 0; i < -delta && !present.isEmpty(); i++) {
                    int gone = present.remove(present.size() - 1); // newest first
                    rollQueue.remove((Integer) gone);
                    out.add(new Action(t, Action.REMOVE, gone, Double.NaN));
                }
            } else if (e[1] == 1) {
                int pod = (int) e[2];
                if (!present.contains(pod)) {
                    throw new IllegalArgumentException("restart: " + t + ":pod-" + pod + " (expected: a pod present at "
                            + t + " s; present: " + present + ")");
                }
                double up = t + s.restartDowntime();
                out.add(new Action(t, Action.DOWN, pod, Double.NaN));
                if (up < s.durationSeconds()) {
                    out.add(new Action(up, Action.UP, pod, up + delay(s, delays)));
                }
            } else {
                rollQueue.addAll(present);
                rollAt = t;
            }
        }
        out.sort((a, b) -> Double.compare(a.at(), b.at())); // stable: same-time actions keep their planned order
        return List.copyOf(out);
    }

    private static double delay(Scenario s, SplittableRandom delays) {
        double min = s.metricDelayMin();
        double max = s.metricDelayMax();
        if (s.metricDelayDist() == Scenario.MetricDelayDist.UNIFORM) {
            return min + delays.nextDouble() * (max - min);
        }
        double mean = (max - min) / 2;
        if (mean <= 0) {
            return min;
        }
        while (true) {
            double d = min - Math.log(1 - delays.nextDouble()) * mean;
            if (d <= max) {
                return d;
            }
        }
    }

    /** The pod index encoded in a simulated pod id ({@code pod-<index>}), or -1 for other ids. */
    static int podIndex(String id) {
        if (!id.startsWith("pod-") || id.length() == 4) {
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
            addPod(0, false, 0, s.warmReadySinceStart() ? 0 : -3600);
        }
        rebuildCandidates();
        queue.schedule(0, SCRAPE, 0, null);
        queue.schedule(ROUTER_REFRESH_SECONDS, REFRESH, 0, null);
        for (Action a : actions) {
            queue.schedule(a.at(), ACTION, 0, a);
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
                case FOLLOW_UP:
                    arrive((Workload.Arrival) queue.topRef, t);
                    break;
                case STEP_END:
                    ((SimPod) queue.topRef).endStep(t);
                    break;
                case SERVICE_END:
                    SimRequest done = (SimRequest) queue.topRef;
                    done.at.endService(done, t);
                    break;
                case TIMEOUT:
                    timeout((SimRequest) queue.topRef, t);
                    break;
                case SCRAPE:
                    scrape(t);
                    break;
                case REFRESH:
                    for (Router router : routers) {
                        router.refreshMetrics();
                    }
                    if (t + ROUTER_REFRESH_SECONDS < s.durationSeconds()) {
                        queue.schedule(t + ROUTER_REFRESH_SECONDS, REFRESH, 0, null);
                    }
                    break;
                case ACTION:
                    act((Action) queue.topRef, t);
                    break;
                default:
                    throw new IllegalStateException("unknown event kind " + queue.topKind);
            }
        }
        for (Router router : routers) {
            router.close();
        }
        workload.close();
        double wall = (System.nanoTime() - wallStart) / 1e9;
        return result(wall);
    }

    private void scrape(double t) {
        boolean stalled = s.hasStall() && t >= s.stallAt() && t < s.stallAt() + s.stallSeconds();
        if (!stalled) {
            metrics.scrape(pods, t);
            for (Router router : routers) {
                router.refreshMetrics();
            }
        }
        double next = t + s.scrapeInterval();
        if (next < s.durationSeconds()) {
            queue.schedule(next, SCRAPE, 0, null);
        }
    }

    private void act(Action a, double t) {
        switch (a.type()) {
            case Action.ADD:
                addPod(t, true, a.metricsFrom(), t);
                break;
            case Action.REMOVE:
                pods.get(a.pod()).goneAt = t;
                members.remove((Integer) a.pod());
                break;
            case Action.DOWN: {
                SimPod pod = pods.get(a.pod());
                pod.goneAt = t;
                for (SimRequest r : pod.killAll()) {
                    r.selection.complete(Outcome.FAILURE, nanos(t - r.arrival));
                    inSystem--;
                    failedKilled++;
                    finish(r, false, t);
                }
                SimPod dev = pods.get(a.pod());
                records.set(a.pod(), Pod.notReady(dev.id, host(a.pod()), 8000));
                break;
            }
            case Action.UP: {
                SimPod pod = new SimPod(this, s, a.pod(), t, true, a.metricsFrom(), seconds);
                pods.set(a.pod(), pod);
                instances.add(pod);
                metrics.resetPod(pod);
                records.set(a.pod(), Pod.ready(pod.id, host(a.pod()), 8000, VirtualClock.at(t)));
                break;
            }
            default:
                throw new IllegalStateException("unknown action " + a);
        }
        rebuildCandidates();
        drainPending(t);
    }

    private static String host(int index) {
        return "10.0." + (index >> 8) + "." + (index & 255);
    }

    private void rebuildCandidates() {
        List<Pod> list = new ArrayList<>(members.size());
        for (int index : members) {
            list.add(records.get(index));
        }
        for (int r = 0; r < routers.length; r++) {
            candidates[r] = routers[r].candidates(list);
        }
    }

    private void addPod(double t, boolean added, double metricsFrom, double readySince) {
        int index = pods.size();
        SimPod pod = new SimPod(this, s, index, t, added, metricsFrom, seconds);
        pods.add(pod);
        instances.add(pod);
        records.add(Pod.ready(pod.id, host(index), 8000, VirtualClock.at(readySince)));
        members.add(index);
        metrics.addPod(pod);
        assigned.add(new int[seconds]);
    }

    private void scheduleNextArrival() {
        Workload.Arrival a = workload.next();
        if (a != null) {
            queue.schedule(a.time(), ARRIVAL, 0, a);
        }
    }

    private boolean inColdWindow(double t) {
        for (double[] iv : coldIntervals) {
            if (t >= iv[0] && t < iv[1]) {
                return true;
            }
        }
        return false;
    }

    private void arrive(Workload.Arrival a, double t) {
        boolean cold = inColdWindow(t);
        int router = routers.length == 1 ? 0 : routerChoice.nextInt(routers.length);
        SimRequest r = new SimRequest(requests, t, a.promptTokens(), a.outputTokens(), a.serviceSeconds(), cold, router,
                a.tokens(), a.outputIds(), a.sessionKey(), a.session());
        r.blockHashes = a.blockHashes();
        requests++;
        if (t >= windowStart && t < windowEnd) {
            windowRequests++;
        }
        if (cold) {
            coldArrivals++;
        }
        queue.schedule(t + s.timeoutSeconds(), TIMEOUT, 0, r);
        route(r, t);
    }

    private void route(SimRequest r, double t) {
        PodSelection selection;
        try {
            selection = routers[r.router].selectPod(request(r), candidates[r.router]);
        } catch (NoPodAvailableException e) {
            r.pending = true;
            pending.addLast(r);
            return;
        }
        if (config.failsWhenNoStrategyDecides() && selection.fallback() == Fallback.LAST_RESORT_RANDOM) {
            selection.complete(Outcome.FAILURE, -1);
            failedRejected++;
            finish(r, false, t);
            return;
        }
        int index = podIndex(selection.pod().id());
        SimPod pod = pods.get(index);
        r.pod = index;
        r.at = pod;
        r.selection = selection;
        int sec = second(t);
        assigned.get(index)[sec]++;
        assignedAllBySecond[sec]++;
        if (pod.added) {
            assignedNewBySecond[sec]++;
        }
        if (t >= windowStart && t < windowEnd) {
            windowAssigned++;
            if (pod.added) {
                windowAssignedNew++;
            }
        }
        if (Double.isNaN(pod.firstAssigned)) {
            pod.firstAssigned = t;
        }
        inSystem++;
        pod.accept(r, t);
    }

    /**
     * What the router sees: the prompt length, and with content also the output length as {@code max_tokens}, the
     * session key and the token ids (set last: each {@code with} copies the ids).
     */
    private InferenceRequest request(SimRequest r) {
        if (r.tokens == null) {
            return baseRequest.withPromptTokens(r.promptTokens);
        }
        InferenceRequest q = baseRequest.withPromptTokens(r.promptTokens).withMaxOutputTokens(r.outputTokens);
        if (r.sessionKey != null) {
            q = q.withSessionKey(r.sessionKey);
        }
        return q.withTokenIds(r.tokens);
    }

    private void drainPending(double t) {
        for (int n = pending.size(); n > 0; n--) {
            SimRequest r = pending.pollFirst();
            r.pending = false;
            route(r, t);
        }
    }

    private void timeout(SimRequest r, double t) {
        if (r.finished) {
            return;
        }
        if (r.pending) {
            pending.remove(r);
            r.pending = false;
            failedNoPod++;
            finish(r, false, t);
            return;
        }
        r.at.abort(r);
        r.selection.complete(Outcome.FAILURE, nanos(t - r.arrival));
        inSystem--;
        failedTimeout++;
        finish(r, false, t);
    }

    void failTooLarge(SimRequest r, double t) {
        r.selection.complete(Outcome.FAILURE, nanos(t - r.arrival));
        inSystem--;
        finish(r, false, t);
    }

    void scheduleStepEnd(SimPod pod, double at) {
        queue.schedule(at, STEP_END, pod.index, pod);
    }

    void scheduleServiceEnd(SimPod pod, SimRequest r, double at) {
        queue.schedule(at, SERVICE_END, pod.index, r);
    }

    void onFirstToken(SimPod pod, SimRequest r, double t) {
        pod.ttftSum += t - r.arrival;
        pod.ttftCount++;
        // As a gateway does at the first byte of the answer: strategies may release prefill load here.
        r.selection.firstToken();
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
        finish(r, true, t);
    }

    /**
     * Records a finished request once: a failed request counts at the timeout in every latency measure
     * (TTFT too when it never got a first token), so failing never lowers a latency figure.
     */
    private void finish(SimRequest r, boolean success, double t) {
        if (r.finished) {
            throw new IllegalStateException("request " + r.id + " finished twice");
        }
        r.finished = true;
        r.state = SimRequest.DONE;
        double timeout = s.timeoutSeconds();
        double ttft = r.firstToken == r.firstToken ? Math.min(timeout, r.firstToken - r.arrival) : timeout;
        double e2e = success ? t - r.arrival : timeout;
        ttftAll.add(ttft);
        e2eAll.add(e2e);
        int sec = second(r.arrival);
        FloatList list = e2eBySecond[sec];
        if (list == null) {
            list = e2eBySecond[sec] = new FloatList();
        }
        list.add(e2e);
        boolean inWindow = r.arrival >= windowStart && r.arrival < windowEnd;
        if (inWindow) {
            ttftWindow.add(ttft);
            e2eWindow.add(e2e);
            winE2eSum[sec] += e2e;
            winE2eCount[sec]++;
            if (r.pod >= 0) {
                if (r.pod >= podE2eSum.length) {
                    podE2eSum = java.util.Arrays.copyOf(podE2eSum, Math.max(r.pod + 1, podE2eSum.length * 2));
                    podE2eCount = java.util.Arrays.copyOf(podE2eCount, podE2eSum.length);
                }
                podE2eSum[r.pod] += e2e;
                podE2eCount[r.pod]++;
            }
        }
        if (r.session != null) {
            Workload.Arrival next = workload.followUp(r, t, success);
            if (next != null) {
                queue.schedule(next.time(), FOLLOW_UP, 0, next);
            }
        }
        if (success) {
            outputTokensDone += r.outputTokens;
            lastCompletion = Math.max(lastCompletion, t);
            double tpot = r.outputTokens > 1 ? (t - r.firstToken) / (r.outputTokens - 1) : 0;
            if (ttft <= s.sloTtftSeconds() && tpot <= s.sloTpotSeconds()) {
                good++;
                if (inWindow) {
                    goodWindow++;
                }
            }
        } else {
            failed++;
            if (r.coldWindow) {
                coldFailed++;
            }
        }
    }

    /** Adds {@code weight} x the overlap of [start, end) with each virtual second to the pod's busy time. */
    void recordBusy(SimPod pod, double start, double end, double weight) {
        double[] bins = pod.busy;
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
        return Math.max(0, Math.min(seconds - 1, (int) t));
    }

    private static long nanos(double secondsValue) {
        return Math.round(secondsValue * 1e9);
    }

    /** Sum over whole seconds of bins[sec] x the fraction of that second inside [lo, hi). */
    private static double overlapSum(double[] bins, double lo, double hi) {
        double sum = 0;
        int from = Math.max(0, (int) Math.floor(lo));
        int to = Math.min(bins.length, (int) Math.ceil(hi));
        for (int sec = from; sec < to; sec++) {
            double a = Math.max(sec, lo);
            double b = Math.min(sec + 1, hi);
            if (b > a) {
                sum += bins[sec] * (b - a);
            }
        }
        return sum;
    }

    /** Output tokens per present pod-second over [lo, hi), after {@link #run()} (for {@link Capacity}). */
    double tokensPerPodSecond(double lo, double hi) {
        double tokens = 0;
        double present = 0;
        for (SimPod p : instances) {
            double a = Math.max(lo, p.readyAt);
            double b = Math.min(hi, p.goneAt);
            if (b > a) {
                present += b - a;
                tokens += overlapSum(p.tokens, a, b);
            }
        }
        return present > 0 ? tokens / present : Double.NaN;
    }

    private RunResult result(double wall) {
        // Work done: output tokens over capacity x present pod-seconds, in the window; pods count from Ready
        // to removal or restart.
        double tokens = 0;
        double busySum = 0;
        double present = 0;
        double presentNew = 0;
        for (SimPod p : instances) {
            double lo = Math.max(windowStart, p.readyAt);
            double hi = Math.min(windowEnd, p.goneAt);
            if (hi <= lo) {
                continue;
            }
            present += hi - lo;
            if (p.added) {
                presentNew += hi - lo;
            }
            tokens += overlapSum(p.tokens, lo, hi);
            busySum += overlapSum(p.busy, lo, hi);
        }
        double tokensPerPodSecond = present > 0 ? tokens / present : Double.NaN;
        double utilisation = tokensPerPodSecond / capacity;
        double busyFraction = present > 0 ? busySum / present : Double.NaN;
        // Fluctuation: per-second mean e2e (by arrival second, failures at the timeout) over the window.
        int from = (int) Math.floor(windowStart);
        int to = Math.min(seconds, (int) Math.ceil(windowEnd));
        double sum = 0;
        double sumSq = 0;
        int k = 0;
        for (int sec = from; sec < to; sec++) {
            if (winE2eCount[sec] > 0) {
                double m = winE2eSum[sec] / winE2eCount[sec];
                sum += m;
                sumSq += m * m;
                k++;
            }
        }
        double mean = k > 0 ? sum / k : Double.NaN;
        double sd = k > 1 ? Math.sqrt(Math.max(0, sumSq / k - mean * mean)) : Double.NaN;
        double cv = k > 1 && mean > 0 ? sd / mean : Double.NaN;
        // Per-pod spread: max / min per-pod mean e2e in the window.
        double maxMean = Double.NaN;
        double minMean = Double.NaN;
        for (int p = 0; p < podE2eCount.length; p++) {
            if (podE2eCount[p] >= SPREAD_MIN_REQUESTS) {
                double m = podE2eSum[p] / podE2eCount[p];
                maxMean = maxMean != maxMean ? m : Math.max(maxMean, m);
                minMean = minMean != minMean ? m : Math.min(minMean, m);
            }
        }
        double spread = minMean > 0 ? maxMean / minMean : Double.NaN;
        List<Double> delays = new ArrayList<>();
        for (SimPod p : instances) {
            if (p.added) {
                delays.add(p.firstAssigned - p.readyAt);
            }
        }
        boolean[] added = new boolean[pods.size()];
        for (int p = 0; p < pods.size(); p++) {
            added[p] = p >= s.initialPods();
        }
        double[] share = new double[] {newShare(0, 10), newShare(10, 30), newShare(30, 60)};
        long admittedPrompt = 0;
        long cachedPrompt = 0;
        for (SimPod p : instances) {
            admittedPrompt += p.admittedPromptTokens;
            cachedPrompt += p.cachedPromptTokens;
        }
        double hitRate = admittedPrompt == 0 ? Double.NaN : (double) cachedPrompt / admittedPrompt;
        double outputPerSecond = lastCompletion > 0 ? outputTokensDone / lastCompletion : Double.NaN;
        double[] p99 = new double[seconds];
        for (int sec = 0; sec < seconds; sec++) {
            p99[sec] = e2eBySecond[sec] == null ? Double.NaN : e2eBySecond[sec].percentile(0.99);
        }
        return new RunResult(config, kind, requests, failed, failedNoPod, failedRejected, failedTimeout, failedKilled,
                coldArrivals, coldFailed, windowRequests, ttftAll.percentile(0.5), ttftAll.percentile(0.99),
                ttftWindow.percentile(0.5), ttftWindow.percentile(0.99), e2eAll.percentile(0.99), e2eWindow.percentile(0.99),
                requests == 0 ? Double.NaN : (double) good / requests,
                windowRequests == 0 ? Double.NaN : (double) goodWindow / windowRequests,
                utilisation, tokensPerPodSecond, busyFraction, sd, cv, spread,
                windowAssigned == 0 || presentNew == 0 ? Double.NaN : (double) windowAssignedNew / windowAssigned,
                present > 0 && presentNew > 0 ? presentNew / present : Double.NaN, share,
                delays.stream().mapToDouble(Double::doubleValue).toArray(),
                completed == 0 ? Double.NaN : sojournSum / completed, completed == 0 ? Double.NaN : waitSum / completed,
                lastEventTime > 0 ? inSystemArea / lastEventTime : Double.NaN, completed, lastEventTime, events, wall,
                assigned.toArray(new int[0][]), p99, added, windowStart, windowEnd, coldWindowEnd, outputPerSecond, hitRate);
    }

    /** Share of the routings in [firstAction + a, firstAction + b) that went to cold-started pods; NaN when none. */
    private double newShare(double a, double b) {
        if (firstAction != firstAction) {
            return Double.NaN;
        }
        int from = (int) Math.floor(firstAction + a);
        int to = Math.min(seconds, (int) Math.floor(firstAction + b));
        long all = 0;
        long fresh = 0;
        for (int sec = Math.max(0, from); sec < to; sec++) {
            all += assignedAllBySecond[sec];
            fresh += assignedNewBySecond[sec];
        }
        return all == 0 ? Double.NaN : (double) fresh / all;
    }
}
