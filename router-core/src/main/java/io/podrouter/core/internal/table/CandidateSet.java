package io.podrouter.core.internal.table;

import io.podrouter.api.Candidates;
import io.podrouter.api.Pod;
import org.jspecify.annotations.Nullable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;

/**
 * <b>Internal: not API, not exported by the module.</b> The router's implementation of {@link Candidates}:
 * the pods' handles in the given order and one {@link MetricsTable} per model requested so far, replaced
 * copy-on-write. Thread-safe.
 */
public final class CandidateSet implements Candidates {

    private static final VarHandle TABLES;

    static {
        try {
            TABLES = MethodHandles.lookup().findVarHandle(CandidateSet.class, "tables", MetricsTable[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Bound on models per set, so that requests naming arbitrary models cannot grow memory without limit. */
    static final int MAX_MODELS = 32;

    /** The router that made the set: a set is accepted only by its own router. */
    private final Object owner;
    /** Builds this set's tables (the owner's builder). */
    private final TableBuilder tableBuilder;
    /** Numbers table builds in the order they start. */
    private final java.util.concurrent.atomic.AtomicLong builds = new java.util.concurrent.atomic.AtomicLong();
    /** Creation order within the owner: refreshes visit sets in this order, so runs are reproducible. */
    private final long serial;
    private final PodHandle[] handles;
    private final List<Pod> pods;
    private volatile MetricsTable[] tables = new MetricsTable[0];
    /** The chain's prepared state for these pods, as (strategy, state) pairs; null when no strategy prepares any. */
    private final Object @Nullable [] prepared;

    /**
     * @param owner        the router making the set (compared by identity in {@link #isOwnedBy})
     * @param tableBuilder the owner's table builder
     * @param serial       the set's creation order within the owner
     * @param handles      the pods' handles, in the order of {@code pods}; not copied
     * @param pods         the pods, unmodifiable
     * @param prepared     the chain's prepared state for these pods, as (strategy, state) pairs, or null for none
     */
    public CandidateSet(Object owner, TableBuilder tableBuilder, long serial, PodHandle[] handles, List<Pod> pods,
                        Object @Nullable [] prepared) {
        this.owner = owner;
        this.tableBuilder = tableBuilder;
        this.serial = serial;
        this.handles = handles;
        this.pods = pods;
        this.prepared = prepared;
    }

    @Override
    public List<Pod> pods() {
        return pods;
    }

    @Override
    public int size() {
        return handles.length;
    }

    /** Whether {@code router} made this set (identity). */
    public boolean isOwnedBy(Object router) {
        return owner == router;
    }

    /** The set's creation order within its router: refreshes visit sets in this order. */
    public long serial() {
        return serial;
    }

    /** The pods' handles, in the set's order; the set's own array, not to be modified. */
    public PodHandle[] handles() {
        return handles;
    }

    /**
     * The table for {@code model} (not null); built on first use (the only time a selection pays for lookups),
     * on the caller's thread.
     */
    public MetricsTable table(String model) {
        MetricsTable[] current = tables;
        for (MetricsTable t : current) {
            if (t.model.equals(model)) {
                if (!t.used) {
                    t.used = true;
                }
                return t;
            }
        }
        long seq = builds.incrementAndGet();
        MetricsTable built = install(tableBuilder.build(model, handles, null).withPrepared(prepared), seq);
        built.used = true;
        return built;
    }

    /**
     * Rebuilds every table selections have read since the last refresh, and every table with a cold
     * candidate (so that its cold start, first metrics and warm-up, is tracked without traffic too);
     * drops the others, which are rebuilt on demand.
     */
    public void refresh() {
        for (MetricsTable t : tables) {
            if (t.used || t.anyCold) {
                t.used = false;
                long seq = builds.incrementAndGet();
                MetricsTable fresh = install(tableBuilder.build(t.model, handles, t).withPrepared(prepared), seq);
                if (t.used) {
                    fresh.used = true; // a selection read the old table during the build: keep the new one
                }
            } else {
                remove(t);
            }
        }
    }

    boolean hasTables() {
        return tables.length > 0;
    }

    /**
     * Installs {@code fresh} unless a table of a build that started later is installed already (builds
     * of one set can overlap: a first selection's build and a refresh). Build order, not build time:
     * two builds in the same millisecond must not let the one that started first win.
     */
    private MetricsTable install(MetricsTable fresh, long seq) {
        fresh.buildSeq = seq; // published by the CAS below
        while (true) {
            MetricsTable[] current = tables;
            MetricsTable[] next = null;
            for (int i = 0; i < current.length; i++) {
                if (current[i].model.equals(fresh.model)) {
                    if (current[i].buildSeq > seq) {
                        return current[i]; // a newer table won the race
                    }
                    next = current.clone();
                    next[i] = fresh;
                    break;
                }
            }
            if (next == null) {
                int keep = Math.min(current.length, MAX_MODELS - 1);
                // Evict the oldest tables past the bound; they are rebuilt on demand.
                next = Arrays.copyOfRange(current, current.length - keep, current.length + 1);
                next[keep] = fresh;
            }
            if (TABLES.compareAndSet(this, current, next)) {
                return fresh;
            }
        }
    }

    private void remove(MetricsTable stale) {
        while (true) {
            MetricsTable[] current = tables;
            int at = Arrays.asList(current).indexOf(stale);
            if (at < 0) {
                return;
            }
            MetricsTable[] next = new MetricsTable[current.length - 1];
            System.arraycopy(current, 0, next, 0, at);
            System.arraycopy(current, at + 1, next, at, current.length - at - 1);
            if (TABLES.compareAndSet(this, current, next)) {
                return;
            }
        }
    }
}
