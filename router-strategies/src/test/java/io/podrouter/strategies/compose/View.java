package io.podrouter.strategies.compose;

import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.api.RandomSource;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/** A hand-filled view for composition tests: readiness, in-flight requests and tokens, prepared state. */
class View implements CandidateView {
    final Pod[] pods;
    final boolean[] ready;
    final int[] inFlight;
    final long[] tokens;
    final RandomSource random;
    final java.util.Map<String, Double>[] extra;
    SelectionStrategy owner;
    Object prepared;

    View(int n, long seed) {
        pods = new Pod[n];
        for (int i = 0; i < n; i++) {
            pods[i] = Pod.ready("pod-" + i, "10.0.0." + i, 8000, Instant.EPOCH);
        }
        ready = new boolean[n];
        Arrays.fill(ready, true);
        inFlight = new int[n];
        tokens = new long[n];
        random = RandomSource.seeded(seed);
        @SuppressWarnings("unchecked")
        java.util.Map<String, Double>[] e = new java.util.Map[n];
        extra = e;
    }

    /** Prepares {@code s} for these pods, as the router does per candidate set. */
    View preparedFor(SelectionStrategy s) {
        owner = s;
        prepared = s.prepare(List.of(pods));
        return this;
    }

    /** Replaces pod {@code i} (e.g. restarted, not ready) and prepares again. */
    View replace(int i, Pod pod) {
        pods[i] = pod;
        ready[i] = pod.ready();
        if (owner != null) {
            preparedFor(owner);
        }
        return this;
    }

    /** A selection by the router: the in-flight count and tokens go up and the strategy learns. */
    int route(SelectionStrategy s, io.podrouter.api.InferenceRequest r) {
        long pick = s.pick(r, this);
        int i = SelectionStrategy.index(pick);
        inFlight[i]++;
        tokens[i] += r.estimatedPromptTokens() + r.estimatedOutputTokens();
        s.selected(r, this, i);
        return i;
    }

    @Override public int size() { return pods.length; }
    @Override public Pod pod(int i) { return pods[i]; }
    @Override public boolean isReady(int i) { return ready[i]; }
    @Override public int readyCount() { int c = 0; for (boolean r : ready) if (r) c++; return c; }
    @Override public int readyIndex(int k) {
        for (int i = 0, seen = 0; i < ready.length; i++) if (ready[i] && seen++ == k) return i;
        throw new IndexOutOfBoundsException(k);
    }
    @Override public int inFlight(int i) { return inFlight[i]; }
    @Override public long inFlightTokens(int i) { return tokens[i]; }
    @Override public Object prepared(SelectionStrategy s) { return s == owner ? prepared : null; }
    @Override public double extra(int i, String name) {
        Double d = extra[i] == null || !ready[i] ? null : extra[i].get(name);
        return d == null ? Double.NaN : d;
    }
    @Override public int inFlightSinceRefresh(int i) { return 0; }
    @Override public double kvCacheUsagePerRequest(int i) { return Double.NaN; }
    @Override public MissingReason missingReason(int i) { return null; }
    @Override public double runningRequests(int i) { return Double.NaN; }
    @Override public double waitingRequests(int i) { return Double.NaN; }
    @Override public double kvCacheUsage(int i) { return Double.NaN; }
    @Override public double timeToFirstTokenSeconds(int i) { return Double.NaN; }
    @Override public double timePerOutputTokenSeconds(int i) { return Double.NaN; }
    @Override public double e2eLatencySeconds(int i) { return Double.NaN; }
    @Override public double queueTimeSeconds(int i) { return Double.NaN; }
    @Override public boolean isPredicted(int i) { return false; }
    @Override public RandomSource random() { return random; }
}
