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
 * memorylessness, an approximation for Gamma). With {@code arrival=onoff} (a two-state Markov-modulated
 * Poisson process) or a {@code ramp}, arrivals are a non-homogeneous Poisson process drawn by thinning; the
 * on/off state has its own random stream. Lengths come from the {@link LengthProfile}. A trace CSV
 * ({@code arrival_s,prompt_tokens,output_tokens}; an optional header line; blank lines and lines
 * starting with {@code #} skipped) replaces both; arrival times must be non-decreasing and lengths at
 * least 1, otherwise reading throws {@link IllegalArgumentException} naming the line.
 *
 * <p>Workloads with content ({@link WorkloadSpec}): with {@code workload=shared-prefix} each arrival (same
 * arrival processes) draws a group and a prompt of that group uniformly at random, and carries the prompt's
 * token ids (the group's system prompt, then the prompt's question) and the ids of the output it will
 * generate. With {@code workload=multi-turn}, {@link #next()} gives the sessions' first turns (Poisson at
 * {@code baseRate}, {@code sessions} of them) and {@link #followUp} the next turn of a session once a turn
 * ended; see {@link WorkloadSpec} for the rules. Token ids are uniform in [0, {@value #VOCABULARY}) (Llama 3's
 * vocabulary size, rounded down), drawn from streams of their own (per group, per prompt, per session), so the
 * content of a prompt does not depend on the order in which requests were drawn.
 *
 * <p>Not thread-safe. Closes the trace file when exhausted or on {@link #close()}.
 */
final class Workload implements AutoCloseable {

    /** Token ids are drawn from [0, VOCABULARY). */
    static final int VOCABULARY = 128_000;

    /**
     * One generated request: arrival time, lengths and an exponential service draw; with content, the prompt's
     * and the output's token ids, the session key and the session (multi-turn), else null.
     */
    record Arrival(double time, int promptTokens, int outputTokens, double serviceSeconds, int[] tokens, int[] outputIds,
                   String sessionKey, Object session, long[] blockHashes) {
        Arrival(double time, int promptTokens, int outputTokens, double serviceSeconds) {
            this(time, promptTokens, outputTokens, serviceSeconds, null, null, null, null, null);
        }
    }

    /** A multi-turn session: its key, its own random stream and the turns done. */
    static final class Session {
        final String key;
        final SplittableRandom random;
        int turn;

        Session(String key, SplittableRandom random) {
            this.key = key;
            this.random = random;
        }
    }

    private final Scenario s;
    private final SplittableRandom random;
    private final BufferedReader trace;
    private double clock;
    private long generated;
    private int traceLine;
    private boolean exhausted;
    private final SplittableRandom stateRandom;
    private boolean on;
    private double stateUntil = Double.NEGATIVE_INFINITY;
    private final WorkloadSpec spec;
    private final SplittableRandom outputRandom;
    private int[][] groupPrefixes;
    private long[][] groupHashes;
    private long sessionsStarted;

    Workload(Scenario scenario) {
        this.s = scenario;
        this.random = new SplittableRandom(scenario.seed() ^ 0x57A7E_10ADL);
        this.stateRandom = new SplittableRandom(scenario.seed() ^ 0x0A0FF_5EEDL);
        this.spec = scenario.workload();
        this.outputRandom = new SplittableRandom(scenario.seed() ^ 0x0C7E47L);
        if (spec.kind() == WorkloadSpec.Kind.SHARED_PREFIX) {
            this.groupPrefixes = new int[spec.prefixGroups()][];
            this.groupHashes = new long[spec.prefixGroups()][];
        }
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
        Arrival a = trace != null ? nextFromTrace()
                : spec.kind() == WorkloadSpec.Kind.MULTI_TURN ? nextSessionStart() : nextGenerated();
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
        if (s.arrival() == Scenario.Arrival.ONOFF || s.rampSeconds() > 0) {
            return nextModulated();
        }
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
        return draw(t);
    }

    /** The request arriving at {@code t}: lengths from the profile, or a shared-prefix prompt. */
    private Arrival draw(double t) {
        if (spec.kind() == WorkloadSpec.Kind.SHARED_PREFIX) {
            return sharedPrefix(t);
        }
        int prompt = s.lengths().drawPrompt(random, s.maxPromptTokens());
        int output = s.lengths().drawOutput(random, s.maxOutputTokens(), prompt);
        return new Arrival(t, prompt, output, exponentialService());
    }

    private Arrival sharedPrefix(double t) {
        int group = random.nextInt(spec.prefixGroups());
        int prompt = random.nextInt(spec.promptsPerGroup());
        int[] prefix = groupPrefixes[group];
        if (prefix == null) {
            prefix = groupPrefixes[group] = tokens(new SplittableRandom(mix(s.seed(), 0x5157E3L, group)), spec.systemPromptTokens());
            groupHashes[group] = PrefixCache.hashes(prefix);
        }
        int[] ids = java.util.Arrays.copyOf(prefix, prefix.length + spec.questionTokens());
        SplittableRandom q = new SplittableRandom(mix(s.seed(), 0x0E5710L + group, prompt));
        for (int i = prefix.length; i < ids.length; i++) {
            ids[i] = q.nextInt(VOCABULARY);
        }
        int[] output = tokens(outputRandom, spec.outputTokens());
        // The group's system-prompt blocks hash the same in every prompt of the group: only the rest is hashed here.
        return new Arrival(t, ids.length, output.length, 0, ids, output, null, null,
                PrefixCache.hashesAfter(groupHashes[group], ids));
    }

    /** The next session's first turn (Poisson starts at baseRate), or null after {@code sessions} starts. */
    private Arrival nextSessionStart() {
        if (sessionsStarted >= spec.sessions() || !(s.baseRate() > 0)) {
            return null;
        }
        clock += -Math.log(1 - random.nextDouble()) / s.baseRate();
        return startSession(clock);
    }

    private Arrival startSession(double t) {
        long n = sessionsStarted++;
        Session session = new Session("session-" + n, new SplittableRandom(mix(s.seed(), 0x5E5510L, n)));
        return turn(session, t, new int[0], new int[0], new long[0]);
    }

    /** The session's next turn: the conversation so far ({@code prompt} then {@code output}) plus new tokens. */
    private Arrival turn(Session session, double t, int[] prompt, int[] output, long[] promptHashes) {
        session.turn++;
        int[] ids = new int[prompt.length + output.length + spec.turnTokens()];
        System.arraycopy(prompt, 0, ids, 0, prompt.length);
        System.arraycopy(output, 0, ids, prompt.length, output.length);
        for (int i = prompt.length + output.length; i < ids.length; i++) {
            ids[i] = session.random.nextInt(VOCABULARY);
        }
        int[] out = tokens(session.random, spec.outputTokens());
        // The previous prompt's whole blocks are a prefix of this one: their hashes carry over.
        return new Arrival(t, ids.length, out.length, 0, ids, out, session.key, session,
                PrefixCache.hashesAfter(promptHashes, ids));
    }

    /**
     * Multi-turn: what follows request {@code r} of a session, which ended at {@code t} ({@code success}: it
     * completed): the session's next turn {@code thinkTimeSeconds} later, or when the session is over (all its turns
     * done, or this one failed) a new session's first turn at that time. Null when that time is at or after the
     * scenario's duration, when {@code maxRequests} is reached, or for a request without a session.
     */
    Arrival followUp(SimRequest r, double t, boolean success) {
        if (!(r.session instanceof Session) || (s.maxRequests() > 0 && generated >= s.maxRequests())) {
            return null;
        }
        double at = t + spec.thinkTimeSeconds();
        if (at >= s.durationSeconds()) {
            return null;
        }
        Session session = (Session) r.session;
        generated++;
        if (success && session.turn < spec.turnsPerSession()) {
            return turn(session, at, r.tokens, r.outputIds, r.blockHashes != null ? r.blockHashes : new long[0]);
        }
        return startSession(at);
    }

    private static int[] tokens(SplittableRandom random, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = random.nextInt(VOCABULARY);
        }
        return out;
    }

    private static long mix(long seed, long salt, long n) {
        long z = seed * 0x9E3779B97F4A7C15L + salt * 0xBF58476D1CE4E5B9L + n * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The mean arrival rate at time {@code t}: baseRate, then a linear ramp of {@code ramp} s to stepRate. */
    double level(double t) {
        if (t < s.loadStepAt()) {
            return s.baseRate();
        }
        if (t >= s.loadStepAt() + s.rampSeconds()) {
            return s.stepRate();
        }
        double f = (t - s.loadStepAt()) / s.rampSeconds();
        return s.baseRate() + f * (s.stepRate() - s.baseRate());
    }

    /** Whether the on/off process is "on" at {@code t} (t non-decreasing between calls). */
    private boolean onAt(double t) {
        while (t >= stateUntil) {
            if (stateUntil == Double.NEGATIVE_INFINITY) {
                // Start in the stationary distribution, so the mean rate holds from t = 0.
                double pOn = s.onMeanSeconds() / (s.onMeanSeconds() + s.offMeanSeconds());
                on = stateRandom.nextDouble() < pOn;
                stateUntil = 0;
            } else {
                on = !on;
            }
            double mean = on ? s.onMeanSeconds() : s.offMeanSeconds();
            stateUntil += -Math.log(1 - stateRandom.nextDouble()) * mean;
        }
        return on;
    }

    private double modulation(double t) {
        if (s.arrival() != Scenario.Arrival.ONOFF) {
            return 1;
        }
        double pOn = s.onMeanSeconds() / (s.onMeanSeconds() + s.offMeanSeconds());
        return onAt(t) ? s.onPeak() : (1 - pOn * s.onPeak()) / (1 - pOn);
    }

    /**
     * Arrivals of a non-homogeneous Poisson process (rate = level x on/off modulation) by thinning (Lewis and
     * Shedler): candidates at the maximum rate, each kept with probability rate(t) / max. Gamma with a ramp
     * uses the rate at the current time for each gap.
     */
    private Arrival nextModulated() {
        double t = clock;
        if (s.arrival() == Scenario.Arrival.GAMMA) {
            while (true) {
                double rate = level(t);
                if (rate <= 0) {
                    if (t >= s.loadStepAt()) {
                        return null;
                    }
                    t = s.loadStepAt();
                    continue;
                }
                t += gamma(s.gammaShape()) / (s.gammaShape() * rate);
                break;
            }
        } else {
            double max = Math.max(s.baseRate(), s.stepRate()) * (s.arrival() == Scenario.Arrival.ONOFF ? s.onPeak() : 1);
            if (max <= 0) {
                return null;
            }
            while (true) {
                t += -Math.log(1 - random.nextDouble()) / max;
                if (t >= s.durationSeconds()) {
                    break;
                }
                double rate = level(t) * modulation(t);
                if (random.nextDouble() * max < rate) {
                    break;
                }
            }
        }
        clock = t;
        return draw(t);
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
