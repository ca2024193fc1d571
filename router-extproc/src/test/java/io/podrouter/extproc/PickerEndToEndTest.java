package io.podrouter.extproc;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.X509TrustManager;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runnable picker end to end, without Envoy: an InferencePool and its pods in the fabric8 Kubernetes mock
 * server, two fake model servers on 127.0.0.2 and 127.0.0.3, the picker over real gRPC (Netty, TLS with its
 * self-signed certificate), and a small proxy in the test that forwards each request where the picker says.
 */
@EnableKubernetesMockClient(https = false, crud = true)
class PickerEndToEndTest {

    private static final String NS = "llm";
    private static final ResourceDefinitionContext POOLS = new ResourceDefinitionContext.Builder()
            .withGroup("inference.networking.k8s.io").withVersion("v1").withKind("InferencePool")
            .withPlural("inferencepools").withNamespaced(true).build();

    KubernetesClient client;

    private static Pod pod(String name, String ip) {
        return new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NS).withLabels(Map.of("app", "vllm")).endMetadata()
                .withNewSpec().addNewContainer().withName("vllm").withImage("vllm/vllm-openai").endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ip).withConditions(new PodConditionBuilder()
                        .withType("Ready").withStatus("True").withLastTransitionTime("2026-01-01T00:00:00Z").build())
                .endStatus().build();
    }

    private static GenericKubernetesResource pool(int port) {
        return new GenericKubernetesResourceBuilder()
                .withApiVersion("inference.networking.k8s.io/v1").withKind("InferencePool")
                .withNewMetadata().withName("pool").withNamespace(NS).endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of(
                        "selector", Map.of("matchLabels", Map.of("app", "vllm")),
                        "targetPorts", List.of(Map.of("number", port)),
                        "endpointPickerRef", Map.of("name", "picker", "port", Map.of("number", 9002)))))
                .build();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Trusts any certificate: the picker's is self-signed, and Envoy's ext_proc cluster does not verify it either. */
    private static final X509TrustManager TRUST_ALL = new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    };

    @Test
    void picksFromTheInferencePoolOverTlsAndFollowsItsChanges() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"))) {
            port = s.getLocalPort();
        }
        client.genericKubernetesResources(POOLS).inNamespace(NS).resource(pool(port)).create();
        client.pods().inNamespace(NS).resource(pod("vllm-a", "127.0.0.2")).create();
        client.pods().inNamespace(NS).resource(pod("vllm-b", "127.0.0.3")).create();
        try (FakeModelServer a = new FakeModelServer("127.0.0.2", port, 0.1);
             FakeModelServer b = new FakeModelServer("127.0.0.3", port, 0.8);
             PickerMain picker = PickerMain.start(client, "--pool-namespace", NS, "--pool-name", "pool", "--model", "m",
                     "--grpc-port", "0", "--grpc-health-port", "0", "--metrics-port", "0", "--scrape-interval", "100ms")) {
            ManagedChannel tls = Grpc.newChannelBuilderForAddress("localhost", picker.grpcPort(),
                    TlsChannelCredentials.newBuilder().trustManager(TRUST_ALL).build()).build();
            ManagedChannel health = Grpc.newChannelBuilderForAddress("localhost", picker.healthPort(),
                    InsecureChannelCredentials.create()).build();
            try {
                assertThat(HealthGrpc.newBlockingStub(health).check(HealthCheckRequest.newBuilder()
                        .setService("readiness").build()).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
                assertThat(HealthGrpc.newBlockingStub(tls).check(HealthCheckRequest.newBuilder()
                        .setService(EndpointPickerServer.EXT_PROC_SERVICE).build()).getStatus())
                        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
                await("both pods scraped twice", () -> a.scrapes.get() >= 2 && b.scrapes.get() >= 2);

                MiniEnvoy envoy = new MiniEnvoy(tls);
                for (int i = 0; i < 5; i++) {
                    MiniEnvoy.Exchange ex = envoy.post("/v1/completions", "{\"model\":\"m\",\"prompt\":\"hi " + i + "\"}");
                    assertThat(ex.endpoint()).isEqualTo("127.0.0.2:" + port); // the lower KV-cache usage
                    assertThat(ex.status()).isEqualTo(200);
                    assertThat(ex.body()).isEqualTo("{\"choices\":[{\"text\":\"127.0.0.2\"}]}");
                }
                MiniEnvoy.Exchange streamed = envoy.post("/v1/completions", "{\"model\":\"m\",\"prompt\":\"s\",\"stream\":true}");
                assertThat(streamed.body()).endsWith("data: [DONE]\n\n");
                assertThat(a.completions.get()).isEqualTo(6);
                await("all completed", () -> picker.router().inFlight(NS + "/vllm-a") == 0);

                HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + picker.metricsPort() + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(metrics.body()).contains("podrouter_extproc_requests_total{result=\"routed\"} 6",
                        "podrouter_extproc_completions_total{outcome=\"success\"} 6");

                client.pods().inNamespace(NS).withName("vllm-a").delete();
                await("vllm-a gone from the picker's pool", () -> {
                    try {
                        return envoy.post("/v1/completions", "{\"model\":\"m\",\"prompt\":\"after\"}")
                                .endpoint().equals("127.0.0.3:" + port);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
            } finally {
                tls.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                health.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void commandLineErrorsNameTheFlag() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PickerOptions.parse("--pool-name", "x"))
                .hasMessageContaining("--pool-namespace and --pool-name");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PickerOptions.parse("--endpoints", "a:1", "--fallbacks", "9"))
                .hasMessageContaining("--fallbacks: '9' (expected: an integer in 0..7)");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PickerOptions.parse("--endpoints", "a:1", "--bogus", "1"))
                .hasMessageContaining("--bogus: unknown flag");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PickerOptions.parse("--endpoints", "a:1", "--strategy", "fastest"))
                .hasMessageContaining("--strategy: 'fastest'");
        assertThat(PickerOptions.parse("--endpoints", "a:1", "--slow-start-window", "30s").slowStartWindow())
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(PickerOptions.parse("--help").help()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PickerMain.staticPods(List.of("nohost")))
                .hasMessageContaining("--endpoints: 'nohost'");
    }
}
