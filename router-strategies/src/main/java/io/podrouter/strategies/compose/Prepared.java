package io.podrouter.strategies.compose;

import io.podrouter.strategies.compose.PrefixCacheScorer.PodState;

/** What {@link PrefixCacheScorer#prepare} returns: each candidate's state, and pod ordinal to candidate index (open addressing). */
final class Prepared {
    final PodState[] byCandidate;
    private final int[] keys;
    private final int[] values;
    private final int mask;

    Prepared(PodState[] byCandidate) {
        this.byCandidate = byCandidate;
        int size = Integer.highestOneBit(Math.max(2, byCandidate.length) * 2 - 1) << 1;
        keys = new int[size];
        values = new int[size];
        java.util.Arrays.fill(keys, -1);
        mask = size - 1;
    }

    void put(int ordinal, int candidate) {
        int slot = (ordinal * 0x9E3779B9) >>> 7 & mask;
        while (keys[slot] != -1 && keys[slot] != ordinal) {
            slot = slot + 1 & mask;
        }
        keys[slot] = ordinal;
        values[slot] = candidate;
    }

    int candidate(int ordinal) {
        int slot = (ordinal * 0x9E3779B9) >>> 7 & mask;
        while (keys[slot] != -1) {
            if (keys[slot] == ordinal) {
                return values[slot];
            }
            slot = slot + 1 & mask;
        }
        return -1;
    }
}
