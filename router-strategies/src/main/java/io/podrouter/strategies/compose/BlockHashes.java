package io.podrouter.strategies.compose;

import io.podrouter.api.InferenceRequest;
import org.jspecify.annotations.Nullable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The chained block hashes of a request's prompt for {@link PrefixCacheScorer} (its class comment describes the
 * blocks), computed once per request and thread into per-thread scratch. Thread-safe.
 */
final class BlockHashes {

    private static final VarHandle LE_LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final int blockChars;
    private final int blockTokens;
    private final int maxBlocks;
    private final ThreadLocal<Scratch> scratch;

    BlockHashes(int blockChars, int blockTokens, int maxBlocks) {
        this.blockChars = blockChars;
        this.blockTokens = blockTokens;
        this.maxBlocks = maxBlocks;
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(blockChars, maxBlocks));
    }

    /** This thread's scratch holding {@code request}'s block hashes; recomputed only for another request. */
    Scratch of(InferenceRequest request) {
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
        return PrefixCacheScorer.mix(adapter == null ? h : h * 31 + SessionAffinityScorer.hash(adapter));
    }

    private int tokenHashes(InferenceRequest r, long seed, long[] out) {
        int blocks = Math.min(maxBlocks, r.tokenIdCount() / blockTokens);
        long h = seed;
        for (int b = 0, t = 0; b < blocks; b++) {
            long x = h;
            for (int end = t + blockTokens; t < end; t++) {
                x = (x ^ r.tokenIdAt(t)) * 0x100000001B3L;
            }
            h = PrefixCacheScorer.mix(x + b);
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
            h = PrefixCacheScorer.mix(h0 ^ Long.rotateLeft(h1, 17) ^ Long.rotateLeft(h2, 31) ^ Long.rotateLeft(h3, 47));
            s.hashes[b] = h;
        }
        return blocks;
    }

    /** Per-thread block hashes of the thread's last request. */
    static final class Scratch {
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
}
