package io.podrouter.prometheus.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PrometheusTextParserTest {

    static byte[] resource(String name) throws IOException {
        try (InputStream in = PrometheusTextParserTest.class.getResourceAsStream("/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void parsesRealisticVllmBodyIntoTypedFamilies() throws Exception {
        Exposition e = PrometheusTextParser.parseExposition(resource("vllm-v1.txt"));

        MetricFamily running = e.family("vllm:num_requests_running");
        assertThat(running.type()).isEqualTo(MetricType.GAUGE);
        assertThat(running.help()).isEqualTo("Number of requests in model execution batches.");
        assertThat(running.samples()).extracting(Sample::value).containsExactly(3.0, 4.0);
        assertThat(running.samples().get(1).labels())
                .containsExactly(Map.entry("engine", "1"), Map.entry("model_name", "meta-llama/Llama-3.1-8B-Instruct"));

        MetricFamily ttft = e.family("vllm:time_to_first_token_seconds");
        assertThat(ttft.type()).isEqualTo(MetricType.HISTOGRAM);
        // 2 engines x (sum + 23 buckets + count)
        assertThat(ttft.samples()).hasSize(2 * 25);
        assertThat(ttft.samples()).filteredOn(s -> s.name().endsWith("_bucket")).allMatch(s -> s.label("le") != null);
        Sample inf = ttft.samples().stream().filter(s -> "+Inf".equals(s.label("le"))).findFirst().orElseThrow();
        assertThat(inf.value()).isEqualTo(400.0);
        assertThat(e.family("vllm:time_to_first_token_seconds_created").type()).isEqualTo(MetricType.GAUGE);
        assertThat(e.family("python_gc_objects_collected_total").type()).isEqualTo(MetricType.COUNTER);
        long sampleLines = new String(resource("vllm-v1.txt"), StandardCharsets.UTF_8).lines()
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).count();
        assertThat(e.sampleCount()).isEqualTo(sampleLines).isGreaterThan(350);
    }

    @Test
    void parsesSglangBody() throws Exception {
        Exposition e = PrometheusTextParser.parseExposition(resource("sglang.txt"));
        assertThat(e.family("sglang:token_usage").samples().get(0).value()).isEqualTo(0.28);
        assertThat(e.family("sglang:cache_hit_rate").samples().get(0).value()).isEqualTo(0.007507552643049313);
        assertThat(e.family("sglang:e2e_request_latency_seconds").type()).isEqualTo(MetricType.HISTOGRAM);
    }

    @Test
    void decodesEscapesInLabelValuesAndHelp() throws Exception {
        String text = "# HELP m A \\\\ backslash\\nand a newline\n"
                + "m{a=\"quote \\\" here\",b=\"back\\\\slash\",c=\"new\\nline\",d=\"\"} 1\n";
        Exposition e = PrometheusTextParser.parseExposition(text);
        MetricFamily m = e.family("m");
        assertThat(m.help()).isEqualTo("A \\ backslash\nand a newline");
        assertThat(m.samples().get(0).labels()).containsExactly(
                Map.entry("a", "quote \" here"), Map.entry("b", "back\\slash"), Map.entry("c", "new\nline"), Map.entry("d", ""));
    }

    @Test
    void readsSpecialValuesAndNumberForms() throws Exception {
        String text = "a NaN\nb +Inf\nc -Inf\nd Inf\ne 1.5e-07\nf -0.25\ng 12345678901234567890\nh .5\ni 3.\nj 1E+3\n"
                + "k 2.3518979474117756e+06\nl nan\nm +infinity\n";
        Map<String, MetricFamily> f = PrometheusTextParser.parseExposition(text).byName();
        assertThat(f.get("a").samples().get(0).value()).isNaN();
        assertThat(f.get("b").samples().get(0).value()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(f.get("c").samples().get(0).value()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(f.get("d").samples().get(0).value()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(f.get("e").samples().get(0).value()).isEqualTo(1.5e-07);
        assertThat(f.get("f").samples().get(0).value()).isEqualTo(-0.25);
        assertThat(f.get("g").samples().get(0).value()).isEqualTo(12345678901234567890.0);
        assertThat(f.get("h").samples().get(0).value()).isEqualTo(0.5);
        assertThat(f.get("i").samples().get(0).value()).isEqualTo(3.0);
        assertThat(f.get("j").samples().get(0).value()).isEqualTo(1000.0);
        assertThat(f.get("k").samples().get(0).value()).isEqualTo(2.3518979474117756e+06);
        assertThat(f.get("l").samples().get(0).value()).isNaN();
        assertThat(f.get("m").samples().get(0).value()).isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void readsTimestampsIncludingOpenMetricsSeconds() throws Exception {
        Exposition e = PrometheusTextParser.parseExposition("a 1 1700000000123\nb 2 -5\nc 3 1700000000.5\nd 4\n");
        assertThat(e.family("a").samples().get(0).timestampMillis()).isEqualTo(1700000000123L);
        assertThat(e.family("b").samples().get(0).timestampMillis()).isEqualTo(-5L);
        assertThat(e.family("c").samples().get(0).timestampMillis()).isEqualTo(1700000000500L);
        assertThat(e.family("d").samples().get(0).timestampMillis()).isEqualTo(Sample.NO_TIMESTAMP);
    }

    @Test
    void groupsSummariesAndUntypedSamples() throws Exception {
        String text = "# TYPE rpc summary\nrpc{quantile=\"0.5\"} 0.1\nrpc{quantile=\"0.99\"} 0.9\nrpc_sum 12\nrpc_count 40\n"
                + "loose_sum 3\nloose 4\n";
        Exposition e = PrometheusTextParser.parseExposition(text);
        assertThat(e.family("rpc").samples()).extracting(Sample::name).containsExactly("rpc", "rpc", "rpc_sum", "rpc_count");
        assertThat(e.family("loose_sum").type()).isEqualTo(MetricType.UNTYPED);
        assertThat(e.family("loose").type()).isEqualTo(MetricType.UNTYPED);
    }

    @Test
    void mergesFamiliesRepeatedFurtherDown() throws Exception {
        String text = "# TYPE h histogram\nh_bucket{le=\"1\",m=\"a\"} 1\nh_bucket{le=\"+Inf\",m=\"a\"} 2\nh_sum{m=\"a\"} 3\nh_count{m=\"a\"} 2\n"
                + "# TYPE g gauge\ng 1\n"
                + "# TYPE h histogram\nh_bucket{le=\"1\",m=\"b\"} 0\nh_bucket{le=\"+Inf\",m=\"b\"} 1\nh_sum{m=\"b\"} 5\nh_count{m=\"b\"} 1\n"
                + "h_sum{m=\"c\"} 0\n";
        Exposition e = PrometheusTextParser.parseExposition(text);
        assertThat(e.families()).extracting(MetricFamily::name).containsExactly("h", "g");
        assertThat(e.family("h").samples()).hasSize(9);
    }

    @Test
    void toleratesOpenMetricsVariant() throws Exception {
        String text = "# TYPE requests counter\n# UNIT requests requests\n# HELP requests Requests.\n"
                + "requests_total{path=\"/\"} 10 # {trace_id=\"abc\"} 1.0 1700000000.1\n"
                + "requests_created{path=\"/\"} 1.7e9\n"
                + "# TYPE build info\nbuild_info{version=\"1\"} 1\n"
                + "# TYPE up stateset\nup{up=\"yes\"} 1\n"
                + "# EOF\n";
        Exposition e = PrometheusTextParser.parseExposition(text);
        assertThat(e.family("requests").type()).isEqualTo(MetricType.COUNTER);
        assertThat(e.family("requests").samples()).extracting(Sample::name).containsExactly("requests_total", "requests_created");
        assertThat(e.family("build").type()).isEqualTo(MetricType.INFO);
        assertThat(e.family("up").type()).isEqualTo(MetricType.STATESET);
    }

    @Test
    void acceptsBlankLinesCommentsTabsCrlfAndTrailingComma() throws Exception {
        String text = "\n# just a comment\n#TYPE not_a_type_line\n\t\nx{a=\"1\",}\t7\r\n  y { b = \"2\" } 8\n";
        Exposition e = PrometheusTextParser.parseExposition(text);
        assertThat(e.family("x").samples().get(0).value()).isEqualTo(7.0);
        assertThat(e.family("y").samples().get(0).labels()).containsEntry("b", "2");
    }

    @Test
    void emptyBodyIsValidAndEmpty() throws Exception {
        assertThat(PrometheusTextParser.parseExposition(new byte[0]).families()).isEmpty();
    }

    @Test
    void decodesUtf8LabelValues() throws Exception {
        Exposition e = PrometheusTextParser.parseExposition("m{model_name=\"mistral-\u00e9t\u00e9-\u4e2d\u6587\"} 1\n");
        assertThat(e.family("m").samples().get(0).label("model_name")).isEqualTo("mistral-\u00e9t\u00e9-\u4e2d\u6587");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "missing value                 | ok 1\\nm{a=\"b\"}\\n                  | 2 | missing value",
        "invalid value                 | m 1x\\n                               | 1 | invalid value '1x'",
        "bad name start                | 1m 1\\n                               | 1 | expected a metric name",
        "bad name char                 | m-x 1\\n                              | 1 | invalid character in metric name",
        "unterminated labels           | m{a=\"b\" 1\\n                        | 1 | expected ',' or '}'",
        "unterminated value            | m{a=\"b} 1\\n                         | 1 | unterminated value of label 'a'",
        "missing equals                | m{a \"b\"} 1\\n                       | 1 | expected '='",
        "unquoted label value          | m{a=b} 1\\n                           | 1 | expected '\"'",
        "bad escape                    | m{a=\"\\x\"} 1\\n                      | 1 | invalid escape sequence",
        "duplicate label               | m{a=\"1\",a=\"2\"} 1\\n                | 1 | duplicate label 'a'",
        "bad label name                | m{1a=\"1\"} 1\\n                      | 1 | expected a label name",
        "text after timestamp          | m 1 2 3\\n                            | 1 | unexpected text after the timestamp",
        "bad timestamp                 | m 1 12ab\\n                           | 1 | invalid timestamp",
        "unknown type                  | # TYPE m flux\\n                      | 1 | unknown metric type 'flux'",
        "TYPE without name             | # TYPE\\n                             | 1 | expected a metric name after # TYPE",
        "conflicting TYPE              | # TYPE m gauge\\nm 1\\n# TYPE m counter\\n | 3 | second TYPE line for m",
        "bucket without le             | # TYPE h histogram\\nh_bucket 1\\n      | 2 | has no le label",
        "bucket with non-numeric le    | # TYPE h histogram\\nh_bucket{le=\"x\"} 1\\n | 2 | label le of 'h_bucket' is not a number",
        "quantile missing              | # TYPE s summary\\ns 1\\n              | 2 | has no quantile label",
        "content after EOF             | m 1\\n# EOF\\nm 2\\n                  | 3 | content after # EOF",
        "no final newline              | m 1\\nm 2                             | 2 | does not end with a newline",
    })
    void rejectsMalformedLinesNamingTheLine(String description, String text, int line, String message) {
        byte[] body = text.strip().replace("\\n", "\n").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> PrometheusTextParser.parseExposition(body))
                .as(description)
                .isInstanceOf(ParseException.class)
                .hasMessageStartingWith("line " + line + ": ")
                .hasMessageContaining(message)
                .satisfies(ex -> assertThat(((ParseException) ex).lineNumber()).isEqualTo(line));
    }

    @Test
    void errorExcerptsAreShortAndPrintable() {
        byte[] body = ("m{a=\"" + "\u0001".repeat(100) + "\\q\"} 1\n").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> PrometheusTextParser.parseExposition(body))
                .isInstanceOf(ParseException.class)
                .hasMessageNotContaining("\u0001")
                .satisfies(ex -> assertThat(ex.getMessage()).hasSizeLessThan(200));
    }

    @Test
    void visitorSeesOnlyWantedFamiliesWithTheirSuffixes() throws Exception {
        List<String> seen = new ArrayList<>();
        List<String> asked = new ArrayList<>();
        new PrometheusTextParser().parse(resource("vllm-v1.txt"), new SampleVisitor() {
            @Override
            public boolean wantsFamily(String familyName, MetricType type) {
                asked.add(familyName);
                return familyName.equals("vllm:request_queue_time_seconds");
            }

            @Override
            public void sample(SampleView s) {
                assertThat(s.type()).isEqualTo(MetricType.HISTOGRAM);
                if (s.suffix() == Suffix.BUCKET) {
                    assertThat(s.bucketBound()).isEqualTo(Double.parseDouble(s.labelValue("le").replace("+Inf", "Infinity")));
                } else {
                    assertThat(s.bucketBound()).isNaN();
                }
                seen.add(s.suffix() + "/" + s.labelValue("engine"));
            }
        });
        assertThat(asked).doesNotHaveDuplicates().contains("vllm:num_requests_running", "python_info");
        assertThat(seen).hasSize(2 * 24).startsWith("SUM/0", "BUCKET/0").contains("COUNT/1");
    }

    @Test
    void reusedParserReturnsTheSameStringInstancesForRepeatedNames() throws Exception {
        PrometheusTextParser parser = new PrometheusTextParser();
        List<String> names = new ArrayList<>();
        SampleVisitor v = s -> names.add(s.labelValue("model_name"));
        byte[] body = resource("vllm-v0-two-models.txt");
        parser.parse(body, v);
        parser.parse(body, v);
        String first = names.stream().filter("sql-lora"::equals).findFirst().orElseThrow();
        assertThat(names.stream().filter("sql-lora"::equals)).allMatch(n -> n == first);
    }

    @Test
    void fastNumberPathAgreesWithDoubleParseDouble() throws Exception {
        java.util.Random random = new java.util.Random(42);
        StringBuilder sb = new StringBuilder();
        List<Double> expected = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            double v = switch (i % 4) {
                case 0 -> random.nextDouble() * Math.pow(10, random.nextInt(20) - 10);
                case 1 -> random.nextInt(1_000_000);
                case 2 -> Double.longBitsToDouble(random.nextLong());
                default -> Math.round(random.nextDouble() * 1e6) / 1e3;
            };
            if (!Double.isFinite(v)) {
                continue;
            }
            String text = switch (i % 3) {
                case 0 -> Double.toString(v);
                case 1 -> String.format(java.util.Locale.ROOT, "%.6e", v);
                default -> new java.math.BigDecimal(v).round(new java.math.MathContext(1 + random.nextInt(20))).toString();
            };
            sb.append("m").append(i).append(' ').append(text).append('\n');
            expected.add(Double.parseDouble(text));
        }
        List<Double> actual = new ArrayList<>();
        new PrometheusTextParser().parse(sb.toString().getBytes(StandardCharsets.US_ASCII), s -> actual.add(s.value()));
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.size(); i++) {
            assertThat(Double.doubleToLongBits(actual.get(i))).as("value %d", i).isEqualTo(Double.doubleToLongBits(expected.get(i)));
        }
        assertThat(actual.get(0)).isCloseTo(expected.get(0), within(0.0));
    }
}
