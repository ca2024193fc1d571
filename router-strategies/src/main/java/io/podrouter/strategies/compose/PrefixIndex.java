package io.podrouter.strategies.compose;

import io.podrouter.api.Pod;
import io.podrouter.strategies.compose.PrefixCacheScorer.PodState;
import org.jspecify.annotations.Nullable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.podrouter.strategies.compose.PrefixCacheScorer.HOLDERS_OBJECT_BYTES;
import static io.podrouter.strategies.compose.PrefixCacheScorer.INITIAL_DIRECTORY;
import static io.podrouter.strategies.compose.PrefixCacheScorer.INITIAL_HOLDER_SLOTS;
import static io.podrouter.strategies.compose.PrefixCacheScorer.INITIAL_POD_ENTRIES;
import static io.podrouter.strategies.compose.PrefixCacheScorer.ORDINAL_BITS;
import static io.podrouter.strategies.compose.PrefixCacheScorer.ORDINAL_MASK;
import static io.podrouter.strategies.compose.PrefixCacheScorer.POD_STATE_BYTES;
import static io.podrouter.strategies.compose.PrefixCacheScorer.WAYS;
import static io.podrouter.strategies.compose.PrefixCacheScorer.arrayBytes;

/**
 * The prefix index behind {@link PrefixCacheScorer} (its class comment gives the sizes, the TTL and the
 * approximation): the pods' states by id with their set-associative block tables, the directory from a prompt's
 * first block to the pods recently sent it, and the memory budget every table and directory array is reserved
 * from. Thread-safe, lock-free: entries are read and written with opaque word accesses.
 */
final class PrefixIndex {

    static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle HOLDERS = MethodHandles.arrayElementVarHandle(Holders[].class);
    private static final VarHandle TABLE;

    static {
        try {
            TABLE = MethodHandles.lookup().findVarHandle(PodState.class, "table", long[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int blocksPerPod;
    private final long ttlMillis;
    private final long maxIndexBytes;
    final ConcurrentHashMap<String, PodState> pods = new ConcurrentHashMap<>();
    private final AtomicInteger ordinals = new AtomicInteger();
    private final AtomicLong usedBytes = new AtomicLong();
    /** First-block hash to its holders, open addressing (linear probing); grown by one thread at a time. */
    private volatile Holders[] directory;
    private final AtomicInteger directoryCount = new AtomicInteger();
    private final AtomicInteger directoryGrowing = new AtomicInteger();
    /** Times are milliseconds since this instant (40 bits: 34 years), so that time and ordinal fit one word. */
    final long epochMillis;

    /** {@code blocksPerPod} a power of two &gt;= {@link PrefixCacheScorer#WAYS}; the arguments are validated by the builder. */
    PrefixIndex(int blocksPerPod, long ttlMillis, long maxIndexBytes, long epochMillis) {
        this.blocksPerPod = blocksPerPod;
        this.ttlMillis = ttlMillis;
        this.maxIndexBytes = maxIndexBytes;
        this.epochMillis = epochMillis;
        this.directory = new Holders[INITIAL_DIRECTORY];
        usedBytes.set(arrayBytes(INITIAL_DIRECTORY, 4));
    }

    /**
     * Per-candidate pod states for {@code list} (null for pods that are not ready, whose index is dropped); no
     * index memory is allocated here. Forgets pods that were neither selected nor prepared for the TTL.
     */
    Prepared prepare(List<Pod> list, long now) {
        PodState[] byCandidate = new PodState[list.size()];
        Prepared prepared = new Prepared(byCandidate);
        for (int i = 0; i < byCandidate.length; i++) {
            Pod pod = list.get(i);
            Instant readySince = pod.readySince(); // null exactly when the pod is not ready
            if (!pod.ready() || readySince == null) {
                PodState gone = pods.remove(pod.id());
                if (gone != null) {
                    drop(gone);
                }
                continue;
            }
            PodState st = pods.compute(pod.id(), (id, old) -> {
                if (old != null && old.readySince.equals(readySince)) {
                    return old;
                }
                if (old != null) {
                    drop(old);
                }
                return new PodState(id, readySince, ordinals.getAndIncrement() & ORDINAL_MASK);
            });
            st.lastUsedMillis = now;
            byCandidate[i] = st;
            prepared.put(st.ordinal, i);
        }
        pods.values().removeIf(p -> {
            if (now - p.lastUsedMillis > ttlMillis) {
                drop(p);
                return true;
            }
            return false;
        });
        return prepared;
    }

    // ---- pod lifecycle and budget ----

    /**
     * Bytes of heap the index retains, counted from the arrays it holds (lengths times element size plus array
     * headers) and a fixed {@value PrefixCacheScorer#POD_STATE_BYTES} per pod state: deterministic, not a GC measurement.
     */
    long retainedBytes() {
        long bytes = (long) pods.size() * POD_STATE_BYTES;
        for (PodState p : pods.values()) {
            long[] t = p.table;
            if (t != null) {
                bytes += arrayBytes(t.length, 8);
            }
        }
        Holders[] d = directory;
        bytes += arrayBytes(d.length, 4);
        for (Holders h : d) {
            if (h != null) {
                bytes += HOLDERS_OBJECT_BYTES + arrayBytes(h.slots.length, 8);
            }
        }
        return bytes;
    }

    /** Bytes the budget has handed out (arrays of the tables and the directory). */
    long budgetedBytes() {
        return usedBytes.get();
    }

    boolean reserve(long bytes) {
        while (true) {
            long used = usedBytes.get();
            if (used + bytes > maxIndexBytes) {
                return false;
            }
            if (usedBytes.compareAndSet(used, used + bytes)) {
                return true;
            }
        }
    }

    void unreserve(long bytes) {
        usedBytes.addAndGet(-bytes);
    }

    void drop(PodState st) {
        st.dropped = true;
        long[] t = (long[]) TABLE.getAndSet(st, (long[]) null);
        if (t != null) {
            unreserve(arrayBytes(t.length, 8));
        }
    }

    /** A state dropped while a live candidate set still held it is selected again: it returns, index empty. */
    void resurrect(PodState st) {
        if (pods.putIfAbsent(st.id, st) == null) {
            st.dropped = false;
        }
    }

    // ---- a pod's block table: 2 x capacity longs, (key, time recorded) pairs in sets of WAYS ----

    private static int setBase(long[] t, long key) {
        return (int) (key >>> 40 & (t.length / (2 * WAYS) - 1)) * WAYS * 2;
    }

    static boolean contains(long[] t, long key, long oldest) {
        int base = setBase(t, key);
        for (int w = 0; w < 2 * WAYS; w += 2) {
            if ((long) LONGS.getOpaque(t, base + w) == key) {
                return (long) LONGS.getOpaque(t, base + w + 1) >= oldest;
            }
        }
        return false;
    }

    static int matched(PodState st, long[] hashes, int count, long oldest) {
        long[] t = st.table;
        if (t == null) {
            return 0;
        }
        int m = 0;
        while (m < count && contains(t, hashes[m], oldest)) {
            m++;
        }
        return m;
    }

    void record(PodState st, long[] hashes, int count, long now) {
        long[] t = st.table;
        if (t == null) {
            t = grow(st, null, now);
            if (t == null) {
                return;
            }
        }
        long oldest = now - ttlMillis;
        for (int b = 0; b < count; b++) {
            // A set-associative table loses blocks when one set overflows long before the table is full, and a
            // lost block in the middle of a chain cuts the match there: grow instead, while the cap and budget allow.
            while (!put(t, hashes[b], now, oldest, !st.growable)) {
                long[] next = grow(st, t, now);
                if (next == null) {
                    return;
                }
                t = next;
            }
        }
    }

    /**
     * Puts {@code key} with time {@code now} into its set: into its own entry, an empty or an expired one, or, when
     * {@code evict}, the least recently recorded. False (nothing written) when the set is full of live entries and
     * {@code evict} is false.
     */
    private static boolean put(long[] t, long key, long now, long oldest, boolean evict) {
        int base = setBase(t, key);
        int victim = base;
        long victimTime = Long.MAX_VALUE;
        for (int w = 0; w < 2 * WAYS; w += 2) {
            long k = (long) LONGS.getOpaque(t, base + w);
            if (k == key) {
                LONGS.setOpaque(t, base + w + 1, now);
                return true;
            }
            long time = k == 0 ? Long.MIN_VALUE : (long) LONGS.getOpaque(t, base + w + 1);
            if (time < victimTime) {
                victimTime = time;
                victim = base + w;
            }
        }
        if (victimTime >= oldest && !evict) {
            return false;
        }
        LONGS.setOpaque(t, victim + 1, now);
        LONGS.setOpaque(t, victim, key);
        return true;
    }

    /**
     * The table doubled (or first allocated), with the entries of {@code old} still within the TTL; {@code old}
     * itself when it is at {@code blocksPerPod} or the budget is spent (it then evicts within its sets), and
     * null when there is no table and no budget for one.
     */
    private long @Nullable [] grow(PodState st, long @Nullable [] old, long now) {
        int length;
        if (old == null) {
            length = 2 * Math.min(INITIAL_POD_ENTRIES, blocksPerPod);
        } else if (old.length >= 2 * blocksPerPod) {
            st.growable = false; // full size: from now on it evicts within its sets
            return old;
        } else {
            length = 2 * old.length;
        }
        long extra = arrayBytes(length, 8) - (old == null ? 0 : arrayBytes(old.length, 8));
        // A table beyond its fair share of the budget would take room that pods filling later then lack.
        boolean fair = old == null || arrayBytes(length, 8) <= maxIndexBytes / Math.max(1, pods.size());
        if (!fair || !reserve(extra)) {
            st.growable = false; // no budget: from now on this table evicts within its sets
            return old;
        }
        long[] next = new long[length];
        if (old != null) {
            long oldest = now - ttlMillis;
            for (int e = 0; e < old.length; e += 2) {
                long key = (long) LONGS.getOpaque(old, e);
                long time = (long) LONGS.getOpaque(old, e + 1);
                if (key != 0 && time >= oldest) {
                    put(next, key, time, oldest, true);
                }
            }
        }
        if (!TABLE.compareAndSet(st, old, next)) {
            unreserve(extra);
            return st.table;
        }
        if (st.dropped && TABLE.compareAndSet(st, next, (long[]) null)) {
            unreserve(arrayBytes(length, 8));
            return null;
        }
        return next;
    }

    // ---- directory: first block -> holders ----

    @Nullable Holders lookup(long key) {
        Holders[] d = directory;
        int mask = d.length - 1;
        for (int i = (int) (key >>> 40) & mask, probes = 0; probes <= mask; i = i + 1 & mask, probes++) {
            Holders h = (Holders) HOLDERS.getAcquire(d, i);
            if (h == null) {
                return null;
            }
            if (h.key == key) {
                return h;
            }
        }
        return null;
    }

    /** Records that pod {@code ordinal} was sent a prompt starting with block {@code key} at {@code time} (relative). */
    void enter(long key, int ordinal, long time, long nowMillis) {
        Holders h = lookup(key);
        if (h == null) {
            h = insert(key, nowMillis);
            if (h == null) {
                return; // directory full and its budget spent: this first block goes untracked until entries expire
            }
        }
        h.lastMillis = nowMillis;
        h.add(this, ordinal, time, nowMillis - ttlMillis - epochMillis);
    }

    private @Nullable Holders insert(long key, long nowMillis) {
        Holders[] d = directory;
        if (directoryCount.get() + 1 > d.length / 2) {
            d = growDirectory(d, nowMillis);
            if (directoryCount.get() + 1 > d.length * 3 / 4) {
                return null;
            }
        }
        if (!reserve(HOLDERS_OBJECT_BYTES + arrayBytes(INITIAL_HOLDER_SLOTS, 8))) {
            return null;
        }
        Holders fresh = new Holders(key);
        int mask = d.length - 1;
        for (int i = (int) (key >>> 40) & mask, probes = 0; probes <= mask; i = i + 1 & mask, probes++) {
            Holders h = (Holders) HOLDERS.getAcquire(d, i);
            if (h == null) {
                if (HOLDERS.compareAndSet(d, i, null, fresh)) {
                    directoryCount.incrementAndGet();
                    return fresh;
                }
                h = (Holders) HOLDERS.getAcquire(d, i);
            }
            if (h != null && h.key == key) {
                unreserve(HOLDERS_OBJECT_BYTES + arrayBytes(INITIAL_HOLDER_SLOTS, 8));
                return h;
            }
        }
        unreserve(HOLDERS_OBJECT_BYTES + arrayBytes(INITIAL_HOLDER_SLOTS, 8));
        return null;
    }

    /**
     * Rebuilds the directory without the first blocks nobody was sent within the TTL, doubled when the live ones
     * still fill half of it and the budget allows. One thread at a time; others carry on with the current one
     * (an entry inserted meanwhile may be lost).
     */
    private Holders[] growDirectory(Holders[] d, long nowMillis) {
        if (!directoryGrowing.compareAndSet(0, 1)) {
            return directory;
        }
        try {
            if (d != directory) {
                return directory;
            }
            long oldest = nowMillis - ttlMillis;
            int live = 0;
            for (Holders h : d) {
                if (h != null && h.lastMillis >= oldest) {
                    live++;
                }
            }
            int size = d.length;
            if (live + 1 > size / 4 && reserve(arrayBytes(2L * size, 4) - arrayBytes(size, 4))) {
                size *= 2;
            }
            Holders[] next = new Holders[size];
            int mask = size - 1;
            int count = 0;
            for (Holders h : d) {
                if (h == null) {
                    continue;
                }
                if (h.lastMillis < oldest || count + 1 > size * 3 / 4) {
                    unreserve(HOLDERS_OBJECT_BYTES + arrayBytes(h.slots.length, 8));
                    continue;
                }
                int i = (int) (h.key >>> 40) & mask;
                while (next[i] != null) {
                    i = i + 1 & mask;
                }
                next[i] = h;
                count++;
            }
            directoryCount.set(count);
            directory = next;
            return next;
        } finally {
            directoryGrowing.set(0);
        }
    }

    /** Number of pods recorded as holding the prompts starting with block {@code firstBlock} within the TTL. */
    int holdersOf(long firstBlock, long nowMillis) {
        Holders h = lookup(firstBlock);
        if (h == null) {
            return 0;
        }
        long oldest = nowMillis - ttlMillis - epochMillis;
        int found = 0;
        for (long slot : h.slots) {
            if (slot != 0 && slot >>> ORDINAL_BITS >= oldest) {
                found++;
            }
        }
        return found;
    }

    /** The pods recently sent prompts starting with one block: (time relative to the epoch) << 24 | ordinal, 0 = empty. */
    static final class Holders {
        final long key;
        volatile long[] slots = new long[INITIAL_HOLDER_SLOTS];
        volatile long lastMillis;

        Holders(long key) {
            this.key = key;
        }

        void add(PrefixIndex owner, int ordinal, long time, long oldestRelative) {
            long value = time << ORDINAL_BITS | ordinal;
            while (true) {
                long[] s = slots;
                int victim = -1;
                long victimTime = Long.MAX_VALUE;
                int free = -1;
                for (int k = 0; k < s.length; k++) {
                    long x = (long) LONGS.getOpaque(s, k);
                    if (x == 0) {
                        if (free < 0) {
                            free = k;
                        }
                        continue;
                    }
                    if ((int) (x & ORDINAL_MASK) == ordinal) {
                        LONGS.setOpaque(s, k, value);
                        return;
                    }
                    long t = x >>> ORDINAL_BITS;
                    if (t < victimTime) {
                        victimTime = t;
                        victim = k;
                    }
                }
                if (free >= 0 || victimTime < oldestRelative) { // an empty or an expired slot
                    LONGS.setOpaque(s, free >= 0 ? free : victim, value);
                    return;
                }
                long extra = arrayBytes(2L * s.length, 8) - arrayBytes(s.length, 8);
                if (!owner.reserve(extra)) {
                    LONGS.setOpaque(s, victim, value); // budget spent: replace the least recently sent holder
                    return;
                }
                long[] grown = java.util.Arrays.copyOf(s, 2 * s.length);
                if (s == slots) {
                    slots = grown; // a concurrent add to the old array may be lost
                } else {
                    owner.unreserve(extra);
                }
            }
        }
    }
}
