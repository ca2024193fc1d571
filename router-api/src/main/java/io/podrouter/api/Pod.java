package io.podrouter.api;

import org.jspecify.annotations.Nullable;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One model-server pod (a vLLM or SGLang replica) as the gateway's service discovery sees it.
 *
 * <p>Immutable and thread-safe. Two pods are the same pod for the router when their {@link #id()} is
 * equal: a new {@code Pod} value with the same id (say, because it became Ready) replaces the old one
 * in the router's bookkeeping, and in-flight counts carry over.
 *
 * <p>Validation, in the canonical constructor: {@code id} and {@code host} must be non-null and not
 * blank ({@link NullPointerException} / {@link IllegalArgumentException} otherwise); {@code port}
 * must be in 0..65535 (0 means "not known", for pods reached by other means); {@code labels} may be
 * null, meaning none, and is copied; null keys or values in it throw {@link NullPointerException}.
 * {@code readySince} is the instant the pod became Ready; it is required when {@code ready} is true
 * (it starts the cold-start clock) and ignored, stored as null, when {@code ready} is false. A
 * {@code readySince} in the future (clock skew between the discovery source and this JVM) is accepted
 * and treated by the router as "just became Ready".
 *
 * @param id          unique id of the pod, e.g. the Kubernetes pod name
 * @param host        host name or IP address the gateway forwards to
 * @param port        port of the model server's HTTP API
 * @param labels      free-form labels (Kubernetes labels, model names); never null after construction
 * @param ready       whether the pod passes its readiness check; pods that are not ready are never selected
 * @param readySince  when the pod became Ready, or null when it is not ready
 */
public record Pod(String id, String host, int port, Map<String, String> labels, boolean ready,
                  @Nullable Instant readySince) {

    /**
     * Validates and copies; see the class documentation.
     *
     * @param labels     null means none
     * @param readySince required when {@code ready}; ignored (stored as null) otherwise
     */
    public Pod(String id, String host, int port, @Nullable Map<String, String> labels, boolean ready,
               @Nullable Instant readySince) {
        requireText(id, "id");
        requireText(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        if (ready) {
            Objects.requireNonNull(readySince, "readySince: null (expected: the instant a ready pod became Ready)");
        }
        this.id = id;
        this.host = host;
        this.port = port;
        this.labels = labels == null ? Map.of() : Map.copyOf(labels);
        this.ready = ready;
        this.readySince = ready ? readySince : null;
    }

    /** A pod that became Ready at {@code readySince}, without labels. */
    public static Pod ready(String id, String host, int port, Instant readySince) {
        return new Pod(id, host, port, Map.of(), true, readySince);
    }

    /** A pod that is known but not (yet) Ready, without labels. */
    public static Pod notReady(String id, String host, int port) {
        return new Pod(id, host, port, Map.of(), false, null);
    }

    /** This pod with the given labels (replacing the current ones; null means none). */
    public Pod withLabels(@Nullable Map<String, String> newLabels) {
        return new Pod(id, host, port, newLabels, ready, readySince);
    }

    /** This pod marked Ready since {@code since}. */
    public Pod markedReady(Instant since) {
        return new Pod(id, host, port, labels, true, since);
    }

    /** This pod marked not ready. */
    public Pod markedNotReady() {
        return new Pod(id, host, port, labels, false, null);
    }

    /** {@code host:port}, for logs and HTTP clients. */
    public String authority() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    private static void requireText(@Nullable String value, String name) {
        Objects.requireNonNull(value, () -> name + ": null (expected: non-blank text)");
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + ": blank (expected: non-blank text)");
        }
    }
}
