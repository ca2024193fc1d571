package io.podrouter.examples.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.podrouter.examples.fakevllm.FakeVllmBackend;
import io.podrouter.examples.gateway.InferenceGateway;
import io.podrouter.strategies.RoundRobinStrategy;
import org.junit.jupiter.api.Test;

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

/**
 * The example gateway in Kubernetes mode against fabric8's mock API server (CRUD mode), routing real HTTP
 * requests to fake vLLM backends on this machine.
 *
 * <p>How three pods on one machine are made honest Kubernetes endpoints: every pod has the IP 127.0.0.1, so they
 * must differ by port. The InferencePool lists the three backends' ports as its {@code targetPorts}, and each pod
 * carries the endpoint picker's {@code llm-d.ai/active-ports} annotation naming its own port only: exactly the
 * mechanism the Inference Extension uses for data-parallel ranks of one pod, so discovery yields one endpoint per
 * pod ({@code llm/pod-a-rank-0}, {@code llm/pod-b-rank-1}, {@code llm/pod-c-rank-2}) at its own backend.
 *
 * <p>Expected proportions: the gateway runs round-robin here (the only strategy whose shares are exact rather
 * than statistical), so each Ready pod gets a third of sequential requests, and a pod whose Ready condition
 * turns False gets none afterwards. The bounds allow a few requests of slack in case the gateway's event loops
 * pick from different round-robin stripes. Pods were Ready 10 minutes ago, so none is treated as cold.
 *
 * <p>The real kube-apiserver harness (envtest) needs binaries that cannot be installed here; hence the mock.
 */
@EnableKubernetesMockClient(https = false, crud = true)
class KubernetesGatewayTest {

    private static final ResourceDefinitionContext POOLS = new ResourceDefinitionContext.Builder()
            .withGroup("inference.networking.k8s.io").withVersion("v1").withKind("InferencePool")
            .withPlural("inferencepools").withNamespaced(true).build();

    KubernetesClient client;
    KubernetesMockServer server;

    @Test
    void requestsReachTheDiscoveredPodsInTheExpectedProportions() throws Exception {
        Instant readySince = Instant.now().minus(Duration.ofMinutes(10));
        List<FakeVllmBackend> backends = new ArrayList<>();
        try {
            for (String id : List.of("pod-a", "pod-b", "pod-c")) {
                backends.add(FakeVllmBackend.builder(id, "m").timeToFirstToken(Duration.ofMillis(1))
                        .timePerOutputToken(Duration.ofMillis(1)).build().start());
            }
            List<Map<String, Object>> targetPorts = backends.stream()
                    .map(b -> Map.<String, Object>of("number", b.port())).toList();
            client.genericKubernetesResources(POOLS).inNamespace("llm").resource(new GenericKubernetesResourceBuilder()
                    .withApiVersion("inference.networking.k8s.io/v1").withKind("InferencePool")
                    .withNewMetadata().withName("pool").withNamespace("llm").endMetadata()
                    .withAdditionalProperties(Map.of("spec", Map.of("selector", Map.of("matchLabels", Map.of("app", "vllm")),
                            "targetPorts", targetPorts)))
                    .build()).create();
            for (FakeVllmBackend b : backends) {
                client.pods().inNamespace("llm").resource(pod(b.id(), b.port(), true, readySince)).create();
            }

            KubernetesGatewayOptions options = KubernetesGatewayOptions.parse("--k8s-namespace", "llm", "--k8s-pool", "pool",
                    "--model", "m", "--port", "0", "--bind", "127.0.0.1");
            try (KubernetesGateway gw = KubernetesGateway.start(client, options,
                    b -> b.strategies(new RoundRobinStrategy(1)).scrapeInterval(Duration.ofMillis(100)))) {
                InferenceGateway gateway = gw.gateway();
                assertThat(gateway.backends("m")).extracting(io.podrouter.api.Pod::id, io.podrouter.api.Pod::port)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("llm/pod-a-rank-0", backends.get(0).port()),
                                org.assertj.core.groups.Tuple.tuple("llm/pod-b-rank-1", backends.get(1).port()),
                                org.assertj.core.groups.Tuple.tuple("llm/pod-c-rank-2", backends.get(2).port()));
                assertThat(gateway.awaitMetrics(Duration.ofSeconds(20))).isTrue();

                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                Map<String, Integer> first = send(http, gw.baseUri(), 90);
                assertThat(first).containsOnlyKeys("llm/pod-a-rank-0", "llm/pod-b-rank-1", "llm/pod-c-rank-2");
                assertThat(first.values()).allSatisfy(n -> assertThat(n).isBetween(27, 33));

                client.pods().inNamespace("llm").resource(pod("pod-b", backends.get(1).port(), false, Instant.now()))
                        .updateStatus();
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (gateway.backends("m").size() != 2 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(gateway.backends("m")).extracting(io.podrouter.api.Pod::id)
                        .containsExactly("llm/pod-a-rank-0", "llm/pod-c-rank-2");
                Map<String, Integer> after = send(http, gw.baseUri(), 60);
                assertThat(after).containsOnlyKeys("llm/pod-a-rank-0", "llm/pod-c-rank-2");
                assertThat(after.values()).allSatisfy(n -> assertThat(n).isBetween(27, 33));
            }
        } finally {
            backends.forEach(FakeVllmBackend::close);
        }
    }

    private static Pod pod(String name, int port, boolean ready, Instant since) {
        return new PodBuilder()
                .withNewMetadata().withName(name).withNamespace("llm").withLabels(Map.of("app", "vllm"))
                .withAnnotations(Map.of("llm-d.ai/active-ports", String.valueOf(port))).endMetadata()
                .withNewStatus().withPodIP("127.0.0.1").addNewCondition().withType("Ready")
                .withStatus(ready ? "True" : "False").withLastTransitionTime(since.toString()).endCondition().endStatus()
                .build();
    }

    private static Map<String, Integer> send(HttpClient http, URI base, int n) throws Exception {
        Map<String, Integer> perPod = new TreeMap<>();
        HttpRequest req = HttpRequest.newBuilder(base.resolve("/v1/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"prompt\":\"hi\",\"max_tokens\":2}")).build();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            perPod.merge(r.headers().firstValue(InferenceGateway.POD_HEADER).orElseThrow(), 1, Integer::sum);
        }
        return perPod;
    }
}
