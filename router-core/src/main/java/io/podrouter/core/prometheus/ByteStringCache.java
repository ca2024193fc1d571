package io.podrouter.core.prometheus;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Maps byte ranges to Strings, returning the same String for the same bytes, so that parsing a body
 * whose names and label values were seen before allocates nothing. Bounded: when {@code maxEntries} is
 * reached the cache is emptied, which keeps memory bounded for bodies with endless distinct values.
 * Not thread-safe.
 */
final class ByteStringCache {

    private final int maxEntries;
    private final int mask;
    private final byte[][] keys;
    private final int[] hashes;
    private final String[] values;
    private int size;

    ByteStringCache(int maxEntries) {
        this.maxEntries = maxEntries;
        int capacity = Integer.highestOneBit(maxEntries * 2 - 1) << 1;
        this.mask = capacity - 1;
        this.keys = new byte[capacity][];
        this.hashes = new int[capacity];
        this.values = new String[capacity];
    }

    String get(byte[] buf, int start, int end) {
        int h = 1;
        for (int i = start; i < end; i++) {
            h = 31 * h + buf[i];
        }
        h ^= h >>> 16;
        int i = h & mask;
        for (byte[] k = keys[i]; k != null; k = keys[i]) {
            if (hashes[i] == h && Arrays.equals(k, 0, k.length, buf, start, end)) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        if (size >= maxEntries) {
            Arrays.fill(keys, null);
            Arrays.fill(values, null);
            size = 0;
            i = h & mask;
        }
        byte[] key = Arrays.copyOfRange(buf, start, end);
        String value = new String(key, StandardCharsets.UTF_8);
        keys[i] = key;
        hashes[i] = h;
        values[i] = value;
        size++;
        return value;
    }
}
