package io.podrouter.examples.gateway;

import io.podrouter.api.Pod;
import io.podrouter.core.Router;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.examples.LoadDriver;
import io.podrouter.examples.fakevllm.FakeVllmBackend;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastLatencyStrategy;
import io.podrouter.strategies.LeastRequestStrategy;
import io.podrouter.strategies.RandomStrategy;
import io.podrouter.strategies.RoundRobinStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end through the gateway: a pod that accepts requests and never answers while its {@code /metrics}
 * keep reporting an idle engine (running 0, waiting 0, KV cache 0) must not take the fleet's requests. A
 * router that trusts such metrics ranks the pod best on every scrape, every closed-loop client ends up
 * waiting on it, and the healthy pods' answers fall to zero; here the pod holds a bounded number of
 * requests, is distrusted once it has answered nothing for a while although its peers answer, and gets no
 * request after that, while the healthy pods keep answering.
 *
 * <p>Counts and orderings only: the run lasts until enough answers were seen, never a fixed time, so a slow
 * machine makes it longer, not red.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HungBackendWithIdleMetricsTest {

    private static final String MODEL = "llama-3-8b";
    private static final int CLIENTS = 16;
    /** Answers from the healthy pods the run waits for after the hung pod was distrusted. */
    private static final int ANSWERS_AFTER_STALL = 300;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"least-kv-cache,least-request", "least-kv-cache", "least-latency", "least-request",
            "round-robin", "random"})
    void aHungPodReportingIdleMetricsHoldsFewRequestsAndGetsNoneOnceDistrusted(String chain) throws Exception {
        InferenceGateway gateway = InferenceGateway.builder().scrapeInterval(Duration.ofMillis(200))
                .responseHeadersTimeout(Duration.ofSeconds(60)).strategies(strategies(chain)).start();
        toClose.add(gateway);
        FakeVllmBackend hung = null;
        for (String id : List.of("pod-a", "pod-b", "pod-c", "hung")) {
            FakeVllmBackend b = FakeVllmBackend.builder(id, MODEL).timeToFirstToken(Duration.ofMillis(8))
                    .timePerOutputToken(Duration.ofMillis(1)).build().start();
            toClose.add(b);
            gateway.addBackend(MODEL, Pod.ready(id, b.host(), b.port(), Instant.now().minusSeconds(600)));
            hung = "hung".equals(id) ? b : hung;
        }
        assertThat(gateway.awaitMetrics(Duration.ofSeconds(10))).as("every pod has metrics").isTrue();
        hung.setHung(true); // warm, scraped, idle by its metrics: and from now on it never answers

        LoadDriver load = new LoadDriver(gateway.baseUri(), MODEL, CLIENTS, Duration.ZERO);
        long stalledHeld = -1;
        long answeredAfterStall = 0;
        List<LoadDriver.Result> results;
        load.start();
        try {
            // A deadline for behaviour that is absent (a pod never distrusted, or clients that all wait on it),
            // not a speed claim: with the pod distrusted the run needs a few seconds of answers.
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long stalledAt = -1;
            while (System.nanoTime() < deadline) {
                if (stalledAt < 0 && gateway.router().isStalled("hung")) {
                    stalledAt = System.nanoTime();
                    stalledHeld = gateway.router().inFlight("hung");
                }
                if (stalledAt > 0) {
                    long after = stalledAt;
                    answeredAfterStall = load.results().stream().filter(r -> r.ok() && r.sentAtNanos() > after).count();
                    if (answeredAfterStall >= ANSWERS_AFTER_STALL) {
                        break;
                    }
                }
                Thread.sleep(5);
            }
        } finally {
            long heldAtEnd = gateway.router().inFlight("hung");
            long reachedBackend = hung.heldRequests();
            hung.setHung(false); // drops the held connections, so the waiting clients end now
            load.stop();
            results = load.results();
            assertThat(stalledHeld).as("the hung pod was distrusted (stalled) during the run; it holds %d, the backend"
                    + " received %d, %d answers in all", heldAtEnd, reachedBackend, results.size()).isGreaterThanOrEqualTo(0);
            // At most the router's unanswered-selection limit (plus a pick per gateway I/O thread racing the count)
            // ever waits on it, well below the 16 clients: a router that ranks it best by its idle metrics, or gives
            // it its share of picks however many it holds, sends every client there, one after another, and keeps
            // them all (least-latency did, before the limit: 16 of 16 within 5 s, and 16 more after the clients'
            // timeouts).
            assertThat(reachedBackend).as("requests the hung pod received (%d clients)", CLIENTS)
                    .isLessThanOrEqualTo(Router.DEFAULT_MAX_UNANSWERED_SELECTIONS + 2);
            // Once distrusted, nothing new: a selection racing the flag could add one per gateway I/O thread.
            assertThat(heldAtEnd - stalledHeld).as("requests routed to the hung pod after it was distrusted")
                    .isLessThanOrEqualTo(2);
        }
        assertThat(answeredAfterStall).as("answers from the healthy pods after the hung pod was distrusted")
                .isGreaterThanOrEqualTo(ANSWERS_AFTER_STALL);
        assertThat(results).filteredOn(LoadDriver.Result::ok).noneMatch(r -> "hung".equals(r.pod()));
    }

    private static SelectionStrategy[] strategies(String chain) {
        List<SelectionStrategy> list = new ArrayList<>();
        for (String name : chain.split(",")) {
            list.add(switch (name) {
                case "least-kv-cache" -> new LeastKvCacheStrategy();
                case "least-latency" -> new LeastLatencyStrategy();
                case "least-request" -> new LeastRequestStrategy();
                case "round-robin" -> new RoundRobinStrategy();
                case "random" -> new RandomStrategy();
                default -> throw new IllegalArgumentException("strategy: " + name);
            });
        }
        return list.toArray(new SelectionStrategy[0]);
    }
}
