package io.podrouter.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cache-aware section of the summary: means per scenario and configuration, and the verdicts from the CSV. */
class CacheSummaryTest {

    private static final String[] HEADER = Report.CSV_HEADER.split(",");

    /** A cache-aware row with the given figures and every other column empty. */
    private static String row(String scenario, long seed, String config, double tokens, double ttftP99, double scaleOut,
            double fairShare) {
        String[] f = new String[HEADER.length];
        java.util.Arrays.fill(f, "");
        f[0] = scenario;
        f[1] = Long.toString(seed);
        f[2] = config;
        f[3] = "cache-aware";
        List<String> h = List.of(HEADER);
        f[h.indexOf("ttft_p99_s")] = Double.toString(ttftP99);
        f[h.indexOf("output_tokens_per_s")] = Double.toString(tokens);
        f[h.indexOf("prefix_hit_rate")] = "0.5";
        f[h.indexOf("ttft_p99_scaleout_s")] = Double.toString(scaleOut);
        if (fairShare == fairShare) {
            f[h.indexOf("new_pod_fair_share")] = Double.toString(fairShare);
            f[h.indexOf("new_share_0_10")] = "0.25";
        }
        return String.join(",", f) + "\n";
    }

    @Test
    void verdictsCompareMeansOverSeedsAgainstTheBestPeerAndRoundRobin() {
        String csv = Report.CSV_HEADER + "\n"
                // steady shared-prefix: podrouter 1.6x round robin, but llm-d has more tokens/s on average
                + row("sp", 1, "podrouter", 1600, 1.0, 1.0, Double.NaN) + row("sp", 2, "podrouter", 1600, 1.0, 1.0, Double.NaN)
                + row("sp", 1, "llm-d", 1500, 2.0, 2.0, Double.NaN) + row("sp", 2, "llm-d", 1900, 2.0, 2.0, Double.NaN)
                + row("sp", 1, "round-robin", 1000, 9.0, 9.0, Double.NaN) + row("sp", 2, "round-robin", 1000, 9.0, 9.0, Double.NaN)
                // scale-out: podrouter 8.0 s against peers at 10.0 and 9.0: 0.89x the best, not 20 % below
                + row("so", 1, "podrouter", 1000, 8.0, 8.0, 0.5) + row("so", 1, "llm-d", 1000, 10.0, 10.0, 0.5)
                + row("so", 1, "round-robin", 1000, 9.0, 9.0, 0.5)
                // an ablation of podrouter is listed but is no peer
                + row("so", 1, "podrouter-imbalance-gate", 1000, 1.0, 1.0, 0.5)
                // a row of another strategy is left out
                + row("sp", 1, "plain", 1, 1, 1, Double.NaN).replace(",cache-aware,", ",round-robin,");
        List<SuiteSummary.Row> rows = SuiteSummary.parse(csv);
        String md = CacheSummary.markdown(rows, Map.of("sp", WorkloadSpec.Kind.SHARED_PREFIX, "so", WorkloadSpec.Kind.SHARED_PREFIX));
        assertThat(md).contains("| sp | llm-d | 2 | 1700 | ");
        assertThat(md).contains("| 1 throughput | sp | podrouter output tokens/s >= best peer's | 1600 vs 1700 (llm-d) = 0.941x | **missed** |");
        assertThat(md).contains("| 1 TTFT p99 | sp | podrouter TTFT p99 <= best peer's | 1.00 s vs 2.00 s (llm-d) = 0.500x | met |");
        assertThat(md).contains("| 2 vs round robin | sp | podrouter output tokens/s >= 1.5x round robin's | 1600 vs 1000 = 1.60x | met |");
        assertThat(md).contains("| 3 scale-out | so | podrouter ttft_p99_scaleout_s <= 0.8x every peer's | 8.00 s vs best peer 9.00 s "
                + "(round-robin); ratio to each: llm-d 0.80x, round-robin 0.89x | **missed** |");
        assertThat(md).contains("| so | podrouter | 1 | 1000 | ").contains("25.0 % / - / - (50.0 %)");
        assertThat(md).doesNotContain("| sp | plain |").contains("| so | podrouter-imbalance-gate | 1 | 1000 | ");
        // Without the workloads no verdict can be given, and the summary says so.
        assertThat(CacheSummary.markdown(rows, Map.of())).contains("| 1 | - | steady shared-prefix or multi-turn scenario | "
                + "none in this run | not judged |");
        // The cold-start summary ignores the cache-aware rows.
        assertThat(SuiteSummary.markdown(rows)).doesNotContain("cache-aware");
    }
}
