package io.podrouter.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The family report's statistics, from hand-made CSV rows. */
class FamilyReportTest {

    private static final int COLUMNS = Report.CSV_HEADER.split(",").length;

    /** A CSV row with the given values by column name; every other numeric column empty. */
    private static String row(String scenario, long seed, String config, String strategy, Map<String, Double> values) {
        String[] header = Report.CSV_HEADER.split(",");
        StringBuilder sb = new StringBuilder(scenario + "," + seed + "," + config + "," + strategy);
        for (int i = 4; i < COLUMNS; i++) {
            Double v = values.get(header[i]);
            sb.append(',').append(v == null ? "" : v.toString());
        }
        return sb.append('\n').toString();
    }

    private static Map<String, Double> v(double ttft, double goodput, double coldFailed) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("ttft_p99_scaleout_s", ttft);
        m.put("goodput", goodput);
        m.put("cold_failed", coldFailed);
        m.put("fluctuation_sd_s", 1.0);
        return m;
    }

    private static FamilyReport.Info lengths(double warmup) {
        return new FamilyReport.Info(WorkloadSpec.Kind.LENGTHS, warmup, 100, 0, false);
    }

    @Test
    void ratiosAreTakenRunByRunAndCountWinsLossesAndTiesWithTheTwoPercentTolerance() {
        StringBuilder csv = new StringBuilder(Report.CSV_HEADER).append('\n');
        double[] podrouter = {0.5, 1.01, 2.0, 1.0};
        for (int i = 0; i < podrouter.length; i++) {
            csv.append(row("s" + i, 1, "plain", "least-kv-cache", v(1.0, 0.9, 10)));
            csv.append(row("s" + i, 1, "podrouter", "least-kv-cache", v(podrouter[i], 0.9, 1)));
        }
        csv.append(row("s9", 1, "plain", "least-kv-cache", v(0.0, 0.9, 0))); // baseline 0: n/a
        csv.append(row("s9", 1, "podrouter", "least-kv-cache", v(1.0, 0.9, 0)));
        List<SuiteSummary.Row> rows = SuiteSummary.parse(csv.toString());
        FamilyReport.Sample s = FamilyReport.ratios(rows, "least-kv-cache", "podrouter", "plain", "ttft_p99_scaleout_s", null);
        assertThat(s.values()).containsExactly(0.5, 1.01, 2.0, 1.0);
        assertThat(s.missing()).isEqualTo(1);
        assertThat(FamilyReport.winsLossesTies(s, false, Set.of())).containsExactly(1, 1, 2);
        assertThat(FamilyReport.mean(s.values())).isEqualTo(1.1275);
        assertThat(FamilyReport.percentile(s.values(), 0.90)).isEqualTo(2.0);
        assertThat(FamilyReport.percentile(s.values(), 0.10)).isEqualTo(0.5);
    }

    @Test
    void theBootstrapIntervalIsDeterministicContainsTheMeanAndResamplesScenariosTogether() {
        List<Double> values = new ArrayList<>();
        List<String> scenarios = new ArrayList<>();
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            for (int seed = 1; seed <= 3; seed++) {
                values.add(i % 2 == 0 ? 0.8 : 1.2);
                scenarios.add("s" + i);
                runs.add("s" + i + ":" + seed);
            }
        }
        FamilyReport.Sample s = new FamilyReport.Sample(values, scenarios, runs, 0);
        double[] a = FamilyReport.bootstrap(s, "x");
        double[] b = FamilyReport.bootstrap(s, "x");
        assertThat(a).containsExactly(b);
        assertThat(a[0]).isLessThan(1.0);
        assertThat(a[1]).isGreaterThan(1.0);
        // One scenario with identical seeds: every resample is that scenario, so the interval is a point.
        FamilyReport.Sample one = new FamilyReport.Sample(List.of(0.7, 0.7, 0.7), List.of("a", "a", "a"),
                List.of("a:1", "a:2", "a:3"), 0);
        assertThat(FamilyReport.bootstrap(one, "y")).containsExactly(0.7, 0.7);
        assertThat(FamilyReport.bootstrap(new FamilyReport.Sample(List.of(), List.of(), List.of(), 0), "z")[0]).isNaN();
    }

    @Test
    void theReportHasColdFailuresAgainstRejectAndTheWarmupOneSliceOnItsOwn() {
        StringBuilder csv = new StringBuilder(Report.CSV_HEADER).append('\n');
        for (String s : List.of("fast", "slow")) {
            csv.append(row(s, 1, "reject", "least-kv-cache", v(3.0, 0.5, 100)));
            csv.append(row(s, 1, "seed-random", "least-kv-cache", v(2.0, 0.8, 20)));
            csv.append(row(s, 1, "plain", "least-kv-cache", v(1.0, 0.9, 10)));
            csv.append(row(s, 1, "podrouter", "least-kv-cache", v(s.equals("fast") ? 1.5 : 0.5, 0.9, 1)));
        }
        Map<String, FamilyReport.Info> info = Map.of("fast", lengths(1), "slow", lengths(3));
        String md = FamilyReport.markdown(SuiteSummary.parse(csv.toString()), info, "t", "");
        assertThat(md).contains("| least-kv-cache | podrouter | 2 | 2 | 1.0 % |");
        String slice = md.substring(md.indexOf("## Slice: warm-up factor 1"), md.indexOf("## Slice: warm-up factor above 1"));
        assertThat(slice).contains("| least-kv-cache | podrouter | plain | ttft_p99_scaleout_s | 1 | 1.50 [1.50, 1.50] |");
        assertThat(md).contains("| least-kv-cache | podrouter | plain | ttft_p99_scaleout_s | 2 | 1.00 [0.50, 1.50] |");
        assertThatThrownBy(() -> FamilyReport.markdown(SuiteSummary.parse(csv.toString()), Map.of("fast", lengths(1)), "t", ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scenario: slow");
    }

    @Test
    void cacheRunsCappedByTheOfferedLoadAreTiesAndPeersComeFromTheCsv() {
        StringBuilder csv = new StringBuilder(Report.CSV_HEADER).append('\n');
        // 100 requests x 100 output tokens over 100 s offered = 100 tokens/s.
        for (String[] c : new String[][] {{"podrouter", "100"}, {"peer-x", "98"}, {"peer-y", "97"}}) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("requests", 100.0);
            m.put("output_tokens_per_s", Double.parseDouble(c[1]));
            m.put("ttft_p99_s", 1.0);
            csv.append(row("capped", 1, c[0], "cache-aware", m));
        }
        for (String[] c : new String[][] {{"podrouter", "90"}, {"peer-x", "60"}, {"peer-y", "95"}}) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("requests", 100.0);
            m.put("output_tokens_per_s", Double.parseDouble(c[1]));
            csv.append(row("open", 1, c[0], "cache-aware", m));
        }
        Map<String, FamilyReport.Info> info = Map.of(
                "capped", new FamilyReport.Info(WorkloadSpec.Kind.SHARED_PREFIX, 3, 100, 100, false),
                "open", new FamilyReport.Info(WorkloadSpec.Kind.SHARED_PREFIX, 3, 100, 100, true));
        List<SuiteSummary.Row> rows = SuiteSummary.parse(csv.toString());
        assertThat(FamilyReport.cappedRuns(rows, info)).containsExactly("capped:1");
        String md = FamilyReport.markdown(rows, info, "t", "");
        // peer-x: a tie (capped) and a win (90 / 60); peer-y: a tie (capped) and a loss (90 / 95).
        // Without the capped rule 100 / 98 and 100 / 97 would be wins (more than 2 % above 1).
        assertThat(md).contains("| cache-aware | podrouter | peer-x | output_tokens_per_s | 2 | 1.26 [1.02, 1.50] | 1.02 | "
                + "1.02 (capped:1) | 1 / 0 / 1 |");
        assertThat(md).contains("| cache-aware | podrouter | peer-y | output_tokens_per_s | 2 | 0.99 [0.95, 1.03] | 0.95 | "
                + "0.95 (open:1) | 0 / 1 / 1 |");
        assertThat(md).contains("| capped | shared-prefix | 1 / 1 | tie (capped) |");
        assertThat(md).contains("| open | hot-prefix | 0 / 1 | peer-y (95.00) |");
    }
}
