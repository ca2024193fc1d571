package io.podrouter.bench.sim;

import java.util.List;
import java.util.Locale;

/**
 * Writes the simulator's chart as a self-contained SVG (no plotting dependency): one panel per run,
 * each with the per-pod traffic share over time (share of the requests routed in each 2-second bin;
 * warm pods grey, added pods in colour, the cold-start window shaded) above the p99 end-to-end latency
 * of the requests arriving in each bin (linear, 0 to the timeout). Stateless and thread-safe.
 */
public final class SvgChart {

    private static final int BIN = 2;
    private static final int PANEL_W = 430;
    private static final int PANEL_H = 250;
    private static final int COLUMNS = 2;
    private static final String[] COLOURS = {"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
        "#e377c2", "#17becf"};

    private SvgChart() {
    }

    /** The SVG document for {@code runs} on {@code scenario}; an empty list gives an empty chart. */
    public static String render(Scenario scenario, List<RunResult> runs) {
        int rows = Math.max(1, (runs.size() + COLUMNS - 1) / COLUMNS);
        int width = COLUMNS * PANEL_W + 20;
        int height = rows * PANEL_H + 50;
        StringBuilder sb = new StringBuilder();
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" font-family=\"sans-serif\" font-size=\"10\">\n");
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append("<text x=\"10\" y=\"16\" font-size=\"12\">podrouter cluster simulation: per-pod traffic share (top; grey warm, colour added pods,"
                + " shaded cold-start window) and p99 e2e latency (bottom, 0-")
                .append(Report.num(scenario.timeoutSeconds(), 0)).append(" s), per ").append(BIN).append(" s bin</text>\n");
        sb.append("<text x=\"10\" y=\"32\" font-size=\"9\" fill=\"#555\">").append(escape(scenario.describe())).append("</text>\n");
        for (int i = 0; i < runs.size(); i++) {
            panel(sb, scenario, runs.get(i), 10 + (i % COLUMNS) * PANEL_W, 42 + (i / COLUMNS) * PANEL_H);
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static void panel(StringBuilder sb, Scenario s, RunResult r, int x0, int y0) {
        int plotX = x0 + 34;
        int plotW = PANEL_W - 50;
        int shareY = y0 + 18;
        int shareH = 120;
        int latY = shareY + shareH + 14;
        int latH = 70;
        double duration = s.durationSeconds();
        sb.append("<text x=\"").append(x0).append("\" y=\"").append(y0 + 10).append("\" font-size=\"11\" font-weight=\"bold\">")
                .append(escape(r.config().label() + " / " + r.strategy().label())).append("</text>\n");
        if (!Double.isNaN(r.coldWindowEnd())) {
            double cx0 = plotX + r.windowStart() / duration * plotW;
            double cx1 = plotX + Math.min(r.coldWindowEnd(), duration) / duration * plotW;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#eee\"/>%n",
                    cx0, shareY, cx1 - cx0, latY + latH - shareY));
        }
        frame(sb, plotX, shareY, plotW, shareH, "share", "0", "1");
        frame(sb, plotX, latY, plotW, latH, "p99", "0", Report.num(s.timeoutSeconds(), 0) + "s");
        int bins = (int) Math.ceil(duration / BIN);
        int[][] a = r.assigned();
        double[] totals = new double[bins];
        for (int[] pod : a) {
            for (int b = 0; b < bins; b++) {
                for (int k = b * BIN; k < Math.min(pod.length, (b + 1) * BIN); k++) {
                    totals[b] += pod[k];
                }
            }
        }
        int colour = 0;
        // Warm pods first so that the added pods' colours are drawn on top.
        for (int pass = 0; pass < 2; pass++) {
            for (int p = 0; p < a.length; p++) {
                if (r.addedPod()[p] != (pass == 1)) {
                    continue;
                }
                StringBuilder pts = new StringBuilder();
                for (int b = 0; b < bins; b++) {
                    if (totals[b] == 0) {
                        continue;
                    }
                    double c = 0;
                    for (int k = b * BIN; k < Math.min(a[p].length, (b + 1) * BIN); k++) {
                        c += a[p][k];
                    }
                    double x = plotX + (b + 0.5) * BIN / duration * plotW;
                    double y = shareY + shareH - c / totals[b] * shareH;
                    pts.append(String.format(Locale.ROOT, "%.0f,%.0f ", x, y));
                }
                String stroke = pass == 0 ? "#999" : COLOURS[colour++ % COLOURS.length];
                sb.append("<polyline fill=\"none\" stroke=\"").append(stroke).append("\" stroke-width=\"")
                        .append(pass == 0 ? "0.8" : "1.2").append("\" points=\"").append(pts.toString().trim()).append("\"/>\n");
            }
        }
        StringBuilder pts = new StringBuilder();
        double[] p99 = r.p99PerSecond();
        for (int b = 0; b < bins; b++) {
            double m = Double.NaN;
            for (int k = b * BIN; k < Math.min(p99.length, (b + 1) * BIN); k++) {
                if (!Double.isNaN(p99[k])) {
                    m = Double.isNaN(m) ? p99[k] : Math.max(m, p99[k]);
                }
            }
            if (Double.isNaN(m)) {
                continue;
            }
            double x = plotX + (b + 0.5) * BIN / duration * plotW;
            double y = latY + latH - Math.min(1, m / s.timeoutSeconds()) * latH;
            pts.append(String.format(Locale.ROOT, "%.0f,%.0f ", x, y));
        }
        sb.append("<polyline fill=\"none\" stroke=\"black\" stroke-width=\"1\" points=\"").append(pts.toString().trim()).append("\"/>\n");
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#555\">0 s</text><text x=\"%d\" y=\"%d\" fill=\"#555\" text-anchor=\"end\">%s s</text>%n",
                plotX, latY + latH + 11, plotX + plotW, latY + latH + 11, Report.num(duration, 0)));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#555\" text-anchor=\"end\">failed %d of %d, cold-start failure rate %s, scale-out TTFT p99 %s s</text>%n",
                plotX + plotW, y0 + 10, r.failed(), r.requests(), Report.pct(r.coldStartFailureRate()), Report.num(r.ttftP99ScaleOut(), 2)));
    }

    private static void frame(StringBuilder sb, int x, int y, int w, int h, String label, String low, String high) {
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\" stroke-width=\"0.6\"/>%n", x, y, w, h));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", x - 3, y + h, low));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", x - 3, y + 9, high));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#555\">%s</text>%n", x - 3, y + h / 2 + 3, label));
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
