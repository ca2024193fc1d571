package io.podrouter.prometheus.text;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Feeds random and mutated bodies to the parser and checks its contract: it either succeeds or throws
 * {@link ParseException} with a line number inside the input, never anything else, never hangs; and a
 * parser reused across inputs (with a warm name cache) gives exactly the results of a fresh one.
 *
 * <p>100,000 cases by default (a few seconds); more with {@code -Dpodrouter.fuzz.cases=N}, another
 * seed with {@code -Dpodrouter.fuzz.seed=S}.
 */
class ParserFuzzTest {

    private static final byte[] ALPHABET = ("abcxyz_:{}\"\\=, \t\n\n\n#.+-eE0123456789leInfNaN"
            + "\r").getBytes(StandardCharsets.US_ASCII);
    private static final String[] TOKENS = {
        "# TYPE ", "# HELP ", "# EOF", " histogram", " summary", " counter", " gauge", "_bucket", "_sum",
        "_count", "_created", "_total", "{le=\"+Inf\"}", "{quantile=\"0.5\"}", "le=\"0.1\"", "\\\"", "\\\\",
        "\\n", "NaN", "+Inf", "-Inf", " 1e308", " 1e-400", " 123456789012345678901234", "\r\n", "\n", "{}",
        ",}", "\u00e9", "\u4e2d", "\u00ff\u00fe"};

    @Test
    void onlyParseExceptionEverComesOutOfRandomAndMutatedInput() {
        int cases = Integer.getInteger("podrouter.fuzz.cases", 100_000);
        long seed = Long.getLong("podrouter.fuzz.seed", 20240611L);
        // A hang fails the test instead of the build: the budget grows with the number of cases.
        assertTimeoutPreemptively(Duration.ofSeconds(60 + cases / 1000), () -> fuzz(cases, seed));
    }

    private static void fuzz(int cases, long seed) throws Exception {
        Random random = new Random(seed);
        List<byte[]> seeds = seedLines();
        PrometheusTextParser reused = new PrometheusTextParser();
        int parsedOk = 0;
        int rejected = 0;
        for (int i = 0; i < cases; i++) {
            byte[] input = i % 5 == 0 ? randomBytes(random) : mutate(random, snippet(random, seeds));
            Outcome fresh = run(new PrometheusTextParser(), input);
            Outcome warm = run(reused, input);
            String where = "case " + i + " (seed " + seed + ")";
            if (fresh.unexpected != null || warm.unexpected != null) {
                Throwable t = fresh.unexpected != null ? fresh.unexpected : warm.unexpected;
                fail(where + " threw " + t + " for input " + show(input), t);
            }
            if (fresh.error != null) {
                rejected++;
                int line = fresh.error.lineNumber();
                if (line < 1 || line > lineCount(input) || !fresh.error.getMessage().startsWith("line " + line + ": ")) {
                    fail(where + ": bad line in '" + fresh.error.getMessage() + "' for input " + show(input));
                }
                if (warm.error == null || !warm.error.getMessage().equals(fresh.error.getMessage())) {
                    fail(where + ": warm parser disagrees (" + warm.error + ") for input " + show(input));
                }
            } else {
                parsedOk++;
                if (warm.error != null || !warm.samples.equals(fresh.samples)) {
                    fail(where + ": warm parser disagrees (" + warm.error + ") for input " + show(input));
                }
                if (PrometheusTextParser.parseExposition(input).sampleCount() != fresh.samples.size()) {
                    fail(where + ": parseExposition disagrees for input " + show(input));
                }
            }
        }
        // The generators must exercise both outcomes, or the test proves little.
        assertThat(parsedOk).as("inputs that parsed").isGreaterThan(cases / 20);
        assertThat(rejected).as("inputs rejected").isGreaterThan(cases / 20);
    }

    private record Outcome(List<String> samples, ParseException error, Throwable unexpected) {
    }

    private static Outcome run(PrometheusTextParser parser, byte[] input) {
        List<String> samples = new ArrayList<>();
        try {
            parser.parse(input, s -> {
                StringBuilder sb = new StringBuilder(s.familyName()).append('|').append(s.name()).append('|')
                        .append(s.type()).append('|').append(Double.doubleToLongBits(s.value())).append('|')
                        .append(s.hasTimestamp() ? s.timestampMillis() : "-");
                for (int i = 0; i < s.labelCount(); i++) {
                    sb.append('|').append(s.labelName(i)).append('=').append(s.labelValue(i));
                }
                samples.add(sb.toString());
            });
            return new Outcome(samples, null, null);
        } catch (ParseException e) {
            return new Outcome(samples, e, null);
        } catch (Throwable t) {
            return new Outcome(samples, null, t);
        }
    }

    private static List<byte[]> seedLines() throws Exception {
        List<byte[]> lines = new ArrayList<>();
        for (String r : List.of("vllm-v1.txt", "vllm-v0-two-models.txt", "sglang.txt")) {
            for (String l : new String(PrometheusTextParserTest.resource(r), StandardCharsets.UTF_8).split("\n")) {
                lines.add((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        for (String l : new String[] {"# TYPE s summary\n", "s{quantile=\"0.9\"} 3\n", "s_sum 4\n",
                "m{a=\"q\\\"x\\\\y\\nz\"} 1 1700000000000\n", "# EOF\n", "o_total 3 1.5 # {t=\"1\"} 2\n",
                "# TYPE o counter\n", "plain 1\n", "\n"}) {
            lines.add(l.getBytes(StandardCharsets.UTF_8));
        }
        return lines;
    }

    /** 1 to 30 consecutive lines of the fuzzer's starting bodies. */
    private static byte[] snippet(Random random, List<byte[]> lines) {
        int start = random.nextInt(lines.size());
        int n = 1 + random.nextInt(30);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = start; i < Math.min(lines.size(), start + n); i++) {
            out.writeBytes(lines.get(i));
        }
        return out.toByteArray();
    }

    private static byte[] mutate(Random random, byte[] in) {
        byte[] b = in;
        int rounds = random.nextInt(4); // 0: unmodified (must parse)
        for (int r = 0; r < rounds && b.length > 0; r++) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(7)) {
                case 0 -> b[at] = ALPHABET[random.nextInt(ALPHABET.length)];
                case 1 -> b[at] = (byte) random.nextInt(256);
                case 2 -> b = splice(b, at, at + Math.min(b.length - at, random.nextInt(8)), new byte[0]);
                case 3 -> b = splice(b, at, at, TOKENS[random.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8));
                case 4 -> b = Arrays.copyOf(b, at); // truncation
                case 5 -> {
                    int end = Math.min(b.length, at + 1 + random.nextInt(40));
                    b = splice(b, at, at, Arrays.copyOfRange(b, at, end)); // duplication
                }
                default -> b = splice(b, at, at, new byte[] {ALPHABET[random.nextInt(ALPHABET.length)]});
            }
        }
        return b;
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] insert) {
        byte[] out = new byte[b.length - (to - from) + insert.length];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(insert, 0, out, from, insert.length);
        System.arraycopy(b, to, out, from + insert.length, b.length - to);
        return out;
    }

    private static byte[] randomBytes(Random random) {
        byte[] b = new byte[random.nextInt(120)];
        for (int i = 0; i < b.length; i++) {
            b[i] = random.nextInt(10) == 0 ? (byte) random.nextInt(256) : ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return b;
    }

    private static int lineCount(byte[] b) {
        int n = 1;
        for (byte c : b) {
            if (c == '\n') {
                n++;
            }
        }
        return n;
    }

    private static String show(byte[] b) {
        StringBuilder sb = new StringBuilder("\"");
        for (byte c : b) {
            int v = c & 0xff;
            sb.append(v >= 0x20 && v < 0x7f && v != '"' && v != '\\' ? String.valueOf((char) v) : String.format("\\x%02x", v));
        }
        return sb.append('"').toString();
    }
}
