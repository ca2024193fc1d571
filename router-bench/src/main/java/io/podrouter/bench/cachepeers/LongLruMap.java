package io.podrouter.bench.cachepeers;

import java.util.Arrays;

/**
 * A map from {@code long} keys to {@code long} values that keeps its entries in the order they were last
 * {@linkplain #put put} and drops the least recent one beyond a capacity: the per-pod block tables of the
 * peers' indexes, without the boxing and per-entry objects of a {@code LinkedHashMap} (a simulation run
 * makes millions of lookups).
 *
 * <p>Entries live in parallel arrays addressed by a stable entry id, linked in recency order; an open
 * addressing table (linear probing, deletion by backward shift) maps keys to entry ids. Arrays grow on
 * demand up to {@code capacity} entries. Not thread-safe: callers lock.
 */
final class LongLruMap {

    /** What {@link #get} returns for an absent key. */
    static final long ABSENT = Long.MIN_VALUE;

    private static final int NONE = -1;

    private final int capacity;
    private long[] keys = new long[16];
    private long[] values = new long[16];
    private int[] prev = new int[16];
    private int[] next = new int[16];
    /** Entry id + 1 per slot; 0 for an empty slot. */
    private int[] table = new int[32];
    private int used; // entry ids handed out so far (0..used-1), free ones chained through next
    private int free = NONE;
    private int size;
    private int head = NONE; // least recent
    private int tail = NONE; // most recent

    /** @param capacity the most entries kept, &gt;= 1 */
    LongLruMap(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.capacity = capacity;
    }

    int size() {
        return size;
    }

    /** The value of {@code key}, or {@link #ABSENT}. */
    long get(long key) {
        int slot = find(key);
        return slot < 0 ? ABSENT : values[table[slot] - 1];
    }

    /** Sets {@code key} to {@code value} and makes it the most recent entry; drops the least recent one beyond capacity. */
    void put(long key, long value) {
        int slot = find(key);
        if (slot >= 0) {
            int id = table[slot] - 1;
            values[id] = value;
            unlink(id);
            linkLast(id);
            return;
        }
        if (size == capacity) {
            remove(keys[head]);
        }
        if (2 * (size + 1) > table.length) {
            rehash(table.length * 2); // before the new entry is linked, so that it is placed once, below
        }
        int id = allocate();
        keys[id] = key;
        values[id] = value;
        linkLast(id);
        size++;
        int mask = table.length - 1;
        int s = spread(key) & mask;
        while (table[s] != 0) {
            s = (s + 1) & mask;
        }
        table[s] = id + 1;
    }

    /** Removes {@code key}; false when it was absent. */
    boolean remove(long key) {
        int slot = find(key);
        if (slot < 0) {
            return false;
        }
        int id = table[slot] - 1;
        unlink(id);
        next[id] = free;
        free = id;
        size--;
        deleteSlot(slot);
        return true;
    }

    /** The least recent entry's value, or {@link #ABSENT} when empty. */
    long oldestValue() {
        return head == NONE ? ABSENT : values[head];
    }

    /** Removes the least recent entry, if any. */
    void removeOldest() {
        if (head != NONE) {
            remove(keys[head]);
        }
    }

    private int find(long key) {
        int mask = table.length - 1;
        for (int s = spread(key) & mask; ; s = (s + 1) & mask) {
            int e = table[s];
            if (e == 0) {
                return -1;
            }
            if (keys[e - 1] == key) {
                return s;
            }
        }
    }

    /** Backward-shift deletion, so that probing needs no tombstones. */
    private void deleteSlot(int slot) {
        int mask = table.length - 1;
        int hole = slot;
        for (int s = (slot + 1) & mask; table[s] != 0; s = (s + 1) & mask) {
            int home = spread(keys[table[s] - 1]) & mask;
            // the entry at s may fill the hole if its home is not in (hole, s] (cyclically)
            if (((s - home) & mask) >= ((s - hole) & mask)) {
                table[hole] = table[s];
                hole = s;
            }
        }
        table[hole] = 0;
    }

    private int allocate() {
        if (free != NONE) {
            int id = free;
            free = next[id];
            return id;
        }
        if (used == keys.length) {
            int n = (int) Math.min(capacity, 2L * keys.length);
            keys = Arrays.copyOf(keys, n);
            values = Arrays.copyOf(values, n);
            prev = Arrays.copyOf(prev, n);
            next = Arrays.copyOf(next, n);
        }
        return used++;
    }

    private void linkLast(int id) {
        prev[id] = tail;
        next[id] = NONE;
        if (tail == NONE) {
            head = id;
        } else {
            next[tail] = id;
        }
        tail = id;
    }

    private void unlink(int id) {
        int p = prev[id];
        int n = next[id];
        if (p == NONE) {
            head = n;
        } else {
            next[p] = n;
        }
        if (n == NONE) {
            tail = p;
        } else {
            prev[n] = p;
        }
    }

    private void rehash(int length) {
        int[] t = new int[length];
        int mask = length - 1;
        for (int id = head; id != NONE; id = next[id]) {
            int s = spread(keys[id]) & mask;
            while (t[s] != 0) {
                s = (s + 1) & mask;
            }
            t[s] = id + 1;
        }
        table = t;
    }

    private static int spread(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
