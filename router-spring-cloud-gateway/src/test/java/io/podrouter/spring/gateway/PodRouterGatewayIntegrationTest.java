package io.podrouter.spring.gateway;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import io.podrouter.api.Outcome;
import io.podrouter.core.Router;
import io.podrouter.examples.fakevllm.FakeVllmBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The filter pair in a real Spring Cloud Gateway (one application context for every test) in front of fake vLLM
 * backends on the loopback interface. Pools: {@code main} (two healthy pods), {@code flaky} (three pods, one
 * answering 500), {@code dead} (a pod nobody listens on and a healthy one, round robin), {@code empty} (no pod),
 * {@code disc} (its pod from Spring Cloud's simple discovery client).
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PodRouterGatewayIntegrationTest {

    private static final FakeVllmBackend MAIN_A = backend("main-a", Duration.ofMillis(10));
    private static final FakeVllmBackend MAIN_B = backend("main-b", Duration.ofMillis(10));
    private static final FakeVllmBackend FLAKY_A = backend("flaky-a", Duration.ofMillis(1));
    private static final FakeVllmBackend FLAKY_B = backend("flaky-b", Duration.ofMillis(1));
    private static final FakeVllmBackend FLAKY_BAD = backend("flaky-bad", Duration.ofMillis(1));
    private static final FakeVllmBackend DEAD_GOOD = backend("dead-good", Duration.ofMillis(1));
    private static final FakeVllmBackend DISC = backend("disc-a", Duration.ofMillis(1));
    private static final int DEAD_PORT = freePort();

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @LocalServerPort
    int port;

    @Autowired
    PodRouterPools pools;

    private static FakeVllmBackend backend(String id, Duration perToken) {
        try {
            return FakeVllmBackend.builder(id, "m").timeToFirstToken(Duration.ofMillis(1)).timePerOutputToken(perToken)
                    .maxTokensCap(512).build().start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        String routes = "spring.cloud.gateway.server.webflux.routes";
        String[] pools = {"main", "flaky", "dead", "empty", "disc"};
        for (int i = 0; i < pools.length; i++) {
            String pool = pools[i];
            r.add(routes + "[" + i + "].id", () -> pool);
            r.add(routes + "[" + i + "].uri", () -> "podrouter://" + pool);
            r.add(routes + "[" + i + "].predicates[0]", () -> "Path=/" + pool + "/**");
            r.add(routes + "[" + i + "].filters[0]", () -> "StripPrefix=1");
        }
        r.add(routes + "[5].id", () -> "by-metadata");
        r.add(routes + "[5].uri", () -> "http://unused.invalid");
        r.add(routes + "[5].predicates[0]", () -> "Path=/meta/**");
        r.add(routes + "[5].filters[0]", () -> "StripPrefix=1");
        r.add(routes + "[5].metadata.podrouter-pool", () -> "main");
        r.add(routes + "[6].id", () -> "nowhere");
        r.add(routes + "[6].uri", () -> "podrouter://nowhere");
        r.add(routes + "[6].predicates[0]", () -> "Path=/nowhere/**");
        r.add("podrouter.max-request-size", () -> "64KB");
        staticPods(r, "main", MAIN_A, MAIN_B);
        staticPods(r, "flaky", FLAKY_A, FLAKY_B, FLAKY_BAD);
        r.add("podrouter.pools.flaky.outlier.consecutive-failures", () -> "2");
        r.add("podrouter.pools.flaky.outlier.max-ejected-fraction", () -> "0.5");
        r.add("podrouter.pools.flaky.strategies", () -> "round-robin"); // every pod gets its turn: the 500s are certain
        r.add("podrouter.pools.flaky.outlier.base-ejection-time", () -> "5m");
        r.add("podrouter.pools.dead.models", () -> "m");
        r.add("podrouter.pools.dead.strategies", () -> "round-robin");
        r.add("podrouter.pools.dead.static-pods[0].id", () -> "dead");
        r.add("podrouter.pools.dead.static-pods[0].host", () -> "127.0.0.1");
        r.add("podrouter.pools.dead.static-pods[0].port", () -> DEAD_PORT);
        r.add("podrouter.pools.dead.static-pods[1].id", () -> DEAD_GOOD.id());
        r.add("podrouter.pools.dead.static-pods[1].host", () -> DEAD_GOOD.host());
        r.add("podrouter.pools.dead.static-pods[1].port", () -> DEAD_GOOD.port());
        r.add("podrouter.pools.empty.models", () -> "m");
        r.add("podrouter.pools.disc.discovery-service-id", () -> "vllm-disc");
        r.add("spring.cloud.discovery.client.simple.instances.vllm-disc[0].uri", () -> "http://" + DISC.host() + ":" + DISC.port());
        r.add("spring.cloud.discovery.client.simple.instances.vllm-disc[0].instance-id", () -> DISC.id());
        r.add("management.endpoints.web.exposure.include", () -> "health,prometheus");
        r.add("management.endpoint.health.show-details", () -> "always");
    }

    private static void staticPods(DynamicPropertyRegistry r, String pool, FakeVllmBackend... backends) {
        r.add("podrouter.pools." + pool + ".models", () -> "m");
        for (int i = 0; i < backends.length; i++) {
            FakeVllmBackend b = backends[i];
            String at = "podrouter.pools." + pool + ".static-pods[" + i + "].";
            r.add(at + "id", b::id);
            r.add(at + "host", b::host);
            r.add(at + "port", b::port);
        }
    }

    @AfterAll
    static void stopBackends() {
        for (FakeVllmBackend b : List.of(MAIN_A, MAIN_B, FLAKY_A, FLAKY_B, FLAKY_BAD, DEAD_GOOD, DISC)) {
            b.close();
        }
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long outcomes(Router router, Outcome outcome) {
        return router.telemetry().outcomes().getOrDefault(outcome, 0L);
    }

    @Test
    void nonStreamedChatAndCompletionReachAPodOfThePoolAndSucceed() throws Exception {
        Router router = pools.pool("main").router();
        long before = outcomes(router, Outcome.SUCCESS);
        HttpResponse<String> chat = post("/main/v1/chat/completions",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":3}");
        HttpResponse<String> completion = post("/meta/v1/completions", "{\"model\":\"m\",\"prompt\":\"hi\",\"max_tokens\":3}");
        for (HttpResponse<String> r : List.of(chat, completion)) {
            assertThat(r.statusCode()).isEqualTo(200);
            String pod = r.headers().firstValue(PodRouterGatewayFilter.POD_HEADER).orElseThrow();
            assertThat(pod).isIn("main-a", "main-b");
            assertThat(r.body()).contains("-" + pod + "-"); // the fake backend puts its id into the answer's id
        }
        assertThat(chat.body()).contains("\"object\":\"chat.completion\"");
        assertThat(completion.body()).contains("\"object\":\"text_completion\"");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(outcomes(router, Outcome.SUCCESS)).isGreaterThanOrEqualTo(before + 2));
    }

    @Test
    void streamedChatAndCompletionPassThroughAsServerSentEvents() throws Exception {
        for (String path : List.of("/main/v1/chat/completions", "/main/v1/completions")) {
            String body = path.contains("chat")
                    ? "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":5,\"stream\":true}"
                    : "{\"model\":\"m\",\"prompt\":\"hi\",\"max_tokens\":5,\"stream\":true}";
            HttpResponse<String> r = post(path, body);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
            List<String> events = r.body().lines().filter(l -> !l.isEmpty()).toList();
            assertThat(events).hasSize(6).allMatch(l -> l.startsWith("data: "));
            assertThat(events.get(5)).isEqualTo("data: [DONE]");
            assertThat(events.get(0)).contains(path.contains("chat") ? "chat.completion.chunk" : "text_completion");
        }
    }

    @Test
    void clientLeavingMidStreamCompletesTheSelectionAsCancelledAndFreesTheInFlightSlot() throws Exception {
        Router router = pools.pool("main").router();
        long cancelledBefore = outcomes(router, Outcome.CANCELLED);
        String body = "{\"model\":\"m\",\"prompt\":\"tell me a long story\",\"max_tokens\":500,\"stream\":true}";
        String pod;
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /main/v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line;
            String podHeader = null;
            while ((line = in.readLine()) != null && !line.startsWith("data: ")) {
                if (line.regionMatches(true, 0, PodRouterGatewayFilter.POD_HEADER + ":", 0, PodRouterGatewayFilter.POD_HEADER.length() + 1)) {
                    podHeader = line.substring(line.indexOf(':') + 1).trim();
                }
            }
            assertThat(line).as("first event").startsWith("data: {");
            pod = podHeader;
            assertThat(pod).isIn("main-a", "main-b");
            FakeVllmBackend backend = pod.equals("main-a") ? MAIN_A : MAIN_B;
            // the first event arrived while the pod is still generating the other 499 tokens: streamed, not buffered
            assertThat(backend.runningRequests()).isEqualTo(1);
            assertThat(router.inFlight(pod)).isEqualTo(1);
        } // the client leaves
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(router.inFlight(pod)).isZero();
            assertThat(outcomes(router, Outcome.CANCELLED)).isEqualTo(cancelledBefore + 1);
        });
    }

    @Test
    void aPodAnswering5xxIsRetriedOnAnotherAndEjectedByOutlierDetection() throws Exception {
        FLAKY_BAD.setFailing(true);
        Router router = pools.pool("flaky").router();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            HttpResponse<String> r = post("/flaky/v1/completions", "{\"model\":\"m\",\"prompt\":\"p" + i + "\",\"max_tokens\":1}");
            statuses.add(r.statusCode());
            assertThat(r.headers().firstValue(PodRouterGatewayFilter.POD_HEADER)).hasValueSatisfying(
                    p -> assertThat(p).isIn("flaky-a", "flaky-b"));
        }
        assertThat(statuses).as("every 500 retried on a healthy pod").containsOnly(200);
        assertThat(router.telemetry().ejectedPods()).as("flaky-bad ejected").isEqualTo(1);
        long badServed = FLAKY_BAD.completedRequests();
        for (int i = 0; i < 6; i++) {
            assertThat(post("/flaky/v1/completions", "{\"model\":\"m\",\"prompt\":\"q\",\"max_tokens\":1}").statusCode()).isEqualTo(200);
        }
        assertThat(FLAKY_BAD.completedRequests()).as("no request reaches the ejected pod").isEqualTo(badServed);
        assertThat(outcomes(router, Outcome.FAILURE)).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aDeadPodIsRetriedOnTheOtherBeforeAnyByteReachedTheClient() throws Exception {
        Router router = pools.pool("dead").router();
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = post("/dead/v1/chat/completions",
                    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":2,\"stream\":true}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue(PodRouterGatewayFilter.POD_HEADER)).hasValue("dead-good");
            assertThat(r.body()).endsWith("data: [DONE]\n\n");
        }
        assertThat(outcomes(router, Outcome.FAILURE)).as("connection refusals counted against the dead pod").isGreaterThanOrEqualTo(1);
        assertThat(router.inFlight("dead")).isZero();
    }

    @Test
    void aBodyOverTheLimitGets413WithOrWithoutContentLength() throws Exception {
        String big = "{\"model\":\"m\",\"prompt\":\"" + "x".repeat(70_000) + "\"}";
        HttpResponse<String> declared = post("/main/v1/completions", big);
        assertThat(declared.statusCode()).isEqualTo(413);
        assertThat(declared.body()).contains("\"code\":\"request_too_large\"");
        byte[] bytes = big.getBytes(StandardCharsets.UTF_8);
        List<byte[]> pieces = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += 8192) {
            pieces.add(java.util.Arrays.copyOfRange(bytes, i, Math.min(i + 8192, bytes.length)));
        }
        // no Content-Length: the JDK client sends a body of unknown length chunked, so the limit is hit while reading
        var pending = CLIENT.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/main/v1/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArrays(pieces)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> chunked = pending.get();
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(chunked.body()).contains("more than 65536 bytes");
    }

    @Test
    void badRequestsGetOpenAiShapedErrors() throws Exception {
        HttpResponse<String> unknown = post("/main/v1/completions", "{\"model\":\"gpt-9\",\"prompt\":\"x\"}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("{\"error\":{\"message\":\"The model `gpt-9` does not exist.\","
                + "\"type\":\"invalid_request_error\",\"param\":\"model\",\"code\":\"model_not_found\"}}");
        HttpResponse<String> invalid = post("/main/v1/completions", "{\"model\":\"m\",\"stream\":1}");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.body()).contains("\"param\":\"stream\"");
        HttpResponse<String> get = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/main/v1/completions")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        HttpResponse<String> text = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/main/v1/completions")).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(text.statusCode()).isEqualTo(415);
        HttpResponse<String> nowhere = post("/nowhere/v1/completions", "{\"model\":\"m\"}");
        assertThat(nowhere.statusCode()).isEqualTo(500);
        assertThat(nowhere.body()).contains("\"code\":\"unknown_pool\"").contains("[main, flaky, dead, empty, disc]");
    }

    @Test
    void aPoolWithoutReadyPodsAnswers503WithRetryAfterAndReportsDownInHealth() throws Exception {
        HttpResponse<String> r = post("/empty/v1/completions", "{\"model\":\"m\",\"prompt\":\"x\"}");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(r.body()).contains("\"type\":\"service_unavailable\"").contains("\"code\":\"no_pod_available\"");
        HttpResponse<String> health = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/actuator/health")).build(), HttpResponse.BodyHandlers.ofString());
        DocumentContext json = JsonPath.parse(health.body());
        assertThat(json.read("$.components.podrouter.status", String.class)).isEqualTo("DOWN");
        assertThat(json.read("$.components.podrouter.details.empty.readyPods", Integer.class)).isZero();
        assertThat(json.read("$.components.podrouter.details.main.readyPods", Integer.class)).isEqualTo(2);
        assertThat(json.read("$.components.podrouter.details.main.pods", Integer.class)).isEqualTo(2);
    }

    @Test
    void aDiscoveredPodServesItsPoolAndTelemetryReachesActuatorsPrometheusEndpoint() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> pools.pool("disc").readyPods() == 1);
        HttpResponse<String> r = post("/disc/v1/completions", "{\"model\":\"m\",\"prompt\":\"x\",\"max_tokens\":1}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue(PodRouterGatewayFilter.POD_HEADER)).hasValue("disc-a");
        pools.pool("disc").metrics().update();
        HttpResponse<String> scrape = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body()).containsPattern("podrouter_pod_selections_total\\{[^}]*pod=\"disc-a\"[^}]*pool=\"disc\"")
                .contains("pod_coldstart_duration_seconds");
    }

    /** Reads an input stream fully (for diagnostics of unexpected answers). */
    static String read(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
