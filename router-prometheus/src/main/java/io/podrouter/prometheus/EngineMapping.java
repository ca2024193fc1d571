package io.podrouter.prometheus;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * How one model-server engine names its Prometheus metrics: which gauge or histogram fills which
 * {@link io.podrouter.api.PodMetrics} field, which label tells models apart, and which extra values to
 * report in {@code PodMetrics.extra}. Ready-made for {@link #vllm() vLLM} and {@link #sglang() SGLang};
 * {@link #builder(String)} describes any other engine.
 *
 * <p><b>Alternative names.</b> A field may list several metric names, most preferred first (engines
 * rename metrics between releases). Per model, the first name with any series wins; the others are
 * ignored for that model.
 *
 * <p><b>Several series per model.</b> vLLM exports one series per engine core ({@code engine} label) when
 * it runs data-parallel, SGLang one per rank. Gauges are combined per model with the field's
 * {@link Aggregation} (request counts: {@link Aggregation#SUM SUM}; KV-cache usage:
 * {@link Aggregation#MEAN MEAN}, the figure vLLM's own aggregated logger prints for a data-parallel
 * server); histograms are merged bucket by bucket (which is exact: counts add up).
 *
 * <p><b>Series without the model label</b> (or with an empty value) are pooled under no model and serve
 * requests for any model the pod has no labelled series for; with {@link Builder#modelLabel(String)
 * modelLabel(null)} every series is pooled that way.
 *
 * <p><b>Extra values.</b> For every histogram (field or extra), the configured percentiles
 * ({@link Builder#percentiles}, default 0.9) of the recent window are stored in {@code extra} as
 * {@code <key>_p90} etc.; extra histograms also store their recent mean as {@code <key>}, extra gauges
 * their value as {@code <key>}.
 *
 * <p><b>LoRA adapters.</b> The vLLM mapping also reads {@code vllm:lora_requests_info}
 * ({@link Builder#loraInfo}): the adapters of its newest series go into {@code extra} of every model of
 * the pod as {@code lora_running:<adapter>} and {@code lora_waiting:<adapter>} (1 each) and
 * {@code lora_max}; {@code LoraAffinityScorer} (podrouter-strategies) prefers pods whose
 * {@code lora_running:<adapter>} is positive.
 *
 * <p>Immutable and thread-safe.
 */
public final class EngineMapping {

    /** How several series of one gauge for one model are combined. */
    public enum Aggregation {
        /** Add them up (request counts across data-parallel engines). */
        SUM,
        /** Take the largest (e.g. a usage fraction when the fullest engine is what matters). */
        MAX,
        /** Take the mean (usage fractions across data-parallel engines, as vLLM aggregates them). */
        MEAN
    }

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    // Metric names: vLLM "Production Metrics" (https://docs.vllm.ai/en/stable/usage/metrics/, and the
    // v1 metrics design note docs/design/metrics.md in the vLLM repository; kv_cache_usage_perc replaced
    // gpu_cache_usage_perc in V1, inter_token_latency_seconds replaced time_per_output_token_seconds).
    // Every vllm: series carries the served model name as label model_name (and engine in V1).
    // KV-cache usage of a data-parallel server is the mean over engines, as vLLM's own aggregated stat
    // logger reports it; PrometheusScraper.Builder.kvCacheAggregation switches to the fullest engine.
    private static final EngineMapping VLLM = builder("vllm")
            .modelLabel("model_name")
            .gauge(MetricField.RUNNING_REQUESTS, Aggregation.SUM, "vllm:num_requests_running")
            .gauge(MetricField.WAITING_REQUESTS, Aggregation.SUM, "vllm:num_requests_waiting")
            .gauge(MetricField.KV_CACHE_USAGE, Aggregation.MEAN, "vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc")
            .histogram(MetricField.TIME_TO_FIRST_TOKEN, "vllm:time_to_first_token_seconds")
            .histogram(MetricField.TIME_PER_OUTPUT_TOKEN, "vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds")
            .histogram(MetricField.E2E_LATENCY, "vllm:e2e_request_latency_seconds")
            .histogram(MetricField.QUEUE_TIME, "vllm:request_queue_time_seconds")
            .extraHistogram("request_prefill_time_seconds", "vllm:request_prefill_time_seconds")
            .extraHistogram("request_decode_time_seconds", "vllm:request_decode_time_seconds")
            .loraInfo("vllm:lora_requests_info")
            .build();

    // Metric names: SGLang "Production Metrics" (https://docs.sglang.io/references/production_metrics.html;
    // the server needs --enable-metrics). sglang:token_usage is the KV-cache token pool usage, a fraction
    // 0..1; newer releases name the inter-token latency histogram inter_token_latency_seconds, older ones
    // time_per_output_token_seconds. Series carry model_name. Recent releases write the prefix as
    // "sglang_" instead of "sglang:" (e.g. sglang_num_used_tokens in the SGLang model gateway's
    // /engine_metrics output), so each name has that spelling as its second choice.
    private static final EngineMapping SGLANG = builder("sglang")
            .modelLabel("model_name")
            .gauge(MetricField.RUNNING_REQUESTS, Aggregation.SUM, sglang("num_running_reqs"))
            .gauge(MetricField.WAITING_REQUESTS, Aggregation.SUM, sglang("num_queue_reqs"))
            .gauge(MetricField.KV_CACHE_USAGE, Aggregation.MEAN, sglang("token_usage"))
            .histogram(MetricField.TIME_TO_FIRST_TOKEN, sglang("time_to_first_token_seconds"))
            .histogram(MetricField.TIME_PER_OUTPUT_TOKEN, sglang("inter_token_latency_seconds", "time_per_output_token_seconds"))
            .histogram(MetricField.E2E_LATENCY, sglang("e2e_request_latency_seconds"))
            .extraGauge("cache_hit_rate", Aggregation.MEAN, sglang("cache_hit_rate"))
            .extraGauge("gen_throughput", Aggregation.SUM, sglang("gen_throughput"))
            .build();

    private static String[] sglang(String... suffixes) {
        String[] names = new String[suffixes.length * 2];
        for (int i = 0; i < suffixes.length; i++) {
            names[i] = "sglang:" + suffixes[i];
            names[suffixes.length + i] = "sglang_" + suffixes[i];
        }
        return names;
    }

    /** One gauge to read: into {@code field}, or into {@code extra} under {@code key} when field is null. */
    record GaugeSpec(MetricField field, String key, List<String> names, Aggregation aggregation) {
    }

    /** One histogram to read: into {@code field} (mean) or, when field is null, into {@code extra}. */
    record HistogramSpec(MetricField field, String key, List<String> names) {
    }

    /** Where samples of one metric family go. */
    record Slot(boolean histogram, int spec, int priority) {
    }

    private final String name;
    private final @Nullable String modelLabel;
    private final List<GaugeSpec> gauges;
    private final List<HistogramSpec> histograms;
    private final double[] percentiles;
    private final String[] percentileSuffixes;
    private final Map<String, Slot> slots;
    private final @Nullable String loraInfoFamily;
    private final Set<String> metricNames;

    private EngineMapping(Builder b) {
        this.name = b.name;
        this.loraInfoFamily = b.loraInfoFamily;
        this.modelLabel = b.modelLabel;
        this.gauges = List.copyOf(b.gauges);
        this.histograms = List.copyOf(b.histograms);
        this.percentiles = b.percentiles.clone();
        this.percentileSuffixes = new String[percentiles.length];
        for (int i = 0; i < percentiles.length; i++) {
            percentileSuffixes[i] = "_p" + BigDecimal.valueOf(percentiles[i] * 100).stripTrailingZeros()
                    .toPlainString().replace('.', '_');
        }
        Map<String, Slot> s = new HashMap<>();
        for (int i = 0; i < gauges.size(); i++) {
            List<String> names = gauges.get(i).names();
            for (int p = 0; p < names.size(); p++) {
                s.put(names.get(p), new Slot(false, i, p));
            }
        }
        for (int i = 0; i < histograms.size(); i++) {
            List<String> names = histograms.get(i).names();
            for (int p = 0; p < names.size(); p++) {
                s.put(names.get(p), new Slot(true, i, p));
            }
        }
        this.slots = Map.copyOf(s);
        Set<String> all = new HashSet<>(slots.keySet());
        if (loraInfoFamily != null) {
            all.add(loraInfoFamily);
        }
        this.metricNames = Set.copyOf(all);
    }

    /** The vLLM mapping (metric names as documented in vLLM's "Production Metrics" page). */
    public static EngineMapping vllm() {
        return VLLM;
    }

    /** The SGLang mapping (metric names as documented in SGLang's "Production Metrics" page). */
    public static EngineMapping sglang() {
        return SGLANG;
    }

    /**
     * A builder for another engine's mapping.
     *
     * @param name a name for logs and {@link #toString()}; null or blank throws
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The engine's name, e.g. {@code "vllm"}. */
    public String name() {
        return name;
    }

    /** The label that names the model of a series, or null when series are not per model. */
    public @Nullable String modelLabel() {
        return modelLabel;
    }

    /** Every metric family name this mapping reads (unmodifiable). */
    public Set<String> metricNames() {
        return metricNames;
    }

    /** The LoRA info gauge this mapping reads ({@link Builder#loraInfo}), or null when none. */
    public @Nullable String loraInfoFamily() {
        return loraInfoFamily;
    }

    /** The percentiles (in (0, 1)) reported in {@code extra} for every histogram; a copy. */
    public double[] percentiles() {
        return percentiles.clone();
    }

    List<GaugeSpec> gauges() {
        return gauges;
    }

    List<HistogramSpec> histograms() {
        return histograms;
    }

    int percentileCount() {
        return percentiles.length;
    }

    double percentile(int i) {
        return percentiles[i];
    }

    String percentileSuffix(int i) {
        return percentileSuffixes[i];
    }

    /** Where samples of family {@code familyName} go, or null when this mapping does not read it. */
    @Nullable Slot slot(String familyName) {
        return slots.get(familyName);
    }

    @Override
    public String toString() {
        return "EngineMapping[" + name + ", " + slots.size() + " metrics, model label " + modelLabel + "]";
    }

    /**
     * Builds an {@link EngineMapping}. Not thread-safe. Every method validates its arguments at once and
     * throws {@link IllegalArgumentException} (or {@link NullPointerException} for nulls where none are
     * allowed) with the offending value.
     */
    public static final class Builder {
        private final String name;
        private @Nullable String modelLabel = "model_name";
        private final List<GaugeSpec> gauges = new ArrayList<>();
        private final List<HistogramSpec> histograms = new ArrayList<>();
        private final Set<String> names = new HashSet<>();
        private final Set<String> keys = new HashSet<>();
        private final EnumSet<MetricField> fields = EnumSet.noneOf(MetricField.class);
        private double[] percentiles = {0.9};
        private @Nullable String loraInfoFamily;

        private Builder(String name) {
            Objects.requireNonNull(name, "name: null (expected: an engine name)");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name: blank (expected: an engine name)");
            }
            this.name = name;
        }

        /**
         * The label naming the model of each series; default {@code "model_name"} (vLLM, SGLang). Null
         * means the engine does not label series per model: every series then serves every model.
         */
        public Builder modelLabel(@Nullable String label) {
            if (label != null && !LABEL_NAME.matcher(label).matches()) {
                throw new IllegalArgumentException("modelLabel: '" + label + "' (expected: a label name like model_name, or null)");
            }
            this.modelLabel = label;
            return this;
        }

        /**
         * Reads {@code field} (a gauge field) from the first of {@code metricNames} that has series,
         * combining several series per model with {@code aggregation}.
         */
        public Builder gauge(MetricField field, Aggregation aggregation, String... metricNames) {
            Objects.requireNonNull(field, "field: null (expected: a MetricField)");
            if (field.fromHistogram()) {
                throw new IllegalArgumentException("field: " + field + " (expected: a gauge field; it is read from a histogram, use histogram(...))");
            }
            List<String> checked = checkNames(metricNames);
            requireAggregation(aggregation);
            claimField(field);
            gauges.add(new GaugeSpec(field, field.key(), claimNames(checked), aggregation));
            return this;
        }

        /** Reads {@code field} (a histogram field) as the recent mean of the first of {@code metricNames} that has series. */
        public Builder histogram(MetricField field, String... metricNames) {
            Objects.requireNonNull(field, "field: null (expected: a MetricField)");
            if (!field.fromHistogram()) {
                throw new IllegalArgumentException("field: " + field + " (expected: a histogram field; it is read from a gauge, use gauge(...))");
            }
            List<String> checked = checkNames(metricNames);
            claimField(field);
            histograms.add(new HistogramSpec(field, field.key(), claimNames(checked)));
            return this;
        }

        /** Reports a gauge in {@code PodMetrics.extra} under {@code key}. */
        public Builder extraGauge(String key, Aggregation aggregation, String... metricNames) {
            List<String> checked = checkNames(metricNames);
            requireAggregation(aggregation);
            gauges.add(new GaugeSpec(null, claimKey(key), claimNames(checked), aggregation));
            return this;
        }

        /** Reports a histogram's recent mean in {@code PodMetrics.extra} under {@code key} (and its percentiles as {@code key_p90}, ...). */
        public Builder extraHistogram(String key, String... metricNames) {
            List<String> checked = checkNames(metricNames);
            histograms.add(new HistogramSpec(null, claimKey(key), claimNames(checked)));
            return this;
        }

        /**
         * Reads the LoRA adapters a pod runs and queues from an info gauge shaped like vLLM's
         * {@code vllm:lora_requests_info} (labels {@code running_lora_adapters}, {@code waiting_lora_adapters}:
         * comma-separated adapter names; {@code max_lora}; value: when the combination was last set, newest
         * wins) into {@code PodMetrics.extra} of every model of the pod: {@code lora_running:<adapter>} and
         * {@code lora_waiting:<adapter>} (the times the adapter is listed, 1 with vLLM) and {@code lora_max}.
         * The vLLM mapping reads it; default none. A family of another type than gauge (or untyped) is
         * skipped.
         *
         * @param familyName the metric name, e.g. {@code vllm:lora_requests_info}; not null, a valid metric
         *                   name not mapped otherwise
         * @throws IllegalStateException when a LoRA info gauge is already set
         */
        public Builder loraInfo(String familyName) {
            if (loraInfoFamily != null) {
                throw new IllegalStateException("loraInfo: already '" + loraInfoFamily + "' (expected: one LoRA info gauge)");
            }
            List<String> checked = checkNames(familyName);
            this.loraInfoFamily = claimNames(checked).get(0);
            return this;
        }

        /**
         * The percentiles of every histogram's recent window to report in {@code extra}; default 0.9.
         * Each must be in (0, 1); none (an empty array) reports no percentiles.
         */
        public Builder percentiles(double... quantiles) {
            Objects.requireNonNull(quantiles, "percentiles: null (expected: quantiles in (0, 1))");
            for (double q : quantiles) {
                if (!(q > 0 && q < 1)) {
                    throw new IllegalArgumentException("percentiles: " + Arrays.toString(quantiles) + " (expected: each in (0, 1))");
                }
            }
            this.percentiles = quantiles.clone();
            return this;
        }

        /** The mapping; throws {@link IllegalStateException} when it reads nothing. */
        public EngineMapping build() {
            if (gauges.isEmpty() && histograms.isEmpty()) {
                throw new IllegalStateException("engine mapping " + name + " reads no metric (expected: at least one gauge or histogram)");
            }
            return new EngineMapping(this);
        }

        private void claimField(MetricField field) {
            if (fields.contains(field)) {
                throw new IllegalArgumentException("field: " + field + " is mapped twice (expected: each field once)");
            }
            fields.add(field);
        }

        private String claimKey(String key) {
            Objects.requireNonNull(key, "key: null (expected: a name for PodMetrics.extra)");
            if (key.isBlank() || !keys.add(key)) {
                throw new IllegalArgumentException("key: '" + key + "' (expected: non-blank and unique)");
            }
            return key;
        }

        private static Aggregation requireAggregation(Aggregation aggregation) {
            return Objects.requireNonNull(aggregation, "aggregation: null (expected: SUM, MAX or MEAN)");
        }

        /** Validates without side effects, so that a rejected call leaves the builder unchanged. */
        private List<String> checkNames(String... metricNames) {
            Objects.requireNonNull(metricNames, "metricNames: null (expected: at least one metric name)");
            if (metricNames.length == 0) {
                throw new IllegalArgumentException("metricNames: [] (expected: at least one metric name)");
            }
            Set<String> seen = new HashSet<>();
            for (String n : metricNames) {
                if (n == null || !METRIC_NAME.matcher(n).matches()) {
                    throw new IllegalArgumentException("metricNames: '" + n + "' (expected: a metric name like vllm:num_requests_running)");
                }
                if (names.contains(n) || !seen.add(n)) {
                    throw new IllegalArgumentException("metricNames: '" + n + "' is mapped twice (expected: each metric once)");
                }
            }
            return Collections.unmodifiableList(new ArrayList<>(Arrays.asList(metricNames)));
        }

        private List<String> claimNames(List<String> checked) {
            names.addAll(checked);
            return checked;
        }
    }
}
