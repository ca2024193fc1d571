package io.podrouter.prometheus;

import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.core.Router;
import io.podrouter.strategies.compose.ComposedStrategy;
import io.podrouter.strategies.compose.LoraAffinityScorer;
import io.podrouter.strategies.compose.Pickers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** vLLM's {@code vllm:lora_requests_info} read into {@code PodMetrics.extra}, as {@link LoraAffinityScorer} reads it. */
class LoraScrapeTest {

    private static final String LLAMA = "meta-llama/Llama-3.1-8B-Instruct";
    private static final String HEADER = "# TYPE vllm:num_requests_running gauge\n"
            + "vllm:num_requests_running{model_name=\"" + LLAMA + "\"} 1\n"
            + "# TYPE vllm:lora_requests_info gauge\n";

    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private static String resource(String name) throws Exception {
        try (InputStream in = LoraScrapeTest.class.getResourceAsStream("/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The extras of one scrape of {@code body} for LLAMA (the lookup must be present). */
    private Map<String, Double> scrape(String body) throws Exception {
        FakePod server = new FakePod().serve(body);
        closeables.add(server);
        PrometheusScraper scraper = PrometheusScraper.builder().clock(clock).engine(EngineMapping.vllm()).build();
        closeables.add(0, scraper);
        Pod pod = server.pod("p");
        scraper.updateTargets(List.of(pod));
        scraper.scrapeNow();
        MetricsLookup l = scraper.lookup(pod, LLAMA);
        assertThat(l).as(l.toString()).isInstanceOf(MetricsLookup.Present.class);
        return ((MetricsLookup.Present) l).metrics().extra();
    }

    private static Map<String, Double> lora(Map<String, Double> extra) {
        Map<String, Double> out = new java.util.TreeMap<>();
        extra.forEach((k, v) -> {
            if (k.startsWith("lora_")) {
                out.put(k, v);
            }
        });
        return out;
    }

    @Test
    void theNewestSeriesOfARealVllmBodyNamesTheRunningAndWaitingAdapters() throws Exception {
        Map<String, Double> extra = scrape(resource("vllm-lora.txt"));
        assertThat(lora(extra)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "lora_running:sql-lora", 1.0, "lora_waiting:summarize-lora", 1.0, "lora_max", 4.0));
        assertThat(extra).as("older combinations are history, not state").doesNotContainKey("lora_running:chat-lora");
        assertThat(extra.get(LoraAffinityScorer.EXTRA_PREFIX + "sql-lora")).as("the scorer's key").isEqualTo(1.0);
    }

    @Test
    void emptyAdapterListsGiveNoAdapterKeys() throws Exception {
        Map<String, Double> extra = scrape(HEADER
                + "vllm:lora_requests_info{max_lora=\"2\",running_lora_adapters=\"\",waiting_lora_adapters=\"\"} 1.7e9\n");
        assertThat(lora(extra)).containsExactlyEntriesOf(Map.of("lora_max", 2.0));
    }

    @Test
    void malformedLabelsAndValuesAreHandledAsDocumentedWithoutFailingTheScrape() throws Exception {
        Map<String, Double> extra = scrape(HEADER
                + "vllm:lora_requests_info{max_lora=\"many\",running_lora_adapters=\" , sql-lora ,,chat-lora,sql-lora\"} 1.7e9\n"
                + "vllm:lora_requests_info{max_lora=\"4\",running_lora_adapters=\"newer-but-nan\"} NaN\n"
                + "vllm:lora_requests_info{max_lora=\"4\",running_lora_adapters=\"inf\"} +Inf\n"
                + "vllm:lora_requests_info{max_lora=\"4\",running_lora_adapters=\"negative\"} -1\n");
        assertThat(lora(extra)).as("names trimmed, empties skipped, repeats counted; max_lora not a number: left out")
                .containsExactlyInAnyOrderEntriesOf(Map.of("lora_running:sql-lora", 2.0, "lora_running:chat-lora", 1.0));

        Map<String, Double> noLabels = scrape(HEADER + "vllm:lora_requests_info 1.7e9\n");
        assertThat(lora(noLabels)).as("missing labels: empty lists, no max").isEmpty();
        Map<String, Double> negativeMax = scrape(HEADER
                + "vllm:lora_requests_info{max_lora=\"-3\",running_lora_adapters=\"a\",waiting_lora_adapters=\"b\"} 5\n");
        assertThat(lora(negativeMax)).containsExactlyInAnyOrderEntriesOf(Map.of("lora_running:a", 1.0, "lora_waiting:b", 1.0));
    }

    @Test
    void aLoraFamilyOfAnotherTypeIsSkippedAndTheRestStillScraped() throws Exception {
        Map<String, Double> extra = scrape("# TYPE vllm:num_requests_running gauge\n"
                + "vllm:num_requests_running{model_name=\"" + LLAMA + "\"} 1\n"
                + "# TYPE vllm:lora_requests_info counter\n"
                + "vllm:lora_requests_info{running_lora_adapters=\"a\"} 1.7e9\n");
        assertThat(lora(extra)).isEmpty();
    }

    @Test
    void aPodWithoutLoraHasNoLoraKeys() throws Exception {
        assertThat(lora(scrape("# TYPE vllm:num_requests_running gauge\n"
                + "vllm:num_requests_running{model_name=\"" + LLAMA + "\"} 1\n"))).isEmpty();
    }

    @Test
    void aSingleSeriesListingTwoRunningAdaptersGivesBoth() throws Exception {
        assertThat(lora(scrape(resource("vllm-v1.txt")))).containsExactlyInAnyOrderEntriesOf(Map.of(
                "lora_running:sql-lora", 1.0, "lora_running:chat-lora", 1.0, "lora_max", 4.0));
    }

    @Test
    void tiesKeepTheFirstSeriesAndNewerReplacesOlder() {
        LoraInfo info = new LoraInfo();
        assertThat(info.present()).isFalse();
        assertThat(info.extras()).isEmpty();
        info.offer(10, "a", null, "1");
        info.offer(10, "b", null, "1");
        assertThat(info.extras()).containsOnlyKeys("lora_running:a", "lora_max");
        info.offer(9, "c", null, null);
        info.offer(11, "d", "e", null);
        assertThat(info.extras()).containsOnlyKeys("lora_running:d", "lora_waiting:e");
    }

    @Test
    void theRouterSendsAnAdaptersRequestsToThePodThatRunsIt() throws Exception {
        String runningSql = HEADER
                + "vllm:lora_requests_info{max_lora=\"4\",running_lora_adapters=\"sql-lora\",waiting_lora_adapters=\"\"} 1.7e9\n";
        String runningChat = HEADER
                + "vllm:lora_requests_info{max_lora=\"4\",running_lora_adapters=\"chat-lora\",waiting_lora_adapters=\"\"} 1.7e9\n";
        FakePod sql = new FakePod().serve(runningSql);
        FakePod chat = new FakePod().serve(runningChat);
        closeables.add(sql);
        closeables.add(chat);
        PrometheusScraper scraper = PrometheusScraper.builder().engine(EngineMapping.vllm()).build();
        closeables.add(0, scraper);
        List<Pod> pods = List.of(sql.pod("sql"), chat.pod("chat"));
        scraper.updateTargets(pods);
        scraper.scrapeNow();
        try (Router router = Router.builder().metricsSource(scraper).random(RandomSource.seeded(7))
                .strategy(ComposedStrategy.builder("lora").scorer(new LoraAffinityScorer(), 1)
                        .picker(Pickers.maxScore()).build())
                .build()) {
            Candidates c = router.candidates(pods);
            for (int i = 0; i < 20; i++) {
                try (PodSelection s = router.selectPod(InferenceRequest.forModel(LLAMA).withLoraAdapter("sql-lora"), c)) {
                    assertThat(s.pod().id()).isEqualTo("sql");
                    s.complete(Outcome.SUCCESS, 1);
                }
            }
        }
    }
}
