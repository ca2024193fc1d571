package io.podrouter.bench.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Formats runs: the printed table of one scenario and the CSV rows of the suite (columns
 * {@value #CSV_HEADER}; definitions in {@link RunResult}). Latencies are seconds, shares and rates are
 * fractions; numbers have six decimals, NaN prints as {@code -} in the table and as an empty field in the
 * CSV. Stateless and thread-safe.
 */
public final class Report {

    /** The suite CSV's columns (the first sixteen are fixed; the rest are diagnostics). */
    public static final String CSV_HEADER = "scenario,seed,config,strategy,requests,failed,cold_failed,ttft_p50_s,ttft_p99_s,"
            + "ttft_p99_scaleout_s,e2e_p99_s,goodput,utilisation,fluctuation_sd_s,fluctuation_cv,new_pod_share,"
            + "cold_requests,rejected,timed_out,killed,gateway_timeouts,ttft_p50_scaleout_s,e2e_p99_scaleout_s,"
            + "goodput_scaleout,tokens_per_pod_s,busy_fraction,pod_spread,new_pod_fair_share,new_share_0_10,"
            + "new_share_10_30,new_share_30_60,window_start_s,window_end_s,output_tokens_per_s,prefix_hit_rate";

    private Report() {
    }

    /** The CSV text: header plus one row per run of {@code scenario}, in the given order. */
    public static String csv(Scenario scenario, List<RunResult> runs) {
        StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
        for (RunResult r : runs) {
            row(sb, scenario.name(), scenario.seed(), r);
        }
        return sb.toString();
    }

    /** Appends one CSV row (no header) for run {@code r} of scenario {@code name} with {@code seed}. */
    public static void row(StringBuilder sb, String name, long seed, RunResult r) {
        sb.append(name).append(',').append(seed).append(',').append(r.config().label()).append(',')
                .append(r.strategy().label()).append(',').append(r.requests()).append(',').append(r.failed()).append(',')
                .append(r.coldFailed());
        for (double v : new double[] {r.ttftP50(), r.ttftP99(), r.ttftP99ScaleOut(), r.e2eP99(), r.goodput(), r.utilisation(),
            r.fluctuationSd(), r.fluctuationCv(), r.newPodShare()}) {
            sb.append(',').append(csvNumber(v));
        }
        sb.append(',').append(r.coldArrivals()).append(',').append(r.failedRejected()).append(',').append(r.failedTimeout())
                .append(',').append(r.failedKilled()).append(',').append(r.failedNoPod());
        for (double v : new double[] {r.ttftP50ScaleOut(), r.e2eP99ScaleOut(), r.goodputScaleOut(), r.tokensPerPodSecond(),
            r.busyFraction(), r.podSpread(), r.newPodFairShare(), r.newPodSharePhases()[0], r.newPodSharePhases()[1],
            r.newPodSharePhases()[2], r.windowStart(), r.windowEnd(), r.outputTokensPerSecond(), r.prefixHitRate()}) {
            sb.append(',').append(csvNumber(v));
        }
        sb.append('\n');
    }

    /** The printed table: one line per run. */
    public static String table(List<RunResult> runs) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"config", "strategy", "requests", "failed", "cold-fail", "ttft-p50", "ttft-p99",
            "ttft-p99-so", "e2e-p99", "goodput", "util", "fluct-sd", "fluct-cv", "spread", "new-share(fair)",
            "0-10/10-30/30-60s", "first-req mean/max s", "out-tok/s", "prefix-hit"});
        for (RunResult r : runs) {
            rows.add(new String[] {
                r.config().label(), r.strategy().label(), Long.toString(r.requests()), Long.toString(r.failed()),
                pct(r.coldStartFailureRate()), num(r.ttftP50(), 3), num(r.ttftP99(), 3), num(r.ttftP99ScaleOut(), 3),
                num(r.e2eP99(), 2), pct(r.goodput()), pct(r.utilisation()), num(r.fluctuationSd(), 3),
                num(r.fluctuationCv(), 3), num(r.podSpread(), 2), pct(r.newPodShare()) + " (" + pct(r.newPodFairShare()) + ")",
                pct(r.newPodSharePhases()[0]) + "/" + pct(r.newPodSharePhases()[1]) + "/" + pct(r.newPodSharePhases()[2]),
                firstRequests(r.firstRequestDelays()), num(r.outputTokensPerSecond(), 0), pct(r.prefixHitRate())});
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

    static String csvNumber(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    static String num(double v, int digits) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f%%", v * 100);
    }

}
