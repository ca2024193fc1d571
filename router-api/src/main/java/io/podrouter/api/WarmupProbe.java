package io.podrouter.api;

/**
 * Sends warm-up traffic to a pod that just became Ready (a short completion, say, so that lazy
 * compilation and CUDA-graph capture happen before real requests arrive) and says whether the pod is
 * ready for full traffic. Until a probe succeeds, or the warm-up deadline passes, the router gives the
 * pod only a small, bounded share of traffic.
 *
 * <p>The router runs probes on an executor (the user's, or its own), one attempt at a time per pod,
 * each with a timeout after which the attempt is cancelled with an interrupt, and retries failed
 * attempts up to a limit. Implementations must be thread-safe and should respond to interrupts.
 */
@FunctionalInterface
public interface WarmupProbe {

    /**
     * Probes {@code pod} once.
     *
     * @return true when the pod is warm; false when it answered but is not warm yet (retried)
     * @throws Exception any failure (connection refused, HTTP error); counted and retried
     */
    boolean probe(Pod pod) throws Exception;
}
