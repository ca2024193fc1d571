package io.podrouter.bench.sim;

/**
 * Duration of one engine step of a vLLM-style continuous-batching server, as a fitted linear model:
 * {@code step = b0 + b1 x prefillTokens + b2 x decodeTokens + c x contextTokens}, where
 * {@code contextTokens} is the total context (prompt plus tokens generated so far) the step's decode
 * sequences attend over.
 *
 * <p>The b coefficients are the published fits of BLIS (inference-sim/inference-sim, the open vLLM
 * discrete-event simulator; vLLM 0.8.4, TP=1, Llama-3.1-8B): H100 b0 5753 us, b1 17.25 us/token,
 * b2 6.00 us/token; A100-80GB b0 16442 us, b1 47.8 us, b2 18.2 us. The context term is derived, not
 * fitted: Llama-3-8B reads about 128 KiB of KV per context token per decode step, i.e. about 39 ns per
 * token on an H100 (3.35 TB/s) and about 64 ns on an A100. The sources are listed in
 * {@code router-bench/SIMULATION.md}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name               short name for reports
 * @param fixedMicros        b0, microseconds per step
 * @param perPrefillMicros   b1, microseconds per prefill token in the step
 * @param perDecodeMicros    b2, microseconds per decode token in the step
 * @param perContextMicros   c, microseconds per context token attended by the step's decode tokens
 */
public record StepTimeModel(String name, double fixedMicros, double perPrefillMicros, double perDecodeMicros,
                            double perContextMicros) {

    /** Llama-3.1-8B on one H100 (BLIS fit plus the derived context term). */
    public static final StepTimeModel H100_LLAMA_8B = new StepTimeModel("h100", 5753, 17.25, 6.00, 0.039);

    /** Llama-3.1-8B on one A100-80GB (BLIS fit plus the derived context term). */
    public static final StepTimeModel A100_LLAMA_8B = new StepTimeModel("a100", 16442, 47.8, 18.2, 0.064);

    /** Every coefficient must be finite and non-negative, the fixed cost positive. */
    public StepTimeModel {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name: " + name + " (expected: non-blank text)");
        }
        requireNonNegative("perPrefillMicros", perPrefillMicros);
        requireNonNegative("perDecodeMicros", perDecodeMicros);
        requireNonNegative("perContextMicros", perContextMicros);
        if (!(fixedMicros > 0) || Double.isInfinite(fixedMicros)) {
            throw new IllegalArgumentException("fixedMicros: " + fixedMicros + " (expected: finite and > 0)");
        }
    }

    /** The model for a GPU name, {@code h100} or {@code a100} (case-insensitive); others throw. */
    public static StepTimeModel forGpu(String gpu) {
        switch (gpu.toLowerCase(java.util.Locale.ROOT)) {
            case "h100":
                return H100_LLAMA_8B;
            case "a100":
                return A100_LLAMA_8B;
            default:
                throw new IllegalArgumentException("gpu: " + gpu + " (expected: h100 or a100)");
        }
    }

    /**
     * Seconds one step takes. Arguments are non-negative counts (the engine never passes negatives);
     * the result is at least {@code b0}.
     */
    public double stepSeconds(long prefillTokens, long decodeTokens, long contextTokens) {
        return (fixedMicros + perPrefillMicros * prefillTokens + perDecodeMicros * decodeTokens
                + perContextMicros * contextTokens) * 1e-6;
    }

    private static void requireNonNegative(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + ": " + v + " (expected: finite and >= 0)");
        }
    }
}
