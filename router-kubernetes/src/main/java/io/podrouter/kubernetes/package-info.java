/**
 * Kubernetes service discovery for podrouter: {@link io.podrouter.kubernetes.InferencePoolDiscovery} reads a
 * Gateway API Inference Extension {@code InferencePool} and its pods with the endpoint picker's rules;
 * {@link io.podrouter.kubernetes.LabelSelectorDiscovery} reads pods by labels, for clusters without the CRD.
 * Both publish immutable {@link io.podrouter.api.Pod} lists per model to
 * {@link io.podrouter.kubernetes.PodDiscoveryListener}s, such as
 * {@link io.podrouter.kubernetes.CandidateSets}, which keeps a router's prepared candidate sets.
 */
@org.jspecify.annotations.NullMarked
package io.podrouter.kubernetes;
