package io.podrouter.prometheus.text;

import org.jspecify.annotations.Nullable;

/**
 * The sample a {@link SampleVisitor} is being told about: a reused, mutable view into the parser's
 * buffer, valid only during {@link SampleVisitor#sample}. Strings it returns come from the parser's
 * cache (the same instance for the same bytes, until the cache fills up), so reading names and label
 * values of a body seen before allocates nothing.
 *
 * <p>Not thread-safe; owned by one {@link PrometheusTextParser}.
 */
public final class SampleView {

    private final LabelTable labels;

    String name;
    String familyName;
    MetricType type;
    Suffix suffix;
    double value;
    boolean hasTimestamp;
    long timestampMillis;
    double bucketBound;
    double quantile;
    int lineNumber;

    SampleView(LabelTable labels) {
        this.labels = labels;
    }

    /** The sample's full name, e.g. {@code vllm:time_to_first_token_seconds_bucket}. */
    public String name() {
        return name;
    }

    /** The family the sample belongs to, e.g. {@code vllm:time_to_first_token_seconds}. */
    public String familyName() {
        return familyName;
    }

    /** The family's declared type; {@link MetricType#UNTYPED} when it had no TYPE line. */
    public MetricType type() {
        return type;
    }

    /** How the sample name extends the family name. */
    public Suffix suffix() {
        return suffix;
    }

    /** The value; NaN, +Inf and -Inf as written. */
    public double value() {
        return value;
    }

    /** Whether the line carried a timestamp. */
    public boolean hasTimestamp() {
        return hasTimestamp;
    }

    /**
     * The timestamp in milliseconds since the epoch (OpenMetrics float seconds are converted); 0 when
     * {@link #hasTimestamp()} is false.
     */
    public long timestampMillis() {
        return timestampMillis;
    }

    /** The {@code le} bound of a histogram {@link Suffix#BUCKET} sample; NaN for other samples. */
    public double bucketBound() {
        return bucketBound;
    }

    /** The {@code quantile} of a summary quantile sample; NaN for other samples. */
    public double quantile() {
        return quantile;
    }

    /** The 1-based line the sample is on. */
    public int lineNumber() {
        return lineNumber;
    }

    /** The number of labels on the sample (including {@code le} and {@code quantile}). */
    public int labelCount() {
        return labels.count();
    }

    /** The name of label {@code index} (0-based, in document order); index out of range throws {@link IndexOutOfBoundsException}. */
    public String labelName(int index) {
        checkIndex(index);
        return labels.name(index);
    }

    /** The decoded value of label {@code index} (0-based); index out of range throws {@link IndexOutOfBoundsException}. */
    public String labelValue(int index) {
        checkIndex(index);
        return labels.value(index);
    }

    /** The decoded value of the label called {@code labelName}, or null when the sample has no such label (or {@code labelName} is null). */
    public @Nullable String labelValue(@Nullable String labelName) {
        int index = labelName == null ? -1 : labels.index(labelName);
        return index < 0 ? null : labels.value(index);
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= labels.count()) {
            throw new IndexOutOfBoundsException("label index: " + index + " (expected: 0.." + (labels.count() - 1) + ")");
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append('{');
        for (int i = 0; i < labels.count(); i++) {
            sb.append(i == 0 ? "" : ",").append(labelName(i)).append("=\"").append(labelValue(i)).append('"');
        }
        return sb.append("} ").append(value).toString();
    }
}
