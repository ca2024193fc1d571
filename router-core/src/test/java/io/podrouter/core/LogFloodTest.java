package io.podrouter.core;

import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.RandomSource;
import io.podrouter.strategies.LeastKvCacheStrategy;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** A flapping metrics source must not flood the log (at most one line per pod per log interval). */
class LogFloodTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static List<String> logLines(String containing) throws IOException {
        Path log = Path.of(System.getProperty("org.slf4j.simpleLogger.logFile", "target/router-test.log"));
        return Files.readAllLines(log).stream().filter(l -> l.contains(containing)).toList();
    }

    @Test
    void aSourceFlappingOnEveryRefreshFor60SecondsWritesAFewLinesNotThousands() throws IOException {
        MutableClock clock = new MutableClock(T0.plusSeconds(600));
        AtomicInteger calls = new AtomicInteger();
        MetricsSource flapping = (pod, model) -> {
            if (!pod.id().equals("flap-pod-1")) {
                return MetricsLookup.present(PodMetrics.observedAt(clock.instant()).withKvCacheUsage(0.3));
            }
            switch (calls.incrementAndGet() % 3) {
                case 0:
                    throw new IllegalStateException("flap-source-exception");
                case 1:
                    return MetricsLookup.missing(MissingReason.SCRAPE_FAILED, "refused");
                default:
                    return MetricsLookup.present(PodMetrics.observedAt(clock.instant()).withKvCacheUsage(0.1));
            }
        };
        try (Router router = Router.builder().metricsSource(flapping).strategy(new LeastKvCacheStrategy()).clock(clock)
                .random(RandomSource.seeded(3)).metricsRefreshInterval(Duration.ZERO).build()) {
            Candidates set = router.candidates(List.of(Pod.ready("flap-pod-0", "h", 1, T0), Pod.ready("flap-pod-1", "h", 2, T0)));
            InferenceRequest req = InferenceRequest.forModel("flap-model");
            for (int tick = 0; tick < 1_200; tick++) { // 60 s of 50 ms refreshes, a state change on each
                router.selectPod(req, set).complete(Outcome.SUCCESS, 1);
                router.refreshMetrics();
                clock.advance(Duration.ofMillis(50));
            }
        }
        assertThat(calls.get()).isGreaterThan(1_000);
        List<String> podLines = logLines("flap-pod-1 model flap-model");
        // t = 0, 30 s and 60 s at most (the first change is always logged).
        assertThat(podLines).hasSizeBetween(2, 3);
        assertThat(podLines.get(1)).containsPattern("\\[\\d+ earlier changes of this pod not logged\\]");
        assertThat(logLines("pod metrics state changes in the last")).hasSizeBetween(1, 3);
    }

    @Test
    void aThrowingSourceIsLoggedWithItsStackTrace() throws IOException {
        MutableClock clock = new MutableClock(T0.plusSeconds(600));
        MetricsSource throwing = (pod, model) -> {
            throw new IllegalArgumentException("stack-trace-probe");
        };
        try (Router router = Router.builder().metricsSource(throwing).strategy(new LeastKvCacheStrategy()).clock(clock)
                .random(RandomSource.seeded(3)).metricsRefreshInterval(Duration.ZERO).build()) {
            router.selectPod(InferenceRequest.forModel("m"), List.of(Pod.ready("trace-pod", "h", 1, T0)))
                    .complete(Outcome.SUCCESS, 1);
        }
        Path log = Path.of(System.getProperty("org.slf4j.simpleLogger.logFile", "target/router-test.log"));
        String text = Files.readString(log);
        int at = text.indexOf("java.lang.IllegalArgumentException: stack-trace-probe");
        assertThat(at).as("exception with its class and message in the log").isNotNegative();
        // On the module path, where router-core's tests run, a frame names its module first
        // ("at io.podrouter.core@0.1.0-SNAPSHOT/io.podrouter.core.LogFloodTest..."); on the class path it does not.
        assertThat(text.substring(at))
                .containsPattern("\tat (io\\.podrouter\\.core(@[^/\\s]+)?/)?io\\.podrouter\\.core\\.LogFloodTest");
    }
}
