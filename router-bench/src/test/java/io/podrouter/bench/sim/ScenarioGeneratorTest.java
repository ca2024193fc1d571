package io.podrouter.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenario generator: deterministic files and CSV, and every drawn value inside the range SIMULATION.md documents
 * (the literals below are that table's, not the generator's constants, so a change of either shows here).
 */
class ScenarioGeneratorTest {

    @TempDir
    Path dir;

    @Test
    void drawingTwiceGivesByteIdenticalFilesAndTheSameCsvWhateverThePool() throws IOException {
        List<Path> a = ScenarioGenerator.write(ScenarioGenerator.draw(4, 77), dir.resolve("a"));
        List<Path> b = ScenarioGenerator.write(ScenarioGenerator.draw(4, 77), dir.resolve("b"));
        assertThat(a).hasSize(4);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).getFileName()).isEqualTo(b.get(i).getFileName());
            assertThat(Files.readAllBytes(a.get(i))).isEqualTo(Files.readAllBytes(b.get(i)));
        }
        // Small runs of the drawn files (capped requests, two configurations) through the suite path.
        Map<String, String> small = Map.of("maxRequests", "1500", "configs", "plain,podrouter,round-robin,llm-d");
        List<Scenario> first = new ArrayList<>();
        List<Scenario> second = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            first.add(Suite.load(a.get(i), small));
            second.add(Suite.load(b.get(i), small));
        }
        String csv1 = Suite.run(first, List.of(1L, 2L), 2);
        String csv2 = Suite.run(second, List.of(1L, 2L), 1);
        assertThat(csv2).isEqualTo(csv1);
        assertThat(csv1.lines().count()).isGreaterThan(1 + 4 * 2);
    }

    @Test
    void theFirstScenariosOfALargerFamilyAreThoseOfASmallerOne() {
        assertThat(ScenarioGenerator.draw(6, 5).subList(0, 3)).isEqualTo(ScenarioGenerator.draw(3, 5));
        assertThat(ScenarioGenerator.draw(3, 6)).isNotEqualTo(ScenarioGenerator.draw(3, 5));
    }

    @Test
    void aBadCountIsRejectedWithItsValue() {
        assertThatThrownBy(() -> ScenarioGenerator.draw(0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("random: 0 (expected: 1 to 9999 scenarios)");
    }

    @Test
    void everyDrawnValueLiesInItsDocumentedRange() throws IOException {
        List<ScenarioGenerator.Drawn> drawn = ScenarioGenerator.draw(40, 20261207);
        ScenarioGenerator.write(drawn, dir);
        int hot = 0;
        for (ScenarioGenerator.Drawn d : drawn) {
            Scenario s = Suite.load(dir.resolve(d.name() + ".properties"), Map.of());
            Map<String, String> k = d.keys();
            String what = d.name() + ": " + d.fileText();
            assertThat(s.stepModel().name()).as(what).isIn("h100", "a100");
            assertThat((double) s.kvCapacityTokens() / 467_000).as(what).isIn(0.5, 0.75, 1.0, 1.5, 2.0);
            assertThat(s.warmupFactor()).as(what).isIn(1.0, 1.5, 2.0, 3.0);
            assertThat(s.warmupSeconds()).as(what).isIn(0.0, 10.0, 20.0, 30.0);
            assertThat(s.routers()).as(what).isBetween(1, 5);
            assertThat(s.scrapeInterval()).as(what).isBetween(0.05, 5.0);
            assertThat(s.scrapeFailure()).as(what).isBetween(0.0, 0.10);
            assertThat(s.metricDelayMin()).as(what).isBetween(0.0, 10.0);
            assertThat(s.metricDelayMax()).as(what).isBetween(5.0, 45.0).isGreaterThanOrEqualTo(s.metricDelayMin());
            if (s.hasStall()) {
                assertThat(s.stallSeconds()).as(what).isBetween(5.0, 30.0);
            }
            assertThat(s.durationSeconds()).as(what).isLessThanOrEqualTo(320).isEqualTo(Math.ceil(s.durationSeconds() / 10) * 10);
            assertThat(s.timeoutSeconds()).isEqualTo(30);

            boolean hotPrefix = s.workload().kind() == WorkloadSpec.Kind.SHARED_PREFIX && s.workload().prefixGroups() == 1;
            hot += hotPrefix ? 1 : 0;
            assertThat(s.initialPods()).as(what).isBetween(hotPrefix ? 2 : 1, hotPrefix ? 5 : 32);
            if (s.workload().kind() == WorkloadSpec.Kind.SHARED_PREFIX) {
                assertThat(s.workload().prefixGroups()).as(what).isBetween(1, 128);
                assertThat(s.workload().promptsPerGroup()).as(what).isIn(8, 16, 32, 64);
                assertThat(s.workload().systemPromptTokens()).as(what).isIn(512, 1024, 2048, 4096);
                assertThat(s.workload().questionTokens()).as(what).isIn(64, 128, 256, 512);
                assertThat(s.workload().outputTokens()).as(what).isIn(64, 128, 256, 512);
            } else if (s.workload().kind() == WorkloadSpec.Kind.MULTI_TURN) {
                assertThat(s.workload().turnsPerSession()).as(what).isBetween(2, 8);
                assertThat(s.workload().turnTokens()).as(what).isIn(128, 256, 512);
                assertThat(s.workload().outputTokens()).as(what).isIn(64, 128, 256);
                assertThat(s.workload().thinkTimeSeconds()).as(what).isBetween(1.0, 10.0);
            }

            // The pod set: exactly one kind of change, sizes within bounds.
            int pods = s.initialPods();
            int max = pods;
            int steps = 0;
            for (Scenario.ScaleStep st : s.scaleSchedule()) {
                if (st.delta() > 0) {
                    steps++;
                    assertThat(st.delta()).as(what).isBetween(1, Math.max(1, pods));
                } else {
                    assertThat(-st.delta()).as(what).isBetween(1, pods - 1).isLessThanOrEqualTo(Math.max(1, (int) Math.round(0.5 * pods)));
                    assertThat(-st.delta()).as(what).isGreaterThanOrEqualTo(Math.min(pods - 1, Math.max(1, (int) Math.round(0.25 * pods))));
                }
                pods += st.delta();
                max = Math.max(max, pods);
            }
            assertThat(steps).as(what).isBetween(0, 3);
            assertThat(max).as(what).isLessThanOrEqualTo(32);
            int kinds = (s.scaleSchedule().isEmpty() ? 0 : 1) + (s.restarts().isEmpty() ? 0 : 1) + (s.hasRollingUpdate() ? 1 : 0);
            assertThat(kinds).as(what).isEqualTo(1);
            double firstChange = s.scaleSchedule().isEmpty() ? s.restarts().isEmpty() ? s.rollingUpdateAt()
                    : s.restarts().get(0).at() : s.scaleSchedule().get(0).at();
            if (!s.restarts().isEmpty()) {
                assertThat(s.restarts()).as(what).hasSizeBetween(1, 2);
                assertThat(s.restartDowntime()).as(what).isBetween(10.0, 30.0);
            }
            if (s.hasRollingUpdate()) {
                assertThat(s.rollingUpdateInterval()).as(what).isLessThanOrEqualTo(20.0);
                assertThat(s.rollingUpdateInterval() * (s.initialPods() - 1)).as(what).isLessThanOrEqualTo(120.0);
            }

            // Offered load against one pod's measured capacity, before and after.
            Map<String, String> work = new LinkedHashMap<>();
            for (String key : List.of("lengths", "workload", "turnsPerSession", "turnTokens", "outputTokens", "thinkTimeSeconds",
                    "prefixGroups", "promptsPerGroup", "systemPromptTokens", "questionTokens")) {
                if (k.containsKey(key)) {
                    work.put(key, k.get(key));
                }
            }
            double perPod = ScenarioGenerator.podRequestsPerSecond(k.get("gpu"), s.kvCapacityTokens(), work);
            assertThat(max).as(what).isLessThanOrEqualTo(Math.max(2, (int) Math.floor(250 / perPod)));
            if (s.workload().kind() != WorkloadSpec.Kind.MULTI_TURN) {
                assertThat(s.loadStepAt()).as(what).isBetween(20.0, 50.0);
                assertThat(firstChange - s.loadStepAt()).as(what).isBetween(0.0, 20.0);
                assertThat(s.baseRate() / (s.initialPods() * perPod)).as(what).isBetween(0.3 - 1e-3, 1.3 + 1e-3);
                assertThat(s.stepRate() / (pods * perPod)).as(what).isBetween(0.3 - 1e-3, 1.3 + 1e-3);
                assertThat(s.rampSeconds() == 0 || (s.rampSeconds() >= 10 && s.rampSeconds() <= 60)).as(what).isTrue();
                switch (s.arrival()) {
                    case GAMMA:
                        assertThat(s.gammaShape()).as(what).isBetween(0.1, 1.0);
                        break;
                    case ONOFF:
                        assertThat(s.onMeanSeconds()).as(what).isBetween(1.0, 10.0);
                        assertThat(s.offMeanSeconds()).as(what).isBetween(Math.max(2.0, 0.5 * s.onMeanSeconds()), 20.0);
                        assertThat(s.onPeak()).as(what).isBetween(1.5, 3.0);
                        break;
                    default:
                        assertThat(s.arrival()).as(what).isEqualTo(Scenario.Arrival.POISSON);
                }
            } else {
                assertThat(firstChange).as(what).isBetween(20.0, 70.0);
                assertThat(s.workload().sessions()).as(what).isPositive();
            }
        }
        assertThat(hot).as("hot-prefix scenarios among 40 (8 %% expected)").isPositive();
    }
}
