package io.podrouter.bench.sim;

import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * Heavy-tailed prompt and output length distributions (lognormal, lengths in tokens; prompt and output
 * drawn independently, since they are nearly uncorrelated in the Azure trace).
 *
 * <ul>
 *   <li>{@link #AZURE_CONV}: the Azure LLM inference trace 2023, conversation: prompt mu 6.63 sigma 0.99,
 *       output mu 5.02 sigma 0.86 (means about 1,240 and 220 tokens).</li>
 *   <li>{@link #AZURE_CODE}: the same trace, code: prompt mu 7.00 sigma 1.36, output mu 2.79 sigma 0.85
 *       (long prompts, short outputs).</li>
 *   <li>{@link #SHAREGPT}: ShareGPT as vLLM's benchmarks sample it. Not a published fit: a lognormal
 *       with sigma 0.9 whose means match the reported ~225 prompt and ~215 output tokens, truncated
 *       like the benchmark (prompt at most 1,024 tokens, prompt plus output at most 2,048).</li>
 * </ul>
 *
 * <p>Draws are clamped to at least 1 token and to the scenario's maxima. Immutable and thread-safe;
 * the random generator passed in is not.
 */
public enum LengthProfile {
    AZURE_CONV(6.63, 0.99, 5.02, 0.86, Integer.MAX_VALUE, Integer.MAX_VALUE),
    AZURE_CODE(7.00, 1.36, 2.79, 0.85, Integer.MAX_VALUE, Integer.MAX_VALUE),
    SHAREGPT(Math.log(225) - 0.405, 0.9, Math.log(215) - 0.405, 0.9, 1024, 2048);

    private final double promptMu;
    private final double promptSigma;
    private final double outputMu;
    private final double outputSigma;
    private final int promptCap;
    private final int totalCap;

    LengthProfile(double promptMu, double promptSigma, double outputMu, double outputSigma, int promptCap, int totalCap) {
        this.promptMu = promptMu;
        this.promptSigma = promptSigma;
        this.outputMu = outputMu;
        this.outputSigma = outputSigma;
        this.promptCap = promptCap;
        this.totalCap = totalCap;
    }

    /** The profile for a scenario value such as {@code azure-conv}; unknown names throw. */
    public static LengthProfile parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("lengths: " + name + " (expected: azure-conv, azure-code or sharegpt)", e);
        }
    }

    /** A prompt length in 1..min(maxPrompt, profile cap). */
    public int drawPrompt(RandomGenerator random, int maxPrompt) {
        return clamp(Math.exp(promptMu + promptSigma * random.nextGaussian()), Math.min(maxPrompt, promptCap));
    }

    /** An output length in 1..min(maxOutput, profile total cap minus the prompt). */
    public int drawOutput(RandomGenerator random, int maxOutput, int prompt) {
        int cap = Math.min(maxOutput, Math.max(1, totalCap - prompt));
        return clamp(Math.exp(outputMu + outputSigma * random.nextGaussian()), cap);
    }

    private static int clamp(double v, int max) {
        long r = Math.round(v);
        return (int) Math.max(1, Math.min(max, r));
    }

    /** The scenario spelling, e.g. {@code azure-conv}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
