package io.podrouter.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workloads with token ids (shared-prefix, multi-turn), their keys, and reproducible cache-aware runs. */
class CacheWorkloadTest {

    @TempDir
    Path dir;

    private static Scenario scenario(String... kv) {
        Map<String, String> p = new HashMap<>();
        p.put("chart", "false");
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return Scenario.parse(p);
    }

    @Test
    void sharedPrefixPromptsAreAGroupsSystemPromptFollowedByOneOfTheGroupsQuestions() {
        Scenario s = scenario("workload", "shared-prefix", "prefixGroups", "2", "promptsPerGroup", "3", "systemPromptTokens", "40",
                "questionTokens", "8", "outputTokens", "5", "baseRate", "10", "stepRate", "10", "duration", "100");
        Set<String> prefixes = new HashSet<>();
        Set<String> prompts = new HashSet<>();
        Set<String> outputs = new HashSet<>();
        int n = 0;
        double last = 0;
        try (Workload w = new Workload(s)) {
            for (Workload.Arrival a = w.next(); a != null; a = w.next()) {
                n++;
                assertThat(a.time()).isGreaterThanOrEqualTo(last);
                last = a.time();
                assertThat(a.tokens()).hasSize(48);
                assertThat(a.promptTokens()).isEqualTo(48);
                assertThat(a.outputIds()).hasSize(5);
                assertThat(a.sessionKey()).isNull();
                assertThat(a.blockHashes()).containsExactly(PrefixCache.hashes(a.tokens()));
                prefixes.add(Arrays.toString(Arrays.copyOf(a.tokens(), 40)));
                prompts.add(Arrays.toString(a.tokens()));
                outputs.add(Arrays.toString(a.outputIds()));
                assertThat(Arrays.stream(a.tokens()).allMatch(t -> t >= 0 && t < Workload.VOCABULARY)).isTrue();
            }
        }
        assertThat(n).isBetween(900, 1100); // 10 req/s for 100 s
        assertThat(prefixes).hasSize(2);
        assertThat(prompts).hasSize(6); // drawn uniformly: every (group, prompt) pair comes up in ~1,000 draws
        assertThat(outputs).hasSize(n); // every response is its own
    }

    @Test
    void aSessionsNextTurnIsTheWholeConversationPlusNewTokensUntilItsLastTurn() {
        Scenario s = scenario("workload", "multi-turn", "sessions", "2", "turnsPerSession", "3", "turnTokens", "10",
                "outputTokens", "4", "thinkTimeSeconds", "2", "baseRate", "1", "duration", "100");
        try (Workload w = new Workload(s)) {
            Workload.Arrival first = w.next();
            Workload.Arrival second = w.next();
            assertThat(w.next()).isNull(); // two sessions started, no more
            assertThat(first.sessionKey()).isNotEqualTo(second.sessionKey());
            assertThat(first.tokens()).hasSize(10);
            SimRequest r1 = asRequest(first);
            Workload.Arrival t2 = w.followUp(r1, 5.0, true);
            assertThat(t2.time()).isEqualTo(7.0);
            assertThat(t2.sessionKey()).isEqualTo(first.sessionKey());
            assertThat(t2.tokens()).hasSize(10 + 4 + 10);
            assertThat(Arrays.copyOf(t2.tokens(), 10)).containsExactly(first.tokens());
            assertThat(Arrays.copyOfRange(t2.tokens(), 10, 14)).containsExactly(first.outputIds());
            Workload.Arrival t3 = w.followUp(asRequest(t2), 9.0, true);
            assertThat(t3.tokens()).hasSize(24 + 4 + 10);
            assertThat(Arrays.copyOf(t3.tokens(), 24)).containsExactly(t2.tokens());
            assertThat(t3.blockHashes()).containsExactly(PrefixCache.hashes(t3.tokens()));
            // The third turn was the last: a new session takes its place.
            Workload.Arrival next = w.followUp(asRequest(t3), 12.0, true);
            assertThat(next.sessionKey()).isNotIn(first.sessionKey(), second.sessionKey());
            assertThat(next.tokens()).hasSize(10);
            // A failed turn ends its session too; nothing is scheduled at or after the duration.
            assertThat(w.followUp(asRequest(second), 20.0, false).sessionKey()).isNotIn(first.sessionKey(), second.sessionKey());
            assertThat(w.followUp(asRequest(next), 98.5, true)).isNull();
        }
    }

    private static SimRequest asRequest(Workload.Arrival a) {
        SimRequest r = new SimRequest(0, a.time(), a.promptTokens(), a.outputTokens(), 0, false, 0, a.tokens(), a.outputIds(),
                a.sessionKey(), a.session());
        r.blockHashes = a.blockHashes();
        return r;
    }

    @Test
    void workloadKeysAreValidatedWithClearErrors() {
        assertThatThrownBy(() -> scenario("workload", "chat")).hasMessage("workload: chat (expected: lengths, shared-prefix or multi-turn)");
        assertThatThrownBy(() -> scenario("prefixGroups", "8")).hasMessage("prefixGroups: 8 (expected: only with workload=shared-prefix)");
        assertThatThrownBy(() -> scenario("workload", "shared-prefix", "sessions", "8"))
                .hasMessage("sessions: 8 (expected: only with workload=multi-turn)");
        assertThatThrownBy(() -> scenario("outputTokens", "8")).hasMessageContaining("outputTokens: 8 (expected: only with workload=");
        assertThatThrownBy(() -> scenario("workload", "multi-turn", "lengths", "sharegpt"))
                .hasMessage("lengths: sharegpt (expected: only with workload=lengths)");
        assertThatThrownBy(() -> scenario("workload", "shared-prefix", "prefixGroups", "0"))
                .hasMessage("prefixGroups: 0 (expected: >= 1)");
        assertThatThrownBy(() -> scenario("workload", "multi-turn", "thinkTimeSeconds", "-1"))
                .hasMessage("thinkTimeSeconds: -1.0 (expected: >= 0)");
        assertThatThrownBy(() -> scenario("workload", "shared-prefix", "arrival", "trace", "traceFile", "x.csv"))
                .hasMessage("arrival: trace (expected: workload=lengths; a trace has no token ids)");
        assertThatThrownBy(() -> scenario("workload", "multi-turn", "stepRate", "10"))
                .hasMessage("stepRate: 10 (expected: not with workload=multi-turn; its session starts are Poisson at baseRate)");
        assertThatThrownBy(() -> scenario("workload", "shared-prefix", "podModel", "exponential"))
                .hasMessageContaining("workload: shared-prefix (expected: podModel=engine");
        // strategies=all means the cache-aware comparison on content workloads, the cold-start kinds otherwise.
        assertThat(scenario("workload", "multi-turn").strategies()).containsExactly(StrategyKind.CACHE_AWARE);
        assertThat(scenario().strategies()).doesNotContain(StrategyKind.CACHE_AWARE);
    }

    @Test
    void aCacheScenarioRunTwiceGivesByteIdenticalCsv() throws IOException {
        Path f = dir.resolve("sp.properties");
        Files.writeString(f, "# small shared-prefix scale-out\nworkload=shared-prefix\nprefixGroups=16\npromptsPerGroup=4\n"
                + "systemPromptTokens=512\nquestionTokens=64\noutputTokens=32\ninitialPods=2\nbaseRate=20\nstepRate=40\n"
                + "loadStepAt=20\nscaleOut=25:+2\nduration=60\n", StandardCharsets.UTF_8);
        Path g = dir.resolve("mt.properties");
        Files.writeString(g, "# small multi-turn\nworkload=multi-turn\nsessions=16\nturnsPerSession=3\nturnTokens=64\n"
                + "outputTokens=16\nthinkTimeSeconds=1\ninitialPods=2\nscaleOutPods=0\nduration=40\n", StandardCharsets.UTF_8);
        List<Scenario> scenarios = List.of(Suite.load(f, Map.of()), Suite.load(g, Map.of()));
        String first = Suite.run(scenarios, List.of(1L, 2L), 2);
        String second = Suite.run(scenarios, List.of(1L, 2L), 1);
        assertThat(second).isEqualTo(first);
        List<SuiteSummary.Row> rows = SuiteSummary.parse(first);
        assertThat(rows).allMatch(r -> r.strategy().equals("cache-aware"));
        assertThat(rows.subList(0, 8)).extracting(SuiteSummary.Row::config)
                .containsExactly("podrouter", "llm-d", "sglang", "aibrix", "aibrix-tuned", "dynamo", "dynamo-approx", "round-robin");
        assertThat(rows).allMatch(r -> r.get("prefix_hit_rate") > 0 && r.get("output_tokens_per_s") > 0);
    }
}
