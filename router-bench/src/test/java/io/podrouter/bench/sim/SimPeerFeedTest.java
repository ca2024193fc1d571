package io.podrouter.bench.sim;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What the simulated fleet tells the peers: llm-d's own 50 ms polls, KV-cache size, the caches' block hashes. */
class SimPeerFeedTest {

    private static Scenario scenario(Map<String, String> extra) {
        Map<String, String> p = new HashMap<>(extra);
        p.put("chart", "false");
        p.put("duration", "60");
        return Scenario.parse(p);
    }

    @Test
    void aPodHasPolledMetricsFromItsFirstPoll50MsAfterReadyWhateverTheScrapeSettings() {
        Scenario s = scenario(Map.of("scrapeInterval", "5", "metricDelayMin", "20", "metricDelayMax", "30"));
        VirtualClock clock = new VirtualClock();
        List<SimPod> pods = new ArrayList<>();
        pods.add(new SimPod(null, s, 0, 10.0, true, 40.0, 80)); // ready at 10 s; the scraper's first metrics at 40 s
        SimPeerFeed feed = new SimPeerFeed(s, clock, pods);
        Pod pod = Pod.ready("pod-0", "10.0.0.0", 8000, VirtualClock.at(10.0));
        clock.advanceTo(10.049);
        MetricsLookup before = feed.polledMetrics().lookup(pod, "m");
        assertThat(before).isEqualTo(MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED));
        assertThat(feed.kvCacheBlocks(pod)).isZero();
        clock.advanceTo(10.05);
        MetricsLookup after = feed.polledMetrics().lookup(pod, "m");
        assertThat(after).isInstanceOf(MetricsLookup.Present.class);
        io.podrouter.api.PodMetrics m = ((MetricsLookup.Present) after).metrics();
        assertThat(m.waitingRequests()).isZero();
        assertThat(m.observedAt()).isEqualTo(VirtualClock.at(10.05));
        assertThat(feed.kvCacheBlocks(pod)).isEqualTo((int) (s.kvCapacityTokens() / 16));
        assertThat(feed.polledMetrics().lookup(Pod.ready("other", "h", 1, VirtualClock.at(0)), "m"))
                .isEqualTo(MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED));
    }

    @Test
    void kvBlockHashesAreTheCachesOwnWholeBlocks() {
        Scenario s = scenario(Map.of());
        SimPeerFeed feed = new SimPeerFeed(s, new VirtualClock(), new ArrayList<>());
        int[] t = new int[16 * 3 + 5];
        for (int i = 0; i < t.length; i++) {
            t[i] = 7 * i + 1;
        }
        long[] out = new long[8];
        int n = feed.kvBlockHashes(InferenceRequest.forModel("m").withTokenIds(t), out);
        assertThat(n).isEqualTo(3);
        assertThat(java.util.Arrays.copyOf(out, n)).containsExactly(PrefixCache.hashes(t));
        assertThat(feed.kvBlockHashes(InferenceRequest.forModel("m").withTokenIds(t), new long[2])).isEqualTo(2);
        assertThat(feed.kvBlockHashes(InferenceRequest.forModel("m"), out)).isZero();
    }

    @Test
    void withoutSubscribersACacheGetsNoListener() {
        SimPeerFeed feed = new SimPeerFeed(scenario(Map.of()), new VirtualClock(), new ArrayList<>());
        assertThat(feed.cacheListener("pod-0", 0)).isNull();
        List<String> heard = new ArrayList<>();
        feed.subscribe(new io.podrouter.bench.cachepeers.PeerFeed.KvEventListener() {
            @Override
            public void stored(String podId, java.time.Instant readySince, long blockHash) {
                heard.add(podId + "@" + readySince + "+" + blockHash);
            }

            @Override
            public void removed(String podId, java.time.Instant readySince, long blockHash) {
                heard.add(podId + "@" + readySince + "-" + blockHash);
            }
        });
        PrefixCache.Listener l = feed.cacheListener("pod-3", 2.5);
        l.stored(11);
        l.removed(11);
        assertThat(heard).containsExactly("pod-3@" + VirtualClock.at(2.5) + "+11", "pod-3@" + VirtualClock.at(2.5) + "-11");
    }
}
