/**
 * Runnable programs showing podrouter in use. {@link io.podrouter.examples.GatewayDemo} is the README's
 * first command ({@code mvn -q -B -pl examples -am compile exec:java}): an OpenAI-compatible gateway on
 * podrouter with fake vLLM backends, one of them cold-starting, under live load for 30 s.
 * {@link io.podrouter.examples.QuickstartDemo} ({@code -Dexec.mainClass=io.podrouter.examples.QuickstartDemo})
 * shows the router alone, deterministically, on a virtual clock. {@link io.podrouter.examples.LoadDriver}
 * and {@link io.podrouter.examples.HealthProbe} are the demo's client load and discovery check. Example
 * code, not library code: the demos print to standard output.
 */
package io.podrouter.examples;
