package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.api.RandomSource;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A hand-made candidate view: ready pods p0..p(n-1), settable in-flight counts and metrics, a seeded random source. */
final class TestView implements CandidateView {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    final List<Pod> pods = new ArrayList<>();
    final int[] inFlight;
    final double[] waiting;
    final double[] kv;
    private final RandomSource random;

    TestView(int n, long seed) {
        for (int i = 0; i < n; i++) {
            pods.add(Pod.ready("p" + i, "10.0.0." + i, 8000, T0));
        }
        inFlight = new int[n];
        waiting = new double[n];
        kv = new double[n];
        Arrays.fill(waiting, Double.NaN);
        Arrays.fill(kv, Double.NaN);
        random = RandomSource.seeded(seed);
    }

    /** Picks with {@code s}, then tells it (as the router does) and counts the request in flight. */
    int route(SelectionStrategy s, InferenceRequest r) {
        long pick = s.pick(r, this);
        if (SelectionStrategy.isPass(pick)) {
            throw new AssertionError("strategy passed");
        }
        int i = SelectionStrategy.index(pick);
        inFlight[i]++;
        if (s.observesSelections()) {
            s.selected(r, this, i);
        }
        return i;
    }

    @Override
    public int size() {
        return pods.size();
    }

    @Override
    public Pod pod(int i) {
        return pods.get(i);
    }

    @Override
    public boolean isReady(int i) {
        return pods.get(i).ready();
    }

    @Override
    public int readyCount() {
        return (int) pods.stream().filter(Pod::ready).count();
    }

    @Override
    public int readyIndex(int k) {
        for (int i = 0; i < pods.size(); i++) {
            if (pods.get(i).ready() && k-- == 0) {
                return i;
            }
        }
        throw new IndexOutOfBoundsException(k);
    }

    @Override
    public int inFlight(int i) {
        return inFlight[i];
    }

    @Override
    public int inFlightSinceRefresh(int i) {
        return 0;
    }

    @Override
    public double kvCacheUsagePerRequest(int i) {
        return Double.NaN;
    }

    @Override
    public MissingReason missingReason(int i) {
        return Double.isNaN(waiting[i]) && Double.isNaN(kv[i]) ? MissingReason.NOT_YET_SCRAPED : null;
    }

    @Override
    public double runningRequests(int i) {
        return Double.NaN;
    }

    @Override
    public double waitingRequests(int i) {
        return waiting[i];
    }

    @Override
    public double kvCacheUsage(int i) {
        return kv[i];
    }

    @Override
    public double timeToFirstTokenSeconds(int i) {
        return Double.NaN;
    }

    @Override
    public double timePerOutputTokenSeconds(int i) {
        return Double.NaN;
    }

    @Override
    public double e2eLatencySeconds(int i) {
        return Double.NaN;
    }

    @Override
    public double queueTimeSeconds(int i) {
        return Double.NaN;
    }

    @Override
    public boolean isPredicted(int i) {
        return false;
    }

    @Override
    public RandomSource random() {
        return random;
    }

    /** A request whose prompt is the given token ids (prompt tokens = their number, 16 output tokens). */
    static InferenceRequest tokens(int... ids) {
        return InferenceRequest.forModel("m").withTokenIds(ids).withPromptTokens(ids.length).withMaxOutputTokens(16);
    }

    /** {@code blocks} whole 16-token blocks: token t of the prompt is {@code group * 1_000_000 + t}. */
    static int[] prompt(int group, int blocks) {
        int[] ids = new int[blocks * BlockHashes.BLOCK_TOKENS];
        for (int t = 0; t < ids.length; t++) {
            ids[t] = group * 1_000_000 + t;
        }
        return ids;
    }

    /** {@code shared} blocks of group {@code group}, then {@code own} blocks of {@code suffixGroup}. */
    static int[] prompt(int group, int shared, int suffixGroup, int own) {
        int[] a = prompt(group, shared);
        int[] b = prompt(suffixGroup, own);
        int[] ids = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, ids, a.length, b.length);
        return ids;
    }
}
