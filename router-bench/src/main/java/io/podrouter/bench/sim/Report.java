package io.podrouter.bench.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Formats a set of runs on one scenario: the printed table (with ratios against the baseline, the
 * first {@link RouterConfig} run for the same strategy) and the CSV with the columns
 * {@value #CSV_HEADER}. Latencies are seconds; NaN prints as {@code -} in the table and as an empty
 * field in the CSV. Stateless and thread-safe.
 */
public final class Report {

    /** The CSV header, fixed by issue 7. */
    public static final String CSV_HEADER =
            "config,strategy,requests,failed,cold_start_failure_rate,utilization,latency_cv,ttft_p50_s,ttft_p99_s,e2e_p99_s";

    private Report() {
    }

    /** The CSV text: header plus one row per run, in the given order. */
    public static String csv(List<RunResult> runs) {
        StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
        for (RunResult r : runs) {
            sb.append(r.config().label()).append(',').append(r.strategy().label()).append(',')
                    .append(r.requests()).append(',').append(r.failed()).append(',')
                    .append(csvNumber(r.coldStartFailureRate())).append(',').append(csvNumber(r.utilization())).append(',')
                    .append(csvNumber(r.latencyCv())).append(',').append(csvNumber(r.ttftP50())).append(',')
                    .append(csvNumber(r.ttftP99())).append(',').append(csvNumber(r.e2eP99())).append('\n');
        }
        return sb.toString();
    }

    /** The printed table: one line per run, ratios against the baseline run of the same strategy. */
    public static String table(List<RunResult> runs) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"config", "strategy", "requests", "failed", "cold-fail", "x(a)", "util", "x(a)",
            "lat-cv", "x(a)", "ttft-cv", "x(a)", "ttft-p50", "ttft-p99", "x(a)", "e2e-p99", "jain", "new-share 0-10/10-30/30-60s",
            "first-req mean/max s"});
        for (RunResult r : runs) {
            RunResult base = baseline(runs, r);
            rows.add(new String[] {
                r.config().label(), r.strategy().label(), Long.toString(r.requests()), Long.toString(r.failed()),
                pct(r.coldStartFailureRate()), ratio(r.coldStartFailureRate(), base == null ? Double.NaN : base.coldStartFailureRate()),
                pct(r.utilization()), ratio(r.utilization(), base == null ? Double.NaN : base.utilization()),
                num(r.latencyCv(), 3), ratio(r.latencyCv(), base == null ? Double.NaN : base.latencyCv()),
                num(r.ttftCv(), 3), ratio(r.ttftCv(), base == null ? Double.NaN : base.ttftCv()),
                num(r.ttftP50(), 3), num(r.ttftP99(), 3), ratio(r.ttftP99(), base == null ? Double.NaN : base.ttftP99()),
                num(r.e2eP99(), 2), num(r.jainFairness(), 3),
                pct(r.newPodShare()[0]) + "/" + pct(r.newPodShare()[1]) + "/" + pct(r.newPodShare()[2]),
                firstRequests(r.firstRequestDelays())});
        }
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                sb.append(i == 0 ? "" : "  ");
                sb.append(i < 2 ? String.format("%-" + width[i] + "s", row[i]) : String.format("%" + width[i] + "s", row[i]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The run of the same strategy with the first configuration in {@link RouterConfig} order, or null. */
    static RunResult baseline(List<RunResult> runs, RunResult r) {
        RunResult best = null;
        for (RunResult o : runs) {
            if (o.strategy() == r.strategy() && (best == null || o.config().ordinal() < best.config().ordinal())) {
                best = o;
            }
        }
        return best == null || best.config() != RouterConfig.values()[0] ? null : best;
    }

    private static String firstRequests(double[] delays) {
        if (delays.length == 0) {
            return "-";
        }
        double sum = 0;
        double max = 0;
        int never = 0;
        for (double d : delays) {
            if (Double.isNaN(d)) {
                never++;
            } else {
                sum += d;
                max = Math.max(max, d);
            }
        }
        int got = delays.length - never;
        String s = got == 0 ? "never" : num(sum / got, 2) + "/" + num(max, 2);
        return never > 0 && got > 0 ? s + " (" + never + " never)" : s;
    }

    private static String csvNumber(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    static String num(double v, int digits) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f%%", v * 100);
    }

    private static String ratio(double v, double base) {
        if (Double.isNaN(v) || Double.isNaN(base) || base == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f", v / base);
    }
}
