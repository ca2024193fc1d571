package io.podrouter.prometheus.text;

/**
 * Receives what {@link PrometheusTextParser#parse(byte[], int, int, SampleVisitor)} finds, in document
 * order. Implement only what you need; the defaults ignore HELP text and want every family.
 *
 * <p>The parser validates every line, wanted or not, before calling the visitor about it; an exception
 * thrown by the visitor propagates unchanged out of {@code parse}. Calls come from the parsing thread
 * only.
 */
public interface SampleVisitor {

    /**
     * A {@code # TYPE} line declared {@code familyName} to be of {@code type}. Called once per TYPE line
     * (a family repeated further down the body may be declared again with the same type).
     */
    default void type(String familyName, MetricType type) {
    }

    /** Whether {@link #help} should be called; HELP text is decoded only when this returns true. */
    default boolean wantsHelp() {
        return false;
    }

    /** A {@code # HELP} line, with its escapes ({@code \\}, {@code \n}) decoded. */
    default void help(String familyName, String text) {
    }

    /**
     * Whether the samples of {@code familyName} should be passed to {@link #sample}. Called before the
     * first sample of each run of consecutive samples of one family (so again if the family reappears
     * after another one), which lets a visitor keep per-family state for the following samples.
     *
     * @param familyName the family (for a histogram, the name without {@code _bucket}, ...)
     * @param type       its declared type, {@link MetricType#UNTYPED} when undeclared
     */
    default boolean wantsFamily(String familyName, MetricType type) {
        return true;
    }

    /**
     * One sample of a wanted family. {@code sample} is a view valid only during this call: copy what
     * you need to keep.
     */
    void sample(SampleView sample);
}
