package io.podrouter.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The suite path: byte-identical reruns, the CSV's columns, the summary and the doc generator. */
class SuiteTest {

    @TempDir
    Path dir;

    private Path twoStepFile() throws IOException {
        Path f = dir.resolve("two-step.properties");
        Files.writeString(f, "# two-step scale-out\nscaleOut=75:+3,95:+3,130:-2\nduration=150\nwindowSettle=20\n",
                StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void aTwoStepScaleOutRunTwiceGivesByteIdenticalCsv() throws IOException {
        Scenario s = Suite.load(twoStepFile(), Map.of("strategies", "least-kv-cache,least-latency,round-robin"));
        String first = Suite.run(List.of(s), List.of(1L, 2L), 2);
        String second = Suite.run(List.of(s), List.of(1L, 2L), 2);
        String oneThread = Suite.run(List.of(s), List.of(1L, 2L), 1);
        assertThat(second).isEqualTo(first);
        assertThat(oneThread).isEqualTo(first);
        // 2 seeds x (5 configs x 2 metric strategies + 2 configs for round robin) rows plus the header.
        assertThat(first.lines().count()).isEqualTo(1 + 2 * 12);
    }

    @Test
    void theCsvHasTheRequiredColumnsInOrderAndOneRowPerRun() throws IOException {
        Scenario s = Suite.load(twoStepFile(), Map.of("strategies", "least-request", "duration", "100"));
        assertThat(s.name()).isEqualTo("two-step");
        String csv = Suite.run(List.of(s), List.of(7L), 1);
        assertThat(csv).startsWith("scenario,seed,config,strategy,requests,failed,cold_failed,ttft_p50_s,ttft_p99_s,"
                + "ttft_p99_scaleout_s,e2e_p99_s,goodput,utilisation,fluctuation_sd_s,fluctuation_cv,new_pod_share,");
        List<SuiteSummary.Row> rows = SuiteSummary.parse(csv);
        assertThat(rows).extracting(SuiteSummary.Row::config).containsExactly("plain", "podrouter");
        assertThat(rows).allMatch(r -> r.scenario().equals("two-step") && r.seed() == 7 && r.strategy().equals("least-request"));
        assertThat(rows.get(0).get("requests")).isPositive();
    }

    @Test
    void summaryGivesVerdictsAndTheDocGeneratorReplacesOnlyItsPart() throws IOException {
        String csv = Report.CSV_HEADER + "\n"
                + row("s", 1, "reject", "least-kv-cache", 100, 30, 0.5) + row("s", 1, "skip", "least-kv-cache", 10, 2, 0.4)
                + row("s", 1, "seed-random", "least-kv-cache", 2, 2.0, 0.6) + row("s", 1, "plain", "least-kv-cache", 2, 1.0, 0.6)
                + row("s", 1, "podrouter", "least-kv-cache", 1, 1.05, 0.6)
                + row("s", 1, "plain", "round-robin", 0, 1.0, 0.6) + row("s", 1, "podrouter", "round-robin", 0, 1.2, 0.6);
        List<SuiteSummary.Row> rows = SuiteSummary.parse(csv);
        String md = SuiteSummary.markdown(rows);
        assertThat(md).contains("| least-kv-cache | seed-random | ttft_p99_scaleout_s | 1 | 0.53 | 0.53 | 1 / 0 |");
        assertThat(md).contains("| least-kv-cache | (a) |").contains("| least-kv-cache | (c) | cold_failed <= 2 % of reject's "
                + "(suite sums) | 1 / 100 = 1.00 % | pass |");
        assertThat(md).contains("| least-kv-cache | (e) | mean utilisation >= 1.15x skip's | 60.0 % vs 40.0 % = 1.50x | pass |");
        assertThat(md).contains("| round-robin | rr/lr | ttft_p99_scaleout_s <= 1.10x plain in every run, mean ratio <= 1 | "
                + "worst 1.20, mean 1.20; 1 runs over 1.10: s:1 1.20 | **miss** |");
        Files.writeString(dir.resolve("suite.csv"), csv, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("suite-run.txt"), "7 runs in 1.0 s wall\n", StandardCharsets.UTF_8);
        Path doc = dir.resolve("SIM.md");
        Files.writeString(doc, "intro\n" + SimulationDoc.BEGIN + "\nold table\n" + SimulationDoc.END + "\noutro\n");
        SimulationDoc.regenerate(dir, doc);
        String text = Files.readString(doc);
        assertThat(text).startsWith("intro\n" + SimulationDoc.BEGIN + "\nLast full run: 7 runs in 1.0 s wall.")
                .doesNotContain("old table").contains(md).endsWith(SimulationDoc.END + "\noutro\n");
        assertThatThrownBy(() -> SuiteSummary.parse("a,b\n1,2\n")).hasMessageContaining("suite.csv: header");
    }

    /** A CSV row with the given headline figures and every other column empty. */
    private static String row(String scenario, long seed, String config, String strategy, int coldFailed, double ttftP99ScaleOut,
            double utilisation) {
        String[] header = Report.CSV_HEADER.split(",");
        String[] f = new String[header.length];
        java.util.Arrays.fill(f, "");
        f[0] = scenario;
        f[1] = Long.toString(seed);
        f[2] = config;
        f[3] = strategy;
        f[6] = Integer.toString(coldFailed);
        f[9] = Double.toString(ttftP99ScaleOut);
        f[12] = Double.toString(utilisation);
        f[13] = "1.0";
        return String.join(",", f) + "\n";
    }

    @Test
    void theCommandLineRunsOneScenarioFileThroughTheSuitePath() throws IOException {
        Path file = dir.resolve("smoke.properties");
        Files.writeString(file, "# smoke\nscaleOut=20:+2\ninitialPods=2\nbaseRate=20\nstepRate=20\nduration=50\n"
                + "strategies=least-kv-cache,round-robin\n", StandardCharsets.UTF_8);
        Path out = dir.resolve("out");
        SimulatorMain.main(new String[] {"--scenario=" + file, "--seeds=3", "--out=" + out, "--threads=1"});
        String csv = Files.readString(out.resolve("suite.csv"));
        List<SuiteSummary.Row> rows = SuiteSummary.parse(csv);
        assertThat(rows).hasSize(7);
        assertThat(rows).allMatch(r -> r.scenario().equals("smoke") && r.seed() == 3);
        assertThat(Files.readString(out.resolve("summary.md"))).contains("| least-kv-cache | (b) |");
        assertThat(Files.readString(out.resolve("suite-run.txt"))).startsWith("7 runs (1 scenarios x 1 seeds) in ");
    }

    @Test
    void badSuiteArgumentsAreRejected() {
        assertThatThrownBy(() -> Suite.run(List.of(), List.of(), 1)).hasMessage("seeds: empty (expected: at least one seed)");
        assertThatThrownBy(() -> Suite.run(List.of(), List.of(1L), 0)).hasMessage("threads: 0 (expected: >= 1)");
        assertThatThrownBy(() -> SimulatorMain.parseSeeds("1,x")).hasMessageContaining("seeds: 1,x (expected: comma-separated integers");
        assertThatThrownBy(() -> SimulatorMain.parseSeeds("1,1")).hasMessageContaining("no seed twice");
        assertThatThrownBy(() -> Suite.scenarioFiles(dir)).hasMessageContaining("expected: a directory with *.properties");
    }

    @Test
    void theRepositorysDefaultSuiteHasAtLeastTwelveValidScenarios() throws IOException {
        Path scenarios = Path.of("scenarios");
        List<Path> files = Suite.scenarioFiles(scenarios);
        assertThat(files).hasSizeGreaterThanOrEqualTo(12);
        for (Path f : files) {
            Scenario s = Suite.load(f, Map.of());
            assertThat(Files.readString(f)).startsWith("# ");
            Simulation.plan(s); // every schedule names pods that exist
        }
    }
}
