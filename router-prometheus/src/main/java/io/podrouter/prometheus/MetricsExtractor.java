package io.podrouter.prometheus;

import io.podrouter.prometheus.text.MetricType;
import io.podrouter.prometheus.text.SampleView;
import io.podrouter.prometheus.text.SampleVisitor;

import org.jspecify.annotations.Nullable;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the families an {@link EngineMapping} names out of one scraped body, per model, and ignores
 * everything else. One instance per scrape; not thread-safe.
 */
final class MetricsExtractor implements SampleVisitor {

    /** The key of series that carry no model label. */
    static final String ANY_MODEL = "";

    private final EngineMapping mapping;
    private final String modelLabel;
    private final int gaugeCount;
    private final int histogramCount;
    private final EngineMapping.Aggregation[] aggregations;
    private final MetricField[] gaugeFields;
    private final Map<String, ModelValues> models = new HashMap<>();
    private final @Nullable String loraFamily;
    private final LoraInfo lora = new LoraInfo();
    private EngineMapping.@Nullable Slot slot;
    private boolean inLoraFamily;
    private @Nullable String wrongType;

    /**
     * @param mapping        what to read
     * @param kvAggregation  how to combine several KV-cache usage series of one model, or null for the
     *                       mapping's own choice
     */
    MetricsExtractor(EngineMapping mapping, EngineMapping.@Nullable Aggregation kvAggregation) {
        this.mapping = mapping;
        this.loraFamily = mapping.loraInfoFamily();
        this.modelLabel = mapping.modelLabel();
        this.gaugeCount = mapping.gauges().size();
        this.histogramCount = mapping.histograms().size();
        this.aggregations = new EngineMapping.Aggregation[gaugeCount];
        this.gaugeFields = new MetricField[gaugeCount];
        for (int i = 0; i < gaugeCount; i++) {
            EngineMapping.GaugeSpec g = mapping.gauges().get(i);
            gaugeFields[i] = g.field();
            aggregations[i] = kvAggregation != null && g.field() == MetricField.KV_CACHE_USAGE ? kvAggregation : g.aggregation();
        }
    }

    @Override
    public boolean wantsFamily(String familyName, MetricType type) {
        // An info gauge; another type is not vLLM's, so it is skipped (no LoRA extras), not an error.
        inLoraFamily = familyName.equals(loraFamily) && (type == MetricType.GAUGE || type == MetricType.UNTYPED);
        if (inLoraFamily) {
            slot = null;
            return true;
        }
        slot = mapping.slot(familyName);
        if (slot == null) {
            return false;
        }
        boolean ok = slot.histogram() ? type == MetricType.HISTOGRAM : type == MetricType.GAUGE || type == MetricType.UNTYPED;
        if (!ok) {
            if (wrongType == null) {
                wrongType = familyName + " is declared " + type.token() + " (expected: " + (slot.histogram() ? "histogram" : "gauge") + ")";
            }
            slot = null;
        }
        return ok;
    }

    @Override
    public void sample(SampleView s) {
        if (inLoraFamily) {
            lora.offer(s.value(), s.labelValue(LoraInfo.RUNNING_LABEL), s.labelValue(LoraInfo.WAITING_LABEL),
                    s.labelValue(LoraInfo.MAX_LABEL));
            return;
        }
        EngineMapping.Slot slot = this.slot;
        if (slot == null) {
            return; // the parser only sends samples of wanted families
        }
        String model = modelLabel == null ? null : s.labelValue(modelLabel);
        if (model == null) {
            model = ANY_MODEL;
        }
        ModelValues values = models.get(model);
        if (values == null) {
            values = new ModelValues(gaugeCount, histogramCount);
            models.put(model, values);
        }
        if (slot.histogram()) {
            values.histogram(slot.spec(), slot.priority(), s);
        } else {
            int spec = slot.spec();
            values.gauge(spec, slot.priority(), s.value(), aggregations[spec], gaugeFields[spec], s.familyName());
        }
    }

    /** The LoRA adapters of the body's newest {@code vllm:lora_requests_info} series (pod-wide: it has no model label). */
    LoraInfo lora() {
        return lora;
    }

    /** The first family found with a type the mapping cannot read, described; null when none. */
    @Nullable String wrongType() {
        return wrongType;
    }

    /** What was read, by model ({@link #ANY_MODEL} for unlabelled series). */
    Map<String, ModelValues> models() {
        return models;
    }

    /** The values of one model in one body. */
    static final class ModelValues {
        private final double[] gauges;
        private final int[] gaugeSeries;
        private final int[] gaugePriority;
        private final String[] gaugeProblem;
        private final EngineMapping.Aggregation[] gaugeAggregation;
        private final CumulativeHistogram[] histograms;
        private final int[] histogramPriority;

        ModelValues(int gaugeCount, int histogramCount) {
            gauges = new double[gaugeCount];
            gaugeSeries = new int[gaugeCount];
            gaugePriority = new int[gaugeCount];
            Arrays.fill(gaugePriority, Integer.MAX_VALUE);
            gaugeProblem = new String[gaugeCount];
            gaugeAggregation = new EngineMapping.Aggregation[gaugeCount];
            histograms = new CumulativeHistogram[histogramCount];
            histogramPriority = new int[histogramCount];
            Arrays.fill(histogramPriority, Integer.MAX_VALUE);
        }

        void gauge(int spec, int priority, double value, EngineMapping.Aggregation aggregation, MetricField field,
                   String family) {
            if (priority > gaugePriority[spec]) {
                return;
            }
            String problem = ScrapedValues.gaugeProblem(field, value);
            gaugeAggregation[spec] = aggregation;
            if (priority < gaugePriority[spec]) {
                gaugePriority[spec] = priority;
                gauges[spec] = value;
                gaugeSeries[spec] = 1;
                gaugeProblem[spec] = problem == null ? null : family + "=" + problem;
                return;
            }
            if (problem != null && gaugeProblem[spec] == null) {
                gaugeProblem[spec] = family + "=" + problem;
            }
            gaugeSeries[spec]++;
            gauges[spec] = aggregation == EngineMapping.Aggregation.MAX ? Math.max(gauges[spec], value) : gauges[spec] + value;
        }

        void histogram(int spec, int priority, SampleView s) {
            if (priority > histogramPriority[spec]) {
                return;
            }
            if (priority < histogramPriority[spec]) {
                histogramPriority[spec] = priority;
                histograms[spec] = new CumulativeHistogram(s.familyName());
            }
            CumulativeHistogram h = histograms[spec];
            switch (s.suffix()) {
                case BUCKET:
                    h.addBucket(s.bucketBound(), s.value());
                    break;
                case SUM:
                    h.addSum(s.value());
                    break;
                case COUNT:
                    h.addCount(s.value());
                    break;
                default:
                    break; // _created: not needed
            }
        }

        /** Gauge {@code spec}'s combined value, or NaN when the body had no series for it. */
        double gauge(int spec) {
            if (gaugeSeries[spec] == 0) {
                return Double.NaN;
            }
            double v = gauges[spec];
            return gaugeAggregation[spec] == EngineMapping.Aggregation.MEAN ? v / gaugeSeries[spec] : v;
        }

        /** Why a series of gauge {@code spec} is out of range ("family=value (expected: ...)"), or null. */
        String gaugeProblem(int spec) {
            return gaugeProblem[spec];
        }

        /** Histogram {@code spec} as scraped, or null when the body had no series for it. */
        CumulativeHistogram histogram(int spec) {
            return histograms[spec];
        }
    }
}
