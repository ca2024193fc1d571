package io.podrouter.core.telemetry;

import io.podrouter.api.EjectionReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.WarmupOutcome;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Writes a {@link TelemetrySnapshot} in the Prometheus text exposition format 0.0.4: a {@code # HELP}
 * and {@code # TYPE} line per family, histogram series {@code _bucket{le="..."}}, {@code _sum} and
 * {@code _count}, label values escaped (backslash, double quote, newline). Serve it with
 * {@code Content-Type: text/plain; version=0.0.4}.
 *
 * <p>Families, with an optional namespace prefix ({@code <namespace>_}):
 * <ul>
 *   <li>{@code podrouter_selections_total{strategy,fallback}}: selections by deciding strategy and fallback
 *       kind ({@code NONE} for the strategy's primary rule);</li>
 *   <li>{@code podrouter_pod_selections_total{pod}}: selections per pod;</li>
 *   <li>{@code podrouter_pod_in_flight{pod}} (gauge): requests routed to the pod and not completed;</li>
 *   <li>{@code podrouter_outcomes_total{outcome}}: completed selections by reported outcome;</li>
 *   <li>{@code pod_coldstart_duration_seconds} (histogram): time from Ready to a pod's first metrics;</li>
 *   <li>{@code podrouter_cold_requests_total}: requests routed to cold pods;</li>
 *   <li>{@code podrouter_cold_requests_failed_total}: of those, reported failed;</li>
 *   <li>{@code podrouter_fallbacks_total{strategy,fallback,reason}}: selections that fell back;</li>
 *   <li>{@code podrouter_warmup_probes_total{outcome}}: warm-up attempts by outcome;</li>
 *   <li>{@code podrouter_cold_pods} (gauge): pods cold now;</li>
 *   <li>{@code podrouter_outlier_ejections_total{reason}}: pods ejected after failed requests;</li>
 *   <li>{@code podrouter_outlier_ejections_skipped_total}: ejections the cap or a fleet-wide failure prevented;</li>
 *   <li>{@code podrouter_ejected_pods} (gauge): pods ejected now;</li>
 *   <li>{@code podrouter_stalls_total}: pods found holding requests they did not answer for longer
 *       than their peers take;</li>
 *   <li>{@code podrouter_stalled_pods} (gauge): pods stalled now (not selected while another can serve);</li>
 *   <li>{@code podrouter_in_flight_reclaimed_total}: in-flight slots reclaimed from selections nobody
 *       completed within the router's maximum in-flight age.</li>
 * </ul>
 * Series with a {@code pod} label exist only for the pods in the snapshot, which are the pods the router
 * knows (see {@link TelemetrySnapshot}); a pod that leaves disappears from the output. Label values
 * are written sorted, so two writes of one snapshot are identical.
 *
 * <p>Stateless and thread-safe.
 */
public final class PrometheusExposition {

    /** The content type to serve the output with. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Pattern NAMESPACE = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private final String prefix;

    /**
     * An exposition writer.
     *
     * @param namespace prefix for every family name, joined with {@code _}; null or empty for none; must
     *                  otherwise match {@code [a-zA-Z_:][a-zA-Z0-9_:]*} ({@link IllegalArgumentException})
     */
    public PrometheusExposition(@Nullable String namespace) {
        if (namespace == null || namespace.isEmpty()) {
            prefix = "";
        } else if (!NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("metricsNamespace: '" + namespace + "' (expected: [a-zA-Z_:][a-zA-Z0-9_:]*)");
        } else {
            prefix = namespace + "_";
        }
    }

    /**
     * Appends the exposition of {@code s} to {@code out}.
     *
     * @throws IOException from {@code out}; null arguments throw {@link NullPointerException}
     */
    public void write(TelemetrySnapshot s, Appendable out) throws IOException {
        Objects.requireNonNull(s, "snapshot");
        Objects.requireNonNull(out, "out");
        String sel = prefix + "podrouter_selections_total";
        header(out, sel, "Selections by deciding strategy and fallback kind (NONE: the strategy's primary rule).",
                "counter");
        List<Map.Entry<TelemetrySnapshot.SelectionKey, Long>> selections = s.selections().entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<TelemetrySnapshot.SelectionKey, Long> e) -> e.getKey().strategy())
                        .thenComparing(e -> e.getKey().fallback()))
                .toList();
        for (Map.Entry<TelemetrySnapshot.SelectionKey, Long> e : selections) {
            out.append(sel).append("{strategy=\"").append(escape(e.getKey().strategy()))
                    .append("\",fallback=\"").append(e.getKey().fallback().name())
                    .append("\"} ").append(Long.toString(e.getValue())).append('\n');
        }
        List<Map.Entry<String, TelemetrySnapshot.PodTelemetry>> pods = s.pods().entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).toList();
        String podSel = prefix + "podrouter_pod_selections_total";
        header(out, podSel, "Selections per pod, for the pods the router knows now.", "counter");
        for (Map.Entry<String, TelemetrySnapshot.PodTelemetry> e : pods) {
            out.append(podSel).append("{pod=\"").append(escape(e.getKey())).append("\"} ")
                    .append(Long.toString(e.getValue().selections())).append('\n');
        }
        String podIn = prefix + "podrouter_pod_in_flight";
        header(out, podIn, "Requests routed to the pod and not completed yet.", "gauge");
        for (Map.Entry<String, TelemetrySnapshot.PodTelemetry> e : pods) {
            out.append(podIn).append("{pod=\"").append(escape(e.getKey())).append("\"} ")
                    .append(Integer.toString(e.getValue().inFlight())).append('\n');
        }
        String oc = prefix + "podrouter_outcomes_total";
        header(out, oc, "Completed selections by the outcome the caller reported.", "counter");
        for (Outcome o : Outcome.values()) {
            out.append(oc).append("{outcome=\"").append(o.name()).append("\"} ")
                    .append(Long.toString(s.outcomes().getOrDefault(o, 0L))).append('\n');
        }

        String h = prefix + "pod_coldstart_duration_seconds";
        header(out, h, "Time from a pod becoming Ready to its first metrics.", "histogram");
        TelemetrySnapshot.Histogram hist = s.coldStartDurations();
        List<Double> bounds = hist.upperBounds();
        for (int i = 0; i < bounds.size(); i++) {
            out.append(h).append("_bucket{le=\"").append(le(bounds.get(i))).append("\"} ")
                    .append(Long.toString(hist.cumulativeCounts().get(i))).append('\n');
        }
        out.append(h).append("_sum ").append(number(hist.sum())).append('\n');
        out.append(h).append("_count ").append(Long.toString(hist.count())).append('\n');

        counter(out, prefix + "podrouter_cold_requests_total", "Requests routed to a pod while it was cold.", s.coldRequests());
        counter(out, prefix + "podrouter_cold_requests_failed_total",
                "Requests routed to a cold pod that were reported failed.", s.coldRequestsFailed());

        String fb = prefix + "podrouter_fallbacks_total";
        header(out, fb, "Selections that departed from their strategy's primary rule.", "counter");
        List<Map.Entry<TelemetrySnapshot.FallbackKey, Long>> entries = s.fallbacks().entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<TelemetrySnapshot.FallbackKey, Long> e) -> e.getKey().strategy())
                        .thenComparing(e -> e.getKey().fallback())
                        .thenComparing(e -> e.getKey().reason() == null ? "" : e.getKey().reason().name()))
                .toList();
        for (Map.Entry<TelemetrySnapshot.FallbackKey, Long> e : entries) {
            TelemetrySnapshot.FallbackKey k = e.getKey();
            out.append(fb).append("{strategy=\"").append(escape(k.strategy()))
                    .append("\",fallback=\"").append(k.fallback().name())
                    .append("\",reason=\"").append(k.reason() == null ? "" : k.reason().name())
                    .append("\"} ").append(Long.toString(e.getValue())).append('\n');
        }

        String wu = prefix + "podrouter_warmup_probes_total";
        header(out, wu, "Warm-up probe attempts by outcome.", "counter");
        for (WarmupOutcome o : WarmupOutcome.values()) {
            out.append(wu).append("{outcome=\"").append(o.name()).append("\"} ")
                    .append(Long.toString(s.warmupProbes().getOrDefault(o, 0L))).append('\n');
        }

        String cold = prefix + "podrouter_cold_pods";
        header(out, cold, "Pods currently cold (Ready without metrics, or warming up).", "gauge");
        out.append(cold).append(' ').append(Integer.toString(s.coldPods())).append('\n');

        String ej = prefix + "podrouter_outlier_ejections_total";
        header(out, ej, "Pods ejected by outlier detection after failed requests.", "counter");
        for (EjectionReason r : EjectionReason.values()) {
            out.append(ej).append("{reason=\"").append(r.name()).append("\"} ")
                    .append(Long.toString(s.ejections().getOrDefault(r, 0L))).append('\n');
        }
        counter(out, prefix + "podrouter_outlier_ejections_skipped_total",
                "Ejections not made: ejected-fraction cap reached, or the other pods were failing too.",
                s.ejectionsSkipped());
        String ejected = prefix + "podrouter_ejected_pods";
        header(out, ejected, "Pods currently ejected by outlier detection.", "gauge");
        out.append(ejected).append(' ').append(Integer.toString(s.ejectedPods())).append('\n');
        counter(out, prefix + "podrouter_stalls_total",
                "Pods found holding requests they did not answer for longer than their peers take.", s.podStalls());
        String stalled = prefix + "podrouter_stalled_pods";
        header(out, stalled, "Pods currently stalled: not selected while another pod can serve.", "gauge");
        out.append(stalled).append(' ').append(Integer.toString(s.stalledPods())).append('\n');
        counter(out, prefix + "podrouter_in_flight_reclaimed_total",
                "In-flight slots reclaimed from selections not completed within the maximum in-flight age.",
                s.inFlightReclaimed());
    }

    /** The exposition of {@code s} as a string; null throws {@link NullPointerException}. */
    public String toText(TelemetrySnapshot s) {
        StringBuilder sb = new StringBuilder(2048);
        try {
            write(s, sb);
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        return sb.toString();
    }

    private static void counter(Appendable out, String name, String help, long value) throws IOException {
        header(out, name, help, "counter");
        out.append(name).append(' ').append(Long.toString(value)).append('\n');
    }

    private static void header(Appendable out, String name, String help, String type) throws IOException {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String le(double bound) {
        return bound == Double.POSITIVE_INFINITY ? "+Inf" : number(bound);
    }

    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v) + ".0";
        }
        return Double.toString(v);
    }

    /** Escapes a label value: backslash, double quote and line feed, as the format requires. */
    static String escape(String value) {
        StringBuilder sb = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String rep = c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n" : null;
            if (rep != null && sb == null) {
                sb = new StringBuilder(value.length() + 8).append(value, 0, i);
            }
            if (sb != null) {
                if (rep != null) {
                    sb.append(rep);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? value : sb.toString();
    }
}
