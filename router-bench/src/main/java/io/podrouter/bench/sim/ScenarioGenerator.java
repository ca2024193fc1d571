package io.podrouter.bench.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Draws random scenarios from documented ranges ({@link #RANGES}), so that the simulator's figures can be measured on
 * scenarios nobody wrote by hand. Each drawn scenario is an ordinary scenario file ({@code NAME.properties}, keys of
 * {@link Scenario#PARAMETERS}), so any of them replays with {@code --scenario=FILE}.
 *
 * <p><b>Determinism.</b> Scenario {@code i} of a family with seed {@code S} is drawn from its own random stream,
 * a function of {@code (S, i)} alone, so the same {@code (N, S)} gives byte-identical files, and the first
 * {@code k} scenarios of {@code N > k} are those of {@code k}. The offered load is set from one pod's capacity,
 * measured by a saturation run of one pod in virtual time ({@link Capacity} for the length workloads, the same
 * procedure with the scenario's own workload otherwise), which is deterministic too; nothing depends on the
 * wall clock or on threads.
 *
 * <p><b>Bounds.</b> So that a family of a few hundred scenarios runs in minutes, a fleet never exceeds
 * {@value #MAX_PODS} pods nor a capacity of {@value #MAX_FLEET_RATE} requests/s (the initial fleet's range
 * shrinks for workloads whose pods serve many requests per second), and durations cover the changes plus the
 * longest metric delay and the measurement window's settling time, rounded up to 10 s.
 *
 * <p>Stateless and thread-safe (the capacity cache is concurrent; two threads may calibrate the same key once each,
 * with the same result).
 */
public final class ScenarioGenerator {

    /** Upper bound on a fleet's size at any time. */
    public static final int MAX_PODS = 32;
    /** Upper bound on a fleet's capacity at any time (requests per second, from one pod's measured capacity). */
    public static final int MAX_FLEET_RATE = 250;
    /** The measurement window ends this long after the last new pod's first metrics ({@code windowSettle}'s default). */
    private static final double SETTLE = 30;

    /**
     * One dimension of the draw: the scenario keys it sets and the range, as documented in SIMULATION.md.
     *
     * @param dimension what varies
     * @param keys      scenario keys it sets
     * @param range     the values drawn and their distribution
     */
    public record Range(String dimension, String keys, String range) {
    }

    /** Every dimension of the draw, in the order of SIMULATION.md's table. */
    public static final List<Range> RANGES = List.of(
            new Range("workload", "workload",
                    "lengths 60 %, shared-prefix 20 %, multi-turn 12 %, hot prefix (shared-prefix with one group) 8 %"),
            new Range("GPU", "gpu", "h100 or a100, 50 % each"),
            new Range("KV capacity", "kvCapacityTokens", "467,000 x one of 0.5, 0.75, 1, 1.5, 2 (uniform)"),
            new Range("length profile (lengths workload)", "lengths", "azure-conv, azure-code, sharegpt (uniform)"),
            new Range("shared prefix", "prefixGroups, promptsPerGroup, systemPromptTokens, questionTokens, outputTokens",
                    "groups log-uniform 2-128 (hot prefix: 1); prompts per group 8, 16, 32 or 64; system prompt 512, 1024, "
                            + "2048 or 4096 tokens; question 64, 128, 256 or 512; output 64, 128, 256 or 512"),
            new Range("multi-turn", "sessions, turnsPerSession, turnTokens, outputTokens, thinkTimeSeconds, baseRate",
                    "turns 2-8; new tokens per turn 128, 256 or 512; output 64, 128 or 256; think time 1-10 s; sessions set by "
                            + "the load (below); all sessions start within 5-20 s"),
            new Range("initial pods", "initialPods",
                    "log-uniform integer 1-32 (scale-in: 2-32; hot prefix: 2-5), and at most what the fleet bounds allow"),
            new Range("change of the pod set", "scaleOut, restart, rolling update",
                    "scale-out 55 %, restart 15 %, rolling update 15 %, scale-in 15 %"),
            new Range("scale-out", "scaleOut",
                    "1-3 steps (uniform), each multiplying the fleet by a factor uniform in [1, 2] (at least +1 pod), "
                            + "10-40 s apart; a fleet at its bound stops growing"),
            new Range("restart", "restart, restartDowntime", "1 or 2 distinct pods, 10-40 s apart; down 10-30 s"),
            new Range("rolling update", "rollingUpdate", "every pod replaced, one every 5-20 s, at most 120 s in all"),
            new Range("scale-in", "scaleOut", "removes 25-50 % of the fleet (at least 1 pod, at least 1 left)"),
            new Range("first change", "loadStepAt, scaleOut, ...", "0-20 s after the load change, which is at 20-50 s"),
            new Range("offered load", "baseRate, stepRate",
                    "before the load change 0.3-1.3x the initial fleet's capacity, after it 0.3-1.3x the final fleet's "
                            + "(uniform; one pod's capacity measured by a saturation run, see below)"),
            new Range("load change", "ramp", "a step 60 %, a linear ramp of 10-60 s 40 %"),
            new Range("arrivals", "arrival, gammaShape, onMean, offMean, onPeak",
                    "Poisson 40 %; Gamma 30 %, shape log-uniform 0.1-1; on/off 30 %, on 1-10 s, off 2-20 s and at least half "
                            + "the on period, peak 1.5-3x (at most what keeps the off rate >= 0)"),
            new Range("metric delay", "metricDelay, metricDelayMin, metricDelayMax",
                    "uniform or exponential (50 % each); min 0-10 s, max uniform in [max(min, 5), 45] s"),
            new Range("scrape interval", "scrapeInterval", "log-uniform 0.05-5 s"),
            new Range("scrape failures", "scrapeFailure", "none 40 %, else uniform 0-10 %"),
            new Range("scraper stall", "scraperStall", "none 80 %, else 5-30 s starting 0-20 s after the first change"),
            new Range("warm-up", "warmupFactor, warmupSeconds", "factor 1, 1.5, 2 or 3 x length 0, 10, 20 or 30 s (uniform)"),
            new Range("gateway replicas", "routers", "1-5 (uniform)"),
            new Range("duration", "duration",
                    "end of the last change (or stall) + metricDelayMax + 30 s (window settling), rounded up to 10 s"));

    private static final double[] KV_FACTORS = {0.5, 0.75, 1, 1.5, 2};
    private static final double[] WARMUP_FACTORS = {1, 1.5, 2, 3};
    private static final int[] WARMUP_SECONDS = {0, 10, 20, 30};
    private static final int[] PROMPTS_PER_GROUP = {8, 16, 32, 64};
    private static final int[] SYSTEM_PROMPT = {512, 1024, 2048, 4096};
    private static final int[] TOKENS_64_512 = {64, 128, 256, 512};
    private static final int[] TURN_TOKENS = {128, 256, 512};
    private static final int[] TURN_OUTPUT = {64, 128, 256};
    private static final long KV_DEFAULT = 467_000;

    private static final Map<String, Double> CAPACITY = new ConcurrentHashMap<>();

    /**
     * A drawn scenario.
     *
     * @param name    scenario name and file base name
     * @param comment the file's first line: what was drawn, in words
     * @param keys    scenario keys in file order
     */
    public record Drawn(String name, String comment, Map<String, String> keys) {
        /** The scenario file's text: the comment, then one {@code key=value} line per key. */
        public String fileText() {
            StringBuilder sb = new StringBuilder("# ").append(comment).append('\n');
            keys.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
            return sb.toString();
        }
    }

    private ScenarioGenerator() {
    }

    /**
     * Draws {@code n} scenarios with family seed {@code seed}.
     *
     * @throws IllegalArgumentException when {@code n} is below 1 or above 9,999
     */
    public static List<Drawn> draw(int n, long seed) {
        if (n < 1 || n > 9999) {
            throw new IllegalArgumentException("random: " + n + " (expected: 1 to 9999 scenarios)");
        }
        List<Drawn> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(drawOne(i, seed));
        }
        return out;
    }

    /** Writes each scenario to {@code dir/NAME.properties} (UTF-8, LF) and returns the files in order. */
    public static List<Path> write(List<Drawn> drawn, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        for (Drawn d : drawn) {
            Path f = dir.resolve(d.name() + ".properties");
            Files.writeString(f, d.fileText(), StandardCharsets.UTF_8);
            files.add(f);
        }
        return files;
    }

    /** Scenario {@code index} (1-based) of the family with seed {@code seed}. */
    static Drawn drawOne(int index, long seed) {
        SplittableRandom r = new SplittableRandom(mix(seed, index));
        Map<String, String> k = new LinkedHashMap<>();
        StringBuilder words = new StringBuilder();

        double w = r.nextDouble();
        String workload = w < 0.60 ? "lengths" : w < 0.80 ? "shared-prefix" : w < 0.92 ? "multi-turn" : "hot-prefix";
        double e = r.nextDouble();
        String change = e < 0.55 ? "scale-out" : e < 0.70 ? "restart" : e < 0.85 ? "rolling-update" : "scale-in";
        String gpu = r.nextBoolean() ? "h100" : "a100";
        double kvFactor = KV_FACTORS[r.nextInt(KV_FACTORS.length)];
        long kv = Math.round(KV_DEFAULT * kvFactor);
        k.put("gpu", gpu);
        k.put("kvCapacityTokens", Long.toString(kv));

        // Workload parameters (drawn before the pods: one pod's capacity depends on them).
        Map<String, String> work = new LinkedHashMap<>();
        String lengths = null;
        int outputTokens;
        double think = 0;
        int turns = 0;
        int turnTokens = 0;
        switch (workload) {
            case "lengths":
                lengths = List.of("azure-conv", "azure-code", "sharegpt").get(r.nextInt(3));
                work.put("lengths", lengths);
                outputTokens = 0;
                break;
            case "multi-turn":
                turns = 2 + r.nextInt(7);
                turnTokens = TURN_TOKENS[r.nextInt(TURN_TOKENS.length)];
                outputTokens = TURN_OUTPUT[r.nextInt(TURN_OUTPUT.length)];
                think = round(1 + 9 * r.nextDouble(), 1);
                work.put("workload", "multi-turn");
                work.put("turnsPerSession", Integer.toString(turns));
                work.put("turnTokens", Integer.toString(turnTokens));
                work.put("outputTokens", Integer.toString(outputTokens));
                work.put("thinkTimeSeconds", fmt(think));
                break;
            default:
                boolean hot = workload.equals("hot-prefix");
                int groups = hot ? 1 : (int) Math.round(Math.exp(Math.log(2) + r.nextDouble() * (Math.log(128) - Math.log(2))));
                outputTokens = TOKENS_64_512[r.nextInt(TOKENS_64_512.length)];
                work.put("workload", "shared-prefix");
                work.put("prefixGroups", Integer.toString(groups));
                work.put("promptsPerGroup", Integer.toString(PROMPTS_PER_GROUP[r.nextInt(PROMPTS_PER_GROUP.length)]));
                work.put("systemPromptTokens", Integer.toString(SYSTEM_PROMPT[r.nextInt(SYSTEM_PROMPT.length)]));
                work.put("questionTokens", Integer.toString(TOKENS_64_512[r.nextInt(TOKENS_64_512.length)]));
                work.put("outputTokens", Integer.toString(outputTokens));
                break;
        }
        double perPod = podRequestsPerSecond(gpu, kv, work);
        int maxPods = (int) Math.max(1, Math.min(MAX_PODS, Math.floor(MAX_FLEET_RATE / perPod)));

        // Initial fleet.
        int lo = workload.equals("hot-prefix") || change.equals("scale-in") ? 2 : 1;
        int hi = workload.equals("hot-prefix") ? 5 : 32;
        // A scale-out needs room for at least one more pod.
        hi = Math.max(lo, Math.min(hi, change.equals("scale-out") ? maxPods - 1 : maxPods));
        int initial = (int) Math.round(Math.exp(Math.log(lo) + r.nextDouble() * (Math.log(hi) - Math.log(lo))));
        initial = Math.max(lo, Math.min(hi, initial));
        if (workload.equals("hot-prefix")) {
            initial = lo + r.nextInt(hi - lo + 1); // 2-5 uniform: the point is a small fleet
        }
        k.put("initialPods", Integer.toString(initial));

        // Timeline: load change at 30-60 s, first change of the pod set 0-20 s later.
        double loadAt = round(20 + 30 * r.nextDouble(), 1);
        double first = round(loadAt + 20 * r.nextDouble(), 1);
        double lastChangeEnd;
        int finalPods;
        switch (change) {
            case "scale-out": {
                int steps = 1 + r.nextInt(3);
                StringBuilder sched = new StringBuilder();
                int fleet = initial;
                double t = first;
                for (int s = 0; s < steps && fleet < maxPods; s++) {
                    double factor = 1 + r.nextDouble();
                    int add = Math.max(1, (int) Math.round(fleet * (factor - 1)));
                    add = Math.min(add, maxPods - fleet);
                    sched.append(sched.length() == 0 ? "" : ",").append(fmt(t)).append(":+").append(add);
                    fleet += add;
                    t = round(t + 10 + 30 * r.nextDouble(), 1);
                }
                if (sched.length() == 0) { // the initial fleet is at its bound: one pod is still added
                    sched.append(fmt(first)).append(":+1");
                    fleet++;
                }
                k.put("scaleOut", sched.toString());
                String[] parts = sched.toString().split(",");
                lastChangeEnd = Double.parseDouble(parts[parts.length - 1].split(":")[0]);
                finalPods = fleet;
                words.append("scale-out ").append(initial).append(" -> ").append(fleet).append(" pods in ")
                        .append(parts.length).append(parts.length == 1 ? " step" : " steps");
                break;
            }
            case "restart": {
                int count = initial >= 2 && r.nextBoolean() ? 2 : 1;
                double downtime = round(10 + 20 * r.nextDouble(), 1);
                int a = r.nextInt(initial);
                StringBuilder rs = new StringBuilder(fmt(first) + ":pod-" + a);
                lastChangeEnd = first + downtime;
                if (count == 2) {
                    int b = r.nextInt(initial - 1);
                    b = b >= a ? b + 1 : b;
                    double second = round(first + 10 + 30 * r.nextDouble(), 1);
                    rs.append(',').append(fmt(second)).append(":pod-").append(b);
                    lastChangeEnd = second + downtime;
                }
                k.put("scaleOutPods", "0");
                k.put("restart", rs.toString());
                k.put("restartDowntime", fmt(downtime));
                finalPods = initial;
                words.append(count).append(count == 1 ? " restart" : " restarts").append(" of ").append(initial).append(" pods");
                break;
            }
            case "rolling-update": {
                double interval = round(Math.min(5 + 15 * r.nextDouble(), 120.0 / initial), 1);
                interval = Math.max(0.1, interval);
                k.put("scaleOutPods", "0");
                k.put("rollingUpdate", fmt(first) + ":" + fmt(interval));
                lastChangeEnd = first + interval * (initial - 1);
                finalPods = initial;
                words.append("rolling update of ").append(initial).append(initial == 1 ? " pod" : " pods").append(", one every ").append(fmt(interval)).append(" s");
                break;
            }
            default: {
                int remove = Math.max(1, (int) Math.round(initial * (0.25 + 0.25 * r.nextDouble())));
                remove = Math.min(remove, initial - 1);
                k.put("scaleOut", fmt(first) + ":-" + remove);
                lastChangeEnd = first;
                finalPods = initial - remove;
                words.append("scale-in ").append(initial).append(" -> ").append(finalPods).append(" pods");
                break;
            }
        }

        // Offered load relative to the fleets' capacity.
        double loadBefore = 0.3 + r.nextDouble();
        double loadAfter = 0.3 + r.nextDouble();
        double rateBefore = round(loadBefore * initial * perPod, 2);
        double rateAfter = round(loadAfter * finalPods * perPod, 2);
        boolean ramp = r.nextDouble() >= 0.6;
        double rampSeconds = ramp ? round(10 + 50 * r.nextDouble(), 1) : 0;
        double arrivalDraw = r.nextDouble();
        String arrival = arrivalDraw < 0.4 ? "poisson" : arrivalDraw < 0.7 ? "gamma" : "onoff";
        double gammaShape = round(Math.exp(Math.log(0.1) + r.nextDouble() * (Math.log(1) - Math.log(0.1))), 3);
        double onMean = round(1 + 9 * r.nextDouble(), 1);
        // Off at least half as long as on, so that a peak of 1.5x leaves a non-negative off rate.
        double offLo = Math.ceil(Math.max(2, 0.5 * onMean) * 10) / 10;
        double offMean = round(offLo + (20 - offLo) * r.nextDouble(), 1);
        double peakMax = Math.min(3, (onMean + offMean) / onMean);
        double onPeak = round(1.5 + (peakMax - 1.5) * r.nextDouble(), 2);
        onPeak = Math.min(onPeak, Math.floor(peakMax * 100) / 100);
        if (workload.equals("multi-turn")) {
            // A closed loop: sessions = target turns/s x (think time + one turn's idle service time).
            StepTimeModel m = StepTimeModel.forGpu(gpu);
            double turnSeconds = m.stepSeconds(turnTokens, 0, 0)
                    + outputTokens * m.stepSeconds(0, 1, (long) (turns / 2.0 * (turnTokens + outputTokens)));
            int sessions = Math.max(1, (int) Math.round(rateAfter * (think + turnSeconds)));
            double startWithin = 5 + 15 * r.nextDouble();
            k.putAll(work);
            k.put("sessions", Integer.toString(sessions));
            k.put("baseRate", fmt(round(Math.max(0.1, sessions / startWithin), 2)));
            words.append(", multi-turn ").append(sessions).append(" sessions x ").append(turns).append(" turns (")
                    .append(fmt(round(loadAfter, 2))).append("x the final fleet's capacity at the idle turn time)");
        } else {
            k.putAll(work);
            k.put("baseRate", fmt(rateBefore));
            k.put("stepRate", fmt(rateAfter));
            k.put("loadStepAt", fmt(loadAt));
            if (ramp) {
                k.put("ramp", fmt(rampSeconds));
            }
            k.put("arrival", arrival);
            if (arrival.equals("gamma")) {
                k.put("gammaShape", fmt(gammaShape));
            } else if (arrival.equals("onoff")) {
                k.put("onMean", fmt(onMean));
                k.put("offMean", fmt(offMean));
                k.put("onPeak", fmt(onPeak));
            }
            words.append(", ").append(lengths != null ? lengths : workload.equals("hot-prefix") ? "one hot prefix group"
                    : work.get("prefixGroups") + " prefix groups").append(", ").append(fmt(rateBefore)).append(" -> ")
                    .append(fmt(rateAfter)).append(" req/s (").append(fmt(round(loadBefore, 2))).append("x / ")
                    .append(fmt(round(loadAfter, 2))).append("x capacity)").append(ramp ? " ramp " + fmt(rampSeconds) + " s" : "")
                    .append(", ").append(arrival);
        }

        // Metrics, scraping and warm-up.
        boolean exponential = r.nextBoolean();
        double delayMin = round(10 * r.nextDouble(), 1);
        double maxLo = Math.max(delayMin, 5);
        double delayMax = round(maxLo + (45 - maxLo) * r.nextDouble(), 1);
        delayMax = Math.max(delayMax, delayMin);
        k.put("metricDelay", exponential ? "exponential" : "uniform");
        k.put("metricDelayMin", fmt(delayMin));
        k.put("metricDelayMax", fmt(delayMax));
        double scrape = round(Math.exp(Math.log(0.05) + r.nextDouble() * (Math.log(5) - Math.log(0.05))), 2);
        scrape = Math.max(0.05, Math.min(5, scrape));
        k.put("scrapeInterval", fmt(scrape));
        double failDraw = r.nextDouble();
        double failure = failDraw < 0.4 ? 0 : round(0.10 * r.nextDouble(), 3);
        if (failure > 0) {
            k.put("scrapeFailure", fmt(failure));
        }
        boolean stall = r.nextDouble() >= 0.8;
        double stallAt = round(first + 20 * r.nextDouble(), 1);
        double stallSeconds = round(5 + 25 * r.nextDouble(), 1);
        if (stall) {
            k.put("scraperStall", fmt(stallAt) + ":" + fmt(stallSeconds));
        }
        double warmupFactor = WARMUP_FACTORS[r.nextInt(WARMUP_FACTORS.length)];
        int warmupSeconds = WARMUP_SECONDS[r.nextInt(WARMUP_SECONDS.length)];
        k.put("warmupFactor", fmt(warmupFactor));
        k.put("warmupSeconds", Integer.toString(warmupSeconds));
        int routers = 1 + r.nextInt(5);
        k.put("routers", Integer.toString(routers));
        double end = Math.max(lastChangeEnd, stall ? stallAt + stallSeconds : 0) + delayMax + SETTLE;
        double duration = Math.ceil(end / 10) * 10;
        k.put("duration", fmt(duration));

        words.append("; ").append(gpu).append(", KV ").append(fmt(kvFactor)).append("x; metric delay ")
                .append(exponential ? "exponential " : "uniform ").append(fmt(delayMin)).append('-').append(fmt(delayMax))
                .append(" s; scrape ").append(fmt(scrape)).append(" s");
        if (failure > 0) {
            words.append(", ").append(fmt(round(failure * 100, 1))).append(" % failing");
        }
        if (stall) {
            words.append(", stall ").append(fmt(stallSeconds)).append(" s");
        }
        words.append("; warm-up ").append(fmt(warmupFactor)).append("x ").append(warmupSeconds).append(" s; ")
                .append(routers).append(routers == 1 ? " gateway" : " gateways").append("; one pod serves ")
                .append(fmt(round(perPod, 2))).append(" req/s");
        String name = String.format(Locale.ROOT, "%03d-%s-%s", index, change, workload);
        return new Drawn(name, words.toString(), k);
    }

    /**
     * Requests (turns, for multi-turn) per second one saturated pod serves with the given GPU, KV capacity and
     * workload keys: {@link Capacity}'s output tokens per second over the mean output length for the length
     * workloads; for token-id workloads the same saturation procedure with the workload itself (one pod alone: its
     * prefix cache is all the cache there is, so a fleet whose caches partition the prefixes can serve more).
     */
    static double podRequestsPerSecond(String gpu, long kv, Map<String, String> work) {
        String key = gpu + "/" + kv + "/" + work;
        Double cached = CAPACITY.get(key);
        if (cached != null) {
            return cached;
        }
        double v;
        Map<String, String> p = new LinkedHashMap<>(work);
        p.put("name", "calibration");
        p.put("seed", "1");
        p.put("duration", "90");
        p.put("gpu", gpu);
        p.put("initialPods", "1");
        p.put("warmReadySince", "past");
        p.put("kvCapacityTokens", Long.toString(kv));
        p.put("scaleOutPods", "0");
        p.put("timeout", "1000");
        p.put("scrapeInterval", "10");
        p.put("chart", "false");
        String kind = work.getOrDefault("workload", "lengths");
        if (kind.equals("lengths")) {
            p.put("baseRate", "1");
            p.put("stepRate", "1");
            Scenario s = Scenario.parse(p);
            v = Capacity.of(s) / meanOutputTokens(s);
        } else if (kind.equals("multi-turn")) {
            p.put("sessions", "1200");
            p.put("baseRate", "200");
            Simulation sim = new Simulation(Scenario.parse(p), RouterConfig.PLAIN, StrategyKind.LEAST_REQUEST, Double.NaN);
            sim.run();
            v = sim.tokensPerPodSecond(30, 90) / Integer.parseInt(work.get("outputTokens"));
        } else {
            double rate = 2;
            while (true) {
                p.put("baseRate", Double.toString(rate));
                p.put("stepRate", Double.toString(rate));
                Simulation sim = new Simulation(Scenario.parse(p), RouterConfig.PLAIN, StrategyKind.LEAST_REQUEST, Double.NaN);
                RunResult res = sim.run();
                if (res.meanWait() > 5 || rate > 1e4) {
                    v = sim.tokensPerPodSecond(30, 90) / Integer.parseInt(work.get("outputTokens"));
                    break;
                }
                rate *= 4;
            }
        }
        CAPACITY.putIfAbsent(key, v);
        return v;
    }

    /** The mean output length of the scenario's length profile and caps (200,000 draws from a fixed stream). */
    private static double meanOutputTokens(Scenario s) {
        SplittableRandom r = new SplittableRandom(42);
        long sum = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            int prompt = s.lengths().drawPrompt(r, s.maxPromptTokens());
            sum += s.lengths().drawOutput(r, s.maxOutputTokens(), prompt);
        }
        return (double) sum / n;
    }

    private static long mix(long seed, long n) {
        long z = seed * 0x9E3779B97F4A7C15L + n * 0xBF58476D1CE4E5B9L + 0x6E6E7A1L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /** Shortest plain decimal text of a value already rounded (no exponent, no trailing zeros). */
    static String fmt(double v) {
        String s = new java.math.BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
        return s.equals("-0") ? "0" : s;
    }
}
