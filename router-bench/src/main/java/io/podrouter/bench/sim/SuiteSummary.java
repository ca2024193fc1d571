package io.podrouter.bench.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The suite's summary, computed from its CSV rows alone (so that the doc generator and the suite print the
 * same figures): per strategy, podrouter against seed-random and plain on {@code ttft_p99_scaleout_s} and
 * {@code fluctuation_sd_s} (mean and worst of the per-run ratios, wins and losses), failures against
 * reject, utilisation against skip, and the verdict of each target.
 *
 * <p>Rules. A per-run ratio is podrouter's value over the baseline's for the same scenario and seed; a run
 * where either is missing or the baseline is 0 is left out (and counted as such). "Mean ratio" is the
 * arithmetic mean of the per-run ratios, "worst" their maximum; a win is a ratio below 1, a loss above 1.
 * Targets for the metric strategies (least-latency, least-kv-cache):
 * (a) {@code ttft_p99_scaleout_s} never above 1.10x plain or seed-random in any run, mean ratio at most 1;
 * (b) mean ratio against seed-random at most 0.70;
 * (c) podrouter's cold-window failures, summed over the suite, at most 2 % of reject's sum;
 * (d) mean {@code fluctuation_sd_s} ratio against seed-random at most 0.60;
 * (e) podrouter's mean utilisation at least 1.15x skip's.
 * Round robin and least request: {@code ttft_p99_scaleout_s} never above 1.10x plain, mean ratio at most 1.
 *
 * <p>Stateless and thread-safe. Malformed CSV throws {@link IllegalArgumentException} naming the line.
 */
public final class SuiteSummary {

    /** One CSV row: the key columns and every numeric column (NaN for an empty field). */
    public record Row(String scenario, long seed, String config, String strategy, Map<String, Double> values) {
        /** The value of column {@code name}; NaN when empty. Unknown columns throw. */
        public double get(String name) {
            Double v = values.get(name);
            if (v == null) {
                throw new IllegalArgumentException("column: " + name + " (expected one of " + values.keySet() + ")");
            }
            return v;
        }
    }

    /** Per-run ratios of podrouter over a baseline, with the runs they came from. */
    record Ratios(List<Double> values, List<String> runs, int missing) {
        double mean() {
            return values.isEmpty() ? Double.NaN : values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }

        double worst() {
            return values.isEmpty() ? Double.NaN : values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }

        long wins() {
            return values.stream().filter(v -> v < 1).count();
        }

        long losses() {
            return values.stream().filter(v -> v > 1).count();
        }

        List<String> above(double limit) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                if (values.get(i) > limit) {
                    out.add(runs.get(i) + " " + fmt(values.get(i), 2));
                }
            }
            return out;
        }
    }

    static final List<String> METRIC = List.of("least-latency", "least-kv-cache");
    static final double WORST_LIMIT = 1.10;

    private SuiteSummary() {
    }

    /** Parses suite CSV text (header line first). */
    public static List<Row> parse(String csv) {
        List<String> lines = csv.lines().toList();
        if (lines.isEmpty() || !lines.get(0).startsWith("scenario,seed,config,strategy,")) {
            throw new IllegalArgumentException("suite.csv: header (expected: " + Report.CSV_HEADER + ")");
        }
        String[] header = lines.get(0).split(",", -1);
        List<Row> rows = new ArrayList<>();
        for (int n = 1; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length != header.length) {
                throw new IllegalArgumentException("suite.csv line " + (n + 1) + ": " + f.length + " fields (expected: "
                        + header.length + ")");
            }
            Map<String, Double> values = new LinkedHashMap<>();
            try {
                for (int i = 4; i < f.length; i++) {
                    values.put(header[i], f[i].isEmpty() ? Double.NaN : Double.parseDouble(f[i]));
                }
                rows.add(new Row(f[0], Long.parseLong(f[1]), f[2], f[3], values));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("suite.csv line " + (n + 1) + ": " + line + " (expected: numbers)", e);
            }
        }
        return rows;
    }

    /** Strategies in order of first appearance. */
    static List<String> strategies(List<Row> rows) {
        Set<String> out = new LinkedHashSet<>();
        rows.forEach(r -> out.add(r.strategy()));
        return List.copyOf(out);
    }

    /** Scenarios in order of first appearance. */
    static List<String> scenarios(List<Row> rows) {
        Set<String> out = new LinkedHashSet<>();
        rows.forEach(r -> out.add(r.scenario()));
        return List.copyOf(out);
    }

    private static Map<String, Row> index(List<Row> rows) {
        Map<String, Row> out = new HashMap<>();
        for (Row r : rows) {
            out.put(r.scenario() + "|" + r.seed() + "|" + r.config() + "|" + r.strategy(), r);
        }
        return out;
    }

    static Ratios ratios(List<Row> rows, String strategy, String baseline, String column) {
        return ratios(rows, strategy, "podrouter", baseline, column);
    }

    /** Per-run ratios of {@code config} over {@code baseline} for one strategy and column. */
    static Ratios ratios(List<Row> rows, String strategy, String config, String baseline, String column) {
        Map<String, Row> idx = index(rows);
        List<Double> values = new ArrayList<>();
        List<String> runs = new ArrayList<>();
        int missing = 0;
        for (Row r : rows) {
            if (!r.strategy().equals(strategy) || !r.config().equals(config)) {
                continue;
            }
            Row b = idx.get(r.scenario() + "|" + r.seed() + "|" + baseline + "|" + strategy);
            double v = r.get(column);
            double base = b == null ? Double.NaN : b.get(column);
            if (v != v || base != base || base == 0) {
                missing++;
                continue;
            }
            values.add(v / base);
            runs.add(r.scenario() + ":" + r.seed());
        }
        return new Ratios(values, runs, missing);
    }

    static double sum(List<Row> rows, String strategy, String config, String column) {
        double s = 0;
        for (Row r : rows) {
            if (r.strategy().equals(strategy) && r.config().equals(config)) {
                double v = r.get(column);
                if (v == v) {
                    s += v;
                }
            }
        }
        return s;
    }

    static double mean(List<Row> rows, String scenario, String strategy, String config, String column) {
        double s = 0;
        int n = 0;
        for (Row r : rows) {
            if ((scenario == null || r.scenario().equals(scenario)) && r.strategy().equals(strategy) && r.config().equals(config)) {
                double v = r.get(column);
                if (v == v) {
                    s += v;
                    n++;
                }
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }

    static boolean has(List<Row> rows, String strategy, String config) {
        return rows.stream().anyMatch(r -> r.strategy().equals(strategy) && r.config().equals(config));
    }

    /**
     * The cold-start summary as Markdown: the comparison table, then the target verdicts. Rows of the cache-aware
     * comparison are left out ({@link CacheSummary} has their own).
     */
    public static String markdown(List<Row> all) {
        List<Row> rows = coldStartRows(all);
        StringBuilder sb = new StringBuilder();
        sb.append("| strategy | podrouter vs | measure | runs | mean ratio | worst ratio | wins / losses |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        for (String strategy : strategies(rows)) {
            for (String baseline : List.of("seed-random", "plain")) {
                if (!has(rows, strategy, baseline) || !has(rows, strategy, "podrouter")) {
                    continue;
                }
                for (String column : List.of("ttft_p99_scaleout_s", "fluctuation_sd_s")) {
                    Ratios q = ratios(rows, strategy, baseline, column);
                    sb.append("| ").append(strategy).append(" | ").append(baseline).append(" | ").append(column).append(" | ")
                            .append(q.values().size()).append(q.missing() > 0 ? " (+" + q.missing() + " n/a)" : "").append(" | ")
                            .append(fmt(q.mean(), 2)).append(" | ").append(fmt(q.worst(), 2)).append(" | ")
                            .append(q.wins()).append(" / ").append(q.losses()).append(" |\n");
                }
            }
        }
        sb.append('\n');
        sb.append("| strategy | cold_failed podrouter / reject (suite sums) | failed podrouter / reject | "
                + "utilisation podrouter / skip (means) | goodput podrouter / plain (means) |\n");
        sb.append("|---|---|---|---|---|\n");
        for (String strategy : strategies(rows)) {
            String cold = "-";
            String failed = "-";
            String util = "-";
            if (has(rows, strategy, "reject")) {
                double p = sum(rows, strategy, "podrouter", "cold_failed");
                double r = sum(rows, strategy, "reject", "cold_failed");
                cold = fmt(p, 0) + " / " + fmt(r, 0) + " = " + pct(p / r);
                double pf = sum(rows, strategy, "podrouter", "failed");
                double rf = sum(rows, strategy, "reject", "failed");
                failed = fmt(pf, 0) + " / " + fmt(rf, 0) + " = " + pct(pf / rf);
            }
            if (has(rows, strategy, "skip")) {
                double p = mean(rows, null, strategy, "podrouter", "utilisation");
                double s = mean(rows, null, strategy, "skip", "utilisation");
                util = pct(p) + " / " + pct(s) + " = " + fmt(p / s, 2) + "x";
            }
            double gp = mean(rows, null, strategy, "podrouter", "goodput");
            double gb = mean(rows, null, strategy, "plain", "goodput");
            sb.append("| ").append(strategy).append(" | ").append(cold).append(" | ").append(failed).append(" | ").append(util)
                    .append(" | ").append(pct(gp)).append(" / ").append(pct(gb)).append(" |\n");
        }
        sb.append('\n');
        sb.append("| strategy | target | rule | measured | verdict |\n");
        sb.append("|---|---|---|---|---|\n");
        for (String strategy : strategies(rows)) {
            if (METRIC.contains(strategy)) {
                Ratios plain = ratios(rows, strategy, "plain", "ttft_p99_scaleout_s");
                Ratios seed = ratios(rows, strategy, "seed-random", "ttft_p99_scaleout_s");
                boolean a = plain.worst() <= WORST_LIMIT && seed.worst() <= WORST_LIMIT && plain.mean() <= 1 && seed.mean() <= 1;
                List<String> over = new ArrayList<>();
                plain.above(WORST_LIMIT).forEach(x -> over.add(x + " vs plain"));
                seed.above(WORST_LIMIT).forEach(x -> over.add(x + " vs seed-random"));
                verdict(sb, strategy, "(a)", "ttft_p99_scaleout_s <= 1.10x plain and seed-random in every run, mean ratio <= 1",
                        "worst " + fmt(plain.worst(), 2) + " (plain), " + fmt(seed.worst(), 2) + " (seed-random); mean "
                                + fmt(plain.mean(), 2) + " / " + fmt(seed.mean(), 2) + "; " + over.size() + " runs over 1.10"
                                + list(over), a);
                verdict(sb, strategy, "(b)", "mean ttft_p99_scaleout_s ratio vs seed-random <= 0.70",
                        fmt(seed.mean(), 2), seed.mean() <= 0.70);
                double pc = sum(rows, strategy, "podrouter", "cold_failed");
                double rc = sum(rows, strategy, "reject", "cold_failed");
                verdict(sb, strategy, "(c)", "cold_failed <= 2 % of reject's (suite sums)",
                        fmt(pc, 0) + " / " + fmt(rc, 0) + " = " + fmt(100 * pc / rc, 2) + " %", rc > 0 && pc <= 0.02 * rc);
                Ratios fl = ratios(rows, strategy, "seed-random", "fluctuation_sd_s");
                verdict(sb, strategy, "(d)", "mean fluctuation_sd_s ratio vs seed-random <= 0.60",
                        fmt(fl.mean(), 2) + " (worst " + fmt(fl.worst(), 2) + ", " + fl.wins() + " wins / " + fl.losses()
                                + " losses)", fl.mean() <= 0.60);
                double pu = mean(rows, null, strategy, "podrouter", "utilisation");
                double su = mean(rows, null, strategy, "skip", "utilisation");
                verdict(sb, strategy, "(e)", "mean utilisation >= 1.15x skip's",
                        pct(pu) + " vs " + pct(su) + " = " + fmt(pu / su, 2) + "x", pu >= 1.15 * su);
            } else if (has(rows, strategy, "plain")) {
                Ratios plain = ratios(rows, strategy, "plain", "ttft_p99_scaleout_s");
                boolean ok = plain.worst() <= WORST_LIMIT && plain.mean() <= 1;
                verdict(sb, strategy, "rr/lr", "ttft_p99_scaleout_s <= 1.10x plain in every run, mean ratio <= 1",
                        "worst " + fmt(plain.worst(), 2) + ", mean " + fmt(plain.mean(), 2) + "; "
                                + plain.above(WORST_LIMIT).size() + " runs over 1.10" + list(plain.above(WORST_LIMIT)), ok);
            }
        }
        return sb.toString();
    }

    /** The rows of the cold-start comparison (every strategy but the cache-aware kind). */
    static List<Row> coldStartRows(List<Row> rows) {
        return rows.stream().filter(r -> !r.strategy().equals(CacheSummary.STRATEGY)).toList();
    }

    /**
     * The summary file's text: the cold-start summary, then the cache-aware comparison when the rows have it
     * ({@code workloads}: each scenario's workload by name, for the cache targets).
     */
    public static String markdown(List<Row> rows, Map<String, WorkloadSpec.Kind> workloads) {
        String cache = CacheSummary.markdown(rows, workloads);
        if (coldStartRows(rows).isEmpty()) {
            return cache; // a run of cache scenarios only
        }
        return cache.isEmpty() ? markdown(rows) : markdown(rows) + "\n" + cache;
    }

    private static String list(List<String> items) {
        if (items.isEmpty()) {
            return "";
        }
        int shown = Math.min(12, items.size());
        return ": " + String.join(", ", items.subList(0, shown)) + (items.size() > shown ? ", ..." : "");
    }

    private static void verdict(StringBuilder sb, String strategy, String target, String rule, String measured, boolean pass) {
        sb.append("| ").append(strategy).append(" | ").append(target).append(" | ").append(rule).append(" | ").append(measured)
                .append(" | ").append(pass ? "pass" : "**miss**").append(" |\n");
    }

    static String fmt(double v, int digits) {
        return v != v ? "-" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    static String pct(double v) {
        return v != v || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%.1f %%", v * 100);
    }
}
