package io.podrouter.strategies.compose;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.Scorer;
import io.podrouter.strategies.compose.BlockHashes.Scratch;
import io.podrouter.strategies.compose.PrefixIndex.Holders;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
 * waiting for the holder by more than the margin (default {@value #DEFAULT_RELEASE_MARGIN_MILLIS} ms), and only
 * while the least waiting candidate's own wait is within the margin: a match is released toward a pod that is
 * not queueing itself, never from one queue into another. Once
 * released, a pod stays released for its matches until its excess wait falls below the saved time plus half
 * the margin (hysteresis, so that affinity does not flap at the threshold). This follows llm-d's prefix-cache
 * affinity filter, which releases stickiness when the estimated TTFT penalty (in-flight tokens over peak
 * prefill throughput) exceeds a limit, with the limit set by the prefix the request would reuse. Measured in
 * tokens the rule does not depend on the rate except through the margin: the pods of one candidate set are
 * assumed to prefill at the same rate. It acts on a pinned hot group on any number of pods (the 2-sigma load
 * guard cannot remove a pod of fewer than 6) and releases warm pods in a scale-out as soon as their queues
 * outgrow what their caches save. {@link Builder#withoutAffinityRelease()} turns it off.
 *
 * <p>Pending prompts count whole, cached or not: a request waiting for its first token mostly waits for a place
 * in the batch (a saturated vLLM server keeps it in its waiting queue until running sequences finish), and its
 * cached prefix does not shorten that wait. Counting only the uncached part, as the previous rule did, almost never
 * released a pod whose traffic is mostly cache hits, which is exactly a pinned hot group: on the simulator's
 * train family (35 prefix-cache scenarios x 3 seeds, see SIMULATION.md) it left a rolling update with one hot
 * group at a TTFT p99 of 21-23 s where SGLang's and AIBrix's rules had 0.04 s; counting whole prompts brought it to
 * 0.08-0.10 s and podrouter's TTFT p99 over the family to 0.63x its previous value (geometric mean; worst run
 * 2.1x). The 200 ms margin was chosen there too: 100 ms and 50 ms released warm pods onto slow new pods in a
 * 24-pod scale-out (worst runs 13.7x and 80x the previous rule's TTFT p99), 400 ms released hot groups later
 * (mean TTFT p99 1.39x Dynamo's rule's against 1.13x; docs/cache-aware.md has the figures per peer). Releasing
 * only toward a pod that is not queueing changed the train family little (worst run 1.83x the previous rule's TTFT
 * p99 instead of 2.1x) and is a guard for loaded fleets: on the simulator's hand-written 80 req/s scenario (128
 * groups of 4,096-token prompts on 4 pods, more than the pods can prefill whole) releasing between queues collapses
 * the fleet into prefilling whole prompts (TTFT p99 24.7 s against 0.45 s without the release, and 25.4 s with the
 * previous rule); the guard brings it to 17.9 s, still far worse, so a fleet that runs near its prefill capacity with many large prefix groups should
 * turn the release off ({@link Builder#withoutAffinityRelease()}) or measure it.
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
    /** Entries of a pod's table when it is first allocated. */
    static final int INITIAL_POD_ENTRIES = 64;
    /** Approximate heap of one pod's state (object, id reference, counters), not counted in the budget. */
    static final int POD_STATE_BYTES = 96;
    static final int ARRAY_HEADER_BYTES = 16;
    static final int HOLDERS_OBJECT_BYTES = 32;
    static final int INITIAL_DIRECTORY = 256;
    static final int INITIAL_HOLDER_SLOTS = 4;
    static final int ORDINAL_BITS = 24;
    static final int ORDINAL_MASK = (1 << ORDINAL_BITS) - 1;

    private final int blockChars;
    private final int blockTokens;
    private final int blocksPerPod;
    private final long ttlMillis;
    private final long maxIndexBytes;
    private final double prefillTokensPerSecond;
    /** The margin in tokens at the prefill rate; negative when the release is off. */
    private final double marginTokens;
    private final InstantSource clock;
    // The layout: the pods' block tables, the first-block directory and the memory budget live in PrefixIndex,
    // the pending-prefill counters and the release rule in PendingPrefill, the block hashing in BlockHashes.
    private final PrefixIndex index;
    private final BlockHashes hashes;

    private PrefixCacheScorer(Builder b) {
        this.blockChars = b.blockChars;
        this.blockTokens = b.blockTokens;
        this.blocksPerPod = Integer.highestOneBit(b.blocksPerPod - 1) << 1 >= WAYS
                ? Integer.highestOneBit(b.blocksPerPod - 1) << 1 : WAYS;
        this.ttlMillis = b.ttl.toMillis();
        this.maxIndexBytes = b.maxIndexBytes;
        this.prefillTokensPerSecond = b.prefillTokensPerSecond;
        this.marginTokens = b.release ? b.releaseMargin.toNanos() * 1e-9 * b.prefillTokensPerSecond : -1;
        this.clock = b.clock;
        this.index = new PrefixIndex(blocksPerPod, ttlMillis, maxIndexBytes, b.clock.millis());
        this.hashes = new BlockHashes(b.blockChars, b.blockTokens, b.maxBlocks);
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
        return index.prepare(list, clock.millis());
    }

    /** Number of pods the scorer holds state for (for tests and monitoring). */
    public int indexedPods() {
        return index.pods.size();
    }

    @Override
    public void score(InferenceRequest request, CandidateView v, @Nullable Object prepared, double[] out) {
        int n = v.size();
        Scratch s = hashes.of(request);
        for (int i = 0; i < n; i++) {
            out[i] = 0;
        }
        Prepared prep = prepared instanceof Prepared p && p.byCandidate.length == n ? p : null;
        if (s.count == 0 || prep == null) {
            return;
        }
        long now = clock.millis();
        long oldest = now - ttlMillis;
        Holders h = index.lookup(s.hashes[0]);
        if (h == null) {
            return;
        }
        long[] slots = h.slots;
        double per = 1.0 / s.count;
        long oldestRelative = oldest - index.epochMillis;
        int holders = 0;
        int[] matchedAt = s.candidates(slots.length);
        for (int k = 0; k < slots.length; k++) {
            long slot = (long) PrefixIndex.LONGS.getOpaque(slots, k);
            if (slot == 0 || slot >>> ORDINAL_BITS < oldestRelative) {
                continue;
            }
            int i = prep.candidate((int) (slot & ORDINAL_MASK));
            if (i >= 0 && out[i] == 0 && v.isReady(i)) {
                int m = PrefixIndex.matched(prep.byCandidate[i], s.hashes, s.count, oldest);
                if (m > 0) {
                    out[i] = m * per;
                    matchedAt[holders++] = i;
                }
            }
        }
        if (holders > 0 && marginTokens >= 0) {
            PendingPrefill.release(v, prep.byCandidate, out, matchedAt, holders, s.count, blockTokensFor(request),
                    request.estimatedPromptTokens(), marginTokens);
        }
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
            this.index.resurrect(st);
        }
        Scratch s = hashes.of(request);
        st.addPrompt(request.estimatedPromptTokens());
        if (s.count > 0 && !st.dropped) {
            this.index.record(st, s.hashes, s.count, now);
            this.index.enter(s.hashes[0], st.ordinal, Math.max(1, now - this.index.epochMillis), now);
        }
    }

    /** The request's prompt is prefilled on {@code pod}: its tokens leave the pod's pending prefill. */
    @Override
    public void firstToken(InferenceRequest request, Pod pod) {
        PodState st = index.pods.get(pod.id());
        if (st != null) {
            st.firstToken(request.estimatedPromptTokens());
        }
    }

    /** The selection ended: its tokens leave the pod's counters (see the class comment for a missed first token). */
    @Override
    public void completed(InferenceRequest request, Pod pod, Outcome outcome, long latencyNanos) {
        PodState st = index.pods.get(pod.id());
        if (st != null) {
            st.complete(request.estimatedPromptTokens());
        }
    }

    /**
     * The number of leading blocks of {@code request} recorded for {@code pod} within the TTL; 0 for a pod
     * without an index (unknown, not ready, or restarted since it was prepared). For tests and diagnostics.
     */
    public int matchedBlocks(InferenceRequest request, Pod pod) {
        PodState p = index.pods.get(pod.id());
        if (p == null || !pod.ready() || !p.readySince.equals(pod.readySince())) {
            return 0;
        }
        Scratch s = hashes.of(request);
        return PrefixIndex.matched(p, s.hashes, s.count, clock.millis() - ttlMillis);
    }

    /**
     * {@code pod}'s pending prefill in tokens: prompt tokens of selections without a first-token report yet, cached
     * or not (0 for an unknown pod). For tests and diagnostics.
     */
    public long pendingPrefillTokens(Pod pod) {
        PodState p = index.pods.get(pod.id());
        return p == null ? 0 : p.pendingPrefill();
    }

    /** The request's number of whole blocks (at most {@code maxBlocks}). */
    public int blocks(InferenceRequest request) {
        return hashes.of(request).count;
    }

    /** Number of pods recorded as holding {@code request}'s first block within the TTL (for tests and diagnostics). */
    int holdersOf(InferenceRequest request) {
        Scratch s = hashes.of(request);
        return s.count == 0 ? 0 : index.holdersOf(s.hashes[0], clock.millis());
    }

    /**
     * Bytes of heap the index retains, counted from the arrays it holds (lengths times element size plus array
     * headers) and a fixed {@value #POD_STATE_BYTES} per pod state: deterministic, not a GC measurement.
     */
    long retainedBytes() {
        return index.retainedBytes();
    }

    /** Bytes the budget has handed out (arrays of the tables and the directory). */
    long budgetedBytes() {
        return index.budgetedBytes();
    }

    static long arrayBytes(long length, int elementBytes) {
        return ARRAY_HEADER_BYTES + length * elementBytes;
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
     * null until the first recorded selection, read and written by {@link PrefixIndex}) and, inherited from
     * {@link PendingPrefill}, its prompt-token counters for the affinity release.
     */
    static final class PodState extends PendingPrefill {
        final String id;
        final Instant readySince;
        /** Unique among the scorer's live states (a restarted pod gets a new one), for the directory. */
        final int ordinal;
        volatile long @Nullable [] table;
        /** False once the table is at {@code blocksPerPod} or the budget refused it more: it then evicts. */
        volatile boolean growable = true;
        volatile long lastUsedMillis;
        volatile boolean dropped;

        PodState(String id, Instant readySince, int ordinal) {
            this.id = id;
            this.readySince = readySince;
            this.ordinal = ordinal;
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
        return index.pods;
    }
}
