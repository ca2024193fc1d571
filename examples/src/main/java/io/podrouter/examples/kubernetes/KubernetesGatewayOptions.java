package io.podrouter.examples.kubernetes;

import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The command line of {@link KubernetesGateway}: where to listen and which pods to route to. Immutable.
 *
 * <pre>
 * --k8s-pool NAME                 route to the pods of this InferencePool (inference.networking.k8s.io/v1)
 * --k8s-selector k=v[,k=v...]     or: route to the pods with these labels (no CRD needed)
 * --k8s-target-port N[,N...]      with --k8s-selector: the model-server ports (default 8000)
 * --k8s-namespace NS              the namespace (default: the client's, e.g. the pod's own namespace)
 * --model NAME                    the model served (pool: default the pool's name; selector: default the
 *                                 pod label/annotation model.aibrix.ai/name)
 * --port N                        the gateway's port (default 8080)
 * --bind ADDRESS                  the address to listen on (default 0.0.0.0)
 * </pre>
 */
public final class KubernetesGatewayOptions {

    /** The gateway's default port; the manifests' container port and Service target port. */
    public static final int DEFAULT_PORT = 8080;
    /** The default model-server port with {@code --k8s-selector} (vLLM's default). */
    public static final int DEFAULT_TARGET_PORT = 8000;
    /** The default listen address: every interface, as a pod needs. */
    public static final String DEFAULT_BIND = "0.0.0.0";
    /** Usage text, printed on a bad command line. */
    public static final String USAGE = "usage: KubernetesGateway (--k8s-pool NAME | --k8s-selector k=v[,k=v...] "
            + "[--k8s-target-port N[,N...]]) [--k8s-namespace NS] [--model NAME] [--port N] [--bind ADDRESS]";

    private final @Nullable String namespace;
    private final @Nullable String pool;
    private final @Nullable Map<String, String> selector;
    private final List<Integer> targetPorts;
    private final @Nullable String model;
    private final int port;
    private final String bind;

    private KubernetesGatewayOptions(@Nullable String namespace, @Nullable String pool,
                                     @Nullable Map<String, String> selector, List<Integer> targetPorts,
                                     @Nullable String model, int port, String bind) {
        this.namespace = namespace;
        this.pool = pool;
        this.selector = selector;
        this.targetPorts = targetPorts;
        this.model = model;
        this.port = port;
        this.bind = bind;
    }

    /**
     * Parses a command line.
     *
     * @throws IllegalArgumentException naming the flag, on an unknown flag, a missing value, a bad number,
     *                                  neither or both of {@code --k8s-pool} and {@code --k8s-selector}, or
     *                                  {@code --k8s-target-port} with {@code --k8s-pool} (the pool has its own)
     */
    public static KubernetesGatewayOptions parse(String... args) {
        Objects.requireNonNull(args, "args: null (expected: the command line)");
        String namespace = null;
        String pool = null;
        Map<String, String> selector = null;
        List<Integer> targetPorts = null;
        String model = null;
        int port = DEFAULT_PORT;
        String bind = DEFAULT_BIND;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (!flag.startsWith("--")) {
                throw new IllegalArgumentException("argument: '" + flag + "' (expected: a flag; " + USAGE + ")");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + ": no value (expected: " + flag + " VALUE)");
            }
            String value = args[++i];
            switch (flag) {
                case "--k8s-namespace" -> namespace = text(flag, value);
                case "--k8s-pool" -> pool = text(flag, value);
                case "--k8s-selector" -> selector = selector(value);
                case "--k8s-target-port" -> targetPorts = ports(value);
                case "--model" -> model = text(flag, value);
                case "--port" -> port = number(flag, value, 0, 65535);
                case "--bind" -> bind = text(flag, value);
                default -> throw new IllegalArgumentException("flag: '" + flag + "' (expected: one of " + USAGE + ")");
            }
        }
        if ((pool == null) == (selector == null)) {
            throw new IllegalArgumentException("--k8s-pool / --k8s-selector: " + (pool == null ? "neither" : "both")
                    + " given (expected: exactly one)");
        }
        if (pool != null && targetPorts != null) {
            throw new IllegalArgumentException("--k8s-target-port: given with --k8s-pool (expected: only with "
                    + "--k8s-selector; a pool's ports are its spec.targetPorts)");
        }
        return new KubernetesGatewayOptions(namespace, pool, selector,
                targetPorts == null ? List.of(DEFAULT_TARGET_PORT) : targetPorts, model, port, bind);
    }

    /** {@code --k8s-namespace}, or null: use the client's namespace. */
    public @Nullable String namespace() {
        return namespace;
    }

    /** {@code --k8s-pool}, or null in label-selector mode. */
    public @Nullable String pool() {
        return pool;
    }

    /** {@code --k8s-selector}, or null in InferencePool mode; unmodifiable. */
    public @Nullable Map<String, String> selector() {
        return selector;
    }

    /** {@code --k8s-target-port}, default [{@value #DEFAULT_TARGET_PORT}]; unmodifiable. Unused with a pool. */
    public List<Integer> targetPorts() {
        return targetPorts;
    }

    /** {@code --model}, or null for the mode's default. */
    public @Nullable String model() {
        return model;
    }

    /** {@code --port}, default {@value #DEFAULT_PORT}; 0 picks a free port. */
    public int port() {
        return port;
    }

    /** {@code --bind}, default {@value #DEFAULT_BIND}. */
    public String bind() {
        return bind;
    }

    private static String text(String flag, String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException(flag + ": blank (expected: non-blank text)");
        }
        return value;
    }

    private static int number(String flag, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + ": '" + value + "' (expected: a number in " + min + ".." + max + ")");
    }

    private static Map<String, String> selector(String value) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : value.split(",", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || pair.substring(0, eq).isBlank()) {
                throw new IllegalArgumentException("--k8s-selector: '" + value + "' (expected: key=value pairs "
                        + "separated by commas, like app=vllm,tier=gpu)");
            }
            labels.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
        }
        return Map.copyOf(labels);
    }

    private static List<Integer> ports(String value) {
        List<Integer> ports = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            ports.add(number("--k8s-target-port", part, 1, 65535));
        }
        if (ports.size() > 8 || ports.stream().distinct().count() != ports.size()) {
            throw new IllegalArgumentException("--k8s-target-port: '" + value + "' (expected: 1 to 8 unique ports)");
        }
        return List.copyOf(ports);
    }
}
