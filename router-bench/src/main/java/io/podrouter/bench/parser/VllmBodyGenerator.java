package io.podrouter.bench.parser;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes a realistic vLLM {@code /metrics} body: process metrics, then every vLLM gauge, counter and
 * histogram (all buckets, bounds as in vLLM's "Production Metrics" documentation,
 * https://docs.vllm.ai/en/stable/usage/metrics/) for {@code models} served model names (base models and
 * LoRA adapters) on {@code engines} data-parallel engine cores. Deterministic for a seed.
 */
final class VllmBodyGenerator {

    private static final double[] TTFT = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0,
        2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
    private static final double[] ITL = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5,
        5.0, 7.5, 10.0, 20.0, 40.0, 80.0};
    private static final double[] REQUEST = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0,
        50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
    private static final double[] TOKENS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};

    private VllmBodyGenerator() {
    }

    static byte[] generate(int models, int engines, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(256 * 1024);
        sb.append("# HELP python_gc_objects_collected_total Objects collected during gc\n");
        sb.append("# TYPE python_gc_objects_collected_total counter\n");
        for (int g = 0; g < 3; g++) {
            sb.append("python_gc_objects_collected_total{generation=\"").append(g).append("\"} ").append(1000.0 * (g + 1)).append('\n');
        }
        sb.append("# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\n");
        sb.append("process_resident_memory_bytes 4.123459584e+09\n");
        String[] labels = new String[models * engines];
        for (int m = 0; m < models; m++) {
            String model = m == 0 ? "meta-llama/Llama-3.1-8B-Instruct" : "meta-llama/Llama-3.1-8B-Instruct-lora-adapter-" + m;
            for (int e = 0; e < engines; e++) {
                labels[m * engines + e] = "engine=\"" + e + "\",model_name=\"" + model + "\"";
            }
        }
        gauge(sb, "vllm:num_requests_running", "Number of requests in model execution batches.", labels, random, 64);
        gauge(sb, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", labels, random, 16);
        gauge(sb, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", labels, random, 1);
        counter(sb, "vllm:prompt_tokens_total", "Number of prefill tokens processed.", labels, random);
        counter(sb, "vllm:generation_tokens_total", "Number of generation tokens processed.", labels, random);
        counter(sb, "vllm:prefix_cache_queries_total", "Prefix cache queries.", labels, random);
        counter(sb, "vllm:prefix_cache_hits_total", "Prefix cache hits.", labels, random);
        histogram(sb, "vllm:time_to_first_token_seconds", TTFT, labels, random);
        histogram(sb, "vllm:inter_token_latency_seconds", ITL, labels, random);
        histogram(sb, "vllm:time_per_output_token_seconds", ITL, labels, random);
        histogram(sb, "vllm:e2e_request_latency_seconds", REQUEST, labels, random);
        histogram(sb, "vllm:request_queue_time_seconds", REQUEST, labels, random);
        histogram(sb, "vllm:request_inference_time_seconds", REQUEST, labels, random);
        histogram(sb, "vllm:request_prefill_time_seconds", REQUEST, labels, random);
        histogram(sb, "vllm:request_decode_time_seconds", REQUEST, labels, random);
        histogram(sb, "vllm:request_prompt_tokens", TOKENS, labels, random);
        histogram(sb, "vllm:request_generation_tokens", TOKENS, labels, random);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void gauge(StringBuilder sb, String name, String help, String[] labels, SplittableRandom r, double scale) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n");
        for (String l : labels) {
            double v = scale == 1 ? r.nextDouble() : r.nextInt((int) scale);
            sb.append(name).append('{').append(l).append("} ").append(v).append('\n');
        }
    }

    private static void counter(StringBuilder sb, String name, String help, String[] labels, SplittableRandom r) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n");
        for (String l : labels) {
            sb.append(name).append('{').append(l).append("} ").append((double) r.nextInt(10_000_000)).append('\n');
        }
    }

    private static void histogram(StringBuilder sb, String name, double[] bounds, String[] labels, SplittableRandom r) {
        sb.append("# HELP ").append(name).append(" Histogram.\n# TYPE ").append(name).append(" histogram\n");
        for (String l : labels) {
            double count = 0;
            double sum = r.nextDouble() * 1e5;
            sb.append(name).append("_sum{").append(l).append("} ").append(sum).append('\n');
            for (double b : bounds) {
                count += r.nextInt(500);
                sb.append(name).append("_bucket{le=\"").append(String.format(Locale.ROOT, "%s", b)).append("\",").append(l)
                        .append("} ").append(count).append('\n');
            }
            sb.append(name).append("_bucket{le=\"+Inf\",").append(l).append("} ").append(count).append('\n');
            sb.append(name).append("_count{").append(l).append("} ").append(count).append('\n');
        }
    }
}
