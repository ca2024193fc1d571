package io.podrouter.spring.gateway;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

import java.util.HashMap;

/**
 * fabric8's mock API server in CRUD mode (an in-memory API server with list, watch and label selectors, so real
 * informers run against it) and a client of it, started once per test class. fabric8's JUnit extension would start
 * another one for every test method as well, which costs seconds per class on a busy machine.
 *
 * <p>The real kube-apiserver harness (envtest) needs binaries that cannot be installed where this is built.
 */
final class CrudApiServer implements AutoCloseable {

    private final KubernetesMockServer server;
    private final KubernetesClient client;

    CrudApiServer() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
    }

    /** A client of the server (closed by {@link #close()}). */
    KubernetesClient client() {
        return client;
    }

    /** The server's base URL. */
    String url() {
        return server.url("/");
    }

    /** Closes the client and stops the server. */
    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
