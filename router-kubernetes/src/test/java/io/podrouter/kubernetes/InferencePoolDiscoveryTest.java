package io.podrouter.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.podrouter.kubernetes.K8sFixtures.NS;
import static io.podrouter.kubernetes.K8sFixtures.T0;
import static io.podrouter.kubernetes.K8sFixtures.await;
import static io.podrouter.kubernetes.K8sFixtures.createPool;
import static io.podrouter.kubernetes.K8sFixtures.pod;
import static io.podrouter.kubernetes.K8sFixtures.pool;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link InferencePoolDiscovery} against fabric8's mock API server in CRUD mode (an in-memory API server with
 * list, watch and label selectors, so real informers run against it).
 *
 * <p>The real kube-apiserver test harness (envtest, fabric8's kube-api-test) needs the kube-apiserver and etcd
 * binaries, which cannot be installed on the machines this project is built on (only Maven Central, Debian and
 * npm are reachable, and Debian has no kube-apiserver); so these tests use the mock server.
 */
@EnableKubernetesMockClient(https = false, crud = true)
class InferencePoolDiscoveryTest {

    // Static: one mock server per class (starting and stopping one per test costs seconds on a busy machine).
    static KubernetesClient client;
    static KubernetesMockServer server;

    @org.junit.jupiter.api.BeforeEach
    void emptyTheNamespace() {
        K8sFixtures.clear(client);
    }

    private final List<InferencePoolDiscovery> started = new ArrayList<>();
    private final List<List<io.podrouter.api.Pod>> published = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeDiscoveries() {
        started.forEach(InferencePoolDiscovery::close);
    }

    private InferencePoolDiscovery start(String poolName) {
        InferencePoolDiscovery d = InferencePoolDiscovery.builder(client, NS, poolName)
                .model("qwen")
                .debounce(Duration.ofMillis(10))
                .startTimeout(Duration.ofSeconds(20))
                .listener((model, pods) -> published.add(pods))
                .build();
        started.add(d);
        d.start();
        return d;
    }

    private static Map<String, String> app(String value) {
        return Map.of("app", value);
    }

    @Test
    void podBecomingReadyThroughAStatusUpdateIsACandidateWithTheReadyConditionsTransitionTime() {
        createPool(client, pool("p", app("vllm"), 8000));
        client.pods().inNamespace(NS).resource(pod("a", app("vllm"), "10.0.0.1", false, T0)).create();
        InferencePoolDiscovery d = start("p");
        assertThat(d.pods("qwen")).isEmpty();

        Pod ready = pod("a", app("vllm"), "10.0.0.1", true, T0.plusSeconds(30));
        client.pods().inNamespace(NS).resource(ready).updateStatus();

        await("pod a ready", () -> d.pods("qwen").size() == 1, () -> d.pods("qwen"));
        io.podrouter.api.Pod p = d.pods("qwen").get(0);
        assertThat(p.id()).isEqualTo("llm/a");
        assertThat(p.host()).isEqualTo("10.0.0.1");
        assertThat(p.port()).isEqualTo(8000);
        assertThat(p.ready()).isTrue();
        assertThat(p.readySince()).isEqualTo(T0.plusSeconds(30));
        assertThat(p.labels()).containsEntry("app", "vllm");
        assertThat(d.appProtocol()).isEqualTo("http");
        // pods() changes just before the listeners are called
        await("listener told", () -> published.get(published.size() - 1).equals(d.pods("qwen")));
    }

    @Test
    void aContainerRestartMovesReadySinceSoTheRestartedPodStartsCold() {
        createPool(client, pool("p", app("vllm"), 8000));
        client.pods().inNamespace(NS).resource(pod("a", app("vllm"), "10.0.0.1", true, T0)).create();
        InferencePoolDiscovery d = start("p");
        assertThat(d.pods("qwen")).extracting(io.podrouter.api.Pod::readySince).containsExactly(T0);

        client.pods().inNamespace(NS).resource(pod("a", app("vllm"), "10.0.0.1", false, T0.plusSeconds(60))).updateStatus();
        await("pod a not ready", () -> d.pods("qwen").isEmpty());
        client.pods().inNamespace(NS).resource(pod("a", app("vllm"), "10.0.0.1", true, T0.plusSeconds(90))).updateStatus();
        await("pod a ready again", () -> d.pods("qwen").size() == 1);
        assertThat(d.pods("qwen").get(0).readySince()).isEqualTo(T0.plusSeconds(90));
    }

    @Test
    void notReadyTerminatingAndIpLessPodsAreNotCandidates() {
        createPool(client, pool("p", app("vllm"), 8000));
        client.pods().inNamespace(NS).resource(pod("ready", app("vllm"), "10.0.0.1", true, T0)).create();
        client.pods().inNamespace(NS).resource(pod("unready", app("vllm"), "10.0.0.2", false, T0)).create();
        client.pods().inNamespace(NS).resource(pod("no-ip", app("vllm"), "", true, T0)).create();
        client.pods().inNamespace(NS).resource(pod("terminating", app("vllm"), "10.0.0.4", true, T0)).create();
        // The API server sets deletionTimestamp only on update or graceful delete, never on create.
        Pod terminating = client.pods().inNamespace(NS).withName("terminating").get();
        terminating.getMetadata().setDeletionTimestamp(T0.plusSeconds(5).toString());
        client.pods().inNamespace(NS).resource(terminating).update();
        InferencePoolDiscovery d = start("p");

        assertThat(d.pods("qwen")).extracting(io.podrouter.api.Pod::id).containsExactly("llm/ready");
    }

    @Test
    void aPodThatStartsTerminatingLeaves() {
        createPool(client, pool("p", app("vllm"), 8000));
        client.pods().inNamespace(NS).resource(pod("a", app("vllm"), "10.0.0.1", true, T0)).create();
        client.pods().inNamespace(NS).resource(pod("b", app("vllm"), "10.0.0.2", true, T0)).create();
        InferencePoolDiscovery d = start("p");
        assertThat(d.pods("qwen")).hasSize(2);

        Pod b = client.pods().inNamespace(NS).withName("b").get();
        b.getMetadata().setDeletionTimestamp(T0.plusSeconds(5).toString());
        client.pods().inNamespace(NS).resource(b).update();

        await("b gone", () -> d.pods("qwen").size() == 1, () -> d.pods("qwen"));
        assertThat(d.pods("qwen")).extracting(io.podrouter.api.Pod::id).containsExactly("llm/a");
    }

    @Test
    void aPodLosingTheSelectedLabelLeavesAndADeletedPodLeaves() {
        createPool(client, pool("p", app("vllm"), 8000));
        client.pods().inNamespace(NS).resource(pod("a", app("vllm"), "10.0.0.1", true, T0)).create();
        client.pods().inNamespace(NS).resource(pod("b", app("vllm"), "10.0.0.2", true, T0)).create();
        client.pods().inNamespace(NS).resource(pod("c", app("vllm"), "10.0.0.3", true, T0)).create();
        InferencePoolDiscovery d = start("p");
        assertThat(d.pods("qwen")).hasSize(3);

        client.pods().inNamespace(NS).withName("b").edit(p -> {
            p.getMetadata().setLabels(Map.of("app", "other"));
            return p;
        });
        await("b gone", () -> d.pods("qwen").size() == 2, () -> d.pods("qwen"));
        client.pods().inNamespace(NS).withName("c").delete();
        await("c gone", () -> d.pods("qwen").size() == 1, () -> d.pods("qwen"));
        assertThat(d.pods("qwen")).extracting(io.podrouter.api.Pod::id).containsExactly("llm/a");
    }

    @Test
    void podsOfOtherNamespacesAreNotSelected() {
        createPool(client, pool("p", app("vllm"), 8000));
        Pod elsewhere = pod("x", app("vllm"), "10.0.0.9", true, T0);
        elsewhere.getMetadata().setNamespace("other");
        client.pods().inNamespace("other").resource(elsewhere).create();
        client.pods().inNamespace(NS).resource(pod("a", app("vllm"), "10.0.0.1", true, T0)).create();
        InferencePoolDiscovery d = start("p");

        assertThat(d.allPods()).extracting(io.podrouter.api.Pod::id).containsExactly("llm/a");
    }

    @Test
    void aSelectorChangeResyncsThePods() {
        createPool(client, pool("p", app("blue"), 8000));
        client.pods().inNamespace(NS).resource(pod("blue-1", app("blue"), "10.0.0.1", true, T0)).create();
        client.pods().inNamespace(NS).resource(pod("green-1", app("green"), "10.0.0.2", true, T0)).create();
        client.pods().inNamespace(NS).resource(pod("green-2", app("green"), "10.0.0.3", true, T0)).create();
        InferencePoolDiscovery d = start("p");
        assertThat(d.pods("qwen")).extracting(io.podrouter.api.Pod::id).containsExactly("llm/blue-1");

        client.genericKubernetesResources(InferencePoolDiscovery.INFERENCE_POOL).inNamespace(NS)
                .resource(pool("p", app("green"), 8000)).update();

        await("green selected", () -> d.pods("qwen").size() == 2, () -> d.pods("qwen"));
        assertThat(d.pods("qwen")).extracting(io.podrouter.api.Pod::id).containsExactly("llm/green-1", "llm/green-2");
        // The resync never published a mixed or empty list in between.
        assertThat(published).allSatisfy(list -> assertThat(list).isNotEmpty());
    }

    @Test
    void aTargetPortChangeRecomputesRanksAndDropsOrphans() {
        createPool(client, pool("p", app("vllm"), 8000, 8001));
        client.pods().inNamespace(NS).resource(pod("a", app("vllm"), "10.0.0.1", true, T0)).create();
        InferencePoolDiscovery d = start("p");
        assertThat(d.pods("qwen")).extracting(io.podrouter.api.Pod::id).containsExactly("llm/a-rank-0", "llm/a-rank-1");

        client.genericKubernetesResources(InferencePoolDiscovery.INFERENCE_POOL).inNamespace(NS)
                .resource(pool("p", app("vllm"), 8000)).update();

        await("one port", () -> d.pods("qwen").size() == 1 && d.pods("qwen").get(0).id().equals("llm/a"),
                () -> d.pods("qwen"));
    }

    @Test
    void deletingThePoolEmptiesTheSetAndRecreatingItRestoresIt() {
        createPool(client, pool("p", app("vllm"), 8000));
        client.pods().inNamespace(NS).resource(pod("a", app("vllm"), "10.0.0.1", true, T0)).create();
        InferencePoolDiscovery d = start("p");
        assertThat(d.pods("qwen")).hasSize(1);

        client.genericKubernetesResources(InferencePoolDiscovery.INFERENCE_POOL).inNamespace(NS).withName("p").delete();
        await("empty after pool deletion", () -> d.pods("qwen").isEmpty());
        assertThat(d.appProtocol()).isNull();
        // pods() changes just before the listeners are called
        await("listener told", () -> published.get(published.size() - 1).isEmpty());

        createPool(client, pool("p", app("vllm"), 8000));
        await("back after pool creation", () -> d.pods("qwen").size() == 1);
    }

    @Test
    void aPoolMarkedForDeletionHasNoEndpoints() {
        createPool(client, pool("p", app("vllm"), 8000));
        client.pods().inNamespace(NS).resource(pod("a", app("vllm"), "10.0.0.1", true, T0)).create();
        InferencePoolDiscovery d = start("p");
        assertThat(d.pods("qwen")).hasSize(1);

        GenericKubernetesResource marked = pool("p", app("vllm"), 8000);
        marked.getMetadata().setDeletionTimestamp(T0.toString());
        marked.getMetadata().setFinalizers(List.of("example.com/keep"));
        client.genericKubernetesResources(InferencePoolDiscovery.INFERENCE_POOL).inNamespace(NS).resource(marked).update();

        await("empty while the pool is being deleted", () -> d.pods("qwen").isEmpty());
        assertThat(d.appProtocol()).isNull();
    }

    @Test
    void aMissingPoolStartsEmptyAndIsPickedUpWhenCreated() {
        client.pods().inNamespace(NS).resource(pod("a", app("vllm"), "10.0.0.1", true, T0)).create();
        InferencePoolDiscovery d = start("later");
        assertThat(d.pods("qwen")).isEmpty();

        createPool(client, pool("later", app("vllm"), 8000));
        await("pool picked up", () -> d.pods("qwen").size() == 1);
    }

    @Test
    void twoTargetPortsGiveTwoRankEndpointsPerPod() {
        createPool(client, pool("p", app("vllm"), 8000, 8002));
        client.pods().inNamespace(NS).resource(pod("a", app("vllm"), "10.0.0.1", true, T0)).create();
        InferencePoolDiscovery d = start("p");

        assertThat(d.pods("qwen")).extracting(io.podrouter.api.Pod::id, io.podrouter.api.Pod::authority)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("llm/a-rank-0", "10.0.0.1:8000"),
                        org.assertj.core.groups.Tuple.tuple("llm/a-rank-1", "10.0.0.1:8002"));
    }

    @Test
    void theActivePortsAnnotationLimitsTheRanksAndItsChangeIsFollowed() {
        createPool(client, pool("p", app("vllm"), 8000, 8001, 8002));
        Pod a = pod("a", app("vllm"), "10.0.0.1", true, T0);
        a.getMetadata().setAnnotations(Map.of(EndpointRules.ACTIVE_PORTS, "8000, 8002"));
        client.pods().inNamespace(NS).resource(a).create();
        InferencePoolDiscovery d = start("p");
        assertThat(d.pods("qwen")).extracting(io.podrouter.api.Pod::id).containsExactly("llm/a-rank-0", "llm/a-rank-2");

        client.pods().inNamespace(NS).withName("a").edit(p -> {
            p.getMetadata().setAnnotations(Map.of(EndpointRules.LEGACY_ACTIVE_PORTS, "8001"));
            return p;
        });
        await("legacy annotation followed", () -> d.pods("qwen").size() == 1
                && d.pods("qwen").get(0).id().equals("llm/a-rank-1"), () -> d.pods("qwen"));
    }

    @Test
    void theModelDefaultsToThePoolName() {
        InferencePoolDiscovery d = InferencePoolDiscovery.builder(client, NS, "my-pool").build();
        assertThat(d.model()).isEqualTo("my-pool");
        d.close();
    }

    @Test
    void startFailsWithAClearExceptionWhenTheApiServerNeverAnswers() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        io.fabric8.kubernetes.client.Config config = new io.fabric8.kubernetes.client.ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + closedPort).withWatchReconnectInterval(50)
                .withRequestRetryBackoffLimit(0).build();
        try (KubernetesClient unreachable = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                .withConfig(config).build()) {
            InferencePoolDiscovery d = InferencePoolDiscovery.builder(unreachable, NS, "p")
                    .startTimeout(Duration.ofMillis(500)).build();
            org.assertj.core.api.Assertions.assertThatThrownBy(d::start)
                    .isInstanceOf(DiscoveryStartException.class)
                    .hasMessageContaining("InferencePool llm/p")
                    .hasMessageContaining("did not load within PT0.5S");
            org.assertj.core.api.Assertions.assertThatThrownBy(d::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
        }
    }
}
