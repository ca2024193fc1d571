package io.podrouter.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.podrouter.kubernetes.K8sFixtures.NS;
import static io.podrouter.kubernetes.K8sFixtures.T0;
import static io.podrouter.kubernetes.K8sFixtures.await;
import static io.podrouter.kubernetes.K8sFixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API server going away and coming back.
 *
 * <p>How the outage is made: the mock API server (fabric8's, CRUD mode) keeps running and keeping its state;
 * the discovery's client talks to it through {@link TcpProxy}, a TCP forwarder on a port this test controls.
 * Taking the proxy down cuts the watch connections and refuses new ones, which is what a client sees when the
 * API server dies; meanwhile the test changes pods through a direct client (changes the discovery cannot see),
 * then brings the proxy back. Restarting the mock server itself on the same port with the same state is not
 * something its API offers, hence the proxy. The sockets are closed with a reset (SO_LINGER 0), which the JDK
 * HTTP client notices at once on an idle watch; a plain close was sometimes noticed only much later.
 *
 * <p>What changes during the outage: a pod stops being Ready and a new pod appears. Not a deletion: when the
 * informer resumes its watch from its last resource version, a real API server replays the DELETED event from
 * its watch cache (or answers 410 Gone, and the informer relists and reports the deletion through
 * {@code onDelete(pod, true)}), but the mock server replays only the objects that exist now, so a deletion
 * made during the outage would never reach the informer. Deletions while connected are covered in
 * {@link InferencePoolDiscoveryTest}.
 *
 * <p>The real kube-apiserver test harness (envtest / fabric8 kube-api-test) needs kube-apiserver and etcd
 * binaries that cannot be installed here, so this runs against the mock server.
 */
@EnableKubernetesMockClient(https = false, crud = true)
class ApiServerOutageTest {

    KubernetesClient client;
    KubernetesMockServer server;

    @Test
    void staysOnTheLastGoodListWhileTheApiServerIsGoneThenRecoversWithTheRightSet() throws Exception {
        Map<String, String> labels = Map.of("app", "vllm", LabelSelectorDiscovery.DEFAULT_MODEL_KEY, "qwen");
        client.pods().inNamespace(NS).resource(pod("a", labels, "10.0.0.1", true, T0)).create();
        client.pods().inNamespace(NS).resource(pod("b", labels, "10.0.0.2", true, T0)).create();
        List<Boolean> staleChanges = new CopyOnWriteArrayList<>();

        try (TcpProxy proxy = new TcpProxy(server.getPort());
             KubernetesClient viaProxy = new KubernetesClientBuilder().withConfig(proxied(proxy)).build();
             LabelSelectorDiscovery d = LabelSelectorDiscovery.builder(viaProxy, NS)
                     .matchLabels(Map.of("app", "vllm"))
                     .targetPorts(8000)
                     .debounce(Duration.ofMillis(10))
                     .stalenessCheckInterval(Duration.ofMillis(50))
                     .listener(new PodDiscoveryListener() {
                         @Override
                         public void podsChanged(String model, List<io.podrouter.api.Pod> pods) {
                         }

                         @Override
                         public void staleChanged(boolean stale) {
                             staleChanges.add(stale);
                         }
                     })
                     .build()) {
            d.start();
            assertThat(d.isStale()).isFalse();
            assertThat(ids(d)).containsExactly("llm/a", "llm/b");
            // The watch is demonstrably live (it delivered a change) before the outage begins.
            client.pods().inNamespace(NS).resource(pod("z", labels, "10.0.0.26", true, T0)).create();
            await("watch live", () -> ids(d).contains("llm/z"), () -> ids(d));

            proxy.down();
            await("stale", d::isStale);
            client.pods().inNamespace(NS).resource(pod("b", labels, "10.0.0.2", false, T0.plusSeconds(9))).updateStatus();
            client.pods().inNamespace(NS).resource(pod("c", labels, "10.0.0.3", true, T0)).create();
            assertThat(ids(d)).as("last good list kept while stale").containsExactly("llm/a", "llm/b", "llm/z");

            proxy.up();
            await("fresh again", () -> !d.isStale());
            await("relisted", () -> ids(d).equals(List.of("llm/a", "llm/c", "llm/z")), () -> ids(d));
            assertThat(staleChanges).containsExactly(true, false);
        }
    }

    private static List<String> ids(PodDiscovery d) {
        return d.pods("qwen").stream().map(io.podrouter.api.Pod::id).toList();
    }

    private static Config proxied(TcpProxy proxy) {
        return new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + proxy.port())
                .withNamespace(NS)
                .withWatchReconnectInterval(50)
                .withRequestRetryBackoffLimit(0)
                .withConnectionTimeout(1_000)
                .withRequestTimeout(2_000)
                .build();
    }
}
