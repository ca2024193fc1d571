package io.podrouter.bench.cachepeers;

import io.podrouter.api.strategy.CandidateView;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * AIBrix's prefix hash table ({@code prefixcacheindexer/hash.go}): ONE least-recently-put store of block
 * hashes for the whole fleet, each entry holding the set of pods the block was sent to. Recording a
 * request's blocks for a pod adds the pod to each block's set and makes the block the most recent; beyond
 * {@code capacity} entries the least recently put block is dropped, with every pod in it; a block put
 * longer than {@code ttlNanos} ago does not match (AIBrix's 20-minute eviction). Lookups do not change the
 * order (AIBrix's store {@code Get} does not either). Pods are keyed by id, so entries survive a restart.
 *
 * <p>Matching follows AIBrix's {@code seqSearchPrefix}: block by block, the pods still in the running that
 * hold the block get credit for it; a pod that misses a block drops out; the walk stops when no pod holds
 * the block. Pod sets are interned (at most 2^23 distinct sets per store, far beyond what a simulated
 * fleet makes; beyond it {@link #record} throws {@link IllegalStateException}).
 *
 * <p>Thread-safe: one lock. A bench model.
 */
final class SharedPrefixStore {

    private static final int MAX_SETS = 1 << 23;
    private static final long MILLIS_MASK = (1L << 40) - 1;

    private final LongLruMap entries;
    private final long ttlNanos;
    private final LongSupplier nanoClock;
    private final long origin;
    private final Map<String, Integer> slots = new HashMap<>();
    private final List<BitSet> sets = new ArrayList<>();
    private final Map<BitSet, Integer> setIds = new HashMap<>();
    private final Map<Long, Integer> withSlot = new HashMap<>();

    /**
     * @param capacity  block entries kept for the whole fleet, &gt;= 1
     * @param ttlNanos  how long after its last put a block still matches, &gt; 0
     * @param nanoClock monotonic time in nanoseconds
     */
    SharedPrefixStore(int capacity, long ttlNanos, LongSupplier nanoClock) {
        if (ttlNanos <= 0) {
            throw new IllegalArgumentException("ttlNanos: " + ttlNanos + " (expected: > 0)");
        }
        this.entries = new LongLruMap(capacity);
        this.ttlNanos = ttlNanos;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock: null (expected: a nanosecond clock)");
        this.origin = nanoClock.getAsLong();
        sets.add(new BitSet());
        setIds.put(new BitSet(), 0);
    }

    /** Records {@code hashes[0..count)} as sent to pod {@code podId} now. */
    synchronized void record(String podId, long[] hashes, int count) {
        int slot = slots.computeIfAbsent(podId, k -> slots.size());
        long millis = millisNow();
        for (int b = 0; b < count; b++) {
            long v = entries.get(hashes[b]);
            int set = v == LongLruMap.ABSENT || expired(v, millis) ? 0 : (int) (v >>> 40);
            entries.put(hashes[b], ((long) add(set, slot) << 40) | millis);
        }
    }

    /**
     * For each ready candidate {@code i} with {@code allowed[i]}, the number of leading blocks of
     * {@code hashes[0..count)} it gets credit for, into {@code out[i]} (0 for the others).
     */
    synchronized void matched(CandidateView v, boolean[] allowed, long[] hashes, int count, int[] out) {
        int n = v.size();
        boolean[] alive = new boolean[n];
        int[] slotOf = new int[n];
        int live = 0;
        for (int i = 0; i < n; i++) {
            out[i] = 0;
            Integer slot = allowed[i] && v.isReady(i) ? slots.get(v.pod(i).id()) : null;
            if (slot != null) {
                alive[i] = true;
                slotOf[i] = slot;
                live++;
            }
        }
        long millis = millisNow();
        for (int b = 0; b < count && live > 0; b++) {
            long e = entries.get(hashes[b]);
            if (e == LongLruMap.ABSENT || expired(e, millis)) {
                break;
            }
            BitSet pods = sets.get((int) (e >>> 40));
            boolean any = false;
            for (int i = 0; i < n; i++) {
                if (alive[i]) {
                    if (pods.get(slotOf[i])) {
                        out[i] = b + 1;
                        any = true;
                    } else {
                        alive[i] = false;
                        live--;
                    }
                }
            }
            if (!any) {
                break;
            }
        }
    }

    /** Block entries held (expired ones included until met). For tests. */
    synchronized int size() {
        return entries.size();
    }

    private long millisNow() {
        return ((nanoClock.getAsLong() - origin) / 1_000_000L) & MILLIS_MASK;
    }

    private boolean expired(long entry, long millisNow) {
        return (millisNow - (entry & MILLIS_MASK)) * 1_000_000L > ttlNanos;
    }

    /** The id of set {@code set} with {@code slot} added. */
    private int add(int set, int slot) {
        if (sets.get(set).get(slot)) {
            return set;
        }
        long key = ((long) set << 32) | slot;
        Integer known = withSlot.get(key);
        if (known != null) {
            return known;
        }
        BitSet grown = (BitSet) sets.get(set).clone();
        grown.set(slot);
        Integer id = setIds.get(grown);
        if (id == null) {
            if (sets.size() == MAX_SETS) {
                throw new IllegalStateException("aibrix index: more than " + MAX_SETS + " distinct pod sets (expected: fewer pods)");
            }
            id = sets.size();
            sets.add(grown);
            setIds.put(grown, id);
        }
        withSlot.put(key, id);
        return id;
    }
}
