package io.podrouter.strategies.compose;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Pod;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.Scorer;
import org.jspecify.annotations.Nullable;

import java.util.List;

/**
 * Session affinity by rendezvous (highest-random-weight) hashing: for a request with a
 * {@linkplain InferenceRequest#sessionKey() session key}, the ready candidate with the highest
 * {@code hash(key, pod id)} scores 1 and every other 0. The same key keeps landing on the same pod while it
 * is ready; when that pod leaves or is not ready, only its sessions move (each to the next-highest pod), and
 * a new pod takes over the sessions for which it is highest, on average its fair share {@code 1/n}, no more.
 * Requests without a session key score 0 everywhere (the other scorers decide).
 *
 * <p>Why rendezvous rather than a hash ring: no ring to build or rebalance, exact fair shares, and the
 * cost, one hash per candidate per request, is what a composed selection pays per candidate anyway.
 * Per candidate set the pods' id hashes are prepared once.
 *
 * <p>Thread-safe and stateless; no allocation per request.
 */
public final class SessionAffinityScorer implements Scorer {

    /** The scorer; it has no settings and no state. */
    public SessionAffinityScorer() {
    }

    /** True: the score is for what the pod holds, not for its load. */
    @Override
    public boolean keepsAffinity() {
        return true;
    }

    @Override
    public String name() {
        return "session-affinity";
    }

    /** The pods' id hashes, by candidate index. */
    @Override
    public Object prepare(List<Pod> pods) {
        long[] h = new long[pods.size()];
        for (int i = 0; i < h.length; i++) {
            h[i] = hash(pods.get(i).id());
        }
        return h;
    }

    @Override
    public void score(InferenceRequest request, CandidateView v, @Nullable Object prepared, double[] out) {
        int n = v.size();
        String key = request.sessionKey();
        int best = -1;
        if (key != null) {
            long k = hash(key);
            long[] ids = prepared instanceof long[] p && p.length == n ? p : null;
            long bestWeight = 0;
            for (int i = 0; i < n; i++) {
                if (v.isReady(i)) {
                    long w = PrefixCacheScorer.mix(k ^ (ids != null ? ids[i] : hash(v.pod(i).id())));
                    // Unsigned comparison so the whole 64-bit range counts; ties (2^-64) go to the lower index.
                    if (best < 0 || Long.compareUnsigned(w, bestWeight) > 0) {
                        best = i;
                        bestWeight = w;
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) {
            out[i] = i == best ? 1 : 0;
        }
    }

    /** A 64-bit string hash (FNV-1a over the chars, then mixed); the same in every JVM. */
    static long hash(String s) {
        long h = 0xCBF29CE484222325L;
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001B3L;
        }
        return PrefixCacheScorer.mix(h);
    }

    @Override
    public String toString() {
        return name();
    }
}
