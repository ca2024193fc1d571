/**
 * The example gateway fed by Kubernetes discovery: {@link io.podrouter.examples.kubernetes.KubernetesGateway}
 * (main class) and its command-line options; manifests in {@code examples/kubernetes/}.
 */
@org.jspecify.annotations.NullMarked
package io.podrouter.examples.kubernetes;
