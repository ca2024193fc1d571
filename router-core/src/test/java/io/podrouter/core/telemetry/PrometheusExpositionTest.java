package io.podrouter.core.telemetry;

import io.podrouter.api.Fallback;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.WarmupOutcome;
import io.podrouter.core.internal.telemetry.RouterTelemetry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrometheusExpositionTest {

    // The 0.0.4 text grammar, as far as this writer uses it.
    private static final Pattern HELP = Pattern.compile("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*)\\})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");

    private record Sample(String name, Map<String, String> labels, double value) {
    }

    /** Parses the text back line by line, asserting the grammar and that every sample follows its family's TYPE. */
    private static List<Sample> parse(String text) {
        assertThat(text).endsWith("\n");
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        Set<String> helped = new HashSet<>();
        for (String line : text.split("\n")) {
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                assertThat(helped.add(m.group(1))).as("one HELP per family: " + line).isTrue();
            } else if ((m = TYPE.matcher(line)).matches()) {
                assertThat(types.put(m.group(1), m.group(2))).as("one TYPE per family: " + line).isNull();
            } else {
                m = SAMPLE.matcher(line);
                assertThat(m.matches()).as("sample line: " + line).isTrue();
                String name = m.group(1);
                String family = name.replaceFirst("_(bucket|sum|count)$", "");
                assertThat(types).as("TYPE before sample " + line).satisfiesAnyOf(
                        t -> assertThat(t).containsKey(name), t -> assertThat(t).containsEntry(family, "histogram"));
                Map<String, String> labels = new LinkedHashMap<>();
                if (m.group(3) != null) {
                    Matcher l = LABEL.matcher(m.group(3));
                    while (l.find()) {
                        labels.put(l.group(1), l.group(2).replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\"));
                    }
                }
                String v = m.group(4);
                samples.add(new Sample(name, labels, v.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(v)));
            }
        }
        return samples;
    }

    private static double value(List<Sample> samples, String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels)).findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + name + labels)).value();
    }

    @Test
    void expositionParsesBackLineByLineWithConsistentHistogram() {
        RouterTelemetry t = new RouterTelemetry();
        t.observeColdStart(Duration.ofSeconds(3));
        t.observeColdStart(Duration.ofSeconds(12));
        t.observeColdStart(Duration.ofMinutes(20));
        t.observeColdStart(Duration.ofSeconds(-1)); // clock skew: recorded as 0
        for (int i = 0; i < 7; i++) {
            t.coldRequestRouted();
        }
        t.coldRequestCompleted(io.podrouter.api.Outcome.FAILURE);
        t.coldRequestCompleted(io.podrouter.api.Outcome.SUCCESS);
        t.fallbackCounter("weird\"name\\with\nnewline", Fallback.RANDOM_METRIC_MISSING, MissingReason.NOT_YET_SCRAPED).add(5);
        t.fallbackCounter("least-kv-cache", Fallback.LAST_RESORT_RANDOM, null).increment();
        t.warmupProbe(WarmupOutcome.TIMEOUT);

        String text = new PrometheusExposition("gw").toText(t.snapshot(2));
        List<Sample> samples = parse(text);

        String h = "gw_pod_coldstart_duration_seconds";
        assertThat(text).contains("# TYPE " + h + " histogram");
        List<Sample> buckets = samples.stream().filter(s -> s.name().equals(h + "_bucket")).toList();
        double previous = 0;
        for (Sample b : buckets) {
            assertThat(b.value()).isGreaterThanOrEqualTo(previous);
            previous = b.value();
        }
        assertThat(buckets.get(buckets.size() - 1).labels()).containsEntry("le", "+Inf");
        assertThat(value(samples, h + "_bucket", Map.of("le", "+Inf"))).isEqualTo(value(samples, h + "_count", Map.of()));
        assertThat(value(samples, h + "_count", Map.of())).isEqualTo(4);
        assertThat(value(samples, h + "_sum", Map.of())).isEqualTo(1215.0);
        assertThat(value(samples, h + "_bucket", Map.of("le", "0.5"))).isEqualTo(1);
        assertThat(value(samples, h + "_bucket", Map.of("le", "5.0"))).isEqualTo(2);
        assertThat(value(samples, h + "_bucket", Map.of("le", "300.0"))).isEqualTo(3);
        assertThat(value(samples, "gw_podrouter_cold_requests_total", Map.of())).isEqualTo(7);
        assertThat(value(samples, "gw_podrouter_cold_requests_failed_total", Map.of())).isEqualTo(1);
        assertThat(value(samples, "gw_podrouter_fallbacks_total", Map.of("strategy", "weird\"name\\with\nnewline",
                "fallback", "RANDOM_METRIC_MISSING", "reason", "NOT_YET_SCRAPED"))).isEqualTo(5);
        assertThat(value(samples, "gw_podrouter_fallbacks_total", Map.of("strategy", "least-kv-cache",
                "fallback", "LAST_RESORT_RANDOM", "reason", ""))).isEqualTo(1);
        assertThat(value(samples, "gw_podrouter_warmup_probes_total", Map.of("outcome", "TIMEOUT"))).isEqualTo(1);
        assertThat(value(samples, "gw_podrouter_warmup_probes_total", Map.of("outcome", "SUCCESS"))).isZero();
        assertThat(value(samples, "gw_podrouter_cold_pods", Map.of())).isEqualTo(2);
    }

    @Test
    void selectionOutcomeAndPerPodFamiliesAreWrittenSortedAndEscaped() {
        RouterTelemetry t = new RouterTelemetry();
        t.selectionCounter("least-kv-cache", Fallback.NONE, true).add(40);
        t.selectionCounter("least-kv-cache", Fallback.RANDOM_METRIC_MISSING, true).add(2);
        t.selectionCounter("random", Fallback.LAST_RESORT_RANDOM, true);
        t.selectionCounter("least-kv-cache", Fallback.CHAIN, false); // impossible, never counted: not exported
        t.outcome(Outcome.SUCCESS);
        t.outcome(Outcome.SUCCESS);
        t.outcome(Outcome.FAILURE);
        t.outcome(null);
        Map<String, TelemetrySnapshot.PodTelemetry> pods = new HashMap<>();
        pods.put("pod-b", new TelemetrySnapshot.PodTelemetry(30, 2));
        pods.put("pod-a", new TelemetrySnapshot.PodTelemetry(12, 0));
        pods.put("odd\"pod", new TelemetrySnapshot.PodTelemetry(0, 1));

        String text = new PrometheusExposition(null).toText(t.snapshot(0, pods));
        List<Sample> samples = parse(text);

        assertThat(text).contains("# TYPE podrouter_selections_total counter\n",
                "# TYPE podrouter_pod_selections_total counter\n", "# TYPE podrouter_pod_in_flight gauge\n",
                "# TYPE podrouter_outcomes_total counter\n");
        assertThat(value(samples, "podrouter_selections_total", Map.of("strategy", "least-kv-cache", "fallback", "NONE")))
                .isEqualTo(40);
        assertThat(value(samples, "podrouter_selections_total",
                Map.of("strategy", "least-kv-cache", "fallback", "RANDOM_METRIC_MISSING"))).isEqualTo(2);
        assertThat(value(samples, "podrouter_selections_total", Map.of("strategy", "random", "fallback", "LAST_RESORT_RANDOM")))
                .isZero();
        assertThat(samples.stream().filter(x -> x.name().equals("podrouter_selections_total"))).hasSize(3);
        assertThat(value(samples, "podrouter_pod_selections_total", Map.of("pod", "pod-b"))).isEqualTo(30);
        assertThat(value(samples, "podrouter_pod_in_flight", Map.of("pod", "pod-b"))).isEqualTo(2);
        assertThat(value(samples, "podrouter_pod_in_flight", Map.of("pod", "odd\"pod"))).isEqualTo(1);
        assertThat(value(samples, "podrouter_outcomes_total", Map.of("outcome", "SUCCESS"))).isEqualTo(2);
        assertThat(value(samples, "podrouter_outcomes_total", Map.of("outcome", "FAILURE"))).isEqualTo(1);
        assertThat(value(samples, "podrouter_outcomes_total", Map.of("outcome", "CANCELLED"))).isZero();
        assertThat(samples.stream().filter(x -> x.name().equals("podrouter_pod_selections_total"))
                .map(x -> x.labels().get("pod"))).containsExactly("odd\"pod", "pod-a", "pod-b");
        assertThat(new PrometheusExposition(null).toText(t.snapshot(0, pods))).as("deterministic").isEqualTo(text);
    }

    @Test
    void withoutPodsThePerPodFamiliesHaveNoSamples() {
        String text = new PrometheusExposition(null).toText(new RouterTelemetry().snapshot(0));
        List<Sample> samples = parse(text);
        assertThat(text).contains("# TYPE podrouter_pod_in_flight gauge\n");
        assertThat(samples).noneMatch(x -> x.name().startsWith("podrouter_pod_"));
        assertThat(samples).noneMatch(x -> x.name().equals("podrouter_selections_total"));
    }

    @Test
    void coldStartBucketsAreImmutableAndAscending() {
        assertThatThrownBy(() -> RouterTelemetry.COLDSTART_BUCKETS.set(0, 99.0))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(RouterTelemetry.COLDSTART_BUCKETS).isSorted().startsWith(0.5).endsWith(300.0);
        assertThat(new RouterTelemetry().snapshot(0).coldStartDurations().upperBounds())
                .containsExactlyElementsOf(java.util.stream.Stream.concat(RouterTelemetry.COLDSTART_BUCKETS.stream(),
                        java.util.stream.Stream.of(Double.POSITIVE_INFINITY)).toList());
    }

    @Test
    void coldStartBeyondToNanosRangeLandsInTheInfBucket() {
        RouterTelemetry t = new RouterTelemetry();
        t.observeColdStart(Duration.ofDays(365L * 1000)); // Duration.toNanos() would overflow
        t.observeColdStart(null);
        TelemetrySnapshot.Histogram h = t.snapshot(0).coldStartDurations();
        assertThat(h.count()).isEqualTo(1);
        assertThat(h.cumulativeCounts().get(h.cumulativeCounts().size() - 2)).isZero();
    }

    @Test
    void snapshotRejectsNegativeCountsAndNullMaps() {
        TelemetrySnapshot ok = new RouterTelemetry().snapshot(0);
        assertThatThrownBy(() -> new TelemetrySnapshot.PodTelemetry(-1, 0))
                .hasMessage("selections: -1 (expected: >= 0)");
        assertThatThrownBy(() -> new TelemetrySnapshot.PodTelemetry(0, -2))
                .hasMessage("inFlight: -2 (expected: >= 0)");
        assertThatThrownBy(() -> new TelemetrySnapshot(ok.coldStartDurations(), 0, 0, Map.of(), Map.of(), 0, Map.of(), 0, 0, 0,
                Map.of(new TelemetrySnapshot.SelectionKey("s", Fallback.NONE), -3L), Map.of(), Map.of()))
                .hasMessage("selections[SelectionKey[strategy=s, fallback=NONE]]: -3 (expected: >= 0)");
        assertThatThrownBy(() -> new TelemetrySnapshot(ok.coldStartDurations(), -1, 0, Map.of(), Map.of(), 0, Map.of(), 0, 0, 0,
                Map.of(), Map.of(), Map.of())).hasMessage("coldRequests: -1 (expected: >= 0)");
        assertThatThrownBy(() -> new TelemetrySnapshot(ok.coldStartDurations(), 0, 0, Map.of(), Map.of(), 0, Map.of(), 0, 0, 0,
                Map.of(), Map.of(), null)).isInstanceOf(NullPointerException.class).hasMessage("pods");
        assertThatThrownBy(() -> new RouterTelemetry().selectionCounter(null, Fallback.NONE, true))
                .isInstanceOf(NullPointerException.class).hasMessage("strategy");
    }

    @Test
    void withoutNamespaceTheHistogramHasTheExactConventionalName() {
        String text = new PrometheusExposition(null).toText(new RouterTelemetry().snapshot(0));
        parse(text);
        assertThat(text).contains("# TYPE pod_coldstart_duration_seconds histogram\n")
                .contains("pod_coldstart_duration_seconds_count 0\n");
    }

    @Test
    void invalidNamespaceIsRejected() {
        assertThatThrownBy(() -> new PrometheusExposition("9bad-name"))
                .hasMessage("metricsNamespace: '9bad-name' (expected: [a-zA-Z_:][a-zA-Z0-9_:]*)");
        assertThatThrownBy(() -> new RouterTelemetry().fallbackCounter("s", Fallback.NONE, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void escapeHandlesBackslashQuoteAndNewline() {
        assertThat(PrometheusExposition.escape("a\\b\"c\nd")).isEqualTo("a\\\\b\\\"c\\nd");
        assertThat(PrometheusExposition.escape("plain")).isEqualTo("plain");
    }
}
