package io.podrouter.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vLLM-like engine model and the trace workload on hand-computable cases. */
class EngineModelTest {

    @TempDir
    Path dir;

    private RunResult runTrace(String csv, Map<String, String> extra) throws IOException {
        Path trace = dir.resolve("trace.csv");
        Files.writeString(trace, csv);
        Map<String, String> p = new HashMap<>(extra);
        p.put("arrival", "trace");
        p.put("traceFile", trace.toString());
        p.put("initialPods", "1");
        p.put("scaleOutPods", "0");
        p.put("scaleOutAt", "0");
        p.put("duration", "100");
        p.put("chart", "false");
        return new Simulation(Scenario.parse(p), RouterConfig.PODROUTER, StrategyKind.ROUND_ROBIN).run();
    }

    @Test
    void idleH100PodServesOneRequestInPrefillStepPlusDecodeSteps() throws IOException {
        RunResult r = runTrace("arrival_s,prompt_tokens,output_tokens\n1.0,1000,3\n", Map.of());
        // Prefill step: 5753 + 17.25 x 1000 us; two decode steps over 1001 and 1002 context tokens.
        double ttft = (5753 + 17.25 * 1000) * 1e-6;
        double decode = (5753 + 6.0 + 0.039 * 1001) * 1e-6 + (5753 + 6.0 + 0.039 * 1002) * 1e-6;
        assertThat(r.requests()).isEqualTo(1);
        assertThat(r.ttftP50()).isCloseTo(ttft, within(1e-6));
        assertThat(r.e2eP99()).isCloseTo(ttft + decode, within(1e-6));
    }

    @Test
    void chunkedPrefillSplitsALongPromptOverTheTokenBudget() throws IOException {
        RunResult r = runTrace("0.5,5000,1\n", Map.of("maxBatchedTokens", "2048"));
        // 5000 prompt tokens at 2048 per step: 2048 + 2048 + 904, three steps.
        double expected = (3 * 5753 + 17.25 * 5000) * 1e-6;
        assertThat(r.ttftP50()).isCloseTo(expected, within(1e-6));
    }

    @Test
    void requestsBeyondTheKvCacheWaitInTheQueue() throws IOException {
        // Capacity for one 1,100-token sequence at a time: the second waits for the first to finish.
        RunResult r = runTrace("1.0,1000,100\n1.0,1000,100\n", Map.of("kvCapacityTokens", "1500"));
        assertThat(r.completed()).isEqualTo(2);
        assertThat(r.meanWait()).isGreaterThan(0.25);
    }

    @Test
    void requestExceedingTheTimeoutFailsAndIsAborted() throws IOException {
        RunResult r = runTrace("1.0,1000,5000\n", Map.of("timeout", "5", "maxOutputTokens", "5000"));
        assertThat(r.failedTimeout()).isEqualTo(1);
        assertThat(r.completed()).isZero();
    }
}
