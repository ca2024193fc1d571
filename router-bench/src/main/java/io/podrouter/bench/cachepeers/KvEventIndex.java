package io.podrouter.bench.cachepeers;

import io.podrouter.api.Pod;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Which KV blocks each pod instance holds, as a router that subscribes to the engines' KV-cache events
 * knows it (Dynamo's {@code KvIndexer}, its default): a block is held from its {@code stored} event until
 * its {@code removed} event, each taking effect {@code delayNanos} after the cache changed (the time the
 * event spends between the engine and the router's index). Nothing is predicted from routing decisions and
 * nothing expires. Pod instances are keyed by id and ready instant, so a restarted pod starts empty.
 *
 * <p>Events wait in arrival order and are applied when a lookup finds them due, so the index never runs a
 * timer of its own. Thread-safe: one lock for the queue and the tables. A bench model.
 */
final class KvEventIndex implements PeerFeed.KvEventListener {

    private final long delayNanos;
    private final LongSupplier nanoClock;
    private final ArrayDeque<Event> pending = new ArrayDeque<>();
    private final Map<Life, LongLruMap> tables = new HashMap<>();

    /**
     * @param delayNanos how long after a cache change its event reaches the index, &gt;= 0
     * @param nanoClock  monotonic time in nanoseconds (the simulation's virtual clock)
     */
    KvEventIndex(long delayNanos, LongSupplier nanoClock) {
        if (delayNanos < 0) {
            throw new IllegalArgumentException("kvEventDelayNanos: " + delayNanos + " (expected: >= 0)");
        }
        this.delayNanos = delayNanos;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock: null (expected: a nanosecond clock)");
    }

    @Override
    public synchronized void stored(String podId, Instant readySince, long blockHash) {
        pending.add(new Event(nanoClock.getAsLong() + delayNanos, new Life(podId, readySince), blockHash, true));
    }

    @Override
    public synchronized void removed(String podId, Instant readySince, long blockHash) {
        pending.add(new Event(nanoClock.getAsLong() + delayNanos, new Life(podId, readySince), blockHash, false));
    }

    /** The number of leading blocks of {@code hashes[0..count)} that {@code pod}'s instance holds now. */
    synchronized int matched(Pod pod, long[] hashes, int count) {
        drain();
        LongLruMap t = tables.get(new Life(pod.id(), pod.readySince()));
        if (t == null) {
            return 0;
        }
        int m = 0;
        while (m < count && t.get(hashes[m]) != LongLruMap.ABSENT) {
            m++;
        }
        return m;
    }

    /** Blocks held for {@code pod}'s instance after applying the due events. For tests. */
    synchronized int size(Pod pod) {
        drain();
        LongLruMap t = tables.get(new Life(pod.id(), pod.readySince()));
        return t == null ? 0 : t.size();
    }

    private void drain() {
        long now = nanoClock.getAsLong();
        for (Event e = pending.peek(); e != null && e.at <= now; e = pending.peek()) {
            pending.poll();
            if (e.stored) {
                tables.computeIfAbsent(e.life, k -> new LongLruMap(Integer.MAX_VALUE)).put(e.hash, 1);
            } else {
                LongLruMap t = tables.get(e.life);
                if (t != null) {
                    t.remove(e.hash);
                }
            }
        }
    }

    /** One life of a pod: its id and the instant it became ready (null for a pod record without one). */
    private record Life(String id, Instant readySince) {
    }

    private record Event(long at, Life life, long hash, boolean stored) {
    }
}
