package io.podrouter.bench.cachepeers;

import io.podrouter.api.InferenceRequest;

/**
 * The prompt blocks the peers index, as chained hashes: block {@code b}'s hash covers every token of
 * blocks {@code 0..b}, so a block matches only when the whole prefix up to it does (vLLM's automatic
 * prefix caching identifies KV blocks this way; llm-d's, AIBrix's and Dynamo's approximate indexes
 * hash token blocks the same way).
 *
 * <p>With token ids, blocks are {@code blockTokens} tokens (default {@value #BLOCK_TOKENS}, vLLM's block
 * size). Without token ids, blocks are {@code blockTokens x }{@link InferenceRequest#CHARS_PER_TOKEN_ESTIMATE}
 * characters of the prompt. By default only whole blocks count; with {@code partialLast} the tokens after
 * the last whole block form one more, shorter block (llm-d hashes its prompts that way). At most
 * {@code maxBlocks} are hashed. A request with neither token ids nor a prompt has no blocks, so it
 * matches nowhere.
 *
 * <p>One instance per strategy; thread-safe: each thread keeps the hashes of its last request, so the
 * selection callback that follows a pick on the same thread reuses them (it keeps a reference to that
 * request).
 */
final class BlockHashes {

    /** Tokens per block: vLLM's default block size. */
    static final int BLOCK_TOKENS = 16;
    /** Characters per block when the request carries no token ids. */
    static final int BLOCK_CHARS = BLOCK_TOKENS * InferenceRequest.CHARS_PER_TOKEN_ESTIMATE;

    private final int maxBlocks;
    private final int blockTokens;
    private final int blockChars;
    private final boolean partialLast;
    private final ThreadLocal<Scratch> scratch;

    /** Whole blocks of {@value #BLOCK_TOKENS} tokens. @param maxBlocks the most blocks hashed per request, &gt;= 1 */
    BlockHashes(int maxBlocks) {
        this(maxBlocks, BLOCK_TOKENS, false);
    }

    /**
     * @param maxBlocks   the most blocks hashed per request, &gt;= 1
     * @param blockTokens tokens per block, &gt;= 1
     * @param partialLast whether the tokens after the last whole block count as one more block
     */
    BlockHashes(int maxBlocks, int blockTokens, boolean partialLast) {
        if (maxBlocks < 1) {
            throw new IllegalArgumentException("maxBlocks: " + maxBlocks + " (expected: >= 1)");
        }
        if (blockTokens < 1) {
            throw new IllegalArgumentException("blockTokens: " + blockTokens + " (expected: >= 1)");
        }
        this.maxBlocks = maxBlocks;
        this.blockTokens = blockTokens;
        this.blockChars = blockTokens * InferenceRequest.CHARS_PER_TOKEN_ESTIMATE;
        this.partialLast = partialLast;
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(maxBlocks));
    }

    /** Tokens per block. */
    int blockTokens() {
        return blockTokens;
    }

    /** The hashes of {@code request}'s whole blocks; valid until this thread asks for another request. */
    Scratch of(InferenceRequest request) {
        Scratch s = scratch.get();
        if (s.request != request) {
            s.count = request.tokenIdCount() >= 0 ? tokens(request, s.hashes) : chars(request.prompt(), s.hashes);
            s.request = request;
        }
        return s;
    }

    private int blocks(int length, int blockSize) {
        int whole = length / blockSize;
        return Math.min(maxBlocks, partialLast && length % blockSize != 0 ? whole + 1 : whole);
    }

    private int tokens(InferenceRequest r, long[] out) {
        int n = r.tokenIdCount();
        int blocks = blocks(n, blockTokens);
        long h = 0x9E3779B97F4A7C15L;
        for (int b = 0, t = 0; b < blocks; b++) {
            long x = h;
            for (int end = Math.min(n, t + blockTokens); t < end; t++) {
                x = (x ^ r.tokenIdAt(t)) * 0x100000001B3L;
            }
            h = mix(x + b);
            out[b] = h;
        }
        return blocks;
    }

    private int chars(String prompt, long[] out) {
        if (prompt == null) {
            return 0;
        }
        int n = prompt.length();
        int blocks = blocks(n, blockChars);
        long h = 0xC2B2AE3D27D4EB4FL;
        for (int b = 0, c = 0; b < blocks; b++) {
            long x = h;
            for (int end = Math.min(n, c + blockChars); c < end; c++) {
                x = (x ^ prompt.charAt(c)) * 0x100000001B3L;
            }
            h = mix(x + b);
            out[b] = h;
        }
        return blocks;
    }

    /** splitmix64's finaliser, so every input bit reaches the hash. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** One thread's hashes of its last request. */
    static final class Scratch {
        final long[] hashes;
        int count;
        InferenceRequest request;

        Scratch(int maxBlocks) {
            hashes = new long[maxBlocks];
        }
    }
}
