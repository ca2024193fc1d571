package io.podrouter.bench.sim;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Every parameter of one simulated scenario, with documented defaults ({@link #PARAMETERS}). Built from
 * {@code key=value} pairs ({@link #parse(Map)}), which come from a properties file and the command line.
 *
 * <p>Immutable and thread-safe. Validation happens in {@link #parse(Map)}: an unknown key, an unparsable
 * value or an out-of-range value throws {@link IllegalArgumentException} naming the key, the value and
 * what is expected. Times are seconds of virtual time; rates are requests per second.
 *
 * @param seed                 seed of every random stream (workload, metric delays, router)
 * @param durationSeconds      virtual time simulated
 * @param stepModel            engine step-time model (from {@code gpu})
 * @param podModel             vLLM-like engine or exponential single-queue server
 * @param serviceSeconds       mean service time of the exponential pod model
 * @param initialPods          pods serving (warm) at time 0
 * @param maxNumSeqs           vLLM {@code max_num_seqs}: concurrent sequences per pod
 * @param maxBatchedTokens     vLLM {@code max_num_batched_tokens}: token budget per step (chunked prefill)
 * @param kvCapacityTokens     KV-cache capacity per pod in tokens
 * @param arrival              arrival process
 * @param gammaShape           shape of Gamma inter-arrival times (1 = Poisson; CV = 1/sqrt(shape))
 * @param baseRate             arrival rate before the load step
 * @param stepRate             arrival rate from the load step on
 * @param loadStepAt           time of the load step
 * @param lengths              prompt and output length profile
 * @param maxPromptTokens      prompt length cap
 * @param maxOutputTokens      output length cap
 * @param traceFile            CSV trace for {@code arrival=trace}
 * @param scaleOutAt           time of the schedule's first step (NaN without one)
 * @param scaleOutPods         pods the schedule adds in all (removals not subtracted)
 * @param scrapeInterval       metrics scrape (and router refresh) interval
 * @param metricDelayMin       lower bound of a new pod's delay from Ready to first metrics
 * @param metricDelayMax       upper bound of that delay
 * @param warmupFactor         step-time multiplier of a new pod during its warm-up
 * @param warmupSeconds        warm-up length after Ready
 * @param timeoutSeconds       a request failing when queue plus service exceeds this
 * @param latencyWindowSeconds window of the published recent TTFT/TPOT means
 * @param zeroLatencyWithoutSamples publish latency 0 (not absent) for a pod that has not completed a request yet
 * @param windowSettleSeconds  the scale-out window ends when every pod added or restarted by the schedule has had
 *                             metrics for this long (see {@link RunResult})
 * @param maxRequests          stop generating arrivals after this many (0 = no limit)
 * @param configs              router configurations to run (names of {@link RouterConfig})
 * @param strategies           strategies to run (names of {@link StrategyKind})
 * @param outDir               output directory of the CSV and SVG
 * @param chart                whether to write the SVG chart
 * @param name                 scenario name in reports (a scenario file's name without {@code .properties} by default)
 * @param scaleSchedule        the autoscaler's steps in time order ({@code scaleOut}, or the
 *                             {@code scaleOutAt}/{@code scaleOutPods} shorthand)
 * @param restarts             pod restarts in time order
 * @param restartDowntime      seconds a restarted pod stays not-ready before it comes back cold
 * @param rollingUpdateAt      start of a rolling update (NaN: none)
 * @param rollingUpdateInterval seconds between two pod replacements of the rolling update
 * @param warmReadySinceStart  whether the router is told that the warm pods became Ready at t=0 (true) or an
 *                             hour before (false)
 * @param onMeanSeconds        mean "on" period of {@code arrival=onoff}
 * @param offMeanSeconds       mean "off" period of {@code arrival=onoff}
 * @param onPeak               "on" rate over the mean rate for {@code arrival=onoff}
 * @param rampSeconds          the load step from {@code baseRate} to {@code stepRate} is a linear ramp this long
 *                             (0: a step)
 * @param metricDelayDist      distribution of a new pod's metric delay
 * @param scrapeFailure        probability that one pod's scrape fails (its published metrics stay as they were)
 * @param stallAt              start of a scraper stall (NaN: none)
 * @param stallSeconds         length of the scraper stall: no scrape at all
 * @param routers              gateway replicas, each its own {@code Router}; requests are split among them at random
 * @param sloTtftSeconds       goodput SLO on time to first token
 * @param sloTpotSeconds       goodput SLO on mean time per output token
 * @param workload             what requests contain ({@link WorkloadSpec}: lengths only, shared-prefix or multi-turn)
 */
public record Scenario(
        long seed, double durationSeconds, StepTimeModel stepModel, PodModel podModel, double serviceSeconds,
        int initialPods, int maxNumSeqs, int maxBatchedTokens, long kvCapacityTokens,
        Arrival arrival, double gammaShape, double baseRate, double stepRate, double loadStepAt,
        LengthProfile lengths, int maxPromptTokens, int maxOutputTokens, String traceFile,
        double scaleOutAt, int scaleOutPods, double scrapeInterval, double metricDelayMin, double metricDelayMax,
        double warmupFactor, double warmupSeconds, double timeoutSeconds, double latencyWindowSeconds,
        boolean zeroLatencyWithoutSamples, double windowSettleSeconds, long maxRequests,
        List<RouterConfig> configs, List<StrategyKind> strategies, String outDir, boolean chart,
        String name, List<ScaleStep> scaleSchedule, List<Restart> restarts, double restartDowntime,
        double rollingUpdateAt, double rollingUpdateInterval, boolean warmReadySinceStart,
        double onMeanSeconds, double offMeanSeconds, double onPeak, double rampSeconds,
        MetricDelayDist metricDelayDist, double scrapeFailure, double stallAt, double stallSeconds,
        int routers, double sloTtftSeconds, double sloTpotSeconds, WorkloadSpec workload) {

    /** One step of the autoscaler's schedule: {@code delta} pods added (positive) or removed (negative) at {@code at}. */
    public record ScaleStep(double at, int delta) {
    }

    /** A pod restart: pod {@code pod} (index in {@code pod-<index>}) goes down at {@code at}. */
    public record Restart(double at, int pod) {
    }

    /** Distribution of a new pod's delay from Ready to its first metrics. */
    public enum MetricDelayDist {
        /** Uniform on [metricDelayMin, metricDelayMax]. */
        UNIFORM,
        /**
         * metricDelayMin plus an exponential with mean (metricDelayMax - metricDelayMin) / 2, redrawn until it
         * is at most metricDelayMax (a truncated exponential: most pods early, a few late).
         */
        EXPONENTIAL
    }

    /** How a pod serves requests. */
    public enum PodModel {
        /** vLLM-like continuous batching with the step-time model. */
        ENGINE,
        /** One FIFO queue, {@code maxNumSeqs} servers, exponential service times (for queueing-theory checks). */
        EXPONENTIAL
    }

    /** How request arrival times are generated. */
    public enum Arrival {
        /** Poisson arrivals at {@code baseRate}, then {@code stepRate}. */
        POISSON,
        /** Gamma inter-arrival times with {@code gammaShape}, mean rate as for Poisson. */
        GAMMA,
        /**
         * Two-state Markov-modulated Poisson process: exponential "on" periods (mean {@code onMean}) at
         * {@code onPeak} times the mean rate, and "off" periods (mean {@code offMean}) at the rate that keeps
         * the long-run mean at {@code baseRate}/{@code stepRate}.
         */
        ONOFF,
        /** Arrivals and lengths read from {@code traceFile}. */
        TRACE
    }

    /** Parameter name to {default, description}, in documentation order. */
    public static final Map<String, String[]> PARAMETERS = parameters();

    private static Map<String, String[]> parameters() {
        Map<String, String[]> p = new LinkedHashMap<>();
        p.put("name", new String[] {"default", "scenario name in reports (a scenario file's base name unless set)"});
        p.put("seed", new String[] {"1", "seed of the workload, metric-delay and router random streams"});
        p.put("duration", new String[] {"240", "virtual seconds simulated"});
        p.put("gpu", new String[] {"h100", "step-time model: h100 or a100 (Llama-3.1-8B, BLIS fits)"});
        p.put("podModel", new String[] {"engine", "engine (vLLM continuous batching) or exponential (M/M/c pod)"});
        p.put("serviceSeconds", new String[] {"1.0", "mean service time of podModel=exponential"});
        p.put("initialPods", new String[] {"4", "warm pods at time 0 (0: scale from zero)"});
        p.put("warmReadySince", new String[] {"start", "readySince the router is given for warm pods: start (t=0, as a gateway starting beside serving pods passes) or past (an hour before)"});
        p.put("maxNumSeqs", new String[] {"auto", "concurrent sequences per pod (auto: 1024 h100, 256 a100; vLLM defaults)"});
        p.put("maxBatchedTokens", new String[] {"auto", "token budget per step (auto: 8192 h100, 2048 a100; vLLM API-server defaults)"});
        p.put("kvCapacityTokens", new String[] {"467000", "KV-cache tokens per pod (Llama-3.1-8B on one 80 GB GPU)"});
        p.put("arrival", new String[] {"poisson", "poisson, gamma, onoff (two-state MMPP) or trace"});
        p.put("gammaShape", new String[] {"0.25", "Gamma inter-arrival shape (CV = 1/sqrt(shape)); 1 = Poisson"});
        p.put("onMean", new String[] {"5", "arrival=onoff: mean length of an 'on' period (s, exponential)"});
        p.put("offMean", new String[] {"10", "arrival=onoff: mean length of an 'off' period (s, exponential)"});
        p.put("onPeak", new String[] {"2.5", "arrival=onoff: 'on' rate over the mean rate; the 'off' rate keeps the mean (onPeak x onMean <= onMean + offMean)"});
        p.put("baseRate", new String[] {"60", "requests/s before the load step"});
        p.put("stepRate", new String[] {"120", "requests/s from the load step on"});
        p.put("loadStepAt", new String[] {"60", "time of the load step (s)"});
        p.put("ramp", new String[] {"0", "the load step is a linear ramp from baseRate to stepRate this long (s); 0 = a step"});
        p.put("workload", new String[] {"lengths", "lengths (lengths from `lengths` or a trace, no token ids), shared-prefix or multi-turn (token ids; pods model vLLM's prefix cache)"});
        p.put("prefixGroups", new String[] {"32", "workload=shared-prefix: groups, each with its own system prompt"});
        p.put("promptsPerGroup", new String[] {"32", "workload=shared-prefix: distinct prompts (questions) per group"});
        p.put("systemPromptTokens", new String[] {"2048", "workload=shared-prefix: tokens of each group's system prompt"});
        p.put("questionTokens", new String[] {"256", "workload=shared-prefix: tokens of each prompt's question"});
        p.put("outputTokens", new String[] {"256", "workload=shared-prefix or multi-turn: output tokens per request"});
        p.put("sessions", new String[] {"64", "workload=multi-turn: concurrent chat sessions (starts Poisson at baseRate; an ended session is replaced; arrival, stepRate, loadStepAt and ramp do not apply)"});
        p.put("turnsPerSession", new String[] {"5", "workload=multi-turn: turns per session"});
        p.put("turnTokens", new String[] {"256", "workload=multi-turn: new tokens per turn (the prompt is the conversation so far plus these)"});
        p.put("thinkTimeSeconds", new String[] {"5", "workload=multi-turn: seconds from a response to the session's next turn"});
        p.put("lengths", new String[] {"azure-conv", "azure-conv, azure-code or sharegpt"});
        p.put("maxPromptTokens", new String[] {"8192", "prompt length cap"});
        p.put("maxOutputTokens", new String[] {"2048", "output length cap"});
        p.put("traceFile", new String[] {"", "CSV arrival_s,prompt_tokens,output_tokens (header optional) for arrival=trace"});
        p.put("scaleOut", new String[] {"", "autoscaler schedule TIME:+N or TIME:-N, comma-separated (e.g. 60:+3,80:+3,200:-2); replaces scaleOutAt/scaleOutPods"});
        p.put("scaleOutAt", new String[] {"75", "shorthand for scaleOut=AT:+PODS: time the new pods become Ready (s); 15 s after the step = one HPA sync"});
        p.put("scaleOutPods", new String[] {"4", "shorthand for scaleOut=AT:+PODS: pods added at once (HPA may double per minute)"});
        p.put("restart", new String[] {"", "pod restarts TIME:pod-N, comma-separated: the pod goes not-ready (its requests fail) and comes back cold"});
        p.put("restartDowntime", new String[] {"20", "seconds a restarted pod stays not-ready"});
        p.put("rollingUpdate", new String[] {"", "START:INTERVAL: from START, every INTERVAL s one new pod becomes Ready and one old pod leaves (drains)"});
        p.put("scrapeInterval", new String[] {"1", "metrics scrape interval (s)"});
        p.put("scrapeFailure", new String[] {"0", "probability that one pod's scrape fails (its metrics keep their old timestamp)"});
        p.put("scraperStall", new String[] {"", "START:SECONDS: no scrape at all in that span (metrics go stale)"});
        p.put("metricDelay", new String[] {"uniform", "distribution of a new pod's delay to first metrics: uniform or exponential (truncated, mean (max-min)/2 above min)"});
        p.put("metricDelayMin", new String[] {"5", "min delay from Ready to a new pod's first metrics (s)"});
        p.put("metricDelayMax", new String[] {"30", "max delay from Ready to a new pod's first metrics (s)"});
        p.put("warmupFactor", new String[] {"3", "step-time multiplier of a new pod during warm-up"});
        p.put("warmupSeconds", new String[] {"20", "warm-up length after Ready (s)"});
        p.put("routers", new String[] {"1", "gateway replicas, each its own Router; requests split among them at random"});
        p.put("timeout", new String[] {"30", "request timeout, gateway queue plus pod queue plus service (s)"});
        p.put("latencyWindow", new String[] {"10", "window of the published recent TTFT/TPOT/e2e means (s)"});
        p.put("latencyWithoutSamples", new String[] {"absent", "latency of a pod that never completed a request: absent or zero"});
        p.put("windowSettle", new String[] {"30", "the scale-out window ends when every pod added or restarted has had metrics this long (s)"});
        p.put("sloTtft", new String[] {"2", "goodput SLO: time to first token at most this (s)"});
        p.put("sloTpot", new String[] {"0.1", "goodput SLO: mean time per output token at most this (s)"});
        p.put("maxRequests", new String[] {"0", "stop generating arrivals after this many (0 = no limit)"});
        p.put("configs", new String[] {"all", "comma-separated router configurations, all (the main ones) or sweep (with ablations)"});
        p.put("strategies", new String[] {"all", "comma-separated strategies, or all"});
        p.put("out", new String[] {"router-bench/sim-out", "output directory (CSV, SVG)"});
        p.put("chart", new String[] {"true", "write the SVG chart"});
        return Collections.unmodifiableMap(p);
    }

    /** The default scenario. */
    public static Scenario defaults() {
        return parse(Map.of());
    }

    /**
     * A scenario from {@code key=value} pairs; missing keys take their default. Null values are treated
     * as missing. Throws {@link IllegalArgumentException} for unknown keys and bad values.
     */
    public static Scenario parse(Map<String, String> values) {
        for (String key : values.keySet()) {
            if (!PARAMETERS.containsKey(key)) {
                throw new IllegalArgumentException("unknown parameter: " + key + " (expected one of " + PARAMETERS.keySet() + ")");
            }
        }
        Values v = new Values(values);
        StepTimeModel model = StepTimeModel.forGpu(v.text("gpu"));
        boolean h100 = model == StepTimeModel.H100_LLAMA_8B;
        String seqs = v.text("maxNumSeqs");
        String budget = v.text("maxBatchedTokens");
        double duration = v.positive("duration");
        int initialPods = v.intValue("initialPods", 0);
        List<ScaleStep> schedule;
        if (!v.text("scaleOut").isEmpty()) {
            if (values.get("scaleOutAt") != null || values.get("scaleOutPods") != null) {
                throw new IllegalArgumentException("scaleOut: " + v.text("scaleOut")
                        + " (expected: either scaleOut or the scaleOutAt/scaleOutPods shorthand, not both)");
            }
            schedule = parseSchedule(v.text("scaleOut"));
        } else {
            int pods = v.intValue("scaleOutPods", 0);
            double at = v.nonNegative("scaleOutAt");
            schedule = pods == 0 ? List.of() : List.of(new ScaleStep(at, pods));
        }
        double[] rolling = parsePair("rollingUpdate", v.text("rollingUpdate"), "START:INTERVAL");
        double[] stall = parsePair("scraperStall", v.text("scraperStall"), "START:SECONDS");
        double onMean = v.positive("onMean");
        double offMean = v.positive("offMean");
        double onPeak = v.atLeastOne("onPeak");
        if (onPeak * onMean > onMean + offMean) {
            throw new IllegalArgumentException("onPeak: " + onPeak + " (expected: onPeak x onMean <= onMean + offMean = "
                    + (onMean + offMean) + ", so that the 'off' rate is not negative)");
        }
        double scrapeFailure = v.nonNegative("scrapeFailure");
        if (scrapeFailure >= 1) {
            throw new IllegalArgumentException("scrapeFailure: " + scrapeFailure + " (expected: >= 0 and < 1)");
        }
        Scenario s = new Scenario(
                v.longValue("seed", Long.MIN_VALUE),
                duration,
                model,
                parseEnum(PodModel.class, "podModel", v.text("podModel")),
                v.positive("serviceSeconds"),
                initialPods,
                seqs.equals("auto") ? (h100 ? 1024 : 256) : v.intValue("maxNumSeqs", 1),
                budget.equals("auto") ? (h100 ? 8192 : 2048) : v.intValue("maxBatchedTokens", 1),
                v.longValue("kvCapacityTokens", 1),
                parseEnum(Arrival.class, "arrival", v.text("arrival")),
                v.positive("gammaShape"),
                v.nonNegative("baseRate"),
                v.nonNegative("stepRate"),
                v.nonNegative("loadStepAt"),
                LengthProfile.parse(v.text("lengths")),
                v.intValue("maxPromptTokens", 1),
                v.intValue("maxOutputTokens", 1),
                v.text("traceFile"),
                schedule.isEmpty() ? Double.NaN : schedule.get(0).at(),
                schedule.stream().filter(st -> st.delta() > 0).mapToInt(ScaleStep::delta).sum(),
                v.positive("scrapeInterval"),
                v.nonNegative("metricDelayMin"),
                v.nonNegative("metricDelayMax"),
                v.atLeastOne("warmupFactor"),
                v.nonNegative("warmupSeconds"),
                v.positive("timeout"),
                v.positive("latencyWindow"),
                parseLatencyWithoutSamples(v.text("latencyWithoutSamples")),
                v.nonNegative("windowSettle"),
                v.longValue("maxRequests", 0),
                v.text("configs").trim().equalsIgnoreCase("sweep") ? List.of(RouterConfig.values())
                        : parseList(v.text("configs"), "configs", RouterConfig::parse, RouterConfig.mainConfigs()),
                parseList(v.text("strategies"), "strategies", StrategyKind::parse, StrategyKind.defaults(
                        !v.text("workload").equals(WorkloadSpec.Kind.LENGTHS.label()))),
                v.text("out"),
                parseBoolean("chart", v.text("chart")),
                parseName(v.text("name")),
                schedule,
                parseRestarts(v.text("restart")),
                v.nonNegative("restartDowntime"),
                rolling[0],
                rolling[1],
                parseReadySince(v.text("warmReadySince")),
                onMean,
                offMean,
                onPeak,
                v.nonNegative("ramp"),
                parseEnum(MetricDelayDist.class, "metricDelay", v.text("metricDelay")),
                scrapeFailure,
                stall[0],
                stall[1],
                v.intValue("routers", 1),
                v.positive("sloTtft"),
                v.positive("sloTpot"),
                parseWorkload(v, values));
        if (s.metricDelayMax < s.metricDelayMin) {
            throw new IllegalArgumentException("metricDelayMax: " + s.metricDelayMax + " (expected: >= metricDelayMin "
                    + s.metricDelayMin + ")");
        }
        if (s.initialPods + s.scaleOutPods == 0 && s.rollingUpdateAt != s.rollingUpdateAt) {
            throw new IllegalArgumentException("initialPods + scaleOut: 0 pods (expected: at least one pod)");
        }
        if (s.rollingUpdateAt == s.rollingUpdateAt && !(s.rollingUpdateInterval > 0)) {
            throw new IllegalArgumentException("rollingUpdate: " + v.text("rollingUpdate") + " (expected: INTERVAL > 0)");
        }
        if (s.arrival == Arrival.TRACE && s.workload.hasContent()) {
            throw new IllegalArgumentException("arrival: trace (expected: workload=lengths; a trace has no token ids)");
        }
        if (s.workload.hasContent() && s.podModel == PodModel.EXPONENTIAL) {
            throw new IllegalArgumentException("workload: " + s.workload.kind().label()
                    + " (expected: podModel=engine; the exponential pod model has no KV cache)");
        }
        if (s.arrival == Arrival.TRACE && s.traceFile.isBlank()) {
            throw new IllegalArgumentException("traceFile: empty (expected: a CSV path when arrival=trace)");
        }
        int pods = s.initialPods;
        for (ScaleStep st : s.scaleSchedule) {
            pods += st.delta();
            if (pods < 0) {
                throw new IllegalArgumentException("scaleOut: " + v.text("scaleOut") + " (expected: never fewer than 0 pods; "
                        + st.at() + ":" + st.delta() + " removes more pods than exist)");
            }
        }
        return s;
    }

    private static final java.util.List<String> SHARED_PREFIX_KEYS =
            List.of("prefixGroups", "promptsPerGroup", "systemPromptTokens", "questionTokens");
    private static final java.util.List<String> MULTI_TURN_KEYS =
            List.of("sessions", "turnsPerSession", "turnTokens", "thinkTimeSeconds");

    /** The workload keys; a key of another workload than the one chosen is an error, not silently ignored. */
    private static WorkloadSpec parseWorkload(Values v, Map<String, String> raw) {
        String text = v.text("workload");
        WorkloadSpec.Kind kind = null;
        for (WorkloadSpec.Kind k : WorkloadSpec.Kind.values()) {
            if (k.label().equals(text)) {
                kind = k;
            }
        }
        if (kind == null) {
            throw new IllegalArgumentException("workload: " + text + " (expected: lengths, shared-prefix or multi-turn)");
        }
        for (String key : SHARED_PREFIX_KEYS) {
            if (raw.get(key) != null && kind != WorkloadSpec.Kind.SHARED_PREFIX) {
                throw new IllegalArgumentException(key + ": " + raw.get(key) + " (expected: only with workload=shared-prefix)");
            }
        }
        for (String key : MULTI_TURN_KEYS) {
            if (raw.get(key) != null && kind != WorkloadSpec.Kind.MULTI_TURN) {
                throw new IllegalArgumentException(key + ": " + raw.get(key) + " (expected: only with workload=multi-turn)");
            }
        }
        if (raw.get("outputTokens") != null && kind == WorkloadSpec.Kind.LENGTHS) {
            throw new IllegalArgumentException("outputTokens: " + raw.get("outputTokens")
                    + " (expected: only with workload=shared-prefix or multi-turn; lengths take maxOutputTokens)");
        }
        if (kind == WorkloadSpec.Kind.MULTI_TURN) {
            // Session starts are Poisson at baseRate; the other arrival keys would be silently ignored.
            for (String key : List.of("arrival", "stepRate", "loadStepAt", "ramp")) {
                if (raw.get(key) != null) {
                    throw new IllegalArgumentException(key + ": " + raw.get(key)
                            + " (expected: not with workload=multi-turn; its session starts are Poisson at baseRate)");
                }
            }
        }
        if (kind != WorkloadSpec.Kind.LENGTHS && raw.get("lengths") != null) {
            throw new IllegalArgumentException("lengths: " + raw.get("lengths") + " (expected: only with workload=lengths)");
        }
        return new WorkloadSpec(kind, v.intValue("prefixGroups", 1), v.intValue("promptsPerGroup", 1),
                v.intValue("systemPromptTokens", 0), v.intValue("questionTokens", 1), v.intValue("outputTokens", 1),
                v.intValue("sessions", 1), v.intValue("turnsPerSession", 1), v.intValue("turnTokens", 1),
                v.nonNegative("thinkTimeSeconds"));
    }

    private static String parseName(String name) {
        if (name.isEmpty() || !name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("name: '" + name + "' (expected: letters, digits, '.', '_' or '-')");
        }
        return name;
    }

    private static boolean parseReadySince(String s) {
        switch (s) {
            case "start":
                return true;
            case "past":
                return false;
            default:
                throw new IllegalArgumentException("warmReadySince: " + s + " (expected: start or past)");
        }
    }

    /** {@code 60:+3,80:+3,200:-2}: sorted by time (stable for equal times); a zero step is an error. */
    static List<ScaleStep> parseSchedule(String text) {
        List<ScaleStep> out = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            int colon = p.indexOf(':');
            if (colon <= 0 || colon == p.length() - 1) {
                throw new IllegalArgumentException("scaleOut: " + p + " (expected: TIME:+N or TIME:-N, e.g. 60:+3)");
            }
            double at = finite("scaleOut", p, p.substring(0, colon));
            int delta;
            try {
                delta = Integer.parseInt(p.substring(colon + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("scaleOut: " + p + " (expected: TIME:+N or TIME:-N, e.g. 60:+3)", e);
            }
            if (at < 0 || delta == 0) {
                throw new IllegalArgumentException("scaleOut: " + p + " (expected: TIME >= 0 and N != 0)");
            }
            out.add(new ScaleStep(at, delta));
        }
        out.sort(java.util.Comparator.comparingDouble(ScaleStep::at));
        return List.copyOf(out);
    }

    /** {@code 120:pod-1,150:pod-3}; empty text is no restart. */
    static List<Restart> parseRestarts(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        List<Restart> out = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            int colon = p.indexOf(':');
            int pod = colon > 0 ? Simulation.podIndex(p.substring(colon + 1).trim()) : -1;
            if (pod < 0) {
                throw new IllegalArgumentException("restart: " + p + " (expected: TIME:pod-N, e.g. 120:pod-1)");
            }
            double at = finite("restart", p, p.substring(0, colon));
            if (at < 0) {
                throw new IllegalArgumentException("restart: " + p + " (expected: TIME >= 0)");
            }
            out.add(new Restart(at, pod));
        }
        out.sort(java.util.Comparator.comparingDouble(Restart::at));
        return List.copyOf(out);
    }

    /** {@code A:B} as two non-negative numbers; empty text gives NaN, NaN. */
    private static double[] parsePair(String key, String text, String form) {
        if (text.isEmpty()) {
            return new double[] {Double.NaN, Double.NaN};
        }
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(key + ": " + text + " (expected: " + form + ")");
        }
        double a = finite(key, text, text.substring(0, colon));
        double b = finite(key, text, text.substring(colon + 1));
        if (a < 0 || b < 0) {
            throw new IllegalArgumentException(key + ": " + text + " (expected: " + form + " with both >= 0)");
        }
        return new double[] {a, b};
    }

    private static double finite(String key, String whole, String number) {
        try {
            double d = Double.parseDouble(number.trim());
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": " + whole + " (expected: finite numbers)", e);
        }
    }

    /**
     * Reads {@code key=value} pairs from a properties file (ISO-8859-1 escapes as in
     * {@link Properties#load(Reader)}, read as UTF-8).
     */
    public static Map<String, String> readProperties(Path file) throws IOException {
        Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(r);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : props.stringPropertyNames()) {
            out.put(name, props.getProperty(name).trim());
        }
        return out;
    }

    /** Whether the scenario has a scraper stall. */
    public boolean hasStall() {
        return stallAt == stallAt && stallSeconds > 0;
    }

    /** Whether the scenario has a rolling update. */
    public boolean hasRollingUpdate() {
        return rollingUpdateAt == rollingUpdateAt;
    }

    /** This scenario with another seed. */
    public Scenario withSeed(long newSeed) {
        return new Scenario(newSeed, durationSeconds, stepModel, podModel, serviceSeconds, initialPods, maxNumSeqs,
                maxBatchedTokens, kvCapacityTokens, arrival, gammaShape, baseRate, stepRate, loadStepAt, lengths,
                maxPromptTokens, maxOutputTokens, traceFile, scaleOutAt, scaleOutPods, scrapeInterval, metricDelayMin,
                metricDelayMax, warmupFactor, warmupSeconds, timeoutSeconds, latencyWindowSeconds,
                zeroLatencyWithoutSamples, windowSettleSeconds, maxRequests, configs, strategies, outDir, chart, name,
                scaleSchedule, restarts, restartDowntime, rollingUpdateAt, rollingUpdateInterval, warmReadySinceStart,
                onMeanSeconds, offMeanSeconds, onPeak, rampSeconds, metricDelayDist, scrapeFailure, stallAt,
                stallSeconds, routers, sloTtftSeconds, sloTpotSeconds, workload);
    }

    /** One {@code key=value} line per parameter, as this scenario resolves them (for reports). */
    public String describe() {
        StringBuilder sb = new StringBuilder("name=" + name + " seed=" + seed + " duration=" + durationSeconds + " gpu="
                + stepModel.name() + " podModel=" + podModel.name().toLowerCase(Locale.ROOT) + " initialPods=" + initialPods
                + " warmReadySince=" + (warmReadySinceStart ? "start" : "past") + " maxNumSeqs=" + maxNumSeqs
                + " maxBatchedTokens=" + maxBatchedTokens + " kvCapacityTokens=" + kvCapacityTokens + " arrival="
                + arrival.name().toLowerCase(Locale.ROOT));
        if (arrival == Arrival.GAMMA) {
            sb.append(" gammaShape=").append(gammaShape);
        }
        if (arrival == Arrival.ONOFF) {
            sb.append(" onMean=").append(onMeanSeconds).append(" offMean=").append(offMeanSeconds).append(" onPeak=").append(onPeak);
        }
        sb.append(" baseRate=").append(baseRate).append(" stepRate=").append(stepRate).append(" loadStepAt=").append(loadStepAt)
                .append(" ramp=").append(rampSeconds).append(" lengths=").append(lengths.label()).append(" scaleOut=");
        for (int i = 0; i < scaleSchedule.size(); i++) {
            ScaleStep st = scaleSchedule.get(i);
            sb.append(i == 0 ? "" : ",").append(st.at()).append(':').append(st.delta() > 0 ? "+" : "").append(st.delta());
        }
        for (Restart r : restarts) {
            sb.append(" restart=").append(r.at()).append(":pod-").append(r.pod());
        }
        if (hasRollingUpdate()) {
            sb.append(" rollingUpdate=").append(rollingUpdateAt).append(':').append(rollingUpdateInterval);
        }
        sb.append(" scrapeInterval=").append(scrapeInterval).append(" scrapeFailure=").append(scrapeFailure);
        if (hasStall()) {
            sb.append(" scraperStall=").append(stallAt).append(':').append(stallSeconds);
        }
        sb.append(" metricDelay=").append(metricDelayDist.name().toLowerCase(Locale.ROOT)).append(' ').append(metricDelayMin)
                .append("..").append(metricDelayMax).append(" warmup=").append(warmupFactor).append('x').append(warmupSeconds)
                .append("s routers=").append(routers).append(" timeout=").append(timeoutSeconds).append(" latencyWindow=")
                .append(latencyWindowSeconds).append(" latencyWithoutSamples=").append(zeroLatencyWithoutSamples ? "zero" : "absent")
                .append(" windowSettle=").append(windowSettleSeconds).append(" slo=").append(sloTtftSeconds).append("s/")
                .append(sloTpotSeconds).append('s');
        if (workload.hasContent()) {
            sb.append(' ').append(workload.describe());
        }
        return sb.toString();
    }

    private static boolean parseLatencyWithoutSamples(String s) {
        switch (s) {
            case "absent":
                return false;
            case "zero":
                return true;
            default:
                throw new IllegalArgumentException("latencyWithoutSamples: " + s + " (expected: absent or zero)");
        }
    }

    private static boolean parseBoolean(String key, String s) {
        if (s.equals("true") || s.equals("false")) {
            return Boolean.parseBoolean(s);
        }
        throw new IllegalArgumentException(key + ": " + s + " (expected: true or false)");
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String key, String s) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(s)) {
                return e;
            }
        }
        throw new IllegalArgumentException(key + ": " + s + " (expected one of "
                + Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT) + ")");
    }

    private static <E> List<E> parseList(String s, String key, java.util.function.Function<String, E> parser, E[] all) {
        if (s.equals("all")) {
            return List.of(all);
        }
        List<E> out = new ArrayList<>();
        for (String part : s.split(",")) {
            if (!part.isBlank()) {
                out.add(parser.apply(part.trim()));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(key + ": '" + s + "' (expected: a comma-separated list or all)");
        }
        return List.copyOf(out);
    }

    /** Typed access to the raw values with defaults and range checks. */
    private static final class Values {
        private final Map<String, String> raw;

        Values(Map<String, String> raw) {
            this.raw = raw;
        }

        String text(String key) {
            String v = raw.get(key);
            return v == null ? PARAMETERS.get(key)[0] : v.trim();
        }

        double number(String key) {
            String s = text(key);
            try {
                double d = Double.parseDouble(s);
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    throw new NumberFormatException();
                }
                return d;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + ": " + s + " (expected: a finite number)", e);
            }
        }

        double positive(String key) {
            double d = number(key);
            if (!(d > 0)) {
                throw new IllegalArgumentException(key + ": " + d + " (expected: > 0)");
            }
            return d;
        }

        double nonNegative(String key) {
            double d = number(key);
            if (d < 0) {
                throw new IllegalArgumentException(key + ": " + d + " (expected: >= 0)");
            }
            return d;
        }

        double atLeastOne(String key) {
            double d = number(key);
            if (d < 1) {
                throw new IllegalArgumentException(key + ": " + d + " (expected: >= 1)");
            }
            return d;
        }

        long longValue(String key, long min) {
            String s = text(key);
            long v;
            try {
                v = Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + ": " + s + " (expected: an integer)", e);
            }
            if (v < min) {
                throw new IllegalArgumentException(key + ": " + v + " (expected: >= " + min + ")");
            }
            return v;
        }

        int intValue(String key, int min) {
            long v = longValue(key, min);
            if (v > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(key + ": " + v + " (expected: <= " + Integer.MAX_VALUE + ")");
            }
            return (int) v;
        }
    }
}
