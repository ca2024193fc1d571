package io.podrouter.strategies.compose;

import io.podrouter.api.strategy.CandidateView;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One pod's pending-prefill bookkeeping for {@link PrefixCacheScorer}'s affinity release (its class comment gives
 * the rule): the prompt tokens in flight, those past their first token, and whether the pod's affinity is
 * currently released. {@link PrefixCacheScorer.PodState} extends it so that a pod's state stays one object (no
 * extra indirection when scoring). Thread-safe: counters are atomic; the released flag tolerates a lost racing
 * update (it is re-evaluated at the next selection).
 */
abstract class PendingPrefill {
    private static final VarHandle PROMPT;
    private static final VarHandle PAST_FIRST;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PROMPT = l.findVarHandle(PendingPrefill.class, "promptTokens", long.class);
            PAST_FIRST = l.findVarHandle(PendingPrefill.class, "pastFirstToken", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    volatile boolean released;
    /** Prompt tokens of the selections in flight. */
    volatile long promptTokens;
    /** Prompt tokens of the selections in flight that reported their first token (at most {@code promptTokens}). */
    volatile long pastFirstToken;

    /**
     * Prompt tokens in flight without a first token, counted whole whether the pod has them cached or not: a
     * request waiting for its first token mostly waits for a place in the batch (a saturated server keeps it in
     * its waiting queue until running sequences finish), a wait its cached prefix does not shorten.
     */
    long pendingPrefill() {
        long pending = promptTokens - pastFirstToken;
        return pending <= 0 ? 0 : pending;
    }

    void addPrompt(int tokens) {
        PROMPT.getAndAdd(this, (long) tokens);
    }

    void firstToken(int tokens) {
        PAST_FIRST.getAndAdd(this, (long) tokens);
    }

    void complete(int tokens) {
        long p = (long) PROMPT.getAndAdd(this, (long) -tokens) - tokens;
        if (p < 0) {
            PROMPT.getAndAdd(this, -p); // more completions than selections seen (e.g. a restarted state): back to 0
        }
        long f = (long) PAST_FIRST.getAndAdd(this, (long) -tokens) - tokens;
        if (f < 0) {
            PAST_FIRST.getAndAdd(this, -f);
        }
    }

    /**
     * Sets the score of each holder whose excess pending prefill outweighs its cached prefix to 0, while the least
     * pending candidate is within the margin (the rule of {@link PrefixCacheScorer}'s class comment). {@code holders[0..count)} are the candidates with a match,
     * {@code states} the candidates' states (null for pods that are not ready), {@code marginTokens} &gt;= 0.
     */
    static void release(CandidateView v, PendingPrefill[] states, double[] out, int[] holders, int count, int blocks,
                        double tokensPerBlock, int promptTokens, double marginTokens) {
        long min = -1; // computed on demand: the least pending is >= 0, so a holder whose own pending is within
        // the threshold keeps (or regains) its match whatever the others hold, and most picks skip the scan
        for (int k = 0; k < count; k++) {
            int i = holders[k];
            PendingPrefill st = states[i];
            double cached = Math.min(promptTokens, out[i] * blocks * tokensPerBlock);
            double own = st.pendingPrefill() - cached;
            boolean released = st.released;
            double threshold = released ? marginTokens / 2 : marginTokens;
            if (own > threshold) {
                if (min < 0) {
                    min = leastPending(v, states);
                }
                // Only toward a pod that is not queueing itself: past the margin, a whole prefill sent there lengthens a
                // queue, and a loaded fleet that keeps releasing prefills prompts whole everywhere (the collapse the
                // class comment of PrefixCacheScorer measures).
                double excess = min > marginTokens ? 0 : own - min;
                if (!released && excess > marginTokens) {
                    st.released = released = true;
                } else if (released && excess <= marginTokens / 2) {
                    st.released = released = false;
                }
            } else if (released) {
                st.released = released = false;
            }
            if (released) {
                out[i] = 0;
            }
        }
    }

    private static long leastPending(CandidateView v, PendingPrefill[] states) {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < states.length; i++) {
            PendingPrefill st = states[i];
            if (st != null && v.isReady(i)) {
                min = Math.min(min, st.pendingPrefill());
            }
        }
        return min == Long.MAX_VALUE ? 0 : min;
    }
}
