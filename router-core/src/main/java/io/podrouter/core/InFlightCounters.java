package io.podrouter.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The router's in-flight counters, one int slot per pod, packed in fixed-size chunks of
 * {@value #CHUNK} ints. Pods discovered together get neighbouring slots, so a least-request scan (or a
 * metric strategy's in-flight correction) reads 16 counters per cache line instead of chasing one
 * object per pod. A pod's slot returns to the free list when its {@link PodHandle} has been garbage
 * collected (the router forgets pods that leave every candidate set), reclaimed when slots are
 * allocated and on every metrics refresh.
 *
 * <p>Thread safety: counter updates are atomic ({@link VarHandle} on the chunk arrays); allocation and
 * reclamation are synchronized and off the selection path.
 */
final class InFlightCounters {

    /** Slots per chunk (64 KiB): large enough that a fleet discovered at once shares one chunk. */
    static final int CHUNK = 16384;

    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    /** A slot: the chunk that holds it and its offset there. */
    record Slot(int[] chunk, int offset) {
    }

    private static final class SlotRef extends WeakReference<PodHandle> {
        final Slot slot;

        SlotRef(PodHandle owner, Slot slot, ReferenceQueue<PodHandle> queue) {
            super(owner, queue);
            this.slot = slot;
        }
    }

    private final ReferenceQueue<PodHandle> collected = new ReferenceQueue<>();
    private final Set<SlotRef> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private int[][] chunks = new int[0][];
    private int next;
    private Slot[] free = new Slot[16];
    private int freeCount;

    /** A slot for {@code owner}, reused from a collected pod when one is free. Its count starts at 0. */
    synchronized Slot allocate(PodHandle owner) {
        reclaimLocked();
        Slot slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
            free[freeCount] = null;
        } else {
            int index = next++;
            int c = index / CHUNK;
            if (c == chunks.length) {
                chunks = Arrays.copyOf(chunks, c + 1);
                chunks[c] = new int[CHUNK];
            }
            slot = new Slot(chunks[c], index % CHUNK);
        }
        live.add(new SlotRef(owner, slot, collected));
        return slot;
    }

    /** Returns the slots of collected pods to the free list. */
    synchronized void reclaim() {
        reclaimLocked();
    }

    private void reclaimLocked() {
        SlotRef ref;
        while ((ref = (SlotRef) collected.poll()) != null) {
            live.remove(ref);
            // Selections hold their handle, so a collected pod has no request in flight; reset defensively.
            INTS.setVolatile(ref.slot.chunk(), ref.slot.offset(), 0);
            if (freeCount == free.length) {
                free = Arrays.copyOf(free, freeCount * 2);
            }
            free[freeCount++] = ref.slot;
        }
    }

    /** Slots handed out and not yet reclaimed (for tests). */
    synchronized int liveSlots() {
        reclaimLocked();
        return live.size();
    }

    /**
     * A plain read: counts steer ranking, where a value a few nanoseconds old is as good as the latest,
     * and a plain load lets scans run at array speed (an opaque VarHandle read measured about three times
     * slower per pod). Updates are atomic, and {@link PodHandle#tryAcquire} validates with a CAS.
     */
    static int get(int[] chunk, int offset) {
        return chunk[offset];
    }

    static void add(int[] chunk, int offset, int delta) {
        INTS.getAndAdd(chunk, offset, delta);
    }

    static boolean compareAndSet(int[] chunk, int offset, int expected, int value) {
        return INTS.weakCompareAndSet(chunk, offset, expected, value);
    }
}
