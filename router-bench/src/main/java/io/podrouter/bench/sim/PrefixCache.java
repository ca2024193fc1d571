package io.podrouter.bench.sim;

/**
 * One pod instance's automatic prefix cache, modelled on vLLM's: KV blocks of {@value #BLOCK_TOKENS} tokens,
 * each identified by a hash chained over the whole prefix (block i's hash is a function of block i-1's hash
 * and its own 16 token ids), so a block is found only when everything before it matches too.
 *
 * <p><b>Blocks and space.</b> The pod's KV capacity is shared by three kinds of tokens: tokens a running
 * sequence holds privately ({@code reserved}, owned by {@link SimPod}: the uncached part of its prompt plus
 * its output, reserved whole on admission), cache blocks referenced by at least one running sequence
 * ({@link #pinnedBlocks()}, counted once however many sequences share them), and cache blocks no running
 * sequence uses ({@link #freeBlocks()}): those are evictable, least recently used first, and count as free
 * space for admission. {@code reserved + 16 x (pinned + free) <= capacity} holds after every operation.
 *
 * <p><b>Lifecycle of a sequence.</b> On admission the longest cached prefix of whole blocks is looked up
 * ({@link #match}), at most {@code floor((prompt - 1) / 16)} blocks, because vLLM always computes the last
 * prompt token; the matched blocks are referenced ({@link #pin}) and the LRU evicts what the new reservation
 * needs ({@link #evictToFit}). After prefill the prompt's whole blocks not yet cached are inserted, referenced
 * by the sequence, and their tokens move from its private reservation to the cache ({@link #insertPrompt}).
 * When it ends, a successful sequence with known output also inserts the whole blocks of prompt plus output
 * (minus the last generated token, whose KV is never computed), as vLLM caches generated blocks, and its
 * references are dropped, last block first, so that a chain's tail is evicted before its head
 * ({@link #release}). A restarted pod is a new instance with an empty cache.
 *
 * <p><b>Events.</b> With a {@link Listener} ({@link #listener}), every block that becomes cached is reported
 * as stored and every evicted one as removed, at the moment it happens, as vLLM's KV-cache events
 * ({@code BlockStored}, {@code BlockRemoved}) report them to a router that subscribes (a restart clears
 * the cache without events: the old instance is gone).
 *
 * <p><b>Cost.</b> Lookups, insertions and releases run once per admission or end of a sequence (a blocked
 * head of the queue is looked up again at each step it waits), O(blocks of the prompt); never per step.
 *
 * <p>Not thread-safe (the simulation thread only).
 */
final class PrefixCache {

    /** vLLM's default block size in tokens. */
    static final int BLOCK_TOKENS = 16;

    /** A cached block: its chained hash, references from running sequences, and its place in the LRU list. */
    static final class Block {
        final long hash;
        int refs;
        Block prev;
        Block next;

        Block(long hash) {
            this.hash = hash;
        }
    }

    /** Receives the cache's block events, on the simulation thread. */
    interface Listener {
        /** The block {@code hash} is now cached. */
        void stored(long hash);

        /** The block {@code hash} was evicted. */
        void removed(long hash);
    }

    private final long capacityTokens;
    private final BlockTable blocks = new BlockTable();
    /** Null when nobody listens (most configurations): then events cost nothing. */
    private Listener listener;
    /** Least recently used unreferenced block (evicted first). */
    private Block lruHead;
    private Block lruTail;
    private int free;
    private int pinned;
    private long evictions;

    PrefixCache(long capacityTokens) {
        if (capacityTokens < BLOCK_TOKENS) {
            throw new IllegalArgumentException("kvCapacityTokens: " + capacityTokens + " (expected: >= " + BLOCK_TOKENS + ")");
        }
        this.capacityTokens = capacityTokens;
    }

    /** Sets (or, with null, removes) the listener of this cache's block events. */
    void listener(Listener l) {
        this.listener = l;
    }

    /** Cached blocks referenced by running sequences. */
    int pinnedBlocks() {
        return pinned;
    }

    /** Cached blocks no running sequence references (evictable). */
    int freeBlocks() {
        return free;
    }

    /** Blocks evicted so far. */
    long evictions() {
        return evictions;
    }

    /** Whether a block with this chained hash is cached. */
    boolean contains(long hash) {
        return blocks.containsKey(hash);
    }

    /** The hash of the block after {@code prev} holding tokens {@code t[from .. from + 16)}. */
    static long chain(long prev, int[] t, int from) {
        long h = prev ^ 0x9E3779B97F4A7C15L;
        for (int i = from; i < from + BLOCK_TOKENS; i++) {
            h = mix(h + t[i]);
        }
        return h;
    }

    /** The hash of the block after {@code prev} over tokens [from, from + 16) of prompt followed by output. */
    static long chain(long prev, int[] prompt, int[] output, int from) {
        long h = prev ^ 0x9E3779B97F4A7C15L;
        for (int i = from; i < from + BLOCK_TOKENS; i++) {
            h = mix(h + (i < prompt.length ? prompt[i] : output[i - prompt.length]));
        }
        return h;
    }

    /** Chained hashes of the whole blocks of {@code tokens}. */
    static long[] hashes(int[] tokens) {
        long[] out = new long[tokens.length / BLOCK_TOKENS];
        long h = 0;
        for (int b = 0; b < out.length; b++) {
            h = chain(h, tokens, b * BLOCK_TOKENS);
            out[b] = h;
        }
        return out;
    }

    /**
     * Chained hashes of the whole blocks of {@code tokens}, given {@code known}: the hashes of a prefix of them
     * (the whole blocks of a shorter token sequence that {@code tokens} starts with). Only the blocks after those are
     * hashed.
     */
    static long[] hashesAfter(long[] known, int[] tokens) {
        long[] out = java.util.Arrays.copyOf(known, tokens.length / BLOCK_TOKENS);
        long h = known.length == 0 ? 0 : known[known.length - 1];
        for (int b = known.length; b < out.length; b++) {
            h = chain(h, tokens, b * BLOCK_TOKENS);
            out[b] = h;
        }
        return out;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Looks up the request's longest cached prefix (whole blocks, at most {@code floor((prompt - 1) / 16)}) without
     * changing anything; sets {@code r.matchedBlocks} and {@code r.matchedFree} (matched blocks no sequence
     * references, which admission would take out of the free pool) and returns the matched blocks.
     */
    int match(SimRequest r) {
        if (r.blockHashes == null) {
            r.blockHashes = hashes(r.tokens);
        }
        int limit = Math.min(r.blockHashes.length, (r.tokens.length - 1) / BLOCK_TOKENS);
        int m = 0;
        int freeAmong = 0;
        while (m < limit) {
            Block b = blocks.get(r.blockHashes[m]);
            if (b == null) {
                break;
            }
            if (b.refs == 0) {
                freeAmong++;
            }
            m++;
        }
        r.matchedBlocks = m;
        r.matchedFree = freeAmong;
        return m;
    }

    /**
     * Whether a sequence needing {@code needTokens} private tokens, with its matched blocks referenced, fits
     * beside {@code reservedTokens} (free cached blocks count as space: they can be evicted).
     */
    boolean fits(SimRequest r, long reservedTokens, long needTokens) {
        return reservedTokens + needTokens + (long) BLOCK_TOKENS * (pinned + r.matchedFree) <= capacityTokens;
    }

    /** References the blocks {@link #match} found for {@code r} (called in the same step as the lookup). */
    void pin(SimRequest r) {
        int fullBlocks = r.blockHashes.length;
        r.pins = new Block[fullBlocks];
        r.pinCount = 0;
        for (int i = 0; i < r.matchedBlocks; i++) {
            Block b = blocks.get(r.blockHashes[i]);
            if (b.refs++ == 0) {
                unlink(b);
                free--;
                pinned++;
            }
            r.pins[r.pinCount++] = b;
        }
    }

    /** Evicts least recently used free blocks until {@code reservedTokens} plus the cache fit the capacity. */
    void evictToFit(long reservedTokens) {
        while (lruHead != null && reservedTokens + (long) BLOCK_TOKENS * (pinned + free) > capacityTokens) {
            Block b = lruHead;
            unlink(b);
            blocks.remove(b.hash);
            free--;
            evictions++;
            if (listener != null) {
                listener.removed(b.hash);
            }
        }
    }

    /**
     * After {@code r}'s prefill: its prompt's whole blocks that are not cached become cached blocks referenced by
     * it. A block another sequence inserted meanwhile stays that sequence's; {@code r} keeps its own copy
     * privately (vLLM keeps the duplicate physical block too).
     *
     * @return tokens moved from r's private reservation into the cache
     */
    long insertPrompt(SimRequest r) {
        long moved = 0;
        for (int i = r.matchedBlocks; i < r.blockHashes.length; i++) {
            long h = r.blockHashes[i];
            if (blocks.containsKey(h)) {
                continue;
            }
            Block b = new Block(h);
            b.refs = 1;
            blocks.put(h, b);
            pinned++;
            r.pins[r.pinCount++] = b;
            moved += BLOCK_TOKENS;
            if (listener != null) {
                listener.stored(h);
            }
        }
        return moved;
    }

    /**
     * {@code r} ended: with {@code cacheOutput} (it completed and its output ids are known) the whole blocks of
     * prompt plus output not cached yet are inserted as free blocks; then r's references are dropped, last block
     * first. The caller then frees r's private reservation and calls {@link #evictToFit}.
     */
    void release(SimRequest r, boolean cacheOutput) {
        if (cacheOutput && r.outputIds != null && r.blockHashes != null) {
            int total = (r.tokens.length + r.outputIds.length - 1) / BLOCK_TOKENS;
            int from = r.blockHashes.length;
            if (total > from) {
                long h = from == 0 ? 0 : r.blockHashes[from - 1];
                long[] tail = new long[total - from];
                for (int b = from; b < total; b++) {
                    h = chain(h, r.tokens, r.outputIds, b * BLOCK_TOKENS);
                    tail[b - from] = h;
                }
                for (int i = tail.length - 1; i >= 0; i--) {
                    if (!blocks.containsKey(tail[i])) {
                        Block b = new Block(tail[i]);
                        blocks.put(tail[i], b);
                        append(b);
                        free++;
                        if (listener != null) {
                            listener.stored(tail[i]);
                        }
                    }
                }
            }
        }
        for (int i = r.pinCount - 1; i >= 0; i--) {
            Block b = r.pins[i];
            if (--b.refs == 0) {
                append(b);
                pinned--;
                free++;
            }
        }
        r.pins = null;
        r.pinCount = 0;
    }

    /**
     * Blocks by hash: open addressing with linear probing on the long key (no boxing; a prompt's lookup costs
     * one probe sequence per block), deletion by backward shift, grown at half full.
     */
    static final class BlockTable {
        private Block[] slots = new Block[1024];
        private int size;

        Block get(long hash) {
            int mask = slots.length - 1;
            for (int i = spread(hash) & mask; ; i = (i + 1) & mask) {
                Block b = slots[i];
                if (b == null || b.hash == hash) {
                    return b;
                }
            }
        }

        boolean containsKey(long hash) {
            return get(hash) != null;
        }

        /** Adds {@code b}, whose hash must not be present. */
        void put(long hash, Block b) {
            if (2 * (size + 1) > slots.length) {
                Block[] old = slots;
                slots = new Block[old.length * 2];
                size = 0;
                for (Block o : old) {
                    if (o != null) {
                        insert(o);
                    }
                }
            }
            insert(b);
        }

        private void insert(Block b) {
            int mask = slots.length - 1;
            int i = spread(b.hash) & mask;
            while (slots[i] != null) {
                i = (i + 1) & mask;
            }
            slots[i] = b;
            size++;
        }

        void remove(long hash) {
            int mask = slots.length - 1;
            int i = spread(hash) & mask;
            while (slots[i] != null && slots[i].hash != hash) {
                i = (i + 1) & mask;
            }
            if (slots[i] == null) {
                return;
            }
            slots[i] = null;
            size--;
            // Backward shift: move later entries of the probe run into the hole when their home allows it.
            int hole = i;
            for (int j = (i + 1) & mask; slots[j] != null; j = (j + 1) & mask) {
                int home = spread(slots[j].hash) & mask;
                boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
                if (movable) {
                    slots[hole] = slots[j];
                    slots[j] = null;
                    hole = j;
                }
            }
        }

        int size() {
            return size;
        }

        private static int spread(long h) {
            return (int) (h ^ (h >>> 32));
        }
    }

    /** Cached blocks (referenced or not). */
    int size() {
        return blocks.size();
    }

    private void append(Block b) {
        b.prev = lruTail;
        b.next = null;
        if (lruTail == null) {
            lruHead = b;
        } else {
            lruTail.next = b;
        }
        lruTail = b;
    }

    private void unlink(Block b) {
        if (b.prev == null) {
            lruHead = b.next;
        } else {
            b.prev.next = b.next;
        }
        if (b.next == null) {
            lruTail = b.prev;
        } else {
            b.next.prev = b.prev;
        }
        b.prev = null;
        b.next = null;
    }
}
