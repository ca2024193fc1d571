package io.podrouter.spring.gateway;

/**
 * Starts the Kubernetes pod source of a pool. This type names nothing of podrouter-kubernetes or fabric8, so the
 * auto-configuration can ask for it whether or not they are on the class path; {@link KubernetesDiscoverySources}
 * is the implementation, created only when they are.
 */
interface KubernetesPodSources {

    /**
     * Starts the discovery that {@code settings.getKubernetes()} describes, feeding {@code pool}, and waits for its
     * first list of pods (at most the configured start timeout).
     *
     * @param pool     the pool to feed
     * @param settings the pool's settings, already checked by {@link PoolFactory}; its Kubernetes source is set
     * @return the started source, to be closed with the pool
     * @throws IllegalStateException when the discovery does not start, naming the pool's property
     */
    AutoCloseable start(PodRouterPool pool, PodRouterProperties.Pool settings);
}
