package io.podrouter.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Builders for pods and pools, and a bounded wait for eventual states (never an assertion on timing). */
final class K8sFixtures {

    static final String NS = "llm";
    static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

    private K8sFixtures() {
    }

    /** A Running pod with the given labels, IP and Ready condition ({@code readyAt} null: no Ready condition). */
    static Pod pod(String name, Map<String, String> labels, String ip, boolean ready, Instant readyAt) {
        List<PodCondition> conditions = new ArrayList<>();
        conditions.add(new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False")
                .withLastTransitionTime(readyAt.toString()).build());
        return new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("vllm").withImage("vllm/vllm-openai").endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ip).withConditions(conditions).endStatus()
                .build();
    }

    /** An InferencePool ({@code inference.networking.k8s.io/v1}) with the selector and target ports. */
    static GenericKubernetesResource pool(String name, Map<String, String> matchLabels, int... ports) {
        List<Map<String, Object>> targetPorts = new ArrayList<>();
        for (int p : ports) {
            targetPorts.add(Map.of("number", p));
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("selector", Map.of("matchLabels", matchLabels));
        spec.put("targetPorts", targetPorts);
        spec.put("appProtocol", "http");
        // A field this code does not know: later API versions may add some; they must be ignored.
        spec.put("endpointPickerRef", Map.of("name", "epp", "port", Map.of("number", 9002), "failureMode", "FailOpen"));
        return new GenericKubernetesResourceBuilder()
                .withApiVersion("inference.networking.k8s.io/v1").withKind("InferencePool")
                .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withAdditionalProperties(Map.of("spec", spec))
                .build();
    }

    /** Deletes every pod and pool the tests create, so that tests can share one mock server. */
    static void clear(KubernetesClient client) {
        client.pods().inNamespace(NS).delete();
        client.pods().inNamespace("other").delete();
        var pools = client.genericKubernetesResources(InferencePoolDiscovery.INFERENCE_POOL).inNamespace(NS);
        for (GenericKubernetesResource p : pools.list().getItems()) {
            // A finalizer would keep it (marked for deletion) past delete().
            p.getMetadata().setFinalizers(List.of());
            pools.resource(p).update();
            pools.withName(p.getMetadata().getName()).delete();
        }
    }

    static void createPool(KubernetesClient client, GenericKubernetesResource pool) {
        client.genericKubernetesResources(InferencePoolDiscovery.INFERENCE_POOL).inNamespace(NS).resource(pool).create();
    }

    /** Waits up to 20 s for {@code condition}; fails with {@code what} otherwise. */
    static void await(String what, BooleanSupplier condition) {
        await(what, condition, () -> "");
    }

    static void await(String what, BooleanSupplier condition, Supplier<Object> state) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what + "; state: " + state.get());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
