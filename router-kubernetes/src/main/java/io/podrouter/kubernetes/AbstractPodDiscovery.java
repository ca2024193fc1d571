package io.podrouter.kubernetes;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.podrouter.api.Pod;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The machinery both discoveries share: informers that only mark the state dirty, a debounced rebuild from
 * the informers' caches, publishing on change, and the staleness state. Subclasses say which informers to
 * run ({@link #startInformers}) and how to turn their caches into endpoint lists ({@link #rebuild}).
 *
 * <p>Threading: rebuilds and health checks run on the scheduler, one at a time (a lock makes that hold
 * even on a multi-threaded scheduler); informer callbacks only set a flag and schedule.
 */
abstract class AbstractPodDiscovery implements PodDiscovery {

    private static final Logger LOG = LoggerFactory.getLogger(PodDiscovery.class);
    /** Health checks in a row that must see an informer not watching before it counts as stale. */
    private static final int MISSES_BEFORE_STALE = 2;

    private final String description;
    private final List<PodDiscoveryListener> listeners;
    private final long debounceNanos;
    private final Duration startTimeout;
    private final Duration stalenessCheck;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;

    private final Object rebuildLock = new Object();
    private final Object lifecycleLock = new Object();
    private final AtomicBoolean rebuildPending = new AtomicBoolean();
    private final AtomicLong rebuilds = new AtomicLong();
    private final AtomicLong publications = new AtomicLong();
    private final List<Tracked> tracked = new CopyOnWriteArrayList<>();

    private volatile Map<String, List<Pod>> published = Map.of();
    private volatile List<Pod> all = List.of();
    private volatile boolean stale;
    private volatile boolean closed;
    private boolean started;
    private @Nullable ScheduledFuture<?> healthTask;
    private @Nullable String lastRebuildError;

    AbstractPodDiscovery(String description, Settings s) {
        this.description = description;
        this.listeners = List.copyOf(s.listeners);
        this.debounceNanos = s.debounce.toNanos();
        this.startTimeout = s.startTimeout;
        this.stalenessCheck = s.stalenessCheck;
        ScheduledExecutorService given = s.scheduler;
        if (given == null) {
            this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "podrouter-k8s-discovery");
                t.setDaemon(true);
                return t;
            });
            this.ownsScheduler = true;
        } else {
            this.scheduler = given;
            this.ownsScheduler = false;
        }
    }

    /**
     * Starts the informers and waits for their first state; publish it with {@link #rebuildNow(long)}.
     *
     * @param deadlineNanos the {@link System#nanoTime()} by which everything must have synced
     */
    abstract void startInformers(long deadlineNanos);

    /**
     * Rebuilds every model's endpoint list from the informers' caches (called under the rebuild lock). Models
     * absent from the result have no endpoints. Null means "not known yet" (an informer is still loading):
     * the published state is kept.
     */
    abstract @Nullable Map<String, List<Pod>> rebuild();

    @Override
    public final void start() {
        synchronized (lifecycleLock) {
            if (closed) {
                throw new IllegalStateException(description + ": closed (expected: a discovery not yet closed)");
            }
            if (started) {
                return;
            }
            started = true;
        }
        long deadline = System.nanoTime() + startTimeout.toNanos();
        try {
            startInformers(deadline);
            synchronized (lifecycleLock) {
                if (!closed) {
                    long period = stalenessCheck.toNanos();
                    healthTask = scheduler.scheduleWithFixedDelay(this::checkHealth, period, period, TimeUnit.NANOSECONDS);
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public final List<Pod> pods(String model) {
        Objects.requireNonNull(model, "model: null (expected: a model name)");
        return published.getOrDefault(model, List.of());
    }

    @Override
    public final Map<String, List<Pod>> podsByModel() {
        return published;
    }

    @Override
    public final List<Pod> allPods() {
        return all;
    }

    @Override
    public final boolean isStale() {
        return stale;
    }

    @Override
    public final void close() {
        synchronized (lifecycleLock) {
            if (closed) {
                return;
            }
            closed = true;
            if (healthTask != null) {
                healthTask.cancel(false);
            }
        }
        for (Tracked t : tracked) {
            untrack(t);
        }
        if (ownsScheduler) {
            scheduler.shutdownNow();
        }
    }

    /** Rebuilds performed so far (tests pin the debounce with it). */
    final long rebuildCount() {
        return rebuilds.get();
    }

    /** Rebuilds that changed and published at least one model's list. */
    final long publicationCount() {
        return publications.get();
    }

    final String description() {
        return description;
    }

    /**
     * Registers an informer (not started): its events mark the state dirty, its list/watch errors are retried
     * forever and make the discovery stale until it watches again.
     */
    final Tracked track(SharedIndexInformer<?> informer, String what) {
        Tracked t = new Tracked(informer, what);
        configure(informer, t);
        tracked.add(t);
        return t;
    }

    private <T> void configure(SharedIndexInformer<T> informer, Tracked t) {
        informer.exceptionHandler((isStarted, error) -> {
            t.lastError = error;
            t.failing = true;
            if (!closed && !t.stopped) {
                executeQuietly(this::checkHealth);
            }
            // Retry no matter what: the last good state stays published meanwhile.
            return true;
        });
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T obj) {
                markDirty();
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                markDirty();
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                markDirty();
            }

            @Override
            public void onNothing() {
                markDirty();
            }
        });
    }

    /** Stops and forgets an informer. */
    final void untrack(Tracked t) {
        t.stopped = true;
        tracked.remove(t);
        t.informer.stop();
    }

    /** Starts the informer (once) and marks the state dirty when its first list has been loaded. */
    final CompletableFuture<Void> startTracked(Tracked t) {
        synchronized (t) {
            CompletableFuture<Void> f = t.startFuture;
            if (f == null) {
                f = t.informer.start().toCompletableFuture();
                f.whenComplete((v, e) -> {
                    if (e == null) {
                        // Synced means listed and watching; the health check must not miss a loss right after.
                        t.watched = true;
                    }
                    markDirty();
                });
                t.startFuture = f;
            }
            return f;
        }
    }

    /**
     * Starts {@code t} and waits for its first list.
     *
     * @throws DiscoveryStartException when it does not arrive before the deadline
     */
    final void awaitSynced(Tracked t, long deadlineNanos) {
        CompletableFuture<Void> f = startTracked(t);
        try {
            f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new DiscoveryStartException(description + ": " + t.what + " did not load within " + startTimeout
                    + " (expected: a reachable API server and RBAC get/list/watch on it)"
                    + (t.lastError == null ? "" : "; last error: " + t.lastError), t.lastError);
        } catch (ExecutionException e) {
            throw new DiscoveryStartException(description + ": " + t.what + " failed to start: " + e.getCause(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DiscoveryStartException(description + ": interrupted while waiting for " + t.what, e);
        }
    }

    /** Runs a rebuild on the scheduler now and waits for it (start-up only). */
    final void rebuildNow(long deadlineNanos) {
        rebuildPending.set(false);
        try {
            scheduler.submit(this::runRebuild).get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new DiscoveryStartException(description + ": first rebuild did not finish within " + startTimeout
                    + " (expected: listeners that return promptly)", null);
        } catch (ExecutionException e) {
            throw new DiscoveryStartException(description + ": first rebuild failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DiscoveryStartException(description + ": interrupted during the first rebuild", e);
        } catch (RejectedExecutionException e) {
            throw new DiscoveryStartException(description + ": scheduler rejected the first rebuild", e);
        }
    }

    /** Something changed: rebuild after the debounce, unless a rebuild is already pending. */
    final void markDirty() {
        if (closed || !rebuildPending.compareAndSet(false, true)) {
            return;
        }
        try {
            scheduler.schedule(this::runRebuild, debounceNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            rebuildPending.set(false);
            if (!closed) {
                LOG.error("{}: scheduler rejected a rebuild; discovery will not update", description, e);
            }
        }
    }

    private void runRebuild() {
        synchronized (rebuildLock) {
            if (closed) {
                return;
            }
            // Cleared before reading the caches: an event from now on schedules another rebuild.
            rebuildPending.set(false);
            rebuilds.incrementAndGet();
            for (Tracked t : tracked) {
                if (!t.informer.hasSynced()) {
                    // Loading (first list, new selector): keep what is published;
                    // the informer's sync marks the state dirty again.
                    return;
                }
            }
            Map<String, List<Pod>> next;
            try {
                next = rebuild();
                lastRebuildError = null;
            } catch (RuntimeException e) {
                String msg = String.valueOf(e);
                if (!msg.equals(lastRebuildError)) {
                    LOG.error("{}: rebuilding the endpoint lists failed; keeping the last published ones", description, e);
                    lastRebuildError = msg;
                }
                return;
            }
            if (next != null) {
                publish(next);
            }
        }
    }

    private void publish(Map<String, List<Pod>> next) {
        Map<String, List<Pod>> prev = published;
        Map<String, List<Pod>> normalized = new TreeMap<>();
        for (Map.Entry<String, List<Pod>> e : next.entrySet()) {
            if (!e.getValue().isEmpty()) {
                List<Pod> sorted = new ArrayList<>(e.getValue());
                sorted.sort(Comparator.comparing(Pod::id));
                normalized.put(e.getKey(), List.copyOf(sorted));
            }
        }
        TreeSet<String> changed = new TreeSet<>();
        TreeSet<String> models = new TreeSet<>(prev.keySet());
        models.addAll(normalized.keySet());
        for (String m : models) {
            if (!prev.getOrDefault(m, List.of()).equals(normalized.getOrDefault(m, List.of()))) {
                changed.add(m);
            }
        }
        if (changed.isEmpty()) {
            return;
        }
        List<Pod> flat = new ArrayList<>();
        normalized.values().forEach(flat::addAll);
        flat.sort(Comparator.comparing(Pod::id));
        published = java.util.Collections.unmodifiableMap(normalized);
        all = List.copyOf(flat);
        publications.incrementAndGet();
        for (String m : changed) {
            List<Pod> list = normalized.getOrDefault(m, List.of());
            LOG.debug("{}: model '{}' now has {} endpoints", description, m, list.size());
            for (PodDiscoveryListener l : listeners) {
                try {
                    l.podsChanged(m, list);
                } catch (RuntimeException e) {
                    LOG.warn("{}: listener {} failed on model '{}'", description, l, m, e);
                }
            }
        }
    }

    /**
     * Updates {@link #isStale()}: stale while an informer reports list/watch errors or has been seen not
     * watching on {@value #MISSES_BEFORE_STALE} checks in a row; fresh again once every informer watches. The
     * informer itself resumes its watch from the last resource version it saw (the API server then replays
     * what happened meanwhile, or answers 410 Gone and the informer lists everything again, reporting pods
     * deleted meanwhile through {@code onDelete(pod, true)}); either way its events trigger a rebuild.
     */
    private void checkHealth() {
        synchronized (rebuildLock) {
            if (closed) {
                return;
            }
            boolean nowStale = false;
            Throwable cause = null;
            for (Tracked t : tracked) {
                if (t.informer.isWatching()) {
                    t.failing = false;
                    t.misses = 0;
                    t.watched = true;
                } else if (t.watched || t.failing) {
                    t.misses++;
                }
                if (t.failing || t.misses >= MISSES_BEFORE_STALE) {
                    nowStale = true;
                    if (cause == null) {
                        cause = t.lastError;
                    }
                }
            }
            if (nowStale == stale) {
                return;
            }
            stale = nowStale;
            if (nowStale) {
                LOG.warn("{}: stale, the Kubernetes API server is not reachable; keeping the last {} endpoints ({})",
                        description, all.size(), cause == null ? "watch lost" : String.valueOf(cause));
            } else {
                LOG.info("{}: watching again, no longer stale", description);
                markDirty();
            }
            for (PodDiscoveryListener l : listeners) {
                try {
                    l.staleChanged(nowStale);
                } catch (RuntimeException e) {
                    LOG.warn("{}: listener {} failed on staleChanged({})", description, l, nowStale, e);
                }
            }
        }
    }

    private void executeQuietly(Runnable r) {
        try {
            scheduler.execute(r);
        } catch (RejectedExecutionException e) {
            if (!closed) {
                LOG.error("{}: scheduler rejected a health check", description, e);
            }
        }
    }

    /** One informer and what the health check knows about it. */
    static final class Tracked {
        final SharedIndexInformer<?> informer;
        final String what;
        volatile @Nullable Throwable lastError;
        volatile boolean failing;
        volatile boolean stopped;
        volatile boolean watched;
        int misses;
        @Nullable CompletableFuture<Void> startFuture;

        Tracked(SharedIndexInformer<?> informer, String what) {
            this.informer = informer;
            this.what = what;
        }
    }
}
