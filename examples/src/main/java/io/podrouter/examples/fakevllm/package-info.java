/**
 * A fake vLLM server for demos and integration tests: OpenAI-style completion endpoints whose latency
 * grows with the server's load, {@code /health}, and {@code /metrics} in vLLM's Prometheus exposition
 * (real metric names, values reflecting the actual load), plus a cold-start mode (Ready before any
 * {@code vllm:} series exists, slow first requests). See {@link io.podrouter.examples.fakevllm.FakeVllmBackend}.
 */
package io.podrouter.examples.fakevllm;
