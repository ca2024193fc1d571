package io.podrouter.bench.sim;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cache-aware comparison's part of the suite summary, computed from the CSV rows of strategy
 * {@code cache-aware} alone: per scenario and configuration the means over seeds, then the targets as verdicts.
 *
 * <p><b>Targets</b> (each "met" or "missed" with its figures; means over the seeds of a scenario, every
 * configuration other than {@code podrouter} and its ablations ({@code podrouter-...}) counts as a peer, round robin
 * included):
 * <ol>
 *   <li>on every shared-prefix and multi-turn scenario without a change of the pod set, podrouter's
 *       {@code output_tokens_per_s} at least the best peer's and its {@code ttft_p99_s} at most the best peer's
 *       (no tolerance: "matches" means not worse);</li>
 *   <li>on every such shared-prefix scenario, podrouter's {@code output_tokens_per_s} at least 1.5x round robin's;</li>
 *   <li>on every cache scenario whose pod set changes (a scale-out, a restart), podrouter's
 *       {@code ttft_p99_scaleout_s} at most 0.8x every peer's (at least 20 % below).</li>
 * </ol>
 * A scenario's workload comes from its scenario file ({@link #workloads}); scenarios whose workload is unknown
 * are listed but get no verdict. A target with no scenario to judge is reported as such.
 *
 * <p>Stateless and thread-safe.
 */
public final class CacheSummary {

    /** The strategy label of the comparison's rows. */
    public static final String STRATEGY = "cache-aware";
    static final String PODROUTER = "podrouter";
    static final String ROUND_ROBIN = "round-robin";

    private CacheSummary() {
    }

    /** The rows of the cache-aware comparison. */
    static List<SuiteSummary.Row> rows(List<SuiteSummary.Row> rows) {
        return rows.stream().filter(r -> r.strategy().equals(STRATEGY)).toList();
    }

    /**
     * The workload of each scenario file in {@code dir} ({@code NAME.properties}), by scenario name; an empty map
     * when the directory does not exist. A file that does not parse throws.
     */
    public static Map<String, WorkloadSpec.Kind> workloads(Path dir) throws IOException {
        Map<String, WorkloadSpec.Kind> out = new LinkedHashMap<>();
        if (!java.nio.file.Files.isDirectory(dir)) {
            return out;
        }
        for (Path f : Suite.scenarioFiles(dir)) {
            Scenario s = Suite.load(f, Map.of());
            out.put(s.name(), s.workload().kind());
        }
        return out;
    }

    /** The workloads of {@code scenarios}, by name. */
    static Map<String, WorkloadSpec.Kind> workloads(List<Scenario> scenarios) {
        Map<String, WorkloadSpec.Kind> out = new LinkedHashMap<>();
        scenarios.forEach(s -> out.put(s.name(), s.workload().kind()));
        return out;
    }

    /** The Markdown section; empty text when there are no cache-aware rows. */
    public static String markdown(List<SuiteSummary.Row> all, Map<String, WorkloadSpec.Kind> workloads) {
        List<SuiteSummary.Row> rows = rows(all);
        if (rows.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        sb.append("| scenario | config | seeds | output tokens/s | TTFT p50 (s) | TTFT p99 (s) | prefix hit rate | goodput | "
                + "failed | ttft_p99_scaleout_s | new-pod share 0-10 / 10-30 / 30-60 s (fair) |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String scenario : SuiteSummary.scenarios(rows)) {
            boolean changes = changesPods(rows, scenario);
            for (String config : configs(rows)) {
                long seeds = rows.stream().filter(r -> r.scenario().equals(scenario) && r.config().equals(config)).count();
                if (seeds == 0) {
                    continue;
                }
                sb.append("| ").append(scenario).append(" | ").append(config).append(" | ").append(seeds).append(" | ")
                        .append(SuiteSummary.fmt(mean(rows, scenario, config, "output_tokens_per_s"), 0)).append(" | ")
                        .append(SuiteSummary.fmt(mean(rows, scenario, config, "ttft_p50_s"), 3)).append(" | ")
                        .append(SuiteSummary.fmt(mean(rows, scenario, config, "ttft_p99_s"), 2)).append(" | ")
                        .append(SuiteSummary.pct(mean(rows, scenario, config, "prefix_hit_rate"))).append(" | ")
                        .append(SuiteSummary.pct(mean(rows, scenario, config, "goodput"))).append(" | ")
                        .append(SuiteSummary.fmt(mean(rows, scenario, config, "failed"), 1)).append(" | ")
                        .append(changes ? SuiteSummary.fmt(mean(rows, scenario, config, "ttft_p99_scaleout_s"), 2) : "-")
                        .append(" | ")
                        .append(changes ? SuiteSummary.pct(mean(rows, scenario, config, "new_share_0_10")) + " / "
                                + SuiteSummary.pct(mean(rows, scenario, config, "new_share_10_30")) + " / "
                                + SuiteSummary.pct(mean(rows, scenario, config, "new_share_30_60")) + " ("
                                + SuiteSummary.pct(mean(rows, scenario, config, "new_pod_fair_share")) + ")" : "-")
                        .append(" |\n");
            }
        }
        sb.append('\n');
        sb.append("| target | scenario | rule | measured | verdict |\n|---|---|---|---|---|\n");
        int judged1 = 0;
        int judged2 = 0;
        int judged3 = 0;
        for (String scenario : SuiteSummary.scenarios(rows)) {
            WorkloadSpec.Kind kind = workloads.get(scenario);
            if (kind == null || kind == WorkloadSpec.Kind.LENGTHS || !has(rows, scenario, PODROUTER)) {
                continue;
            }
            List<String> peers = new ArrayList<>(configs(rows));
            peers.removeIf(c -> c.startsWith(PODROUTER) || !has(rows, scenario, c)); // podrouter and its ablations
            if (peers.isEmpty()) {
                continue;
            }
            double tokens = mean(rows, scenario, PODROUTER, "output_tokens_per_s");
            if (!changesPods(rows, scenario)) {
                judged1++;
                String bestTokens = best(rows, scenario, peers, "output_tokens_per_s", true);
                String bestTtft = best(rows, scenario, peers, "ttft_p99_s", false);
                double peerTokens = mean(rows, scenario, bestTokens, "output_tokens_per_s");
                double ttft = mean(rows, scenario, PODROUTER, "ttft_p99_s");
                double peerTtft = mean(rows, scenario, bestTtft, "ttft_p99_s");
                verdict(sb, "1 throughput", scenario, "podrouter output tokens/s >= best peer's",
                        SuiteSummary.fmt(tokens, 0) + " vs " + SuiteSummary.fmt(peerTokens, 0) + " (" + bestTokens + ") = "
                                + SuiteSummary.fmt(tokens / peerTokens, 3) + "x", tokens >= peerTokens);
                verdict(sb, "1 TTFT p99", scenario, "podrouter TTFT p99 <= best peer's",
                        SuiteSummary.fmt(ttft, 2) + " s vs " + SuiteSummary.fmt(peerTtft, 2) + " s (" + bestTtft + ") = "
                                + SuiteSummary.fmt(ttft / peerTtft, 3) + "x", ttft <= peerTtft);
                if (kind == WorkloadSpec.Kind.SHARED_PREFIX && has(rows, scenario, ROUND_ROBIN)) {
                    judged2++;
                    double rr = mean(rows, scenario, ROUND_ROBIN, "output_tokens_per_s");
                    verdict(sb, "2 vs round robin", scenario, "podrouter output tokens/s >= 1.5x round robin's",
                            SuiteSummary.fmt(tokens, 0) + " vs " + SuiteSummary.fmt(rr, 0) + " = "
                                    + SuiteSummary.fmt(tokens / rr, 2) + "x", tokens >= 1.5 * rr);
                }
            } else {
                judged3++;
                double p = mean(rows, scenario, PODROUTER, "ttft_p99_scaleout_s");
                String bestPeer = best(rows, scenario, peers, "ttft_p99_scaleout_s", false);
                double b = mean(rows, scenario, bestPeer, "ttft_p99_scaleout_s");
                StringBuilder each = new StringBuilder();
                for (String peer : peers) {
                    each.append(each.length() == 0 ? "" : ", ").append(peer).append(' ')
                            .append(SuiteSummary.fmt(p / mean(rows, scenario, peer, "ttft_p99_scaleout_s"), 2)).append('x');
                }
                verdict(sb, "3 scale-out", scenario, "podrouter ttft_p99_scaleout_s <= 0.8x every peer's",
                        SuiteSummary.fmt(p, 2) + " s vs best peer " + SuiteSummary.fmt(b, 2) + " s (" + bestPeer + "); "
                                + "ratio to each: " + each, p <= 0.8 * b);
            }
        }
        if (judged1 == 0) {
            sb.append("| 1 | - | steady shared-prefix or multi-turn scenario | none in this run | not judged |\n");
        }
        if (judged2 == 0) {
            sb.append("| 2 | - | steady shared-prefix scenario with round robin | none in this run | not judged |\n");
        }
        if (judged3 == 0) {
            sb.append("| 3 | - | cache scenario with a scale-out or restart | none in this run | not judged |\n");
        }
        return sb.toString();
    }

    /** Whether the scenario's pod set changes (its rows have a share of pod-time for cold-started pods). */
    private static boolean changesPods(List<SuiteSummary.Row> rows, String scenario) {
        return rows.stream().anyMatch(r -> r.scenario().equals(scenario) && r.get("new_pod_fair_share") == r.get("new_pod_fair_share"));
    }

    private static String best(List<SuiteSummary.Row> rows, String scenario, List<String> peers, String column, boolean higher) {
        String best = null;
        double value = Double.NaN;
        for (String peer : peers) {
            double v = mean(rows, scenario, peer, column);
            if (v == v && (best == null || (higher ? v > value : v < value))) {
                best = peer;
                value = v;
            }
        }
        return best == null ? peers.get(0) : best;
    }

    private static void verdict(StringBuilder sb, String target, String scenario, String rule, String measured, boolean met) {
        sb.append("| ").append(target).append(" | ").append(scenario).append(" | ").append(rule).append(" | ").append(measured)
                .append(" | ").append(met ? "met" : "**missed**").append(" |\n");
    }

    private static Set<String> configs(List<SuiteSummary.Row> rows) {
        Set<String> out = new LinkedHashSet<>();
        rows.forEach(r -> out.add(r.config()));
        return out;
    }

    private static boolean has(List<SuiteSummary.Row> rows, String scenario, String config) {
        return rows.stream().anyMatch(r -> r.scenario().equals(scenario) && r.config().equals(config));
    }

    private static double mean(List<SuiteSummary.Row> rows, String scenario, String config, String column) {
        return SuiteSummary.mean(rows, scenario, STRATEGY, config, column);
    }
}
