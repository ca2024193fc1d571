package io.podrouter.bench.select;

import io.podrouter.bench.peers.Peer;
import io.podrouter.bench.select.ResultsReport.Kind;
import io.podrouter.bench.select.ResultsReport.Row;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ResultsReportTest {

    private static Row router(RouterStrategy s, MetricsMode m, int pods, int threads, double ns) {
        return new Row(Kind.PODROUTER, s.name(), s.label(), m, pods, threads, ns, 0.5, 32);
    }

    private static Row peer(Peer p, int pods, int threads, double ns) {
        return new Row(Kind.PEER, p.name(), p.label(), null, pods, threads, ns, 0.5, 40);
    }

    private static String targetLine(String md, String startsWith) {
        return md.lines().filter(l -> l.startsWith("| " + startsWith)).findFirst().orElseThrow();
    }

    @Test
    void judgesEachTargetFromTheMeasuredRows() {
        List<Row> rows = new ArrayList<>();
        rows.add(router(RouterStrategy.ROUND_ROBIN, MetricsMode.PRESENT, 8, 1, 6));
        rows.add(router(RouterStrategy.ROUND_ROBIN, MetricsMode.PRESENT, 8, 2, 50));
        rows.add(router(RouterStrategy.LEAST_REQUEST_P2C, MetricsMode.PRESENT, 8, 1, 30));
        rows.add(router(RouterStrategy.LEAST_KV_CACHE, MetricsMode.PRESENT, 4096, 1, 3000));
        rows.add(router(RouterStrategy.LEAST_KV_CACHE, MetricsMode.PRESENT, 4096, 2, 3100));
        rows.add(router(RouterStrategy.LEAST_KV_CACHE, MetricsMode.ALL_MISSING, 4096, 1, 2000));
        rows.add(peer(Peer.RIBBON_ROUND_ROBIN, 8, 1, 10));
        rows.add(peer(Peer.GRPC_LEAST_REQUEST, 8, 1, 40));
        rows.add(peer(Peer.GRPC_ROUND_ROBIN, 8, 2, 140));

        String md = ResultsReport.render(rows, List.of(new ResultsReport.ParserRow("extractScraperFamilies", 850.0, 12.5, 96.0)), List.of(), null, "", null, "2026-01-01T00:00:00Z");

        assertThat(targetLine(md, "steady-state selection")).contains("| met (at the 32 B/op allowance) |");
        assertThat(targetLine(md, "exact least-request")).contains("| met |").contains("4096 pods 3,000 ns (limit 4126");
        assertThat(targetLine(md, "round-robin, 1 thread")).contains("| met |").contains("0.60x met");
        assertThat(targetLine(md, "round-robin, 2 threads")).contains("| missed |").contains("0.36x MISSED");
        assertThat(targetLine(md, "least-request POWER_OF_TWO_CHOICES")).contains("| missed |").contains("0.75x MISSED");
        assertThat(targetLine(md, "the fallback path")).contains("| met |");
        assertThat(targetLine(md, "metric scans")).contains("| met |").contains("4096 pods: 1.94x met");
        assertThat(md).contains("| podrouter least-kv-cache | 4096 | 1 | 3,000 | - | - | - |");
        assertThat(targetLine(md, "Prometheus parser")).contains("| reported |")
                .contains("extractScraperFamilies: 850 MB/s ± 12.5, 96 B/op per body");
    }

    @Test
    void marksTargetsWithoutRowsAsNotMeasured() {
        String md = ResultsReport.render(List.of(), List.of(), List.of(), null, "", null, "2026-01-01T00:00:00Z");
        assertThat(targetLine(md, "round-robin, 1 thread")).contains("| not measured |");
        assertThat(targetLine(md, "prefix-aware selection")).contains("| not measured |");
        assertThat(targetLine(md, "steady-state selection")).contains("| not measured |");
        assertThat(targetLine(md, "Prometheus parser")).contains("| not measured |");
    }

    private static ResultsReport.CacheRow select(int chars, int pods, int forks, double ns, double error) {
        return new ResultsReport.CacheRow("select", "CACHE_AWARE", chars, pods, forks, ns, error, 40);
    }

    @Test
    void judgesThePrefixAwareTargetOnTheUpperEndOfTheErrorInterval() {
        String met = ResultsReport.render(List.of(), List.of(), List.of(select(8192, 512, 3, 15_000, 4_000)), null, "",
                null, "2026-01-01T00:00:00Z");
        assertThat(targetLine(met, "prefix-aware selection")).contains("| met |").contains("upper end 19,000 ns");
        String missed = ResultsReport.render(List.of(), List.of(), List.of(select(8192, 512, 3, 15_000, 6_000)), null,
                "", null, "2026-01-01T00:00:00Z");
        assertThat(targetLine(missed, "prefix-aware selection")).contains("| missed |").contains("upper end 21,000 ns");
        assertThat(missed).contains("## Cache-aware selection and prefix scoring")
                .contains("| select | 8,192 | 512 | 3 | 15,000 | ± 6,000 | 29.3 | 40.0 |");
    }

    @Test
    void doesNotJudgeTheHeadlineRowFromFewerThanThreeForks() {
        String md = ResultsReport.render(List.of(), List.of(), List.of(select(8192, 512, 1, 1_000, 10)), null, "",
                null, "2026-01-01T00:00:00Z");
        assertThat(targetLine(md, "prefix-aware selection")).contains("| not judged (1 fork(s), expected: at least 3) |");
    }

    @Test
    void readsACacheAwareResultWithItsForks() {
        Map<String, Object> result = Map.of(
                "benchmark", "io.podrouter.bench.select.CacheAwareSelectBenchmark.selectAndComplete",
                "forks", 3.0,
                "params", Map.of("promptChars", "8192", "pods", "512", "composition", "CACHE_AWARE"),
                "primaryMetric", Map.of("score", 12_000.0, "scoreError", 900.0, "scoreUnit", "ns/op"),
                "secondaryMetrics", Map.of("gc.alloc.rate.norm", Map.of("score", 40.0, "scoreUnit", "B/op")));
        assertThat(ResultsReport.toCacheRow(result)).contains(
                new ResultsReport.CacheRow("select", "CACHE_AWARE", 8192, 512, 3, 12_000.0, 900.0, 40.0));
        assertThat(ResultsReport.toCacheRow(Map.of("benchmark", "io.podrouter.bench.select.RouterSelectBenchmark.oneThread")))
                .isEmpty();
    }

    @Test
    void readsTheParserBenchmarksBytesPerSecondAsMegabytes() {
        Map<String, Object> result = Map.of(
                "benchmark", "io.podrouter.bench.parser.ParserBenchmark.visitAllSamples",
                "primaryMetric", Map.of("score", 4000.0, "scoreError", 10.0, "scoreUnit", "ops/s"),
                "secondaryMetrics", Map.of(
                        "bytes", Map.of("score", 8.0e8, "scoreError", 1.0e7, "scoreUnit", "ops/s"),
                        "gc.alloc.rate.norm", Map.of("score", 120.0, "scoreUnit", "B/op")));
        ResultsReport.ParserRow row = ResultsReport.toParserRow(result);
        assertThat(row.method()).isEqualTo("visitAllSamples");
        assertThat(row.mbPerSecond()).isEqualTo(800.0);
        assertThat(row.mbError()).isEqualTo(10.0);
        assertThat(row.bytesPerOp()).isEqualTo(120.0);
    }

    @Test
    void readsAJmhResultIntoARow() {
        Map<String, Object> result = Map.of(
                "benchmark", "io.podrouter.bench.select.PeerSelectBenchmark.twoThreads",
                "threads", 2.0,
                "params", Map.of("peer", "FINAGLE_P2C", "pods", "512"),
                "primaryMetric", Map.of("score", 180.0, "scoreError", "NaN", "scoreUnit", "ns/op"),
                "secondaryMetrics", Map.of("gc.alloc.rate.norm", Map.of("score", 176.0)));
        Row row = ResultsReport.toRow(result).orElseThrow();
        assertThat(row.kind()).isEqualTo(Kind.PEER);
        assertThat(row.label()).isEqualTo("Finagle p2c");
        assertThat(row.pods()).isEqualTo(512);
        assertThat(row.threads()).isEqualTo(2);
        assertThat(row.ns()).isEqualTo(180.0);
        assertThat(row.error()).isNaN();
        assertThat(row.bytes()).isEqualTo(176.0);
    }
}
