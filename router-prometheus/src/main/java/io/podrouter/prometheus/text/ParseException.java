package io.podrouter.prometheus.text;

/**
 * The one exception {@link PrometheusTextParser} throws for malformed input. The message starts with
 * {@code "line N: "} (N is 1-based) and quotes at most a short, printable excerpt of the offending text,
 * so it is safe to log even for hostile input.
 *
 * <p>Checked on purpose: a scraper must decide what a bad body means for the pod (podrouter's scraper
 * marks the pod's metrics missing with {@code SCRAPE_FAILED}).
 */
public final class ParseException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int lineNumber;

    /**
     * @param lineNumber 1-based line of the error (0 when the input as a whole is at fault)
     * @param problem    what is wrong, without the line prefix
     */
    ParseException(int lineNumber, String problem) {
        super("line " + lineNumber + ": " + problem, null, false, false);
        this.lineNumber = lineNumber;
    }

    /** The 1-based line number of the malformed line. */
    public int lineNumber() {
        return lineNumber;
    }
}
