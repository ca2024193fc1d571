/**
 * JMH benchmark of the Prometheus text-format parser ({@code io.podrouter.prometheus.text}) on a realistic
 * ~200 KB vLLM {@code /metrics} body (many models and LoRA adapters, every histogram bucket), produced by
 * {@link io.podrouter.bench.parser.VllmBodyGenerator}. Reports MB/s (as a secondary result) and bytes
 * allocated per body with {@code -prof gc}; {@code router-bench/bench.sh} runs it and puts the figures in
 * {@code RESULTS.md}.
 */
package io.podrouter.bench.parser;
