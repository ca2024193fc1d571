package io.podrouter.strategies.compose;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.strategy.CandidateFilter;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.Picker;
import io.podrouter.api.strategy.Scorer;
import io.podrouter.api.strategy.SelectionStrategy;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A strategy built from parts, the shape of llm-d's router: {@linkplain CandidateFilter filters} narrow
 * the ready candidates, weighted {@linkplain Scorer scorers} rate the rest, a {@linkplain Picker picker}
 * chooses.
 *
 * <p><b>Normalisation.</b> Each scorer writes scores in [0, 1] (values outside are clamped, NaN counts as
 * 0); the combined score of a candidate is {@code sum(weight_k x score_k) / sum(weight_k)}, so it is in
 * [0, 1] too and a weight is a scorer's share of the decision. A softmax temperature therefore means the
 * same whatever the number of scorers.
 *
 * <p><b>In the router.</b> A composed strategy is a {@link SelectionStrategy}: it sits in the chain like
 * any other, and the router's cold-start handling (the bounded cold share when it
 * {@linkplain #ranksByMetrics() ranks by metrics}, which it does when a scorer {@linkplain Scorer#usesMetrics()
 * uses metrics}; the burst guard; outlier ejection; retries with exclusion) applies unchanged. It passes
 * when its filters leave no candidate. It prepares each scorer's state per candidate set, forwards the
 * router's selection and completion callbacks to the scorers that {@linkplain Scorer#observesSelections()
 * observe them}, and asks the router to count in-flight tokens when a scorer reads them.
 *
 * <p><b>Cost.</b> No lock and no allocation per pick: the scores, the filter mask and a scorer's
 * temporary array live in a scratch lent from a small pool (one atomic swap to take it and one to give it back; no
 * per-thread state, so virtual threads cost nothing extra) that grows to the largest candidate set seen. O(scorers x
 * candidates) plus what the scorers cost.
 *
 * <p>Immutable and thread-safe once built.
 */
public final class ComposedStrategy implements SelectionStrategy {

    /** Pool slots: a power of two above the cores of common gateway hosts. */
    private static final int POOL_SLOTS = 16;

    private final String name;
    private final CandidateFilter[] filters;
    private final Scorer[] scorers;
    private final double[] weights;
    private final double weightSum;
    private final Picker picker;
    private final boolean ranksByMetrics;
    private final boolean keepsAffinity;
    private final boolean observes;
    private final boolean tokens;
    /**
     * Scratch arrays, lent per pick from a small lock-free pool rather than kept per thread: a
     * {@code ThreadLocal} allocates a new scratch for every new thread, which with one virtual thread per
     * request is every pick. Each slot is taken with one atomic swap and given back with one; a pick that
     * finds its slots empty (more concurrent picks than slots) allocates a scratch and drops it afterwards.
     */
    private final java.util.concurrent.atomic.AtomicReferenceArray<Scratch> pool =
            new java.util.concurrent.atomic.AtomicReferenceArray<>(POOL_SLOTS);
    /** Scratches created, for tests: bounded by the pool size plus concurrent overflow. */
    private final java.util.concurrent.atomic.LongAdder created = new java.util.concurrent.atomic.LongAdder();

    private ComposedStrategy(Builder b) {
        this.name = b.name;
        this.filters = b.filters.toArray(new CandidateFilter[0]);
        this.scorers = b.scorers.toArray(new Scorer[0]);
        this.weights = b.weights.stream().mapToDouble(Double::doubleValue).toArray();
        double sum = 0;
        boolean metrics = false;
        boolean obs = false;
        boolean tok = false;
        boolean affinity = false;
        for (int k = 0; k < scorers.length; k++) {
            sum += weights[k];
            metrics |= scorers[k].usesMetrics();
            obs |= scorers[k].observesSelections();
            tok |= scorers[k].usesInFlightTokens();
            affinity |= scorers[k].keepsAffinity();
        }
        this.weightSum = sum;
        this.picker = b.picker;
        this.ranksByMetrics = metrics;
        this.observes = obs;
        this.tokens = tok;
        this.keepsAffinity = affinity;
    }

    /** A builder; at least one scorer is required, the picker defaults to {@link Pickers#maxScore()}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    @Override
    public String name() {
        return name;
    }

    /** True when a scorer {@linkplain Scorer#usesMetrics() uses scraped metrics}. */
    @Override
    public boolean ranksByMetrics() {
        return ranksByMetrics;
    }

    /** True when a scorer {@linkplain Scorer#keepsAffinity() keeps affinity} (prefix, session, LoRA). */
    @Override
    public boolean keepsAffinity() {
        return keepsAffinity;
    }

    @Override
    public boolean observesSelections() {
        return observes;
    }

    @Override
    public boolean usesInFlightTokens() {
        return tokens;
    }

    /** One prepared state per scorer (null entries for scorers that prepare none), or null when none does. */
    @Override
    public @Nullable Object prepare(List<Pod> pods) {
        @Nullable Object[] states = new @Nullable Object[scorers.length];
        boolean any = false;
        for (int k = 0; k < scorers.length; k++) {
            states[k] = scorers[k].prepare(pods);
            any |= states[k] != null;
        }
        return any ? states : null;
    }

    @Override
    public long pick(InferenceRequest request, CandidateView v) {
        int slot = (int) Thread.currentThread().getId() & (POOL_SLOTS - 1);
        Scratch s = borrow(slot).ensure(v.size());
        try {
            return pick(request, v, s);
        } finally {
            giveBack(slot, s);
        }
    }

    private Scratch borrow(int slot) {
        for (int k = 0; k < 2; k++) { // the thread's slot, then its neighbour
            Scratch s = pool.getAndSet((slot + k) & (POOL_SLOTS - 1), null);
            if (s != null) {
                return s;
            }
        }
        created.increment();
        return new Scratch();
    }

    private void giveBack(int slot, Scratch s) {
        for (int k = 0; k < 2; k++) {
            if (pool.compareAndSet((slot + k) & (POOL_SLOTS - 1), null, s)) {
                return;
            }
        }
    }

    /** Scratches this strategy has created (for tests of the pool). */
    long scratchesCreated() {
        return created.sum();
    }

    private long pick(InferenceRequest request, CandidateView v, Scratch s) {
        int n = v.size();
        boolean[] keep = s.keep;
        double[] total = s.total;
        double[] tmp = s.tmp;
        for (int i = 0; i < n; i++) {
            keep[i] = v.isReady(i);
            total[i] = 0;
        }
        for (CandidateFilter f : filters) {
            f.filter(request, v, keep);
        }
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (keep[i]) {
                if (!v.isReady(i)) {
                    keep[i] = false; // a filter may only narrow; never let it pick a candidate that is not ready
                } else {
                    kept++;
                }
            }
        }
        if (kept == 0) {
            return PASS;
        }
        Object[] states = (Object[]) v.prepared(this);
        for (int k = 0; k < scorers.length; k++) {
            scorers[k].score(request, v, states == null ? null : states[k], tmp);
            double w = weights[k] / weightSum;
            for (int i = 0; i < n; i++) {
                if (keep[i]) {
                    double x = tmp[i];
                    // Clamp without branching on NaN: !(x > 0) is true for NaN and non-positive values.
                    total[i] += w * (!(x > 0) ? 0 : x > 1 ? 1 : x);
                }
            }
        }
        return SelectionStrategy.chosen(picker.pick(total, keep, n, v.random()));
    }

    @Override
    public void selected(InferenceRequest request, CandidateView candidates, int index) {
        Object[] states = (Object[]) candidates.prepared(this);
        for (int k = 0; k < scorers.length; k++) {
            if (scorers[k].observesSelections()) {
                scorers[k].selected(request, candidates, states == null ? null : states[k], index);
            }
        }
    }

    @Override
    public void completed(InferenceRequest request, Pod pod, Outcome outcome, long latencyNanos) {
        for (Scorer scorer : scorers) {
            if (scorer.observesSelections()) {
                scorer.completed(request, pod, outcome, latencyNanos);
            }
        }
    }

    @Override
    public void firstToken(InferenceRequest request, Pod pod) {
        for (Scorer scorer : scorers) {
            if (scorer.observesSelections()) {
                scorer.firstToken(request, pod);
            }
        }
    }

    /** The scorers, in order. */
    public List<Scorer> scorers() {
        return List.of(scorers);
    }

    /** The weights, in the scorers' order; a copy. */
    public double[] weights() {
        return weights.clone();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append('(');
        for (CandidateFilter f : filters) {
            sb.append(f.name()).append(", ");
        }
        for (int k = 0; k < scorers.length; k++) {
            sb.append(scorers[k].name()).append('x').append(weights[k]).append(", ");
        }
        return sb.append(picker.name()).append(')').toString();
    }

    /** Arrays for one pick at a time, grown to the largest candidate set seen. */
    private static final class Scratch {
        boolean[] keep = new boolean[0];
        double[] total = new double[0];
        double[] tmp = new double[0];

        Scratch ensure(int n) {
            if (keep.length < n) {
                int size = Math.max(n, 2 * keep.length);
                keep = new boolean[size];
                total = new double[size];
                tmp = new double[size];
            }
            return this;
        }
    }

    /**
     * Configures a {@link ComposedStrategy}. Not thread-safe; every setter validates its argument
     * ({@link NullPointerException} / {@link IllegalArgumentException} naming the setting).
     */
    public static final class Builder {
        private final String name;
        private final List<CandidateFilter> filters = new ArrayList<>();
        private final List<Scorer> scorers = new ArrayList<>();
        private final List<Double> weights = new ArrayList<>();
        private Picker picker = Pickers.maxScore();

        private Builder(String name) {
            Objects.requireNonNull(name, "name: null (expected: a short strategy name)");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name: blank (expected: a short strategy name)");
            }
            this.name = name;
        }

        /** Adds a filter; filters run in the order added. */
        public Builder filter(CandidateFilter filter) {
            filters.add(Objects.requireNonNull(filter, "filter: null (expected: a CandidateFilter)"));
            return this;
        }

        /** Adds a scorer with its weight (finite and &gt; 0). */
        public Builder scorer(Scorer scorer, double weight) {
            Objects.requireNonNull(scorer, "scorer: null (expected: a Scorer)");
            if (!(weight > 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("weight of " + scorer.name() + ": " + weight + " (expected: finite and > 0)");
            }
            scorers.add(scorer);
            weights.add(weight);
            return this;
        }

        /** The picker. Default {@link Pickers#maxScore()}. */
        public Builder picker(Picker picker) {
            this.picker = Objects.requireNonNull(picker, "picker: null (expected: a Picker, e.g. Pickers.maxScore())");
            return this;
        }

        /** @throws IllegalStateException when no scorer was added */
        public ComposedStrategy build() {
            if (scorers.isEmpty()) {
                throw new IllegalStateException("scorers: none (expected: at least one, e.g. LoadScorer.inFlightRequests())");
            }
            return new ComposedStrategy(this);
        }
    }
}
