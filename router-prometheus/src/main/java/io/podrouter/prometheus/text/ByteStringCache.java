package io.podrouter.prometheus.text;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Maps byte ranges to Strings, returning the same String for the same bytes, so that parsing a body
 * whose names and label values were seen before allocates nothing. Starts small and grows with use;
 * bounded: when {@code maxEntries} is reached it is emptied, which keeps memory bounded for bodies with
 * endless distinct values. Not thread-safe.
 */
final class ByteStringCache {

    private final int maxEntries;
    private int mask;
    private byte[][] keys;
    private int[] hashes;
    private String[] values;
    private int size;

    ByteStringCache(int maxEntries) {
        this.maxEntries = maxEntries;
        allocate(64);
    }

    private void allocate(int capacity) {
        mask = capacity - 1;
        keys = new byte[capacity][];
        hashes = new int[capacity];
        values = new String[capacity];
        size = 0;
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
        byte[] key = Arrays.copyOfRange(buf, start, end);
        String value = new String(key, StandardCharsets.UTF_8);
        if (size >= maxEntries) {
            allocate(keys.length); // forget everything: bounded memory for endless distinct values
        } else if (size * 2 >= keys.length) {
            grow();
        }
        put(key, h, value);
        return value;
    }

    private void grow() {
        byte[][] oldKeys = keys;
        int[] oldHashes = hashes;
        String[] oldValues = values;
        allocate(oldKeys.length * 2);
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != null) {
                put(oldKeys[j], oldHashes[j], oldValues[j]);
            }
        }
    }

    private void put(byte[] key, int h, String value) {
        int i = h & mask;
        while (keys[i] != null) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        hashes[i] = h;
        values[i] = value;
        size++;
    }
}
