package io.podrouter.prometheus;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EngineMappingTest {

    @Test
    void vllmMappingReadsCurrentAndOlderNames() {
        assertThat(EngineMapping.vllm().metricNames()).contains(
                "vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
                "vllm:gpu_cache_usage_perc", "vllm:time_to_first_token_seconds", "vllm:inter_token_latency_seconds",
                "vllm:time_per_output_token_seconds", "vllm:e2e_request_latency_seconds", "vllm:request_queue_time_seconds",
                "vllm:request_prefill_time_seconds", "vllm:request_decode_time_seconds");
        assertThat(EngineMapping.vllm().modelLabel()).isEqualTo("model_name");
        assertThat(EngineMapping.vllm().slot("vllm:kv_cache_usage_perc").priority()).isZero();
        assertThat(EngineMapping.vllm().slot("vllm:gpu_cache_usage_perc").priority()).isOne();
    }

    @Test
    void sglangMappingAcceptsBothPrefixSpellings() {
        assertThat(EngineMapping.sglang().metricNames()).contains(
                "sglang:num_running_reqs", "sglang:num_queue_reqs", "sglang:token_usage", "sglang:time_to_first_token_seconds",
                "sglang:e2e_request_latency_seconds", "sglang_num_running_reqs");
    }

    @Test
    void customEngineWithPercentileNames() {
        EngineMapping m = EngineMapping.builder("tgi").modelLabel(null)
                .gauge(MetricField.WAITING_REQUESTS, EngineMapping.Aggregation.SUM, "tgi_queue_size")
                .extraHistogram("batch_seconds", "tgi_batch_inference_duration")
                .percentiles(0.5, 0.99, 0.999)
                .build();
        assertThat(m.modelLabel()).isNull();
        assertThat(m.percentileSuffix(0)).isEqualTo("_p50");
        assertThat(m.percentileSuffix(1)).isEqualTo("_p99");
        assertThat(m.percentileSuffix(2)).isEqualTo("_p99_9");
    }

    @Test
    void builderRejectsInconsistentMappings() {
        EngineMapping.Builder b = EngineMapping.builder("x");
        assertThatThrownBy(() -> b.gauge(MetricField.TIME_TO_FIRST_TOKEN, EngineMapping.Aggregation.SUM, "a"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("field: TIME_TO_FIRST_TOKEN (expected: a gauge field");
        assertThatThrownBy(() -> b.histogram(MetricField.KV_CACHE_USAGE, "a"))
                .hasMessageStartingWith("field: KV_CACHE_USAGE (expected: a histogram field");
        assertThatThrownBy(() -> b.gauge(MetricField.KV_CACHE_USAGE, EngineMapping.Aggregation.MAX, "bad name"))
                .hasMessageContaining("metricNames: 'bad name'");
        b.gauge(MetricField.KV_CACHE_USAGE, EngineMapping.Aggregation.MAX, "kv");
        assertThatThrownBy(() -> b.gauge(MetricField.KV_CACHE_USAGE, EngineMapping.Aggregation.MAX, "kv2"))
                .hasMessageContaining("mapped twice");
        assertThatThrownBy(() -> b.extraGauge("k", EngineMapping.Aggregation.SUM, "kv")).hasMessageContaining("'kv' is mapped twice");
        assertThatThrownBy(() -> b.percentiles(1.0)).hasMessage("percentiles: [1.0] (expected: each in (0, 1))");
        assertThatThrownBy(() -> b.modelLabel("model-name")).hasMessageStartingWith("modelLabel: 'model-name'");
        assertThatThrownBy(() -> EngineMapping.builder("empty").build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> EngineMapping.builder(" ")).isInstanceOf(IllegalArgumentException.class);
    }
}
