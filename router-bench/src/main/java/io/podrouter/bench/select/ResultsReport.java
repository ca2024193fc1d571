package io.podrouter.bench.select;

import io.podrouter.bench.peers.Peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Turns the JMH JSON files of one {@code bench.sh} run into {@code RESULTS.md}: every measured row
 * (strategy or peer x pods x threads, with ns/op, error and B/op), each podrouter strategy's ratio to
 * the fastest peer at the same pod and thread count, the speed targets each judged met or missed with
 * the measured figures, the peers' caveats, and the machine, JVM and settings.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.podrouter.bench.select.ResultsReport --out RESULTS.md
 * [--machine machine.txt] [--command "how it was run"] result.json...}. Rows missing from the input
 * (a partial run) make the targets that need them "not measured"; they never fail the report.
 */
public final class ResultsReport {

    /** What produced a row. */
    enum Kind { PODROUTER, PEER, BASELINE }

    /**
     * One benchmark result.
     *
     * @param kind    podrouter, peer or baseline
     * @param key     the enum constant or baseline method (stable id)
     * @param label   the name shown in the report
     * @param metrics the metrics mode for podrouter rows, else null
     * @param pods    candidate count
     * @param threads benchmark threads
     * @param ns      mean ns/op
     * @param error   99.9 % confidence half-width of {@code ns}, NaN with a single iteration
     * @param bytes   allocated bytes per op ({@code -prof gc}), NaN when not profiled
     */
    record Row(Kind kind, String key, String label, MetricsMode metrics, int pods, int threads, double ns,
               double error, double bytes) {
    }

    /**
     * One result of the Prometheus parser's benchmark (throughput mode).
     *
     * @param method       the benchmark method, e.g. {@code extractScraperFamilies}
     * @param mbPerSecond  parsed megabytes (10^6 bytes) per second, NaN when not reported
     * @param mbError      99.9 % confidence half-width of {@code mbPerSecond}, NaN with a single iteration
     * @param bytesPerOp   allocated bytes per parsed body ({@code -prof gc}), NaN when not profiled
     */
    record ParserRow(String method, double mbPerSecond, double mbError, double bytesPerOp) {
    }

    /**
     * One result of the cache-aware benchmarks: a whole prefix-aware selection through the router
     * ({@code CacheAwareSelectBenchmark}) or prefix scoring alone ({@code PrefixScoreBenchmark}).
     *
     * @param benchmark   {@code select} or {@code score}
     * @param composition the composition measured (select only), else "-"
     * @param promptChars prompt length in characters
     * @param pods        candidate count
     * @param forks       JMH forks behind the figure
     * @param ns          mean ns/op
     * @param error       99.9 % confidence half-width of {@code ns}, NaN with a single iteration
     * @param bytes       allocated bytes per op ({@code -prof gc}), NaN when not profiled
     */
    record CacheRow(String benchmark, String composition, int promptChars, int pods, int forks, double ns,
                    double error, double bytes) {
    }

    /** The prefix-aware selection target: 512 pods, an 8k-character prompt, at most 20 us. */
    static final int CACHE_TARGET_PODS = 512;
    static final int CACHE_TARGET_CHARS = 8192;
    static final double CACHE_TARGET_NS = 20_000;
    /** Headline rows need at least this many forks (JIT and layout vary between JVMs, not within one). */
    static final int HEADLINE_FORKS = 3;

    /** Run-wide facts taken from the JSON files. */
    record RunInfo(String jdk, String vm, String jvmArgs, String jmh, String settings) {
    }

    private static final String BASELINE_RR = "atomicRoundRobin";
    private static final String BASELINE_SCAN = "minScan";

    private ResultsReport() {
    }

    /**
     * Entry point; see the class comment for arguments. Exits with status 2 on bad arguments or
     * unreadable input.
     */
    public static void main(String[] args) throws IOException {
        Path out = null;
        Path machine = null;
        String command = null;
        String date = null;
        List<Path> inputs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out": out = Path.of(requireValue(args, ++i, "--out")); break;
                case "--machine": machine = Path.of(requireValue(args, ++i, "--machine")); break;
                case "--command": command = requireValue(args, ++i, "--command"); break;
                case "--date": date = requireValue(args, ++i, "--date"); break;
                default: inputs.add(Path.of(args[i]));
            }
        }
        if (out == null || inputs.isEmpty()) {
            System.err.println("usage: ResultsReport --out RESULTS.md [--machine machine.txt] [--command text] [--date yyyy-mm-ddThh:mm:ssZ] result.json...");
            System.exit(2);
            return;
        }
        List<Row> rows = new ArrayList<>();
        List<ParserRow> parserRows = new ArrayList<>();
        List<CacheRow> cacheRows = new ArrayList<>();
        RunInfo info = null;
        for (Path in : inputs) {
            Object doc = Json.parse(Files.readString(in, StandardCharsets.UTF_8));
            if (!(doc instanceof List)) {
                throw new IllegalArgumentException(in + ": not a JMH JSON result array");
            }
            for (Object o : (List<?>) doc) {
                Map<?, ?> result = (Map<?, ?>) o;
                if (String.valueOf(result.get("benchmark")).contains(".ParserBenchmark.")) {
                    parserRows.add(toParserRow(result));
                    continue;
                }
                Optional<CacheRow> cache = toCacheRow(result);
                if (cache.isPresent()) {
                    cacheRows.add(cache.get());
                    continue;
                }
                toRow(result).ifPresent(rows::add);
                if (info == null) {
                    info = runInfo(result);
                }
            }
        }
        String machineText = machine != null && Files.exists(machine)
                ? Files.readString(machine, StandardCharsets.UTF_8).strip() : "";
        String md = render(rows, parserRows, cacheRows, info, machineText, command, date != null ? date
                : ZonedDateTime.now(ZoneOffset.UTC).withNano(0).format(DateTimeFormatter.ISO_LOCAL_DATE_TIME) + "Z");
        Files.writeString(out, md, StandardCharsets.UTF_8);
        System.out.println("wrote " + out + " (" + (rows.size() + parserRows.size() + cacheRows.size()) + " results)");
    }

    private static String requireValue(String[] args, int i, String option) {
        if (i >= args.length) {
            System.err.println(option + ": missing value");
            System.exit(2);
        }
        return args[i];
    }

    /** The row for one JMH result, or empty for a benchmark this report does not know. */
    static Optional<Row> toRow(Map<?, ?> result) {
        String benchmark = (String) result.get("benchmark");
        int dot = benchmark.lastIndexOf('.');
        String method = benchmark.substring(dot + 1);
        String type = benchmark.substring(benchmark.lastIndexOf('.', dot - 1) + 1, dot);
        Map<?, ?> params = result.get("params") instanceof Map ? (Map<?, ?>) result.get("params") : Map.of();
        int threads = (int) num(result.get("threads"));
        int pods = params.containsKey("pods") ? Integer.parseInt((String) params.get("pods")) : 0;
        Map<?, ?> primary = (Map<?, ?>) result.get("primaryMetric");
        if (!"ns/op".equals(primary.get("scoreUnit"))) {
            throw new IllegalArgumentException(benchmark + ": unit " + primary.get("scoreUnit") + " (expected: ns/op, mode avgt)");
        }
        double ns = num(primary.get("score"));
        double error = num(primary.get("scoreError"));
        double bytes = Double.NaN;
        if (result.get("secondaryMetrics") instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) result.get("secondaryMetrics")).entrySet()) {
                // JMH names it "gc.alloc.rate.norm", older versions with a leading middle dot.
                if (((String) e.getKey()).endsWith("gc.alloc.rate.norm")) {
                    bytes = num(((Map<?, ?>) e.getValue()).get("score"));
                }
            }
        }
        switch (type) {
            case "RouterSelectBenchmark": {
                RouterStrategy s = RouterStrategy.valueOf((String) params.get("strategy"));
                MetricsMode m = MetricsMode.valueOf((String) params.get("metrics"));
                return Optional.of(new Row(Kind.PODROUTER, s.name(), s.label(), m, pods, threads, ns, error, bytes));
            }
            case "PeerSelectBenchmark": {
                Peer p = Peer.valueOf((String) params.get("peer"));
                return Optional.of(new Row(Kind.PEER, p.name(), p.label(), null, pods, threads, ns, error, bytes));
            }
            case "BaselineBenchmark": {
                if (method.startsWith(BASELINE_RR)) {
                    return Optional.of(new Row(Kind.BASELINE, BASELINE_RR, "baseline: AtomicInteger round-robin (any pod count)", null,
                            pods, threads, ns, error, bytes));
                }
                if (method.startsWith(BASELINE_SCAN)) {
                    return Optional.of(new Row(Kind.BASELINE, BASELINE_SCAN, "baseline: min scan over double[]", null,
                            pods, threads, ns, error, bytes));
                }
                return Optional.empty();
            }
            default:
                return Optional.empty();
        }
    }

    /** The row for a CacheAwareSelectBenchmark or PrefixScoreBenchmark result, or empty for any other. */
    static Optional<CacheRow> toCacheRow(Map<?, ?> result) {
        String benchmark = (String) result.get("benchmark");
        boolean select = benchmark.contains(".CacheAwareSelectBenchmark.");
        if (!select && !benchmark.contains(".PrefixScoreBenchmark.")) {
            return Optional.empty();
        }
        Map<?, ?> params = (Map<?, ?>) result.get("params");
        Map<?, ?> primary = (Map<?, ?>) result.get("primaryMetric");
        if (!"ns/op".equals(primary.get("scoreUnit"))) {
            throw new IllegalArgumentException(benchmark + ": unit " + primary.get("scoreUnit") + " (expected: ns/op, mode avgt)");
        }
        double bytes = Double.NaN;
        if (result.get("secondaryMetrics") instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) result.get("secondaryMetrics")).entrySet()) {
                if (((String) e.getKey()).endsWith("gc.alloc.rate.norm")) {
                    bytes = num(((Map<?, ?>) e.getValue()).get("score"));
                }
            }
        }
        Object forks = result.get("forks");
        return Optional.of(new CacheRow(select ? "select" : "score",
                select && params.containsKey("composition") ? (String) params.get("composition") : "-",
                Integer.parseInt((String) params.get("promptChars")), Integer.parseInt((String) params.get("pods")),
                forks == null ? 1 : (int) num(forks),
                num(primary.get("score")), num(primary.get("scoreError")), bytes));
    }

    /** The parser row for one ParserBenchmark result (its "bytes" secondary result is bytes per second). */
    static ParserRow toParserRow(Map<?, ?> result) {
        String benchmark = (String) result.get("benchmark");
        double mb = Double.NaN;
        double mbError = Double.NaN;
        double bytes = Double.NaN;
        if (result.get("secondaryMetrics") instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) result.get("secondaryMetrics")).entrySet()) {
                Map<?, ?> metric = (Map<?, ?>) e.getValue();
                String name = (String) e.getKey();
                if (name.equals("bytes")) {
                    double scale = "ops/s".equals(metric.get("scoreUnit")) ? 1e-6 : Double.NaN;
                    mb = num(metric.get("score")) * scale;
                    mbError = num(metric.get("scoreError")) * scale;
                } else if (name.endsWith("gc.alloc.rate.norm")) {
                    bytes = num(metric.get("score"));
                }
            }
        }
        return new ParserRow(benchmark.substring(benchmark.lastIndexOf('.') + 1), mb, mbError, bytes);
    }

    private static RunInfo runInfo(Map<?, ?> r) {
        Object args = r.get("jvmArgs");
        String jvmArgs = args instanceof List && !((List<?>) args).isEmpty()
                ? String.join(" ", ((List<?>) args).stream().map(String::valueOf).toList()) : "(none)";
        String settings = String.format(Locale.ROOT, "%s fork(s); warm-up %s x %s; measurement %s x %s; mode %s",
                str(r.get("forks")), str(r.get("warmupIterations")), r.get("warmupTime"),
                str(r.get("measurementIterations")), r.get("measurementTime"), r.get("mode"));
        return new RunInfo(r.get("jdkVersion") + " (" + r.get("vmName") + " " + r.get("vmVersion") + ")",
                String.valueOf(r.get("jvm")), jvmArgs, String.valueOf(r.get("jmhVersion")), settings);
    }

    private static String str(Object number) {
        return number instanceof Double ? String.valueOf(((Double) number).intValue()) : String.valueOf(number);
    }

    private static double num(Object o) {
        if (o instanceof Double) {
            return (Double) o;
        }
        if (o instanceof String) {
            return Double.parseDouble((String) o); // JMH writes NaN as a string
        }
        return Double.NaN;
    }

    // ---------------------------------------------------------------------------------------------
    // Rendering

    static String render(List<Row> rows, List<ParserRow> parserRows, List<CacheRow> cacheRows, RunInfo info,
                         String machine, String command, String date) {
        StringBuilder md = new StringBuilder();
        md.append("# podrouter selection benchmarks\n\n");
        md.append("Generated by `router-bench/bench.sh` (JMH, `-prof gc`) on ").append(date)
                .append(". Do not edit by hand: rerun the script.\n\n");
        md.append("Each op is one pick **plus** its completion: podrouter's `selectPod` on a prepared candidate set and ")
                .append("`complete`, or a peer's pick with the library's own in-flight accounting started and ended ")
                .append("(see the caveats below). ns/op is the mean time per op per thread; with 2 threads both share ")
                .append("one router or balancer. Error is JMH's 99.9 % confidence half-width. B/op is allocation per op.\n\n");
        machine(md, info, machine, command, rows, date);
        ResultsTargets.targets(md, rows, parserRows, cacheRows);
        cacheTable(md, cacheRows);
        ratios(md, rows);
        glance(md, rows);
        fullTable(md, rows);
        caveats(md);
        return md.toString();
    }

    private static void machine(StringBuilder md, RunInfo info, String machine, String command, List<Row> rows,
                                String date) {
        md.append("## Machine and settings\n\n");
        md.append("| | |\n|---|---|\n");
        md.append("| date (UTC) | ").append(date).append(" |\n");
        md.append("| cores seen by the JVM | ").append(Runtime.getRuntime().availableProcessors()).append(" |\n");
        if (info != null) {
            md.append("| JDK | ").append(info.jdk()).append(" |\n");
            md.append("| JVM | `").append(info.vm()).append("` |\n");
            md.append("| JVM flags | `").append(info.jvmArgs()).append("` |\n");
            md.append("| JMH | ").append(info.jmh()).append(" |\n");
            md.append("| settings | ").append(info.settings()).append(" |\n");
        }
        md.append("| results | ").append(rows.size()).append(" |\n");
        if (command != null && !command.isBlank()) {
            md.append("| command | `").append(command.strip()).append("` |\n");
        }
        md.append('\n');
        if (!machine.isEmpty()) {
            md.append("```\n").append(machine).append("\n```\n\n");
        }
    }

    private static void cacheTable(StringBuilder md, List<CacheRow> cacheRows) {
        if (cacheRows.isEmpty()) {
            return;
        }
        md.append("## Cache-aware selection and prefix scoring\n\n");
        md.append("`select`: one prefix-aware selection through the router with the default cache-aware composition ")
                .append("(load gate, prefix-cache affinity over 128-character blocks, token load, session and LoRA ")
                .append("affinity, max-score picker) plus its completion, which records the prompt's blocks for the ")
                .append("chosen pod. `score`: prefix scoring alone (hash the prompt's blocks, match them against every ")
                .append("candidate's index). 64 prefix groups, the system prompt 3/4 of the prompt, 1 thread.\n\n");
        md.append("| benchmark | prompt (chars) | pods | forks | ns/op | error | ns per pod | B/op |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        List<CacheRow> sorted = new ArrayList<>(cacheRows);
        sorted.sort(Comparator.comparing(CacheRow::benchmark).thenComparingInt(CacheRow::promptChars)
                .thenComparingInt(CacheRow::pods));
        for (CacheRow r : sorted) {
            md.append(String.format(Locale.ROOT, "| %s | %,d | %d | %d | %s | %s | %s | %s |\n", r.benchmark(),
                    r.promptChars(), r.pods(), r.forks(), fmt(r.ns()),
                    Double.isNaN(r.error()) ? "n/a" : "± " + fmt(r.error()), fmt(r.ns() / r.pods()),
                    Double.isNaN(r.bytes()) ? "n/a" : String.format(Locale.ROOT, "%.1f", r.bytes())));
        }
        md.append('\n');
    }

    private static void ratios(StringBuilder md, List<Row> rows) {
        md.append("## podrouter vs the fastest peer\n\n");
        md.append("Ratio of each podrouter strategy's ns/op (metrics present) to the fastest peer's at the same pod and ")
                .append("thread count; below 1 means podrouter is faster. The peers differ in what they decide ")
                .append("(round robin, power of two choices, exact scan): this is the cost of one routing decision, ")
                .append("not a like-for-like algorithm comparison.\n\n");
        md.append("| strategy | pods | threads | ns/op | fastest peer | peer ns/op | ratio |\n|---|---:|---:|---:|---|---:|---:|\n");
        for (RouterStrategy s : RouterStrategy.values()) {
            for (Row r : select(rows, x -> isRouter(x, s))) {
                Optional<Row> best = fastestPeer(rows, r.pods(), r.threads());
                md.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %s | %s |\n", r.label(), r.pods(), r.threads(),
                        fmt(r.ns()), best.map(Row::label).orElse("-"), best.map(b -> fmt(b.ns())).orElse("-"),
                        best.map(b -> String.format(Locale.ROOT, "%.2f", r.ns() / b.ns())).orElse("-")));
            }
        }
        md.append('\n');
    }

    private static void glance(StringBuilder md, List<Row> rows) {
        Set<Integer> pods = new TreeSet<>();
        rows.forEach(r -> pods.add(r.pods()));
        pods.remove(0);
        if (pods.isEmpty()) {
            return;
        }
        md.append("## At a glance (ns/op; podrouter with metrics present)\n\n");
        md.append("| strategy or peer |");
        pods.forEach(p -> md.append(' ').append(p).append(" pods, 1 thr | ").append(p).append(" pods, 2 thr |"));
        md.append("\n|---|");
        pods.forEach(p -> md.append("---:|---:|"));
        md.append('\n');
        Set<String> labels = new LinkedHashSet<>();
        for (Row r : sorted(rows)) {
            if (r.metrics() == null || r.metrics() == MetricsMode.PRESENT) {
                labels.add(r.label());
            }
        }
        for (String label : labels) {
            md.append("| ").append(label).append(" |");
            for (int p : pods) {
                for (int t = 1; t <= 2; t++) {
                    int threads = t;
                    // Rows measured without a pod count (pods 0) hold for every pod count.
                    Optional<Row> cell = find(rows, x -> x.label().equals(label) && (x.pods() == p || x.pods() == 0)
                            && x.threads() == threads && (x.metrics() == null || x.metrics() == MetricsMode.PRESENT));
                    md.append(' ').append(cell.map(x -> fmt(x.ns())).orElse("-")).append(" |");
                }
            }
            md.append('\n');
        }
        md.append('\n');
    }

    private static void fullTable(StringBuilder md, List<Row> rows) {
        md.append("## All results\n\n");
        md.append("| strategy or peer | metrics | pods | threads | ns/op | error | B/op |\n|---|---|---:|---:|---:|---:|---:|\n");
        for (Row r : sorted(rows)) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %s | %s | %s |\n", r.label(),
                    r.metrics() == null ? "-" : r.metrics().name(), r.pods() == 0 ? "any" : String.valueOf(r.pods()),
                    r.threads(), fmt(r.ns()),
                    Double.isNaN(r.error()) ? "n/a" : "± " + fmt(r.error()),
                    Double.isNaN(r.bytes()) ? "n/a" : String.format(Locale.ROOT, "%.1f", r.bytes())));
        }
        md.append('\n');
    }

    private static void caveats(StringBuilder md) {
        md.append("## What is not like for like\n\n");
        md.append("- All: each op completes its pick at once, so with 1 thread every in-flight count is 0 at every pick. ")
                .append("Power-of-two-choices balancers (podrouter P2C, gRPC least_request, Finagle) then pick uniformly, ")
                .append("and exact least-request sees every candidate tied: podrouter's EXACT mode runs its uniform ")
                .append("tie-break pass every time, Ribbon's BestAvailableRule takes the first server.\n");
        md.append("- podrouter: metrics tables are refreshed only before measuring (`metricsRefreshInterval(ZERO)`), ")
                .append("as between two background refreshes; the 32-byte PodSelection is returned to JMH, so it escapes ")
                .append("as in a gateway. Strategies that ignore scraped metrics (round-robin, least-request, random) ")
                .append("run the same path whatever the metrics mode, so bench.sh measures their cold/missing modes ")
                .append("only at 1 thread and a few pod counts. Pods without metrics are cold for the router, so the ")
                .append("COLD_10_PERCENT and ALL_MISSING rows include its default cold-start handling (admission under ")
                .append("the cold in-flight cap, prediction from warm peers, telemetry) for every strategy.\n");
        md.append("- Baselines do no in-flight accounting and return no result object.\n");
        for (Peer p : Peer.values()) {
            md.append("- ").append(p.label()).append(": ").append(p.caveat()).append('\n');
        }
        md.append('\n');
    }

    // ---------------------------------------------------------------------------------------------

    static boolean isRouter(Row r, RouterStrategy s) {
        return r.kind() == Kind.PODROUTER && r.key().equals(s.name()) && r.metrics() == MetricsMode.PRESENT;
    }

    static Optional<Row> fastestPeer(List<Row> rows, int pods, int threads) {
        return rows.stream().filter(x -> x.kind() == Kind.PEER && x.pods() == pods && x.threads() == threads)
                .min(Comparator.comparingDouble(Row::ns));
    }

    static List<Row> select(List<Row> rows, Predicate<Row> filter) {
        return sorted(rows.stream().filter(filter).toList());
    }

    static Optional<Row> find(List<Row> rows, Predicate<Row> filter) {
        return rows.stream().filter(filter).findFirst();
    }

    private static List<Row> sorted(List<Row> rows) {
        List<Row> copy = new ArrayList<>(rows);
        copy.sort(Comparator.comparing(Row::kind)
                .thenComparingInt(ResultsReport::keyOrder)
                .thenComparing(r -> r.metrics() == null ? -1 : r.metrics().ordinal())
                .thenComparingInt(Row::pods)
                .thenComparingInt(Row::threads));
        return copy;
    }

    private static int keyOrder(Row r) {
        switch (r.kind()) {
            case PODROUTER: return RouterStrategy.valueOf(r.key()).ordinal();
            case PEER: return Peer.valueOf(r.key()).ordinal();
            default: return Objects.equals(r.key(), BASELINE_RR) ? 0 : 1;
        }
    }

    static double combinedError(Row a, Row b) {
        double ea = Double.isNaN(a.error()) ? 0 : a.error();
        double eb = Double.isNaN(b.error()) ? 0 : b.error();
        return ea + eb;
    }

    /** ns/op with sensible precision: 3 significant digits below 100, whole numbers above. */
    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (v >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
