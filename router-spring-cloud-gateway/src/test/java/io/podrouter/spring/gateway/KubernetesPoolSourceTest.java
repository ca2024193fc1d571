package io.podrouter.spring.gateway;

import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.podrouter.api.Pod;
import io.podrouter.examples.fakevllm.FakeVllmBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Kubernetes pod source in a running gateway: the pools of {@code kubernetes-pools.yml} (the YAML the docs show)
 * read an InferencePool and a label selector from fabric8's mock API server in CRUD mode ({@link CrudApiServer}),
 * through the application's {@link KubernetesClient} bean, and requests reach fake vLLM backends on the loopback interface.
 *
 * <p>Three pods on one machine are made distinct endpoints as in podrouter-kubernetes' own tests: all have the IP
 * 127.0.0.1, the InferencePool lists the three backends' ports as its targetPorts, and each pod's
 * {@code llm-d.ai/active-ports} annotation names its own port only. The pool {@code chat} routes round-robin, so
 * that every Ready pod gets its turn in a few sequential requests.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.import=classpath:kubernetes-pools.yml")
@Import(KubernetesPoolSourceTest.MockApiServer.class) // named: with classes given, nested ones are not picked up
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS) // its informers must stop before the mock server does
class KubernetesPoolSourceTest {

    private static final String NS = "llm";
    private static final String MODEL = "meta-llama/Llama-3.1-8B-Instruct";
    private static final ResourceDefinitionContext POOLS = new ResourceDefinitionContext.Builder()
            .withGroup("inference.networking.k8s.io").withVersion("v1").withKind("InferencePool")
            .withPlural("inferencepools").withNamespaced(true).build();

    private static final FakeVllmBackend A = backend("pod-a", MODEL);
    private static final FakeVllmBackend B = backend("pod-b", MODEL);
    private static final FakeVllmBackend C = backend("pod-c", MODEL);
    private static final FakeVllmBackend BATCH = backend("batch-1", "Qwen/Qwen3-8B");
    private static final List<FakeVllmBackend> CHAT = List.of(A, B, C);

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static final CrudApiServer API = new CrudApiServer();
    private static final KubernetesClient CLIENT = API.client();

    @LocalServerPort
    int port;

    @Autowired
    PodRouterPools pools;

    /**
     * The mock API server's client is the application's. The server is a bean too, so that the context, closed
     * after the class, stops it after the client and the discoveries using it (a static server stopped in an
     * {@code @AfterAll} method would go before the context closes).
     */
    @TestConfiguration(proxyBeanMethods = false)
    static class MockApiServer {

        @Bean
        CrudApiServer crudApiServer() {
            return API;
        }

        @Bean(destroyMethod = "") // closed with the server
        KubernetesClient kubernetesClient(CrudApiServer server) {
            return server.client();
        }
    }

    private static FakeVllmBackend backend(String id, String model) {
        try {
            return FakeVllmBackend.builder(id, model).timeToFirstToken(Duration.ofMillis(1))
                    .timePerOutputToken(Duration.ofMillis(1)).build().start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        String routes = "spring.cloud.gateway.server.webflux.routes";
        String[] names = {"chat", "batch"};
        for (int i = 0; i < names.length; i++) {
            String pool = names[i];
            r.add(routes + "[" + i + "].id", () -> pool);
            r.add(routes + "[" + i + "].uri", () -> "podrouter://" + pool);
            r.add(routes + "[" + i + "].predicates[0]", () -> "Path=/" + pool + "/**");
            r.add(routes + "[" + i + "].filters[0]", () -> "StripPrefix=1");
            r.add("podrouter.pools." + pool + ".kubernetes.debounce", () -> "10ms");
        }
        r.add("podrouter.pools.chat.strategies", () -> "round-robin");
        r.add("podrouter.pools.batch.kubernetes.target-ports", BATCH::port); // replaces the file's [8000]
    }

    /** The InferencePool, the batch pods, and pods a and b (c is created per test). */
    @BeforeAll
    static void createTheClusterState() {
        List<Map<String, Object>> targetPorts = CHAT.stream().map(b -> Map.<String, Object>of("number", b.port())).toList();
        CLIENT.genericKubernetesResources(POOLS).inNamespace(NS).resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("inference.networking.k8s.io/v1").withKind("InferencePool")
                .withNewMetadata().withName("vllm-llama").withNamespace(NS).endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of("selector", Map.of("matchLabels", Map.of("app", "vllm-llama")),
                        "targetPorts", targetPorts)))
                .build()).create();
        for (FakeVllmBackend b : List.of(A, B)) {
            CLIENT.pods().inNamespace(NS).resource(chatPod(b, true, Instant.now().minus(Duration.ofMinutes(10)))).create();
        }
        CLIENT.pods().inNamespace(NS).resource(batchPod("batch-1", "Qwen/Qwen3-8B")).create();
        CLIENT.pods().inNamespace(NS).resource(batchPod("batch-other", "another/model")).create();
    }

    @AfterAll
    static void stopBackends() {
        for (FakeVllmBackend b : List.of(A, B, C, BATCH)) {
            b.close();
        }
    }

    /** Pods a and b Ready (created again if a test deleted one), c not Ready; waits until the pool shows that. */
    @BeforeEach
    void podsAAndBReadyAndCNot() {
        for (FakeVllmBackend b : List.of(A, B)) {
            if (CLIENT.pods().inNamespace(NS).withName(b.id()).get() == null) {
                CLIENT.pods().inNamespace(NS).resource(chatPod(b, true, Instant.now().minus(Duration.ofMinutes(10)))).create();
            }
        }
        if (CLIENT.pods().inNamespace(NS).withName(C.id()).get() == null) {
            CLIENT.pods().inNamespace(NS).resource(chatPod(C, false, Instant.now())).create();
        } else {
            CLIENT.pods().inNamespace(NS).resource(chatPod(C, false, Instant.now())).updateStatus();
        }
        awaitChatPods("llm/pod-a-rank-0", "llm/pod-b-rank-1");
    }

    private static io.fabric8.kubernetes.api.model.Pod chatPod(FakeVllmBackend b, boolean ready, Instant since) {
        return new PodBuilder()
                .withNewMetadata().withName(b.id()).withNamespace(NS).withLabels(Map.of("app", "vllm-llama"))
                .withAnnotations(Map.of("llm-d.ai/active-ports", String.valueOf(b.port()))).endMetadata()
                .withNewStatus().withPodIP("127.0.0.1").addNewCondition().withType("Ready")
                .withStatus(ready ? "True" : "False").withLastTransitionTime(since.toString()).endCondition().endStatus()
                .build();
    }

    /** A Ready pod of the label-selector pool whose model is named by an annotation (a slash is no label value). */
    private static io.fabric8.kubernetes.api.model.Pod batchPod(String name, String model) {
        return new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NS).withLabels(Map.of("app", "vllm-batch"))
                .withAnnotations(Map.of("model.aibrix.ai/name", model)).endMetadata()
                .withNewStatus().withPodIP("127.0.0.1").addNewCondition().withType("Ready").withStatus("True")
                .withLastTransitionTime(Instant.now().minus(Duration.ofMinutes(10)).toString()).endCondition().endStatus()
                .build();
    }

    private void awaitChatPods(String... ids) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(pools.pool("chat").pods()).extracting(Pod::id).containsExactly(ids));
    }

    /** Sends {@code n} sequential completion requests to a pool's route; returns how many each pod answered. */
    private Map<String, Integer> send(String pool, String model, int n) throws Exception {
        Map<String, Integer> perPod = new TreeMap<>();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/" + pool + "/v1/completions"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"prompt\":\"hi\",\"max_tokens\":2}"))
                .build();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            perPod.merge(r.headers().firstValue(PodRouterGatewayFilter.POD_HEADER).orElseThrow(), 1, Integer::sum);
        }
        return perPod;
    }

    @Test
    void requestsReachTheReadyPodsOfTheInferencePoolAtTheirTargetPorts() throws Exception {
        assertThat(pools.pool("chat").pods()).extracting(Pod::port).containsExactly(A.port(), B.port());
        long servedByC = C.completedRequests();
        Map<String, Integer> served = send("chat", MODEL, 8);
        assertThat(served).containsOnlyKeys("llm/pod-a-rank-0", "llm/pod-b-rank-1");
        assertThat(C.completedRequests()).as("the pod that is not Ready").isEqualTo(servedByC);
    }

    @Test
    void aPodDeletedFromTheApiServerStopsReceivingRequests() throws Exception {
        CLIENT.pods().inNamespace(NS).withName(A.id()).delete();
        awaitChatPods("llm/pod-b-rank-1");
        long servedByA = A.completedRequests();
        assertThat(send("chat", MODEL, 6)).containsOnlyKeys("llm/pod-b-rank-1");
        assertThat(A.completedRequests()).isEqualTo(servedByA);
    }

    @Test
    void aPodBecomingReadyStartsReceivingRequests() throws Exception {
        long servedByC = C.completedRequests();
        CLIENT.pods().inNamespace(NS).resource(chatPod(C, true, Instant.now())).updateStatus();
        awaitChatPods("llm/pod-a-rank-0", "llm/pod-b-rank-1", "llm/pod-c-rank-2");
        Map<String, Integer> served = send("chat", MODEL, 9);
        assertThat(served).containsKey("llm/pod-c-rank-2");
        assertThat(C.completedRequests()).isGreaterThan(servedByC);
    }

    @Test
    void aLabelSelectorPoolWithAModelKeyTakesOnlyThePodsOfItsModels() throws Exception {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(pools.pool("batch").pods()).extracting(Pod::id, Pod::port)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("llm/batch-1", BATCH.port())));
        assertThat(send("batch", "Qwen/Qwen3-8B", 2)).containsOnlyKeys("llm/batch-1");
    }
}
