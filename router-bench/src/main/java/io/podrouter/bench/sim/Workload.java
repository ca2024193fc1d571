package io.podrouter.bench.sim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Generates the scenario's requests lazily, in arrival order, from its own random stream: every router
 * configuration run with the same scenario sees exactly the same requests.
 *
 * <p>Arrival processes: Poisson (exponential inter-arrival times) and Gamma inter-arrival times (shape
 * k, CV 1/sqrt(k); k = 1 is Poisson), both at {@code baseRate} before {@code loadStepAt} and
 * {@code stepRate} after. At the step a pending gap is redrawn at the new rate (exact for Poisson by
 * memorylessness, an approximation for Gamma). Lengths come from the {@link LengthProfile}. A trace CSV
 * ({@code arrival_s,prompt_tokens,output_tokens}; an optional header line; blank lines and lines
 * starting with {@code #} skipped) replaces both; arrival times must be non-decreasing and lengths at
 * least 1, otherwise reading throws {@link IllegalArgumentException} naming the line.
 *
 * <p>Not thread-safe. Closes the trace file when exhausted or on {@link #close()}.
 */
final class Workload implements AutoCloseable {

    /** One generated request: arrival time, lengths and an exponential service draw. */
    record Arrival(double time, int promptTokens, int outputTokens, double serviceSeconds) {
    }

    private final Scenario s;
    private final SplittableRandom random;
    private final BufferedReader trace;
    private double clock;
    private long generated;
    private int traceLine;
    private boolean exhausted;

    Workload(Scenario scenario) {
        this.s = scenario;
        this.random = new SplittableRandom(scenario.seed() ^ 0x57A7E_10ADL);
        if (scenario.arrival() == Scenario.Arrival.TRACE) {
            try {
                this.trace = Files.newBufferedReader(Path.of(scenario.traceFile()), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("traceFile: " + scenario.traceFile() + " (cannot read: " + e.getMessage() + ")", e);
            }
        } else {
            this.trace = null;
        }
    }

    /** The next request, or null when arrivals are over (duration reached, trace ended or maxRequests hit). */
    Arrival next() {
        if (exhausted || (s.maxRequests() > 0 && generated >= s.maxRequests())) {
            return finish();
        }
        Arrival a = trace != null ? nextFromTrace() : nextGenerated();
        if (a == null || a.time() >= s.durationSeconds()) {
            return finish();
        }
        generated++;
        return a;
    }

    private Arrival finish() {
        exhausted = true;
        close();
        return null;
    }

    private Arrival nextGenerated() {
        double t = clock;
        while (true) {
            boolean beforeStep = t < s.loadStepAt();
            double rate = beforeStep ? s.baseRate() : s.stepRate();
            if (rate <= 0) {
                if (!beforeStep) {
                    return null;
                }
                t = s.loadStepAt();
                continue;
            }
            double gap = s.arrival() == Scenario.Arrival.GAMMA ? gamma(s.gammaShape()) / (s.gammaShape() * rate)
                    : -Math.log(1 - random.nextDouble()) / rate;
            if (beforeStep && t + gap >= s.loadStepAt()) {
                t = s.loadStepAt();
                continue;
            }
            t += gap;
            break;
        }
        clock = t;
        int prompt = s.lengths().drawPrompt(random, s.maxPromptTokens());
        int output = s.lengths().drawOutput(random, s.maxOutputTokens(), prompt);
        return new Arrival(t, prompt, output, exponentialService());
    }

    private double exponentialService() {
        return -Math.log(1 - random.nextDouble()) * s.serviceSeconds();
    }

    /** Gamma(shape, 1) by Marsaglia and Tsang, with the shape &lt; 1 boost. */
    private double gamma(double shape) {
        if (shape < 1) {
            double u = random.nextDouble();
            return gamma(shape + 1) * Math.pow(u == 0 ? Double.MIN_VALUE : u, 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = random.nextGaussian();
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = random.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }

    private Arrival nextFromTrace() {
        try {
            String line;
            while ((line = trace.readLine()) != null) {
                traceLine++;
                line = line.trim();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(",");
                if (traceLine == 1 && !f[0].isEmpty() && !Character.isDigit(f[0].charAt(0)) && f[0].charAt(0) != '.') {
                    continue; // header
                }
                if (f.length != 3) {
                    throw bad(line, "expected 3 fields arrival_s,prompt_tokens,output_tokens");
                }
                double t;
                int prompt;
                int output;
                try {
                    t = Double.parseDouble(f[0].trim());
                    prompt = Integer.parseInt(f[1].trim());
                    output = Integer.parseInt(f[2].trim());
                } catch (NumberFormatException e) {
                    throw bad(line, "expected numbers");
                }
                if (!(t >= clock) || Double.isInfinite(t)) {
                    throw bad(line, "arrival " + t + " (expected: finite and >= previous arrival " + clock + ")");
                }
                if (prompt < 1 || output < 1) {
                    throw bad(line, "lengths " + prompt + "," + output + " (expected: >= 1)");
                }
                clock = t;
                return new Arrival(t, Math.min(prompt, s.maxPromptTokens()), Math.min(output, s.maxOutputTokens()),
                        exponentialService());
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("traceFile: " + s.traceFile() + " (read failed at line " + traceLine + ")", e);
        }
    }

    private IllegalArgumentException bad(String line, String what) {
        return new IllegalArgumentException("traceFile " + s.traceFile() + " line " + traceLine + ": '" + line + "' (" + what + ")");
    }

    @Override
    public void close() {
        if (trace != null) {
            try {
                trace.close();
            } catch (IOException e) {
                throw new UncheckedIOException("traceFile: " + s.traceFile() + " (close failed)", e);
            }
        }
    }
}
