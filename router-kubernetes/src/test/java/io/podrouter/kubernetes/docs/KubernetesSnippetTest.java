package io.podrouter.kubernetes.docs;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.Outcome;
import io.podrouter.api.PodMetrics;
import io.podrouter.core.Router;
import io.podrouter.prometheus.PrometheusScraper;
import io.podrouter.strategies.LeastRequestStrategy;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs docs/kubernetes.md's snippet against the mock API server (CRUD mode); envtest cannot run here. */
@EnableKubernetesMockClient(https = false, crud = true)
class KubernetesSnippetTest {

    KubernetesClient client;
    KubernetesMockServer server;

    @Test
    void theDocsSnippetRoutesToAPodOfThePool() {
        client.genericKubernetesResources(new ResourceDefinitionContext.Builder().withGroup("inference.networking.k8s.io")
                        .withVersion("v1").withKind("InferencePool").withPlural("inferencepools").withNamespaced(true).build()).inNamespace("llm")
                .resource(Serialization.unmarshal("""
                        apiVersion: inference.networking.k8s.io/v1
                        kind: InferencePool
                        metadata: {name: vllm-qwen3, namespace: llm}
                        spec:
                          selector: {matchLabels: {app: vllm-qwen3}}
                          targetPorts: [{number: 8000}]
                        """, GenericKubernetesResource.class)).create();
        client.pods().inNamespace("llm").resource(Serialization.unmarshal("""
                apiVersion: v1
                kind: Pod
                metadata: {name: vllm-0, namespace: llm, labels: {app: vllm-qwen3}}
                status:
                  podIP: 10.0.0.7
                  conditions: [{type: Ready, status: "True", lastTransitionTime: "2026-01-01T10:00:00Z"}]
                """, Pod.class)).create();
        try (PrometheusScraper scraper = PrometheusScraper.builder().build();
             Router router = Router.builder()
                .metricsSource((p, m) -> MetricsLookup.present(PodMetrics.observedAt(Instant.now())))
                .strategies(new LeastRequestStrategy()).build()) {
            KubernetesSnippet s = new KubernetesSnippet(client, router, InferenceRequest.forModel("Qwen/Qwen3-0.6B"), scraper);
            try {
                assertThat(scraper.stats().targets()).as("the scraper got the pool's pod").isEqualTo(1);
                assertThat(s.selection.pod().id()).isEqualTo("llm/vllm-0");
                assertThat(s.selection.pod().authority()).isEqualTo("10.0.0.7:8000");
                s.selection.complete(Outcome.SUCCESS, 1);
            } finally {
                s.discovery.close();
            }
        }
    }
}
