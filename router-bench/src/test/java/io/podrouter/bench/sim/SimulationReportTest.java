package io.podrouter.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reproducibility and the expected order of the configurations on a small scale-out scenario. */
class SimulationReportTest {

    private static Scenario small(long seed) {
        Map<String, String> p = new HashMap<>();
        p.put("seed", Long.toString(seed));
        p.put("duration", "150");
        p.put("windowSettle", "20");
        p.put("chart", "false");
        return Scenario.parse(p);
    }

    @Test
    void sameSeedGivesTheSameReport() {
        Scenario s = small(3);
        List<RunResult> first = SimulatorMain.runAll(s, false);
        List<RunResult> second = SimulatorMain.runAll(s, false);
        assertThat(Report.csv(s, second)).isEqualTo(Report.csv(s, first));
        assertThat(Report.table(second)).isEqualTo(Report.table(first));
        assertThat(Report.csv(s, first)).startsWith(Report.CSV_HEADER + "\n");
        assertThat(Report.csv(s, first).lines().count()).isEqualTo(1 + first.size());
    }

    @Test
    void differentSeedGivesADifferentWorkload() {
        Scenario a = small(3);
        Scenario b = small(4);
        RunResult ra = new Simulation(a, RouterConfig.PODROUTER, StrategyKind.LEAST_REQUEST).run();
        RunResult rb = new Simulation(b, RouterConfig.PODROUTER, StrategyKind.LEAST_REQUEST).run();
        assertThat(ra.requests()).isNotEqualTo(rb.requests());
    }

    @Test
    void naiveRejectFailsMoreThanTheSeedFixDuringColdStart() {
        Scenario s = small(5);
        for (StrategyKind kind : List.of(StrategyKind.LEAST_KV_CACHE, StrategyKind.LEAST_LATENCY)) {
            RunResult reject = new Simulation(s, RouterConfig.REJECT, kind).run();
            RunResult skip = new Simulation(s, RouterConfig.SKIP, kind).run();
            RunResult seed = new Simulation(s, RouterConfig.SEED_RANDOM, kind).run();
            RunResult podrouter = new Simulation(s, RouterConfig.PODROUTER, kind).run();
            assertThat(reject.coldArrivals()).isPositive();
            // Every request arriving while a new pod lacks the metric fails under "reject".
            assertThat(reject.coldStartFailureRate()).as(kind.label()).isGreaterThan(0.9);
            assertThat(seed.coldStartFailureRate()).as(kind.label()).isLessThan(reject.coldStartFailureRate() / 10);
            assertThat(podrouter.coldStartFailureRate()).as(kind.label()).isLessThan(reject.coldStartFailureRate() / 10);
            // "skip" starves the new pods until their metrics appear; the AIBrix article's random fix routes to them at once.
            assertThat(java.util.Arrays.stream(seed.firstRequestDelays()).boxed()).allMatch(d -> d < 1.0);
            assertThat(java.util.Arrays.stream(skip.firstRequestDelays()).boxed()).anyMatch(d -> Double.isNaN(d) || d >= s.metricDelayMin());
            assertThat(seed.utilisation()).as(kind.label()).isGreaterThan(skip.utilisation());
        }
    }

    @Test
    void metricFreeStrategiesRunOnlyUnderPlainAndPodrouter() {
        assertThat(RouterConfig.REJECT.appliesTo(StrategyKind.ROUND_ROBIN)).isFalse();
        assertThat(RouterConfig.SKIP.appliesTo(StrategyKind.LEAST_REQUEST)).isFalse();
        assertThat(RouterConfig.SEED_RANDOM.appliesTo(StrategyKind.ROUND_ROBIN)).isFalse();
        assertThat(RouterConfig.PLAIN.appliesTo(StrategyKind.ROUND_ROBIN)).isTrue();
        assertThat(RouterConfig.PODROUTER.appliesTo(StrategyKind.ROUND_ROBIN)).isTrue();
        assertThatThrownBy(() -> new Simulation(small(1), RouterConfig.REJECT, StrategyKind.ROUND_ROBIN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not apply");
    }

    @Test
    void rejectsUnknownAndOutOfRangeParameters() {
        assertThatThrownBy(() -> Scenario.parse(Map.of("scrapeIntervl", "1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown parameter: scrapeIntervl");
        assertThatThrownBy(() -> Scenario.parse(Map.of("scrapeInterval", "-1")))
                .hasMessage("scrapeInterval: -1.0 (expected: > 0)");
        assertThatThrownBy(() -> Scenario.parse(Map.of("metricDelayMin", "10", "metricDelayMax", "5")))
                .hasMessageContaining("metricDelayMax: 5.0 (expected: >= metricDelayMin 10.0)");
        assertThatThrownBy(() -> Scenario.parse(Map.of("arrival", "trace")))
                .hasMessageContaining("traceFile: empty");
    }

    @Test
    void chartHasOnePanelPerRun() {
        Scenario s = small(2);
        List<RunResult> runs = SimulatorMain.runAll(s, false);
        String svg = SvgChart.render(s, runs);
        assertThat(svg).startsWith("<svg").endsWith("</svg>\n");
        for (RunResult r : runs) {
            assertThat(svg).contains(r.config().label() + " / " + r.strategy().label());
        }
    }
}
