package io.podrouter.core.internal.select;

import io.podrouter.api.Fallback;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.api.RouterEventListener;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.core.internal.health.OutlierDetector;
import io.podrouter.core.internal.health.StallDetector;
import io.podrouter.core.internal.table.MetricsTable;
import io.podrouter.core.internal.table.PodHandle;
import io.podrouter.core.internal.telemetry.RouterTelemetry;
import org.jspecify.annotations.Nullable;

import java.time.InstantSource;

/**
 * <b>Internal: not API, not exported by the module.</b> How one selection is made, in order, in one place: (1) the bounded cold share (cold pods of a
 * metric-ranking chain), (2) the strategy chain (the router's uniformly random last resort when every
 * strategy passes), (3) the ejection and stall re-check (a pod ejected, stalled or unanswered after its table was built
 * is picked again without), (4) admission (slow-start ramp and cold-start burst guard; a pick turned down is
 * decided again among the pods that need none, with the same re-check), (5) the admission overflow (every
 * ready pod is new and at its limit: the least-loaded one). Then the in-flight slot is taken, counters and
 * observers are told, and the {@code Selection} is returned.
 *
 * <p>Hot-path invariants, enforced here: no lock (in-flight slots are taken by CAS, counters are
 * LongAdders cached in the {@code Decision}s); one allocation per selection, the {@code Selection} itself
 * (derived tables for a retry, an ejection race or an admission re-pick are built in advance or only on
 * those rare paths); no per-candidate hash lookup (candidates are reached through their table's arrays and
 * handles, decisions through a precomputed {@code [strategy][code]} array); no clock read unless a maximum
 * in-flight age is set. Thread-safe.
 *
 * <p>The pipeline also owns what a completion runs ({@code Completions}, built here with the decisions that
 * point at it) and the once-per-strategy fault log ({@code StrategyFaults}) both share.
 */
public final class SelectionPipeline {

    /** Strategy name reported for the router's own uniformly random last resort. */
    public static final String LAST_RESORT_NAME = "random";
    /** Strategy name reported for an {@linkplain Fallback#ADMISSION_OVERFLOW admission overflow}. */
    public static final String OVERFLOW_NAME = "least-loaded";

    /** Bit position of the deciding strategy in a pick (bits 32-39 are the strategies' flags). */
    private static final int STRATEGY_SHIFT = 40;

    private final SelectionStrategy[] chain;
    /** The chain's strategies that {@linkplain SelectionStrategy#observesSelections observe selections}. */
    private final SelectionStrategy[] observers;
    /** Some strategy of the chain reads in-flight tokens: selections add theirs to the pod and completions take them off. */
    private final boolean countsTokens;
    /** Selections keep their request until completion (for token release or observers). */
    private final boolean keepsRequest;
    /** The chain's first strategy ranks by metrics and the bounded cold share is on. */
    private final boolean boundedColdShare;
    private final RandomSource random;
    private final InstantSource clock;
    private final RouterTelemetry telemetry;
    private final @Nullable RouterEventListener listener;
    private final StrategyFaults faults;
    /** Null when no maximum in-flight age is set. */
    private final @Nullable InFlightLedger ledger;
    /** Every decision the router can make, {@code [chain position][Decision.code]}: the last rows are the router's own. */
    private final Decision[][] decisions;

    /**
     * @param chain            the strategy chain, in order (at least one; the caller's array, not copied)
     * @param observers        the chain's strategies that observe selections (possibly none)
     * @param countsTokens     some strategy reads in-flight tokens
     * @param boundedColdShare the chain's first strategy ranks by metrics and the bounded cold share is on
     * @param admits           some pod can be turned down by admission (burst guard, slow start or warm-up)
     * @param listener         the user's listener, already wrapped to swallow its exceptions, or null
     * @param ledger           the open selections when a maximum in-flight age is set, else null
     * @param stalls           the stall detector (its completion hook is left out when it is off)
     * @param outliers         outlier detection, or null when it is off
     */
    public SelectionPipeline(SelectionStrategy[] chain, SelectionStrategy[] observers, boolean countsTokens,
                             boolean boundedColdShare, boolean admits, RandomSource random, InstantSource clock,
                             RouterTelemetry telemetry, @Nullable RouterEventListener listener,
                             @Nullable InFlightLedger ledger, StallDetector stalls, @Nullable OutlierDetector outliers) {
        this.chain = chain;
        this.observers = observers;
        this.countsTokens = countsTokens;
        this.keepsRequest = countsTokens || observers.length > 0;
        this.boundedColdShare = boundedColdShare;
        this.random = random;
        this.clock = clock;
        this.telemetry = telemetry;
        this.listener = listener;
        this.faults = new StrategyFaults(chain);
        this.ledger = ledger;
        Completions completions = new Completions(countsTokens, observers, faults, stalls, outliers, telemetry, listener);
        this.decisions = new Decision[chain.length + 2][Decision.codes()];
        for (int s = 0; s <= chain.length + 1; s++) {
            String name = s < chain.length ? chain[s].name() : s == chain.length ? LAST_RESORT_NAME : OVERFLOW_NAME;
            for (Fallback f : Fallback.values()) {
                for (int r = -1; r < MissingReason.values().length; r++) {
                    MissingReason reason = r < 0 ? null : MissingReason.values()[r];
                    for (boolean p : new boolean[] {false, true}) {
                        // The overflow series exists from 0 only when some pod can be turned down.
                        boolean exported = Decision.possible(s, chain.length, f) && (s <= chain.length || admits);
                        decisions[s][Decision.code(f, reason, p)] = new Decision(completions, name, f, reason, p,
                                f == Fallback.NONE ? null : telemetry.fallbackCounter(name, f, reason),
                                telemetry.selectionCounter(name, f, exported));
                    }
                }
            }
        }
    }

    /**
     * Chooses among {@code table}'s ready candidates (at least one; the caller checks) and takes the
     * in-flight slot. Strategy faults are logged and passed over, never thrown.
     */
    public PodSelection selectFrom(InferenceRequest request, MetricsTable table) {
        long pick;
        MetricsTable cold = table.withoutColdMissing();
        if (cold != null && boundedColdShare) {
            // Cold pods (never scraped) of a metric-ranking chain get a bounded share, decided here, and the
            // chain ranks the pods that have metrics; see MetricsTable.coldPick for the rule.
            int c = table.coldPick();
            if (c >= 0) {
                pick = SelectionStrategy.randomFallback(c);
            } else {
                table = cold;
                pick = choose(request, table);
            }
        } else {
            pick = choose(request, table);
        }
        MetricsTable healthy = healthyAlternative(table, (int) pick);
        if (healthy != null) {
            table = healthy;
            pick = choose(request, table);
        }
        int index = (int) pick;
        PodHandle handle = table.handle(index);
        if (!table.needsAdmission(index)) {
            handle.acquire();
        } else if (!table.admit(index)) {
            // Slow start or the burst guard turned the pick down: decide again among the pods that need no
            // admission, with the same ejection re-check as a first pick.
            MetricsTable settled = table.withoutAdmission();
            if (settled != null && settled.readyCount() > 0) {
                table = settled;
                pick = choose(request, table);
                healthy = healthyAlternative(table, (int) pick);
                if (healthy != null) {
                    table = healthy;
                    pick = choose(request, table);
                }
                index = (int) pick;
            } else {
                // Every ready pod is new (an all-new or young fleet): traffic must flow, and the caps must
                // still mean something, so the excess goes to the pod holding the fewest requests; the
                // decision says so instead of crediting the strategy whose pick was turned down.
                index = table.leastLoadedReady();
                pick = index | ((long) (chain.length + 1) << STRATEGY_SHIFT);
            }
            handle = table.handle(index);
            handle.acquire();
        }
        return select(request, table, index, handle, decision(pick, table, index));
    }

    /**
     * The ejection and stall re-check of a pick, the one place both the first pick and an admission re-pick
     * go through: when the picked pod was ejected, stalled or {@linkplain PodHandle#unanswered unanswered} after
     * {@code table} was built (table builds
     * leave such pods out), the same table without such pods, to pick again from; null when the pick stands,
     * which includes the panic rule: when such pods are all that is ready, they serve rather than nobody.
     */
    private static @Nullable MetricsTable healthyAlternative(MetricsTable table, int index) {
        return table.avoids(index) ? table.withoutAvoided() : null;
    }

    /**
     * Runs the chain; returns the pick with the deciding strategy's position in bits 40 and up (the
     * chain's length for the random last resort).
     */
    private long choose(InferenceRequest request, MetricsTable table) {
        SelectionStrategy[] strategies = chain;
        for (int s = 0; s < strategies.length; s++) {
            long pick;
            try {
                pick = strategies[s].pick(request, table);
            } catch (RuntimeException e) {
                faults.fault(s, "threw " + e, e);
                continue;
            }
            if (SelectionStrategy.isPass(pick)) {
                continue;
            }
            int index = SelectionStrategy.index(pick);
            if (index >= table.size() || !table.isReady(index)) {
                faults.fault(s, "picked candidate " + index + ", which is out of range or not ready", null);
                continue;
            }
            return (pick & ((1L << STRATEGY_SHIFT) - 1)) | ((long) s << STRATEGY_SHIFT); // keeps bits 32-39
        }
        return table.readyIndex(random.nextInt(table.readyCount())) | ((long) strategies.length << STRATEGY_SHIFT);
    }

    private Decision decision(long pick, MetricsTable table, int index) {
        int s = (int) (pick >>> STRATEGY_SHIFT);
        boolean predicted = SelectionStrategy.isPredicted(pick);
        if (s == chain.length) {
            return decisions[s][Decision.code(Fallback.LAST_RESORT_RANDOM, null, false)];
        }
        if (s == chain.length + 1) {
            return decisions[s][Decision.code(Fallback.ADMISSION_OVERFLOW, null, false)];
        }
        if (SelectionStrategy.isRandomFallback(pick)) {
            MissingReason reason = SelectionStrategy.isOthersMissing(pick) ? table.commonMissingReason()
                    : table.ownMissingReason(index);
            return decisions[s][Decision.code(Fallback.RANDOM_METRIC_MISSING, reason, predicted)];
        }
        return decisions[s][Decision.code(s == 0 ? Fallback.NONE : Fallback.CHAIN, null, predicted)];
    }

    private PodSelection select(InferenceRequest request, MetricsTable table, int index, PodHandle handle,
                                Decision decision) {
        if (countsTokens) {
            handle.addTokens(tokens(request));
        }
        decision.selectionCount().increment();
        handle.countSelection();
        if (decision.fallbackCount() != null) {
            decision.fallbackCount().increment();
            if (listener != null) {
                listener.fallback(decision.strategy(), decision.fallback(), decision.missingReason());
            }
        }
        boolean cold = table.isCold(index);
        if (cold) {
            telemetry.coldRequestRouted();
        }
        Pod pod = table.pod(index);
        if (listener != null) {
            listener.selected(pod, decision.strategy(), decision.fallback(), decision.missingReason(), cold);
        }
        for (SelectionStrategy o : observers) {
            try {
                o.selected(request, table, index);
            } catch (RuntimeException e) {
                faults.observerFault(o, "threw from selected(): " + e, e);
            }
        }
        InFlightLedger l = ledger;
        if (l == null) {
            return keepsRequest ? new Selection.Observed(handle, pod, decision, cold, request)
                    : new Selection(handle, pod, decision, cold);
        }
        // The one clock read of the selection path, only for routers that opted into a maximum in-flight age.
        Selection.Tracked s = new Selection.Tracked(handle, pod, decision, cold, clock.millis(),
                keepsRequest ? request : null);
        l.track(s);
        return s;
    }

    /** The tokens a selection holds on its pod until completion (see {@code CandidateView.inFlightTokens}). */
    static long tokens(InferenceRequest request) {
        return (long) request.estimatedPromptTokens() + request.estimatedOutputTokens();
    }
}
