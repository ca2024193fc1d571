package io.podrouter.strategies.compose;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.Scorer;
import org.jspecify.annotations.Nullable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Approximate prefix-cache affinity: scores each candidate by the fraction of the request's prompt
 * blocks that the router recently sent to it, learned from the router's own decisions (llm-d's and
 * AIBrix's approximate mode; no KV-cache events needed), and releases that affinity for a pod whose
 * estimated prefill wait outweighs what its cache saves.
 *
 * <p><b>Blocks.</b> The prompt is cut into blocks, each identified by a hash chained over every block
 * before it (as vLLM's automatic prefix caching identifies KV blocks), so a block matches only when the
 * whole prefix up to it does. The chain is seeded with the request's model and LoRA adapter, as the Gateway
 * API inference extension's prefix plugin seeds it with the model: the same text sent to another model or
 * another adapter on the same pod is a different cache entry and never matches. When the request carries
 * token ids, blocks are {@code blockTokens} tokens (default 16, vLLM's block size); otherwise
 * {@code blockChars} characters of the prompt text (default 128, AIBrix's; characters are compared by their
 * low byte, so two blocks differing only in high bytes match). Only whole blocks count (a server caches whole
 * blocks); at most {@code maxBlocks} (default 1024) are hashed, so a huge prompt costs a bounded scan. No
 * prompt and no token ids: every candidate scores 0, and the other scorers decide.
 *
 * <p><b>Score.</b> {@code matched / blocks}, where {@code matched} is the number of leading blocks found
 * in the candidate's index and {@code blocks} the request's number of whole blocks: in [0, 1], 1 when the
 * whole prompt was recently routed there. A candidate with nothing matched scores 0, so requests that
 * match nowhere (new prefix groups) are left entirely to the load scorers: they spread by load instead of
 * clustering on one pod or going to the pod with the smallest index (the failure SGLang's gateway had
 * with its "smallest tree" rule), and a new pod with an empty cache gets them while it is the least loaded.
 *
 * <p><b>Affinity release.</b> A cached prefix saves its prefill; it is not worth a queue. Each pod's
 * <em>pending prefill</em> is the prompt tokens of the selections routed to it that have not reported their
 * first token yet ({@link #firstToken}; until completion when the gateway does not report first tokens), and
 * its estimated wait is that divided by {@code prefillTokensPerSecond} (default
 * {@value #DEFAULT_PREFILL_TOKENS_PER_SECOND}: Llama-3.1-8B on one H100, the inverse of the 17.25 us per
 * prefill token of the BLIS fit of vLLM). A holder's match is released, its score set to 0, when
 * <pre>wait(holder) - min wait(ready candidates) &gt; cached tokens / prefillTokensPerSecond + releaseMargin</pre>
 * i.e. when sending the request elsewhere and prefilling it whole there is estimated to start it sooner than
 * waiting for the holder by more than the margin (default {@value #DEFAULT_RELEASE_MARGIN_MILLIS} ms). Once
 * released, a pod stays released for its matches until its excess wait falls below the saved time plus half
 * the margin (hysteresis, so that affinity does not flap at the threshold). This follows llm-d's prefix-cache
 * affinity filter, which releases stickiness when the estimated TTFT penalty (in-flight tokens over peak
 * prefill throughput) exceeds a limit, with the limit set by the prefix the request would reuse. Measured in
 * tokens the rule does not depend on the rate except through the margin: the pods of one candidate set are
 * assumed to prefill at the same rate. It acts on a pinned hot group on any number of pods (the 2-sigma load
 * guard cannot remove a pod of fewer than 6) and releases warm pods in a scale-out as soon as their queues
 * outgrow what their caches save. {@link Builder#withoutAffinityRelease()} turns it off.
 *
 * <p><b>Learning.</b> After every selection the router makes ({@link #selected}), the request's blocks are
 * recorded for the chosen pod with the current time, whichever rule decided.
 *
 * <p><b>Memory.</b> Proportional to what is stored, bounded by {@code maxIndexBytes} (default 128 MiB): a
 * pod's table is allocated at its first recorded selection with {@value #INITIAL_POD_ENTRIES} entries (16 bytes
 * each, in 8-way sets) and doubles whenever a new block finds its set full of live entries, up to
 * {@code blocksPerPod} entries (default 32,768, 512 KB); from then on a new block replaces the least recently
 * recorded entry of its set; a directory maps each prompt's
 * first block to the pods recently sent it (8 bytes per holder). Every array counts against
 * {@code maxIndexBytes}, and no table grows beyond its fair share, {@code maxIndexBytes} divided by the number of
 * known pods, so that the pods that fill first do not starve the others; a table that cannot grow evicts within
 * its sets. About
 * {@value #POD_STATE_BYTES} bytes per known pod for its state and load counters come on top. Entries older
 * than {@code ttl} (default 5 minutes) do not match. A pod's index is dropped and replaced by an empty one when
 * its {@code readySince} changes (a restarted server has an empty cache) and dropped when it appears not ready.
 * A pod that neither was selected nor appeared in a prepared candidate set for {@code ttl} is forgotten (its
 * entries had all expired): only a pod's own use keeps it, so discovery changes of one model's pods never
 * drop the index of another model that stays stable.
 *
 * <p><b>Cost.</b> Scoring looks up the holders of the prompt's first block and probes the tables of those
 * pods only, however many candidates there are and however many pods share a system prompt; the release
 * rule reads one pending-prefill counter per candidate only when a holder's own pending prefill exceeds what its
 * cache saves plus the margin.
 *
 * <p><b>Approximation.</b> Entries are read and written without locks, with plain atomic (opaque) word
 * accesses: two selections recording into the same set at once may lose one of the two entries, a reader may
 * see a key with the previous entry's time, and entries recorded while a table grows may be lost. Either only
 * changes a score for one request; the index is a prediction of the servers' caches, not their state. Under
 * memory pressure a server evicts blocks this index still lists; the TTL bounds how long such a prediction
 * lives. A selection that completes without a first-token report after others of its pod reported theirs
 * leaves the pod's pending prefill overestimated by its prompt until those complete.
 *
 * <p>Thread-safe; {@link #score} allocates nothing (per-thread scratch holds the block hashes, reused by
 * {@link #selected} when it is called for the same request on the same thread; it keeps a reference to
 * that thread's last request).
 */
public final class PrefixCacheScorer implements Scorer {

    /** Default {@code blockChars}: AIBrix's 128. */
    public static final int DEFAULT_BLOCK_CHARS = 128;
    /** Default {@code blockTokens}: vLLM's 16. */
    public static final int DEFAULT_BLOCK_TOKENS = 16;
    /**
     * Default {@code blocksPerPod}: llm-d's 31,250 blocks per server, rounded up to a power of two. The index
     * predicts a server's cache, so it should hold at least as many blocks as the server does (vLLM logs its
     * number of KV blocks at start-up; with 16-token blocks 32,768 covers 524k tokens of KV cache). A smaller
     * index forgets blocks in the middle of cached chains and the score, which counts leading blocks, then
     * undercounts the match: in podrouter's simulator (servers of 29,000 blocks, shared-prefix load at 60
     * req/s) 16,384 blocks cut the prefix hit rate from 93.0 % to 79.0 % and raised the TTFT p99 from 0.19 s to 0.41 s.
     */
    public static final int DEFAULT_BLOCKS_PER_POD = 32_768;
    /** Default {@code maxBlocks}. */
    public static final int DEFAULT_MAX_BLOCKS = 1024;
    /** Default {@code ttl}. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    /** Default {@code maxIndexBytes}: 128 MiB, full tables (512 KB) for 256 pods. */
    public static final long DEFAULT_MAX_INDEX_BYTES = 128L << 20;
    /** Default {@code prefillTokensPerSecond}: Llama-3.1-8B on one H100 (BLIS's vLLM fit, 17.25 us per prefill token). */
    public static final double DEFAULT_PREFILL_TOKENS_PER_SECOND = 58_000;
    /** Default {@code releaseMargin} in milliseconds. */
    public static final long DEFAULT_RELEASE_MARGIN_MILLIS = 200;

    static final int WAYS = 8;
    /** Per-selection decay of the pods' uncached-fraction sums: about the last 32 selections count. */
    static final double DECAY = 31.0 / 32;
    /** Entries of a pod's table when it is first allocated. */
    static final int INITIAL_POD_ENTRIES = 64;
    /** Approximate heap of one pod's state (object, id reference, counters), not counted in the budget. */
    static final int POD_STATE_BYTES = 96;
    static final int ARRAY_HEADER_BYTES = 16;
    static final int HOLDERS_OBJECT_BYTES = 32;
    static final int INITIAL_DIRECTORY = 256;
    static final int INITIAL_HOLDER_SLOTS = 4;
    private static final int ORDINAL_BITS = 24;
    private static final int ORDINAL_MASK = (1 << ORDINAL_BITS) - 1;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle HOLDERS = MethodHandles.arrayElementVarHandle(Holders[].class);
    private static final VarHandle LE_LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final int blockChars;
    private final int blockTokens;
    private final int blocksPerPod;
    private final int maxBlocks;
    private final long ttlMillis;
    private final long maxIndexBytes;
    private final double prefillTokensPerSecond;
    /** The margin in tokens at the prefill rate; negative when the release is off. */
    private final double marginTokens;
    private final InstantSource clock;
    private final ConcurrentHashMap<String, PodState> pods = new ConcurrentHashMap<>();
    private final AtomicInteger ordinals = new AtomicInteger();
    private final AtomicLong usedBytes = new AtomicLong();
    /** First-block hash to its holders, open addressing (linear probing); grown by one thread at a time. */
    private volatile Holders[] directory;
    private final AtomicInteger directoryCount = new AtomicInteger();
    private final AtomicInteger directoryGrowing = new AtomicInteger();
    /** Times are milliseconds since this instant (40 bits: 34 years), so that time and ordinal fit one word. */
    private final long epochMillis;
    private final ThreadLocal<Scratch> scratch;

    private PrefixCacheScorer(Builder b) {
        this.blockChars = b.blockChars;
        this.blockTokens = b.blockTokens;
        this.blocksPerPod = Integer.highestOneBit(b.blocksPerPod - 1) << 1 >= WAYS
                ? Integer.highestOneBit(b.blocksPerPod - 1) << 1 : WAYS;
        this.maxBlocks = b.maxBlocks;
        this.ttlMillis = b.ttl.toMillis();
        this.maxIndexBytes = b.maxIndexBytes;
        this.prefillTokensPerSecond = b.prefillTokensPerSecond;
        this.marginTokens = b.release ? b.releaseMargin.toNanos() * 1e-9 * b.prefillTokensPerSecond : -1;
        this.clock = b.clock;
        this.epochMillis = b.clock.millis();
        this.directory = new Holders[INITIAL_DIRECTORY];
        usedBytes.set(arrayBytes(INITIAL_DIRECTORY, 4));
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(b.blockChars, b.maxBlocks));
    }

    /** A scorer with the defaults. */
    public static PrefixCacheScorer withDefaults() {
        return builder().build();
    }

    /** A builder with the documented defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** True: the score is for what the pod holds, not for its load. */
    @Override
    public boolean keepsAffinity() {
        return true;
    }

    @Override
    public String name() {
        return "prefix-cache";
    }

    @Override
    public boolean observesSelections() {
        return true;
    }

    /**
     * Per-candidate pod states for {@code list} (null for pods that are not ready, whose index is dropped); no
     * index memory is allocated here. Forgets pods that were neither selected nor prepared for the TTL.
     */
    @Override
    public Object prepare(List<Pod> list) {
        long now = clock.millis();
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

    /** Number of pods the scorer holds state for (for tests and monitoring). */
    public int indexedPods() {
        return pods.size();
    }

    @Override
    public void score(InferenceRequest request, CandidateView v, @Nullable Object prepared, double[] out) {
        int n = v.size();
        Scratch s = hashes(request);
        for (int i = 0; i < n; i++) {
            out[i] = 0;
        }
        Prepared prep = prepared instanceof Prepared p && p.byCandidate.length == n ? p : null;
        if (s.count == 0 || prep == null) {
            return;
        }
        long now = clock.millis();
        long oldest = now - ttlMillis;
        Holders h = lookup(s.hashes[0]);
        if (h == null) {
            return;
        }
        long[] slots = h.slots;
        double per = 1.0 / s.count;
        long oldestRelative = oldest - epochMillis;
        int holders = 0;
        int[] matchedAt = s.candidates(slots.length);
        for (int k = 0; k < slots.length; k++) {
            long slot = (long) LONGS.getOpaque(slots, k);
            if (slot == 0 || slot >>> ORDINAL_BITS < oldestRelative) {
                continue;
            }
            int i = prep.candidate((int) (slot & ORDINAL_MASK));
            if (i >= 0 && out[i] == 0 && v.isReady(i)) {
                int m = prep.byCandidate[i].matched(s.hashes, s.count, oldest);
                if (m > 0) {
                    out[i] = m * per;
                    matchedAt[holders++] = i;
                }
            }
        }
        if (holders > 0 && marginTokens >= 0) {
            release(request, v, prep, out, matchedAt, holders, s.count);
        }
    }

    /** Sets the score of each holder whose excess pending prefill outweighs its cached prefix to 0 (class comment). */
    private void release(InferenceRequest request, CandidateView v, Prepared prep, double[] out, int[] holders,
                         int count, int blocks) {
        PodState[] states = prep.byCandidate;
        double tokensPerBlock = blockTokensFor(request);
        int promptTokens = request.estimatedPromptTokens();
        long min = -1; // computed on demand: the least pending is >= 0, so a holder whose own pending is within
        // the threshold keeps (or regains) its match whatever the others hold, and most picks skip the scan
        for (int k = 0; k < count; k++) {
            int i = holders[k];
            PodState st = states[i];
            double cached = Math.min(promptTokens, out[i] * blocks * tokensPerBlock);
            double own = st.pendingPrefill() - cached;
            boolean released = st.released;
            double threshold = released ? marginTokens / 2 : marginTokens;
            if (own > threshold) {
                if (min < 0) {
                    min = leastPending(v, states);
                }
                double excess = own - min;
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

    private static long leastPending(CandidateView v, PodState[] states) {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < states.length; i++) {
            PodState st = states[i];
            if (st != null && v.isReady(i)) {
                min = Math.min(min, st.pendingPrefill());
            }
        }
        return min == Long.MAX_VALUE ? 0 : min;
    }

    /** Tokens per block of this request: {@code blockTokens} with token ids, else {@code blockChars} / 4. */
    private double blockTokensFor(InferenceRequest request) {
        return request.tokenIdCount() >= 0 ? blockTokens
                : blockChars / (double) InferenceRequest.CHARS_PER_TOKEN_ESTIMATE;
    }

    @Override
    public void selected(InferenceRequest request, CandidateView v, @Nullable Object prepared, int index) {
        if (!(prepared instanceof Prepared p) || index >= p.byCandidate.length || p.byCandidate[index] == null) {
            return;
        }
        PodState st = p.byCandidate[index];
        long now = clock.millis();
        st.lastUsedMillis = now;
        if (st.dropped) {
            resurrect(st);
        }
        Scratch s = hashes(request);
        int prompt = request.estimatedPromptTokens();
        double uncached = s.count == 0 ? 1.0 : 1.0 - (double) st.matched(s.hashes, s.count, now - ttlMillis) / s.count;
        st.addPrompt(prompt, uncached);
        if (s.count > 0 && !st.dropped) {
            st.record(this, s.hashes, s.count, now);
            enter(s.hashes[0], st.ordinal, Math.max(1, now - epochMillis), now);
        }
    }

    /** The request's prompt is prefilled on {@code pod}: its tokens leave the pod's pending prefill. */
    @Override
    public void firstToken(InferenceRequest request, Pod pod) {
        PodState st = pods.get(pod.id());
        if (st != null) {
            st.firstToken(request.estimatedPromptTokens());
        }
    }

    /** The selection ended: its tokens leave the pod's counters (see the class comment for a missed first token). */
    @Override
    public void completed(InferenceRequest request, Pod pod, Outcome outcome, long latencyNanos) {
        PodState st = pods.get(pod.id());
        if (st != null) {
            st.complete(request.estimatedPromptTokens());
        }
    }

    /**
     * The number of leading blocks of {@code request} recorded for {@code pod} within the TTL; 0 for a pod
     * without an index (unknown, not ready, or restarted since it was prepared). For tests and diagnostics.
     */
    public int matchedBlocks(InferenceRequest request, Pod pod) {
        PodState p = pods.get(pod.id());
        if (p == null || !pod.ready() || !p.readySince.equals(pod.readySince())) {
            return 0;
        }
        Scratch s = hashes(request);
        return p.matched(s.hashes, s.count, clock.millis() - ttlMillis);
    }

    /**
     * {@code pod}'s pending prefill in tokens: prompt tokens of selections without a first-token report yet, times
     * the pod's recent uncached fraction (0 for an unknown pod). For tests and diagnostics.
     */
    public long pendingPrefillTokens(Pod pod) {
        PodState p = pods.get(pod.id());
        return p == null ? 0 : p.pendingPrefill();
    }

    /** The request's number of whole blocks (at most {@code maxBlocks}). */
    public int blocks(InferenceRequest request) {
        return hashes(request).count;
    }

    /** Number of pods recorded as holding {@code request}'s first block within the TTL (for tests and diagnostics). */
    int holdersOf(InferenceRequest request) {
        Scratch s = hashes(request);
        Holders h = s.count == 0 ? null : lookup(s.hashes[0]);
        if (h == null) {
            return 0;
        }
        long oldest = clock.millis() - ttlMillis - epochMillis;
        int found = 0;
        for (long slot : h.slots) {
            if (slot != 0 && slot >>> ORDINAL_BITS >= oldest) {
                found++;
            }
        }
        return found;
    }

    /**
     * Bytes of heap the index retains, counted from the arrays it holds (lengths times element size plus array
     * headers) and a fixed {@value #POD_STATE_BYTES} per pod state: deterministic, not a GC measurement.
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

    static long arrayBytes(long length, int elementBytes) {
        return ARRAY_HEADER_BYTES + length * elementBytes;
    }

    private boolean reserve(long bytes) {
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

    private void unreserve(long bytes) {
        usedBytes.addAndGet(-bytes);
    }

    private void drop(PodState st) {
        st.dropped = true;
        long[] t = st.clearTable();
        if (t != null) {
            unreserve(arrayBytes(t.length, 8));
        }
    }

    /** A state dropped while a live candidate set still held it is selected again: it returns, index empty. */
    private void resurrect(PodState st) {
        if (pods.putIfAbsent(st.id, st) == null) {
            st.dropped = false;
        }
    }

    private Scratch hashes(InferenceRequest request) {
        Scratch s = scratch.get();
        if (s.request != request) {
            long seed = seed(request);
            s.count = request.tokenIdCount() >= 0 ? tokenHashes(request, seed, s.hashes)
                    : request.prompt() != null ? charHashes(request.prompt(), seed, s) : 0;
            s.request = request;
        }
        return s;
    }

    /** The start of the hash chain: the model and the LoRA adapter, so that neither matches the other's blocks. */
    static long seed(InferenceRequest request) {
        long h = 0x9E3779B97F4A7C15L ^ SessionAffinityScorer.hash(request.model());
        String adapter = request.loraAdapter();
        return mix(adapter == null ? h : h * 31 + SessionAffinityScorer.hash(adapter));
    }

    private int tokenHashes(InferenceRequest r, long seed, long[] out) {
        int blocks = Math.min(maxBlocks, r.tokenIdCount() / blockTokens);
        long h = seed;
        for (int b = 0, t = 0; b < blocks; b++) {
            long x = h;
            for (int end = t + blockTokens; t < end; t++) {
                x = (x ^ r.tokenIdAt(t)) * 0x100000001B3L;
            }
            h = mix(x + b);
            out[b] = h;
        }
        return blocks;
    }

    /**
     * Chained hashes of the prompt's whole blocks of characters. Each block's characters are copied as
     * bytes (their low 8 bits; {@code String.getBytes(int, int, byte[], int)} neither allocates nor encodes)
     * and read eight at a time: a multiply per character was latency-bound at about 1 ns per character. Two
     * blocks that differ only in the high bytes of their characters therefore hash alike; in natural text,
     * even non-Latin, two different 128-character blocks agree in every low byte by chance only.
     */
    @SuppressWarnings("deprecation")
    private int charHashes(String prompt, long seed, Scratch s) {
        int blocks = Math.min(maxBlocks, prompt.length() / blockChars);
        byte[] buf = s.bytes;
        long h = seed;
        int words = blockChars >>> 3;
        for (int b = 0; b < blocks; b++) {
            int start = b * blockChars;
            prompt.getBytes(start, start + blockChars, buf, 0);
            // Four independent lanes, so the multiplies overlap; the rotation carries the product's
            // well-mixed high bits down, so a difference in any bit reaches the whole lane.
            long h0 = h;
            long h1 = h ^ 0x632BE59BD9B4E019L;
            long h2 = h ^ 0x85EBCA77C2B2AE63L;
            long h3 = h ^ 0xC2B2AE3D27D4EB4FL;
            int w = 0;
            for (; w + 3 < words; w += 4) {
                h0 = Long.rotateLeft((h0 ^ (long) LE_LONGS.get(buf, w << 3)) * 0x9E3779B97F4A7C15L, 29);
                h1 = Long.rotateLeft((h1 ^ (long) LE_LONGS.get(buf, (w + 1) << 3)) * 0x9E3779B97F4A7C15L, 29);
                h2 = Long.rotateLeft((h2 ^ (long) LE_LONGS.get(buf, (w + 2) << 3)) * 0x9E3779B97F4A7C15L, 29);
                h3 = Long.rotateLeft((h3 ^ (long) LE_LONGS.get(buf, (w + 3) << 3)) * 0x9E3779B97F4A7C15L, 29);
            }
            for (; w < words; w++) {
                h0 = Long.rotateLeft((h0 ^ (long) LE_LONGS.get(buf, w << 3)) * 0x9E3779B97F4A7C15L, 29);
            }
            for (int c = words << 3; c < blockChars; c++) {
                h1 = (h1 ^ (buf[c] & 0xFF)) * 0x100000001B3L;
            }
            h = mix(h0 ^ Long.rotateLeft(h1, 17) ^ Long.rotateLeft(h2, 31) ^ Long.rotateLeft(h3, 47));
            s.hashes[b] = h;
        }
        return blocks;
    }

    // ---- directory: first block -> holders ----

    private @Nullable Holders lookup(long key) {
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
    private void enter(long key, int ordinal, long time, long nowMillis) {
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

    /** The pods recently sent prompts starting with one block: (time relative to the epoch) << 24 | ordinal, 0 = empty. */
    static final class Holders {
        final long key;
        volatile long[] slots = new long[INITIAL_HOLDER_SLOTS];
        volatile long lastMillis;

        Holders(long key) {
            this.key = key;
        }

        void add(PrefixCacheScorer owner, int ordinal, long time, long oldestRelative) {
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

    /** What {@link #prepare} returns: each candidate's state, and pod ordinal to candidate index (open addressing). */
    static final class Prepared {
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

    /** A 64-bit finaliser (splitmix64's), so set indexes and keys use every input bit; never returns 0. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return z == 0 ? 1 : z; // 0 marks an empty entry
    }

    /**
     * One pod: its block table ({@code 2 x capacity} longs, (key, time recorded) pairs in sets of {@link #WAYS};
     * null until the first recorded selection) and its prompt-token counters for the affinity release.
     */
    static final class PodState {
        private static final VarHandle TABLE;
        private static final VarHandle PROMPT;
        private static final VarHandle PAST_FIRST;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                TABLE = l.findVarHandle(PodState.class, "table", long[].class);
                PROMPT = l.findVarHandle(PodState.class, "promptTokens", long.class);
                PAST_FIRST = l.findVarHandle(PodState.class, "pastFirstToken", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final String id;
        final Instant readySince;
        /** Unique among the scorer's live states (a restarted pod gets a new one), for the directory. */
        final int ordinal;
        volatile long @Nullable [] table;
        /** False once the table is at {@code blocksPerPod} or the budget refused it more: it then evicts. */
        volatile boolean growable = true;
        volatile long lastUsedMillis;
        volatile boolean dropped;
        volatile boolean released;
        /** Prompt tokens of the selections in flight. */
        volatile long promptTokens;
        /** Decayed sums of the prompt tokens sent to the pod and of their part not in its index at selection. */
        double recentPrompt;
        double recentUncached;
        /** Prompt tokens of the selections in flight that reported their first token (at most {@code promptTokens}). */
        volatile long pastFirstToken;

        PodState(String id, Instant readySince, int ordinal) {
            this.id = id;
            this.readySince = readySince;
            this.ordinal = ordinal;
        }

        /** Prompt tokens in flight without a first token, times the pod's recent uncached fraction. */
        long pendingPrefill() {
            long pending = promptTokens - pastFirstToken;
            return pending <= 0 ? 0 : (long) (pending * uncachedShare());
        }

        /** The uncached fraction of the prompt tokens recently sent to the pod (1 before any). */
        double uncachedShare() {
            double all = recentPrompt;
            return all > 0 ? Math.min(1.0, recentUncached / all) : 1.0;
        }

        void addPrompt(int tokens, double uncachedFraction) {
            PROMPT.getAndAdd(this, (long) tokens);
            // Decayed sums over about the last 32 selections; a racing update may be lost (an estimate).
            recentPrompt = recentPrompt * DECAY + tokens;
            recentUncached = recentUncached * DECAY + tokens * uncachedFraction;
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

        long @Nullable [] clearTable() {
            return (long[]) TABLE.getAndSet(this, (long[]) null);
        }

        private static int setBase(long[] t, long key) {
            return (int) (key >>> 40 & (t.length / (2 * WAYS) - 1)) * WAYS * 2;
        }

        boolean contains(long[] t, long key, long oldest) {
            int base = setBase(t, key);
            for (int w = 0; w < 2 * WAYS; w += 2) {
                if ((long) LONGS.getOpaque(t, base + w) == key) {
                    return (long) LONGS.getOpaque(t, base + w + 1) >= oldest;
                }
            }
            return false;
        }

        int matched(long[] hashes, int count, long oldest) {
            long[] t = table;
            if (t == null) {
                return 0;
            }
            int m = 0;
            while (m < count && contains(t, hashes[m], oldest)) {
                m++;
            }
            return m;
        }

        void record(PrefixCacheScorer owner, long[] hashes, int count, long now) {
            long[] t = table;
            if (t == null) {
                t = grow(owner, null, now);
                if (t == null) {
                    return;
                }
            }
            long oldest = now - owner.ttlMillis;
            for (int b = 0; b < count; b++) {
                // A set-associative table loses blocks when one set overflows long before the table is full, and a
                // lost block in the middle of a chain cuts the match there: grow instead, while the cap and budget allow.
                while (!put(t, hashes[b], now, oldest, !growable)) {
                    long[] next = grow(owner, t, now);
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
        private long @Nullable [] grow(PrefixCacheScorer owner, long @Nullable [] old, long now) {
            int length;
            if (old == null) {
                length = 2 * Math.min(INITIAL_POD_ENTRIES, owner.blocksPerPod);
            } else if (old.length >= 2 * owner.blocksPerPod) {
                growable = false; // full size: from now on it evicts within its sets
                return old;
            } else {
                length = 2 * old.length;
            }
            long extra = arrayBytes(length, 8) - (old == null ? 0 : arrayBytes(old.length, 8));
            // A table beyond its fair share of the budget would take room that pods filling later then lack.
            boolean fair = old == null || arrayBytes(length, 8) <= owner.maxIndexBytes / Math.max(1, owner.pods.size());
            if (!fair || !owner.reserve(extra)) {
                growable = false; // no budget: from now on this table evicts within its sets
                return old;
            }
            long[] next = new long[length];
            if (old != null) {
                long oldest = now - owner.ttlMillis;
                for (int e = 0; e < old.length; e += 2) {
                    long key = (long) LONGS.getOpaque(old, e);
                    long time = (long) LONGS.getOpaque(old, e + 1);
                    if (key != 0 && time >= oldest) {
                        put(next, key, time, oldest, true);
                    }
                }
            }
            if (!TABLE.compareAndSet(this, old, next)) {
                owner.unreserve(extra);
                return table;
            }
            if (dropped && TABLE.compareAndSet(this, next, (long[]) null)) {
                owner.unreserve(arrayBytes(length, 8));
                return null;
            }
            return next;
        }
    }

    /** Per-thread block hashes of the thread's last request. */
    private static final class Scratch {
        final long[] hashes;
        final byte[] bytes;
        int[] candidates = new int[64];
        @Nullable InferenceRequest request;
        int count;

        Scratch(int blockChars, int maxBlocks) {
            hashes = new long[maxBlocks];
            bytes = new byte[blockChars];
        }

        int[] candidates(int n) {
            if (candidates.length < n) {
                candidates = new int[Math.max(n, 2 * candidates.length)];
            }
            return candidates;
        }
    }

    /** Configures a {@link PrefixCacheScorer}; setters validate ({@code name: value (expected: ...)}). Not thread-safe. */
    public static final class Builder {
        private int blockChars = DEFAULT_BLOCK_CHARS;
        private int blockTokens = DEFAULT_BLOCK_TOKENS;
        private int blocksPerPod = DEFAULT_BLOCKS_PER_POD;
        private int maxBlocks = DEFAULT_MAX_BLOCKS;
        private Duration ttl = DEFAULT_TTL;
        private long maxIndexBytes = DEFAULT_MAX_INDEX_BYTES;
        private double prefillTokensPerSecond = DEFAULT_PREFILL_TOKENS_PER_SECOND;
        private Duration releaseMargin = Duration.ofMillis(DEFAULT_RELEASE_MARGIN_MILLIS);
        private boolean release = true;
        private InstantSource clock = InstantSource.system();

        private Builder() {
        }

        /** Characters per block when the request has no token ids; &gt;= 1. Default 128. */
        public Builder blockChars(int chars) {
            if (chars < 1) {
                throw new IllegalArgumentException("blockChars: " + chars + " (expected: >= 1)");
            }
            this.blockChars = chars;
            return this;
        }

        /** Tokens per block when the request carries token ids; &gt;= 1. Default 16. */
        public Builder blockTokens(int tokens) {
            if (tokens < 1) {
                throw new IllegalArgumentException("blockTokens: " + tokens + " (expected: >= 1)");
            }
            this.blockTokens = tokens;
            return this;
        }

        /**
         * Most index entries per pod, rounded up to a power of two (at least 8); 16 bytes each, allocated as the
         * pod's table fills. 8..2^26. Default 32,768.
         */
        public Builder blocksPerPod(int blocks) {
            if (blocks < WAYS || blocks > 1 << 26) {
                throw new IllegalArgumentException("blocksPerPod: " + blocks + " (expected: 8..67108864)");
            }
            this.blocksPerPod = blocks;
            return this;
        }

        /** Most blocks hashed per request; 1..1,048,576. Default 1024 (128k characters, 16k tokens). */
        public Builder maxBlocks(int blocks) {
            if (blocks < 1 || blocks > 1 << 20) {
                throw new IllegalArgumentException("maxBlocks: " + blocks + " (expected: 1..1048576)");
            }
            this.maxBlocks = blocks;
            return this;
        }

        /**
         * The bound on the index's memory: every table and directory array counts against it; when it is spent,
         * tables stop growing and evict within themselves, and no table grows beyond {@code maxIndexBytes} / known pods.
         * At least 1 MiB. Default 128 MiB.
         */
        public Builder maxIndexBytes(long bytes) {
            if (bytes < 1 << 20) {
                throw new IllegalArgumentException("maxIndexBytes: " + bytes + " (expected: >= 1048576)");
            }
            this.maxIndexBytes = bytes;
            return this;
        }

        /** How long a recorded block matches; positive. Default 5 minutes: longer than a chat user's pause between turns, short enough that blocks a server evicted stop attracting traffic. */
        public Builder ttl(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl: null (expected: a positive Duration)");
            if (ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
            }
            this.ttl = ttl;
            return this;
        }

        /**
         * The pods' prefill rate that turns pending prefill tokens into a wait and the margin into tokens; finite
         * and &gt; 0. Default {@value #DEFAULT_PREFILL_TOKENS_PER_SECOND} (see the class comment).
         */
        public Builder prefillTokensPerSecond(double tokensPerSecond) {
            if (!(tokensPerSecond > 0) || Double.isInfinite(tokensPerSecond)) {
                throw new IllegalArgumentException("prefillTokensPerSecond: " + tokensPerSecond + " (expected: finite and > 0)");
            }
            this.prefillTokensPerSecond = tokensPerSecond;
            return this;
        }

        /** How much longer than the cached prefix saves a holder's excess wait may be before its affinity is released; &gt;= 0. Default 200 ms. */
        public Builder releaseMargin(Duration margin) {
            Objects.requireNonNull(margin, "releaseMargin: null (expected: a Duration >= 0)");
            if (margin.isNegative()) {
                throw new IllegalArgumentException("releaseMargin: " + margin + " (expected: >= 0)");
            }
            this.releaseMargin = margin;
            this.release = true;
            return this;
        }

        /** Turns the affinity release off: a holder keeps its match whatever its queue (the load scorers still count). */
        public Builder withoutAffinityRelease() {
            this.release = false;
            return this;
        }

        /** The clock for recording and expiring blocks (inject for tests). Default the system clock. */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock: null (expected: an InstantSource)");
            return this;
        }

        /** The scorer. */
        public PrefixCacheScorer build() {
            return new PrefixCacheScorer(this);
        }
    }

    @Override
    public String toString() {
        return name() + "(" + blockChars + " chars / " + blockTokens + " tokens per block, " + blocksPerPod
                + " per pod, ttl " + Duration.ofMillis(ttlMillis) + ", " + (maxIndexBytes >> 20) + " MiB, "
                + (marginTokens < 0 ? "no release" : "release margin " + Math.round(marginTokens / prefillTokensPerSecond * 1000) + " ms")
                + ")";
    }

    /** For tests: the pods' states by id. */
    Map<String, PodState> indexes() {
        return pods;
    }
}
