package io.podrouter.bench.cachepeers;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LongLruMapTest {

    @Test
    void behavesLikeAnInsertionOrderedLinkedHashMapWithEvictionUnderRandomOperations() {
        SplittableRandom random = new SplittableRandom(11);
        int capacity = 50;
        LongLruMap map = new LongLruMap(capacity);
        LinkedHashMap<Long, Long> reference = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
                return size() > capacity;
            }
        };
        for (int op = 0; op < 200_000; op++) {
            // keys from a small range collide often; multiples of 1024 stress one probe chain
            long key = random.nextBoolean() ? random.nextInt(120) : random.nextInt(40) * 1024L;
            switch (random.nextInt(4)) {
                case 0, 1 -> {
                    long value = random.nextLong(1_000_000);
                    map.put(key, value);
                    reference.remove(key);
                    reference.put(key, value);
                }
                case 2 -> assertThat(map.remove(key)).isEqualTo(reference.remove(key) != null);
                default -> {
                    if (random.nextInt(10) == 0) {
                        map.removeOldest();
                        if (!reference.isEmpty()) {
                            reference.remove(reference.keySet().iterator().next());
                        }
                    }
                }
            }
            Long expected = reference.get(key);
            assertThat(map.get(key)).isEqualTo(expected == null ? LongLruMap.ABSENT : expected);
            assertThat(map.size()).isEqualTo(reference.size());
            assertThat(map.oldestValue()).isEqualTo(reference.isEmpty() ? LongLruMap.ABSENT
                    : reference.values().iterator().next());
        }
        for (Map.Entry<Long, Long> e : reference.entrySet()) {
            assertThat(map.get(e.getKey())).isEqualTo(e.getValue());
        }
    }

    @Test
    void rejectsACapacityBelowOne() {
        assertThatThrownBy(() -> new LongLruMap(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("capacity: 0 (expected: >= 1)");
    }
}
