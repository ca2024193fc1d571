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
 * @param scaleOutAt           time the autoscaler's new pods become Ready
 * @param scaleOutPods         pods added at once at {@code scaleOutAt}
 * @param scrapeInterval       metrics scrape (and router refresh) interval
 * @param metricDelayMin       lower bound of a new pod's delay from Ready to first metrics
 * @param metricDelayMax       upper bound of that delay
 * @param warmupFactor         step-time multiplier of a new pod during its warm-up
 * @param warmupSeconds        warm-up length after Ready
 * @param timeoutSeconds       a request failing when queue plus service exceeds this
 * @param latencyWindowSeconds window of the published recent TTFT/TPOT means
 * @param zeroLatencyWithoutSamples publish latency 0 (not absent) for a pod that has not completed a request yet
 * @param scaleOutWindowSeconds length of the measured scale-out window, from {@code scaleOutAt}
 * @param maxRequests          stop generating arrivals after this many (0 = no limit)
 * @param configs              router configurations to run (names of {@link RouterConfig})
 * @param strategies           strategies to run (names of {@link StrategyKind})
 * @param outDir               output directory of the CSV and SVG
 * @param chart                whether to write the SVG chart
 */
public record Scenario(
        long seed, double durationSeconds, StepTimeModel stepModel, PodModel podModel, double serviceSeconds,
        int initialPods, int maxNumSeqs, int maxBatchedTokens, long kvCapacityTokens,
        Arrival arrival, double gammaShape, double baseRate, double stepRate, double loadStepAt,
        LengthProfile lengths, int maxPromptTokens, int maxOutputTokens, String traceFile,
        double scaleOutAt, int scaleOutPods, double scrapeInterval, double metricDelayMin, double metricDelayMax,
        double warmupFactor, double warmupSeconds, double timeoutSeconds, double latencyWindowSeconds,
        boolean zeroLatencyWithoutSamples, double scaleOutWindowSeconds, long maxRequests,
        List<RouterConfig> configs, List<StrategyKind> strategies, String outDir, boolean chart) {

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
        /** Arrivals and lengths read from {@code traceFile}. */
        TRACE
    }

    /** Parameter name to {default, description}, in documentation order. */
    public static final Map<String, String[]> PARAMETERS = parameters();

    private static Map<String, String[]> parameters() {
        Map<String, String[]> p = new LinkedHashMap<>();
        p.put("seed", new String[] {"1", "seed of the workload, metric-delay and router random streams"});
        p.put("duration", new String[] {"240", "virtual seconds simulated"});
        p.put("gpu", new String[] {"h100", "step-time model: h100 or a100 (Llama-3.1-8B, BLIS fits)"});
        p.put("podModel", new String[] {"engine", "engine (vLLM continuous batching) or exponential (M/M/c pod)"});
        p.put("serviceSeconds", new String[] {"1.0", "mean service time of podModel=exponential"});
        p.put("initialPods", new String[] {"4", "warm pods at time 0"});
        p.put("maxNumSeqs", new String[] {"auto", "concurrent sequences per pod (auto: 1024 h100, 256 a100; vLLM defaults)"});
        p.put("maxBatchedTokens", new String[] {"auto", "token budget per step (auto: 8192 h100, 2048 a100; vLLM API-server defaults)"});
        p.put("kvCapacityTokens", new String[] {"467000", "KV-cache tokens per pod (Llama-3.1-8B on one 80 GB GPU)"});
        p.put("arrival", new String[] {"poisson", "poisson, gamma or trace"});
        p.put("gammaShape", new String[] {"0.25", "Gamma inter-arrival shape (CV = 1/sqrt(shape)); 1 = Poisson"});
        p.put("baseRate", new String[] {"60", "requests/s before the load step"});
        p.put("stepRate", new String[] {"120", "requests/s from the load step on"});
        p.put("loadStepAt", new String[] {"60", "time of the load step (s)"});
        p.put("lengths", new String[] {"azure-conv", "azure-conv, azure-code or sharegpt"});
        p.put("maxPromptTokens", new String[] {"8192", "prompt length cap"});
        p.put("maxOutputTokens", new String[] {"2048", "output length cap"});
        p.put("traceFile", new String[] {"", "CSV arrival_s,prompt_tokens,output_tokens (header optional) for arrival=trace"});
        p.put("scaleOutAt", new String[] {"75", "time the autoscaler's new pods become Ready (s); 15 s after the step = one HPA sync"});
        p.put("scaleOutPods", new String[] {"4", "pods added at once (HPA may double per minute)"});
        p.put("scrapeInterval", new String[] {"1", "metrics scrape and router refresh interval (s)"});
        p.put("metricDelayMin", new String[] {"5", "min delay from Ready to a new pod's first metrics (s)"});
        p.put("metricDelayMax", new String[] {"30", "max delay from Ready to a new pod's first metrics (s)"});
        p.put("warmupFactor", new String[] {"3", "step-time multiplier of a new pod during warm-up"});
        p.put("warmupSeconds", new String[] {"20", "warm-up length after Ready (s)"});
        p.put("timeout", new String[] {"30", "request timeout, queue plus service (s)"});
        p.put("latencyWindow", new String[] {"10", "window of the published recent TTFT/TPOT/e2e means (s)"});
        p.put("latencyWithoutSamples", new String[] {"absent", "latency of a pod that never completed a request: absent or zero"});
        p.put("scaleOutWindow", new String[] {"120", "measured window from scaleOutAt (s)"});
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
        Scenario s = new Scenario(
                v.longValue("seed", Long.MIN_VALUE),
                v.positive("duration"),
                model,
                parseEnum(PodModel.class, "podModel", v.text("podModel")),
                v.positive("serviceSeconds"),
                v.intValue("initialPods", 0),
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
                v.nonNegative("scaleOutAt"),
                v.intValue("scaleOutPods", 0),
                v.positive("scrapeInterval"),
                v.nonNegative("metricDelayMin"),
                v.nonNegative("metricDelayMax"),
                v.atLeastOne("warmupFactor"),
                v.nonNegative("warmupSeconds"),
                v.positive("timeout"),
                v.positive("latencyWindow"),
                parseLatencyWithoutSamples(v.text("latencyWithoutSamples")),
                v.positive("scaleOutWindow"),
                v.longValue("maxRequests", 0),
                v.text("configs").trim().equalsIgnoreCase("sweep") ? List.of(RouterConfig.values())
                        : parseList(v.text("configs"), "configs", RouterConfig::parse, RouterConfig.mainConfigs()),
                parseList(v.text("strategies"), "strategies", StrategyKind::parse, StrategyKind.values()),
                v.text("out"),
                parseBoolean("chart", v.text("chart")));
        if (s.metricDelayMax < s.metricDelayMin) {
            throw new IllegalArgumentException("metricDelayMax: " + s.metricDelayMax + " (expected: >= metricDelayMin "
                    + s.metricDelayMin + ")");
        }
        if (s.initialPods + s.scaleOutPods == 0) {
            throw new IllegalArgumentException("initialPods + scaleOutPods: 0 (expected: at least one pod)");
        }
        if (s.arrival == Arrival.TRACE && s.traceFile.isBlank()) {
            throw new IllegalArgumentException("traceFile: empty (expected: a CSV path when arrival=trace)");
        }
        return s;
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

    /** The virtual second the scale-out window ends. */
    public double scaleOutWindowEnd() {
        return Math.min(durationSeconds, scaleOutAt + scaleOutWindowSeconds);
    }

    /** One {@code key=value} line per parameter, as this scenario resolves them (for reports). */
    public String describe() {
        return "seed=" + seed + " duration=" + durationSeconds + " gpu=" + stepModel.name() + " podModel="
                + podModel.name().toLowerCase(Locale.ROOT) + " initialPods=" + initialPods + " scaleOutPods="
                + scaleOutPods + " maxNumSeqs=" + maxNumSeqs + " maxBatchedTokens=" + maxBatchedTokens
                + " kvCapacityTokens=" + kvCapacityTokens + " arrival=" + arrival.name().toLowerCase(Locale.ROOT)
                + (arrival == Arrival.GAMMA ? " gammaShape=" + gammaShape : "") + " baseRate=" + baseRate
                + " stepRate=" + stepRate + " loadStepAt=" + loadStepAt + " lengths=" + lengths.label()
                + " scaleOutAt=" + scaleOutAt + " scrapeInterval=" + scrapeInterval + " metricDelay="
                + metricDelayMin + ".." + metricDelayMax + " warmup=" + warmupFactor + "x" + warmupSeconds + "s"
                + " timeout=" + timeoutSeconds + " latencyWindow=" + latencyWindowSeconds
                + " latencyWithoutSamples=" + (zeroLatencyWithoutSamples ? "zero" : "absent")
                + " scaleOutWindow=" + scaleOutWindowSeconds;
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
