package io.podrouter.core.internal.table;

import org.jspecify.annotations.Nullable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Objects;
import java.util.Set;

/**
 * <b>Internal: not API, not exported by the module.</b> The router's in-flight counters, one slot per pod in fixed-size chunks of {@value #CHUNK} slots, each
 * slot alone on its cache line ({@value #STRIDE} ints apart). Why padded: every selection and completion
 * updates its pod's counter atomically, and with pods packed 16 to a line, threads picking different
 * pods of a small fleet invalidated each other's line on every request (2 threads, 8 pods: 88 ns per
 * select + complete against 25 ns on 1 thread). The price is paid only by scans that read every
 * counter (exact least-request): one line per pod instead of 16 pods per line, at a constant stride the
 * hardware prefetches. Pods discovered together get consecutive slots, so such a scan walks one array.
 * A pod's slot returns to the free list when its {@link PodHandle} has been garbage collected (the
 * router forgets pods that leave every candidate set), reclaimed when slots are allocated and on every
 * metrics refresh.
 *
 * <p>Thread safety: counter updates are atomic ({@link VarHandle} on the chunk arrays); allocation and
 * reclamation are synchronized and off the selection path.
 */
public final class InFlightCounters {

    /** Slots per chunk: a fleet of this many pods discovered at once shares one chunk (256 KiB). */
    static final int CHUNK = 4096;

    /** Ints between two slots: one 64-byte cache line. */
    static final int STRIDE = 16;

    /**
     * Where in a slot's line the selections since the last success are kept, after the in-flight count: the
     * two ints form an 8-byte-aligned pair, so they never straddle a line.
     */
    private static final int UNANSWERED = 1;

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

    /**
     * Selections a pod may receive after its last successful completion while still holding one of them
     * (see {@link PodHandle#unanswered}); {@link Integer#MAX_VALUE} when the rule is off.
     */
    private final int unansweredLimit;
    private final ReferenceQueue<PodHandle> collected = new ReferenceQueue<>();
    private final Set<SlotRef> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private int[][] chunks = new int[0][];
    private int next;
    private @Nullable Slot[] free = new Slot[16];
    private int freeCount;

    /**
     * No slots yet; chunks are allocated as pods are.
     *
     * @param unansweredLimit the router's {@code maxUnansweredSelections}: at least 1, or 0 for off
     */
    public InFlightCounters(int unansweredLimit) {
        this.unansweredLimit = unansweredLimit <= 0 ? Integer.MAX_VALUE : unansweredLimit;
    }

    /** The unanswered-selection limit each pod's handle applies ({@link Integer#MAX_VALUE}: off). */
    int unansweredLimit() {
        return unansweredLimit;
    }

    /** A slot for {@code owner}, reused from a collected pod when one is free. Its count starts at 0. */
    synchronized Slot allocate(PodHandle owner) {
        reclaimLocked();
        Slot slot;
        if (freeCount > 0) {
            slot = Objects.requireNonNull(free[--freeCount], "free slot"); // entries below freeCount are set
            free[freeCount] = null;
        } else {
            int index = next++;
            int c = index / CHUNK;
            if (c == chunks.length) {
                chunks = Arrays.copyOf(chunks, c + 1);
                // One spare line first, so slot 0 does not share a line with the array header (whose length
                // every bounds check reads).
                chunks[c] = new int[(CHUNK + 1) * STRIDE];
            }
            slot = new Slot(chunks[c], (index % CHUNK + 1) * STRIDE);
        }
        live.add(new SlotRef(owner, slot, collected));
        return slot;
    }

    /** Returns the slots of collected pods to the free list (the router calls it on every refresh). */
    public synchronized void reclaim() {
        reclaimLocked();
    }

    private void reclaimLocked() {
        SlotRef ref;
        while ((ref = (SlotRef) collected.poll()) != null) {
            live.remove(ref);
            // Selections hold their handle, so a collected pod has no request in flight; reset defensively.
            INTS.setVolatile(ref.slot.chunk(), ref.slot.offset(), 0);
            INTS.setVolatile(ref.slot.chunk(), ref.slot.offset() + UNANSWERED, 0);
            if (freeCount == free.length) {
                free = Arrays.copyOf(free, freeCount * 2);
            }
            free[freeCount++] = ref.slot;
        }
    }

    /** Slots handed out and not yet reclaimed, after reclaiming those of collected pods (for tests). */
    public synchronized int liveSlots() {
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

    /**
     * The pod's selections since its last successful completion, kept beside its in-flight count in the
     * same slot's cache line (which every selection writes anyway). Updated with opaque reads and writes,
     * not atomics: under concurrent selections an increment can be lost, which only makes the count low,
     * so the rule it feeds fires a little later, never wrongly; it costs a selection no locked instruction.
     */
    static int unanswered(int[] chunk, int offset) {
        return (int) INTS.getOpaque(chunk, offset + UNANSWERED);
    }

    /** Counts one more selection since the last success (see {@link #unanswered}); saturates. */
    static void countUnanswered(int[] chunk, int offset) {
        int n = (int) INTS.getOpaque(chunk, offset + UNANSWERED);
        if (n < Integer.MAX_VALUE) {
            INTS.setOpaque(chunk, offset + UNANSWERED, n + 1);
        }
    }

    /** A successful completion: the count restarts (a store only when it is not 0 already). */
    static void clearUnanswered(int[] chunk, int offset) {
        if ((int) INTS.getOpaque(chunk, offset + UNANSWERED) != 0) {
            INTS.setOpaque(chunk, offset + UNANSWERED, 0);
        }
    }

    static void add(int[] chunk, int offset, int delta) {
        INTS.getAndAdd(chunk, offset, delta);
    }

    static boolean compareAndSet(int[] chunk, int offset, int expected, int value) {
        return INTS.weakCompareAndSet(chunk, offset, expected, value);
    }
}
