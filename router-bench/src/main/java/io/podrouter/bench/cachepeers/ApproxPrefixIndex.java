package io.podrouter.bench.cachepeers;

import io.podrouter.api.Pod;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The approximate prefix index the peers keep: which prompt blocks each pod was recently sent, learned
 * from the router's own decisions (no KV-cache events), as llm-d's approximate prefix producer, SGLang's
 * approximate radix tree, AIBrix's prefix hash table and Dynamo's KV router without KV events do.
 *
 * <p>Per pod, an LRU table of block hashes with the time each was last recorded: recording a block makes
 * it the most recent; beyond {@code capacityPerPod} blocks the least recently recorded is dropped; a
 * block recorded longer than {@code ttlNanos} ago does not match (and is dropped when met). A pod's
 * matched blocks are its leading blocks found in its table, so a block matches only after every block
 * before it did.
 *
 * <p>Tables are keyed by pod id, or, with {@code forgetOnRestart}, by pod id and {@code readySince}: the
 * peers key by pod name or address (llm-d, SGLang, AIBrix), so their entries survive a restart and keep
 * pointing at a pod whose cache is empty (llm-d issue 2853), while Dynamo keys by the worker instance,
 * which a restart replaces. Tables of pods that left (and, with {@code forgetOnRestart}, of a pod's
 * earlier lives) are kept, as a simulation sees few pods: memory is bounded by {@code capacityPerPod} per key.
 *
 * <p>Thread-safe: one lock per pod table. A bench model of the peers, not a hot-path part of podrouter.
 */
final class ApproxPrefixIndex {

    /** No time-to-live: entries leave only by LRU. */
    static final long NO_TTL = Long.MAX_VALUE;

    private final int capacityPerPod;
    private final long ttlNanos;
    private final boolean forgetOnRestart;
    private final LongSupplier nanoClock;
    private final Map<Object, Table> tables = new ConcurrentHashMap<>();

    /**
     * @param capacityPerPod  blocks kept per pod, &gt;= 1
     * @param ttlNanos        how long a recorded block matches, &gt; 0, or {@link #NO_TTL}
     * @param forgetOnRestart whether a pod whose {@code readySince} changed starts with an empty table
     * @param nanoClock       monotonic time in nanoseconds
     */
    ApproxPrefixIndex(int capacityPerPod, long ttlNanos, boolean forgetOnRestart, LongSupplier nanoClock) {
        if (capacityPerPod < 1) {
            throw new IllegalArgumentException("capacityPerPod: " + capacityPerPod + " (expected: >= 1)");
        }
        if (ttlNanos <= 0) {
            throw new IllegalArgumentException("ttlNanos: " + ttlNanos + " (expected: > 0)");
        }
        this.capacityPerPod = capacityPerPod;
        this.ttlNanos = ttlNanos;
        this.forgetOnRestart = forgetOnRestart;
        this.nanoClock = java.util.Objects.requireNonNull(nanoClock, "nanoClock: null (expected: a nanosecond clock)");
    }

    /** The number of leading blocks of {@code hashes[0..count)} recorded for {@code pod} and not expired. */
    int matched(Pod pod, long[] hashes, int count) {
        Table t = tables.get(key(pod));
        if (t == null || count == 0) {
            return 0;
        }
        long now = nanoClock.getAsLong();
        synchronized (t) {
            int m = 0;
            while (m < count) {
                long at = t.blocks.get(hashes[m]);
                if (at == LongLruMap.ABSENT) {
                    break;
                }
                if (expired(at, now)) {
                    t.blocks.remove(hashes[m]);
                    break;
                }
                m++;
            }
            return m;
        }
    }

    /** Whether {@code pod}'s table holds {@code hash}, not expired (an expired block is dropped). */
    boolean holds(Pod pod, long hash) {
        Table t = tables.get(key(pod));
        if (t == null) {
            return false;
        }
        synchronized (t) {
            long at = t.blocks.get(hash);
            if (at == LongLruMap.ABSENT) {
                return false;
            }
            if (expired(at, nanoClock.getAsLong())) {
                t.blocks.remove(hash);
                return false;
            }
            return true;
        }
    }

    /** Records {@code hashes[0..count)} for {@code pod} as sent now. */
    void record(Pod pod, long[] hashes, int count) {
        record(pod, hashes, count, capacityPerPod);
    }

    /**
     * Records {@code hashes[0..count)} for {@code pod} as sent now; a pod without a table gets one of
     * {@code capacityIfNew} blocks (&lt;= 0: the index's {@code capacityPerPod}), which it keeps.
     */
    void record(Pod pod, long[] hashes, int count, int capacityIfNew) {
        if (count == 0) {
            return;
        }
        int capacity = capacityIfNew > 0 ? capacityIfNew : capacityPerPod;
        Table t = tables.computeIfAbsent(key(pod), k -> new Table(capacity));
        long now = nanoClock.getAsLong();
        synchronized (t) {
            for (int b = 0; b < count; b++) {
                t.blocks.put(hashes[b], now);
            }
            // Oldest first: drop expired blocks from the front so a table does not hold dead entries.
            while (t.blocks.size() > 0 && expired(t.blocks.oldestValue(), now)) {
                t.blocks.removeOldest();
            }
        }
    }

    /** The capacity of {@code pod}'s table, or 0 when it has none. For tests. */
    int capacity(Pod pod) {
        Table t = tables.get(key(pod));
        return t == null ? 0 : t.capacity;
    }

    /** Blocks held for {@code pod} (expired ones included until met). For tests. */
    int size(Pod pod) {
        Table t = tables.get(key(pod));
        if (t == null) {
            return 0;
        }
        synchronized (t) {
            return t.blocks.size();
        }
    }

    private boolean expired(long at, long now) {
        return ttlNanos != NO_TTL && now - at > ttlNanos;
    }

    private Object key(Pod pod) {
        return forgetOnRestart ? new Life(pod.id(), pod.readySince()) : pod.id();
    }

    /** One life of a pod: its id and the instant it last became ready. */
    private record Life(String id, java.time.Instant readySince) {
    }

    /** One pod's blocks (hash to time recorded) in recording order, least recent first. */
    private static final class Table {
        final LongLruMap blocks;
        final int capacity;

        Table(int capacity) {
            this.capacity = capacity;
            blocks = new LongLruMap(capacity);
        }
    }
}
