package io.podrouter.kubernetes;

/**
 * {@link PodDiscovery#start()} could not load its first state from the Kubernetes API server within the
 * configured start timeout (unreachable server, missing RBAC permission, unknown resource). The discovery is
 * closed when this is thrown; build a new one to try again.
 */
public final class DiscoveryStartException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what was being waited for and for how long
     * @param cause   the last list/watch error the informer reported, or null when none was reported
     */
    DiscoveryStartException(String message, @org.jspecify.annotations.Nullable Throwable cause) {
        super(message, cause);
    }
}
