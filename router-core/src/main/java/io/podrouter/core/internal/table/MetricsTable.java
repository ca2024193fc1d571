package io.podrouter.core.internal.table;

import io.podrouter.api.MissingReason;
import io.podrouter.api.RandomSource;
import io.podrouter.api.RejectReason;
import io.podrouter.api.strategy.SelectionStrategy;
import org.jspecify.annotations.Nullable;

import java.util.EnumMap;
import java.util.Map;

/**
 * <b>Internal: not API, not exported by the module.</b> An immutable snapshot of one candidate set's
 * readiness, metrics and cold-start state for one model, in primitive arrays indexed like the candidates:
 * what strategies scan (their reads are in {@link ColumnView}). Only in-flight counts are read live, from
 * the handles. Built by {@link TableBuilder} off the hot path and swapped in atomically; thread-safe. This
 * class adds what the router itself does with a table: the derived tables (retries, ejected and stalled
 * pods, admission re-picks), admission, the admission overflow and the bounded cold share.
 */
public final class MetricsTable extends ColumnView {

    /** Admission thresholds are fractions of this; a threshold of SCALE admits always. */
    static final int ADMIT_SCALE = 1 << 16;

    /** Values per candidate in {@link TableColumns#latencyTerms}. */
    static final int LATENCY_STRIDE = 2;

    /**
     * Relative margin that keeps the latency bound below the score it bounds: the bound is computed as
     * {@code a + b x L} with the queue factor folded into {@code a} and {@code b}, the score as
     * {@code (TTFT + TPOT x L) x factor}, and their rounding errors (about ten units in the last place,
     * 2^-50 relative, all terms being non-negative) must not lift the bound above the score.
     */
    static final double LATENCY_FLOOR_SHRINK = 1 - 0x1p-40;

    final String model;
    final long builtAtMillis;
    /** The order in which this table's build started within its candidate set; set before it is installed. */
    long buildSeq;
    private final MissingReason commonMissingReason;
    private final Map<RejectReason, Integer> rejections;
    private final int coldCap;
    /**
     * Twice the mean in-flight count of the ready candidates when this table was built (at least 1): a pod's
     * unanswered selections must reach this as well as the router's limit before it is passed over (see
     * {@link #avoids}), so a pod that takes a burst to catch up with its peers (a new pod under least-request
     * holds as many as they do before its first answer) is never mistaken for a hung one.
     */
    private final int unansweredFloor;
    /** Ready candidates that are cold and have no metrics (never scraped in this Ready period). */
    final int coldMissingCount;
    private final int[] coldMissingIndex;
    /** This table without the cold candidates lacking metrics; null when there are none or only they are ready. */
    private final @Nullable MetricsTable withoutColdMissing;
    /** Some candidate is cold: the refresh keeps rebuilding the table even without selections. */
    final boolean anyCold;
    /** The same table without the candidates that need admission; null when none does. */
    private final @Nullable MetricsTable withoutAdmission;
    /**
     * Set by selections, cleared by a refresh; lets the refresher drop tables nobody reads any more. A
     * table starts unused, so one that a refresh built and no selection read is not rebuilt again.
     */
    volatile boolean used;
    /**
     * The chain's prepared state for this table's candidate set, as (strategy, state) pairs; set by the
     * candidate set before the table is published, and shared with the tables derived from this one.
     */
    private Object @Nullable [] prepared;
    /** See {@link #panic()}; set before publication. */
    private @Nullable MetricsTable panic;

    MetricsTable(String model, long builtAtMillis, PodHandle[] handles, TableColumns columns, RandomSource random,
                 Map<RejectReason, Integer> rejections, int coldCap) {
        this(model, builtAtMillis, handles, columns, random, rejections, coldCap, true);
    }

    private MetricsTable(String model, long builtAtMillis, PodHandle[] handles, TableColumns columns, RandomSource random,
                         Map<RejectReason, Integer> rejections, int coldCap, boolean withAlternative) {
        super(handles, columns, random);
        this.model = model;
        this.builtAtMillis = builtAtMillis;
        this.rejections = rejections;
        this.coldCap = coldCap;
        int n = handles.length;
        int r = readyCount;
        long held = 0;
        for (int k = 0; k < r; k++) {
            held += Math.max(0, handles[readyIndex[k]].inFlight());
        }
        this.unansweredFloor = r == 0 ? 1 : (int) Math.min(Integer.MAX_VALUE, Math.max(1, 2 * ((held + r - 1) / r)));
        int[] missingCounts = new int[MissingReason.values().length];
        boolean[] needsAdmission = new boolean[n];
        boolean anyAdmission = false;
        for (int i = 0; i < n; i++) {
            if (c.ready[i]) {
                if (c.missing[i] != null) {
                    missingCounts[c.missing[i].ordinal()]++;
                }
                if (c.admit[i] < ADMIT_SCALE || c.cold[i]) {
                    needsAdmission[i] = true;
                    anyAdmission = true;
                }
            }
        }
        boolean cold = false;
        boolean[] coldMissing = new boolean[n];
        int coldMissingCount = 0;
        for (int i = 0; i < n; i++) {
            cold |= c.cold[i];
            if (c.ready[i] && c.cold[i] && c.missing[i] != null && !c.predicted[i]) {
                coldMissing[i] = true;
                coldMissingCount++;
            }
        }
        anyCold = cold;
        this.coldMissingCount = coldMissingCount;
        this.coldMissingIndex = new int[coldMissingCount];
        for (int i = 0, k = 0; i < n; i++) {
            if (coldMissing[i]) {
                coldMissingIndex[k++] = i;
            }
        }
        commonMissingReason = TableColumns.mostCommon(missingCounts);
        withoutColdMissing = coldMissingCount > 0 && coldMissingCount < r
                ? new MetricsTable(model, builtAtMillis, handles, c.excluding(coldMissing), random, rejections, coldCap, true)
                : null;
        withoutAdmission = withAlternative && anyAdmission
                ? new MetricsTable(model, builtAtMillis, handles, c.excluding(needsAdmission), random, rejections, coldCap, false)
                : null;
    }

    /** The columns, for the next build of the same (candidate set, model) to carry baselines over. */
    TableColumns columns() {
        return c;
    }

    /**
     * This table with the candidates flagged in {@code exclude} (sized like the table) made not ready (their
     * metrics NaN, as strategies expect) and counted as {@code reason} in {@link #rejections()}; used for
     * retries and for ejected pods. O(n) and allocating: not for the steady-state path.
     */
    public MetricsTable excluding(boolean[] exclude, RejectReason reason) {
        int count = 0;
        for (int i = 0; i < exclude.length; i++) {
            if (exclude[i] && c.ready[i]) {
                count++;
            }
        }
        EnumMap<RejectReason, Integer> r = new EnumMap<>(RejectReason.class);
        r.putAll(rejections);
        if (count > 0) {
            r.merge(reason, count, Integer::sum);
        }
        return new MetricsTable(model, builtAtMillis, handles, c.excluding(exclude), random, r, coldCap, true)
                .withPrepared(prepared);
    }

    /** Sets the prepared state on this table and the tables derived from it; returns this. Before publication only. */
    MetricsTable withPrepared(Object @Nullable [] state) {
        prepared = state;
        if (withoutColdMissing != null) {
            withoutColdMissing.withPrepared(state);
        }
        if (withoutAdmission != null) {
            withoutAdmission.withPrepared(state);
        }
        if (panic != null) {
            panic.withPrepared(state);
        }
        return this;
    }

    @Override
    public @Nullable Object prepared(SelectionStrategy strategy) {
        Object[] p = prepared;
        if (p != null) {
            for (int k = 0; k < p.length; k += 2) {
                if (p[k] == strategy) {
                    return p[k + 1];
                }
            }
        }
        return null;
    }

    /**
     * This table without the cold candidates lacking metrics (what the chain ranks when the bounded cold share
     * did not pick a cold pod); null when there are none or only they are ready. Built with the table.
     */
    public @Nullable MetricsTable withoutColdMissing() {
        return withoutColdMissing;
    }

    /**
     * This table without the candidates that need admission (where a pick turned down by admission is decided
     * again); null when none does. Built with the table.
     */
    public @Nullable MetricsTable withoutAdmission() {
        return withoutAdmission;
    }

    /**
     * This table without the ready candidates that are ejected, stalled or {@linkplain PodHandle#unanswered
     * unanswered} now (counted as {@link RejectReason#OUTLIER_EJECTED}, and {@link RejectReason#STALLED} for
     * both of the others); null when none is, or when they
     * are all that is ready (the panic rule: they serve rather than nobody). The result remembers this table
     * as its {@link #panic()} table. O(n) and allocating: table builds, and a selection that raced an ejection.
     */
    public @Nullable MetricsTable withoutAvoided() {
        boolean[] ejected = new boolean[handles.length];
        boolean[] stalled = new boolean[handles.length];
        int left = 0;
        boolean any = false;
        for (int k = 0; k < readyCount; k++) {
            int i = readyIndex[k];
            PodHandle h = handles[i];
            if (h.isEjected()) {
                ejected[i] = true;
                any = true;
            } else if (h.isStalled() || h.unanswered(unansweredFloor)) {
                stalled[i] = true;
                any = true;
            } else {
                left++;
            }
        }
        if (!any || left == 0) {
            return null;
        }
        MetricsTable t = excluding(ejected, RejectReason.OUTLIER_EJECTED).excluding(stalled, RejectReason.STALLED);
        t.panic = this;
        return t;
    }

    /**
     * The table with the ejected and stalled candidates still ready, when this one left them out; null when it
     * left nobody out. A selection whose own exclusions (a retry's) leave this table empty falls back to it:
     * ejection never turns a request that could be served into {@code NoPodAvailableException}.
     */
    public @Nullable MetricsTable panic() {
        return panic;
    }

    /**
     * Whether candidate {@code i} is to be passed over now while another candidate can serve: ejected or
     * stalled since this table was built, or {@linkplain PodHandle#unanswered unanswered} (chosen at least as
     * many times since its last success as both the router's limit and twice the mean in-flight count at this
     * table's build, and still holding one of those requests). Hot path, once per pick: two volatile reads and one
     * opaque read of the pod's own lines; the in-flight count only past the limit.
     */
    public boolean avoids(int i) {
        PodHandle h = handles[i];
        return h.avoided() || h.unanswered(unansweredFloor);
    }

    /** The handle of candidate {@code i} (0 to {@code size() - 1}). */
    public PodHandle handle(int i) {
        return handles[i];
    }

    /** How many candidates could not be chosen, by reason (unmodifiable in effect: the router never changes it). */
    public Map<RejectReason, Integer> rejections() {
        return rejections;
    }

    /** Whether a pick of candidate {@code i} must pass admission (slow-start ramp or cold in-flight cap). */
    public boolean needsAdmission(int i) {
        return c.admit[i] < ADMIT_SCALE || c.cold[i];
    }

    /**
     * Admission of a pick of candidate {@code i}: a ramping pod is admitted while its in-flight count
     * stays within its floor (weight times the full-weight pods' mean), and beyond that with the ramp's
     * probability; its very first request after Ready always is, so a ramp cannot starve it at low
     * traffic. Then a cold pod is admitted only while its in-flight count is under its cap. On success
     * the in-flight slot is taken.
     */
    public boolean admit(int i) {
        PodHandle h = handles[i];
        int threshold = c.admit[i];
        if (threshold < ADMIT_SCALE && h.admitted() > 0 && h.inFlight() + 1 > c.admitFloor[i]
                && random.nextInt(ADMIT_SCALE) >= threshold) {
            return false;
        }
        if (c.cold[i]) {
            if (!h.tryAcquire(Math.max(h.coldCap(coldCap), (int) Math.ceil(c.warmMeanInFlight)))) {
                return false;
            }
        } else {
            h.acquire();
        }
        if (threshold < ADMIT_SCALE && h.admitted() == 0) {
            h.countAdmitted(); // only "has it been admitted yet" matters, for the first-request rule
        }
        return true;
    }

    /**
     * The ready candidate with the fewest in-flight requests, ties broken uniformly at random: where a
     * selection goes when every ready candidate is new and turned it down (their caps or ramps are all
     * reached), so that the excess spreads evenly instead of piling onto the first pick.
     */
    public int leastLoadedReady() {
        // Pods ejected or stalled since this table was built only when nothing else is ready.
        int[] trusted = new int[readyCount];
        int n = 0;
        for (int k = 0; k < readyCount; k++) {
            if (!avoids(readyIndex[k])) {
                trusted[n++] = readyIndex[k];
            }
        }
        return n > 0 ? leastLoaded(trusted, n) : leastLoaded(readyIndex, readyCount);
    }

    /** Of the first {@code count} candidates in {@code indices}, the one with the fewest in-flight requests (ties at random). */
    private int leastLoaded(int[] indices, int count) {
        int best = -1;
        int min = Integer.MAX_VALUE;
        int ties = 0;
        for (int k = 0; k < count; k++) {
            int i = indices[k];
            int f = inFlight(i);
            if (f < min) {
                min = f;
                best = i;
                ties = 1;
            } else if (f == min && random.nextInt(++ties) == 0) {
                best = i;
            }
        }
        return best;
    }

    /**
     * The bounded cold share: whether this selection goes to a cold pod without metrics, and which. The
     * cold group's share of selections is its fair share (cold / ready) times
     * {@code (warm mean in flight + 1) / (cold mean in flight + 1)}, bounded to [{@code COLD_SHARE_MIN},
     * {@code COLD_SHARE_MAX}] (0.5, 2): a cold pod's share follows its own service rate, which its in-flight count
     * measures before any metric does (Little's law: at an equal arrival rate, a pod k times slower holds k
     * times as many requests). A new pod as fast as the others drains its requests as fast and gets up to
     * twice its fair share while it holds fewer than they do (so a scale-out meant to absorb a load step
     * takes its part of it without waiting for the first scrape); a slow one (lazy compilation, empty
     * caches) falls behind and gets less, down to half. The {@code + 1} keeps a handful of requests from
     * swinging the share at low traffic (with nothing in flight anywhere the share is exactly fair).
     * Within the group the pod with the fewest in-flight requests is chosen (ties at random).
     *
     * <p>Chosen on the simulator's train family (router-bench/families/train, scale-out scenarios, seeds 1
     * and 2) against the previous rule (fair share, halved while the cold pods hold more than the warm
     * ones): TTFT p99 during scale-outs 0.96x plain for least-KV-cache and 0.95x for least-latency, where the
     * previous rule measured 1.05x and 1.04x; an upper bound of 1.5 measured 1.01x / 0.97x and of 3 the same
     * as 2. Judged on the test family (router-bench/SIMULATION.md).
     *
     * <p>Cost: two scans of live in-flight counters, O(ready candidates), on every selection while the
     * set has cold pods without metrics (only then); no allocation, no lock.
     *
     * @return the chosen cold candidate, or -1 for "rank the others"
     */
    public int coldPick() {
        long coldInFlight = 0;
        for (int i : coldMissingIndex) {
            coldInFlight += inFlight(i);
        }
        long allInFlight = 0;
        for (int k = 0; k < readyCount; k++) {
            allInFlight += inFlight(readyIndex[k]);
        }
        int cold = coldMissingCount;
        int warm = readyCount - cold;
        double coldMean = (double) coldInFlight / cold;
        // Every ready pod cold: nothing to compare with, and the cold group is the whole set anyway.
        double warmMean = warm == 0 ? coldMean : (double) (allInFlight - coldInFlight) / warm;
        double factor = Math.max(COLD_SHARE_MIN, Math.min(COLD_SHARE_MAX, (warmMean + 1) / (coldMean + 1)));
        double share = factor * cold / readyCount;
        if (share < 1.0 && random.nextInt(COLD_SHARE_SCALE) >= (int) (share * COLD_SHARE_SCALE)) {
            return -1;
        }
        return leastLoaded(coldMissingIndex, cold);
    }

    /** Lowest multiple of its fair share that the cold group gets (when it falls far behind). */
    static final double COLD_SHARE_MIN = 0.5;
    /** Highest multiple of its fair share that the cold group gets (while it holds far fewer requests). */
    static final double COLD_SHARE_MAX = 2.0;
    /** Resolution of the cold share's draw. */
    private static final int COLD_SHARE_SCALE = 1 << 20;

    /** Whether candidate {@code i} is cold (its picks count as cold requests and obey the burst guard). */
    public boolean isCold(int i) {
        return c.cold[i];
    }

    /**
     * Why the metric was missing for a random fallback onto candidate {@code i}, which lacks it: its own
     * reason, or {@link MissingReason#METRIC_ABSENT} when its metrics are present but lack the value the
     * strategy ranks by.
     */
    public MissingReason ownMissingReason(int i) {
        MissingReason own = c.missing[i];
        return own != null ? own : MissingReason.METRIC_ABSENT;
    }

    /**
     * The most common reason among the candidates whose metrics are missing (METRIC_ABSENT when none
     * is): what a random decision made because of other candidates reports.
     */
    public MissingReason commonMissingReason() {
        return commonMissingReason;
    }
}
