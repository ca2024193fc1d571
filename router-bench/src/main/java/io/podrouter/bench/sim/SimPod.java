package io.podrouter.bench.sim;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;

/**
 * One model-server pod in the simulation, in one of two models:
 *
 * <p><b>Engine (vLLM continuous batching).</b> At each step boundary the scheduler admits waiting
 * requests in FIFO order while fewer than {@code maxNumSeqs} run and the KV cache can hold the new
 * sequence (prompt plus output tokens are reserved on admission, so admitted sequences are never
 * preempted; vLLM allocates blocks lazily and preempts instead, which this model does not reproduce).
 * A step then carries one decode token per decoding sequence plus prefill tokens of the admitted
 * sequences, FIFO, up to the {@code maxBatchedTokens} budget (chunked prefill). It lasts
 * {@link StepTimeModel#stepSeconds} with the step's context term, times the warm-up factor while the
 * pod warms up. A sequence whose prefill ends in a step emits its first token at the end of that step;
 * it then decodes one token per step and finishes {@code outputTokens - 1} steps later. Steps run back
 * to back while any sequence runs; a request arriving mid-step waits for the next boundary. The
 * bookkeeping is O(1) per step plus O(log n) per finishing sequence (a heap keyed by finishing step),
 * so that a pod with hundreds of running sequences costs little per step.
 *
 * <p><b>Exponential.</b> {@code maxNumSeqs} parallel servers behind one FIFO queue, each request taking
 * its exponentially distributed service time: an M/M/c queue, for checks against queueing theory.
 *
 * <p><b>Prefix caching.</b> When the scenario's workload carries token ids, the engine has vLLM's automatic
 * prefix cache ({@link PrefixCache}): on admission the longest cached prefix of whole 16-token blocks is
 * taken from the cache and only the rest of the prompt is prefilled (at least one token); after prefill the
 * prompt's blocks are cached; unreferenced blocks are evicted least recently used first when an admission
 * needs their space. A sequence then reserves its uncached prompt tokens plus its output, and shared cached
 * blocks count once against the KV capacity, however many running sequences use them. The step model charges
 * prefill per computed token only; attention over the cached prefix is in the decode context term, as before.
 * Requests without token ids bypass the cache, so workloads without content run exactly as without it.
 *
 * <p>Running, waiting and KV usage follow from this state. Each pod counts the output tokens it generates
 * per virtual second (the simulator's measure of work done). A restart ends the instance
 * ({@link #killAll()}); the simulation creates a fresh, cold one under the same id. Not thread-safe.
 */
final class SimPod {

    final int index;
    final String id;
    final double readyAt;
    /** Whether this pod instance started cold (added by the schedule or a rolling update, or restarted). */
    final boolean added;
    final double metricsFrom;
    final double warmupUntil;
    /** When this instance stopped being a ready member (removed or went down); +Inf while it is one. */
    double goneAt = Double.POSITIVE_INFINITY;
    /** Set when the pod went down (restart): its pending step events are ignored. */
    boolean dead;
    /** Output tokens generated (first tokens plus decode tokens) per virtual second of step end. */
    final double[] tokens;
    /** Busy time (an engine step running) per virtual second. */
    final double[] busy;
    /** Virtual time of the first request routed to this instance; NaN before. */
    double firstAssigned = Double.NaN;

    private final Simulation sim;
    private final Scenario scenario;
    private final StepTimeModel model;
    private final boolean engine;
    private final int maxSeqs;
    private final double warmupFactor;

    private final ArrayDeque<SimRequest> waiting = new ArrayDeque<>();
    private final java.util.Set<SimRequest> inService = new java.util.LinkedHashSet<>();
    private int waitingCount;
    private final ArrayDeque<SimRequest> prefilling = new ArrayDeque<>();
    private long prefillRemainingSum;
    private long prefillDoneTokens;
    private SimRequest[] decodeHeap = new SimRequest[64];
    private int decodeCount;
    private long sumPromptMinusEntry;
    private long kvReserved;
    private long step;
    private boolean stepping;
    private double stepStart;
    private long plannedPrefill;
    private int plannedDecode;
    private int busyServers;
    /** The prefix cache (content workloads on the engine model), or null. */
    final PrefixCache cache;
    /** Prompt tokens of admitted requests with content, and of those the tokens found in the cache. */
    long admittedPromptTokens;
    long cachedPromptTokens;

    // Latency observations since the last scrape (what the deltas of vLLM's histograms carry).
    double ttftSum;
    int ttftCount;
    double tpotSum;
    int tpotCount;
    double e2eSum;
    int e2eCount;
    double queueSum;
    int queueCount;
    boolean completedAny;

    SimPod(Simulation sim, Scenario scenario, int index, double readyAt, boolean added, double metricsFrom, int seconds) {
        this.tokens = new double[seconds];
        this.busy = new double[seconds];
        this.sim = sim;
        this.scenario = scenario;
        this.index = index;
        this.id = "pod-" + index;
        this.readyAt = readyAt;
        this.added = added;
        this.metricsFrom = metricsFrom;
        this.warmupUntil = added ? readyAt + scenario.warmupSeconds() : readyAt;
        this.model = scenario.stepModel();
        this.engine = scenario.podModel() == Scenario.PodModel.ENGINE;
        this.maxSeqs = scenario.maxNumSeqs();
        this.warmupFactor = scenario.warmupFactor();
        this.cache = engine && scenario.workload().hasContent() ? new PrefixCache(scenario.kvCapacityTokens()) : null;
        if (cache != null) {
            cache.listener(sim.peerFeed().cacheListener(id, readyAt));
        }
    }

    /** Sequences in the running batch (engine) or in service (exponential). */
    int running() {
        return engine ? prefilling.size() + decodeCount : busyServers;
    }

    int waiting() {
        return waitingCount;
    }

    /**
     * KV-cache usage fraction: prompt tokens prefilled plus tokens generated, over the capacity. With the prefix
     * cache: blocks in use by running sequences (their private reservations plus referenced cache blocks, each
     * counted once) over the capacity, as vLLM's {@code kv_cache_usage_perc} leaves unreferenced cached blocks out.
     */
    double kvUsage() {
        if (!engine) {
            return (double) busyServers / maxSeqs;
        }
        if (cache != null) {
            long inUse = kvReserved + (long) PrefixCache.BLOCK_TOKENS * cache.pinnedBlocks();
            return Math.min(1.0, (double) inUse / scenario.kvCapacityTokens());
        }
        long used = prefillDoneTokens + sumPromptMinusEntry + (long) decodeCount * (step + 1);
        return Math.min(1.0, (double) used / scenario.kvCapacityTokens());
    }

    /** A routed request arrives at the pod. */
    void accept(SimRequest r, double now) {
        r.state = SimRequest.QUEUED;
        waiting.addLast(r);
        waitingCount++;
        if (engine) {
            if (!stepping) {
                startStep(now);
            }
        } else if (busyServers < maxSeqs) {
            startService(now);
        }
    }

    /** The client gave up: drop the request wherever it is and free what it held. */
    void abort(SimRequest r) {
        switch (r.state) {
            case SimRequest.QUEUED:
                waitingCount--; // removed lazily from the deque
                break;
            case SimRequest.PREFILL:
                if (engine) {
                    prefilling.remove(r);
                    prefillRemainingSum -= r.prefillRemaining;
                    prefillDoneTokens -= r.prefillTokens - r.prefillRemaining;
                    release(r, false);
                }
                // Exponential model: the server stays busy until the service-end event (work already spent).
                break;
            case SimRequest.DECODE:
                removeFromHeap(r);
                decodeCount--;
                sumPromptMinusEntry -= r.promptTokens - r.decodeEntryStep;
                release(r, false);
                break;
            default:
                break;
        }
        r.state = SimRequest.DONE;
    }

    // ---- engine model ----

    private void startStep(double now) {
        while (prefilling.size() + decodeCount < maxSeqs && !waiting.isEmpty()) {
            SimRequest head = waiting.peekFirst();
            if (head.state == SimRequest.DONE) {
                waiting.pollFirst();
                continue;
            }
            boolean cached = cache != null && head.tokens != null;
            long need = head.kvReservation();
            if (cached) {
                int m = cache.match(head);
                need -= (long) PrefixCache.BLOCK_TOKENS * m;
            }
            if (cached ? !cache.fits(head, kvReserved, need) : kvReserved + need > scenario.kvCapacityTokens()) {
                if (prefilling.isEmpty() && decodeCount == 0) {
                    waiting.pollFirst();
                    waitingCount--;
                    head.state = SimRequest.DONE;
                    sim.failTooLarge(head, now);
                    continue;
                }
                break; // FIFO: the head waits for KV space, as vLLM's scheduler does
            }
            waiting.pollFirst();
            waitingCount--;
            head.state = SimRequest.PREFILL;
            head.admitted = now;
            if (cached) {
                cache.pin(head);
                cache.evictToFit(kvReserved + need);
                head.cachedTokens = head.matchedBlocks * PrefixCache.BLOCK_TOKENS;
                head.prefillTokens = head.promptTokens - head.cachedTokens;
                head.prefillRemaining = head.prefillTokens;
                admittedPromptTokens += head.promptTokens;
                cachedPromptTokens += head.cachedTokens;
            }
            head.kvHeld = need;
            prefilling.addLast(head);
            prefillRemainingSum += head.prefillRemaining;
            kvReserved += need;
        }
        int decode = decodeCount;
        if (decode == 0 && prefilling.isEmpty()) {
            stepping = false;
            return;
        }
        long budget = Math.max(0, scenario.maxBatchedTokens() - decode);
        plannedPrefill = Math.min(budget, prefillRemainingSum);
        plannedDecode = decode;
        long context = sumPromptMinusEntry + (long) decode * (step + 1);
        double seconds = model.stepSeconds(plannedPrefill, decode, context);
        if (now < warmupUntil) {
            seconds *= warmupFactor;
        }
        stepping = true;
        stepStart = now;
        sim.scheduleStepEnd(this, now + seconds);
    }

    /** The step started at {@code stepStart} ends now. */
    void endStep(double now) {
        if (dead) {
            return;
        }
        sim.recordBusy(this, stepStart, now, 1.0);
        int generated = plannedDecode;
        step++;
        long left = plannedPrefill;
        Iterator<SimRequest> it = prefilling.iterator();
        while (left > 0 && it.hasNext()) {
            SimRequest r = it.next();
            int granted = (int) Math.min(r.prefillRemaining, left);
            r.prefillRemaining -= granted;
            prefillRemainingSum -= granted;
            prefillDoneTokens += granted;
            left -= granted;
            if (r.prefillRemaining == 0) {
                it.remove();
                prefillDoneTokens -= r.prefillTokens;
                if (r.pins != null) {
                    long moved = cache.insertPrompt(r);
                    r.kvHeld -= moved;
                    kvReserved -= moved;
                }
                r.firstToken = now;
                generated++;
                sim.onFirstToken(this, r, now);
                if (r.outputTokens <= 1) {
                    release(r, true);
                    r.state = SimRequest.DONE;
                    sim.onComplete(this, r, now);
                } else {
                    r.state = SimRequest.DECODE;
                    r.decodeEntryStep = step;
                    r.finishStep = step + r.outputTokens - 1;
                    sumPromptMinusEntry += r.promptTokens - step;
                    decodeCount++;
                    pushHeap(r);
                }
            }
        }
        while (decodeCount > 0 && decodeHeap[0].finishStep <= step) {
            SimRequest r = decodeHeap[0];
            removeFromHeap(r);
            decodeCount--;
            sumPromptMinusEntry -= r.promptTokens - r.decodeEntryStep;
            release(r, true);
            r.state = SimRequest.DONE;
            sim.onComplete(this, r, now);
        }
        tokens[Math.min(tokens.length - 1, (int) now)] += generated;
        startStep(now);
    }

    /**
     * Frees what an ending sequence holds: its private KV reservation and, with the prefix cache, its block
     * references ({@code completed}: a finished sequence also caches its output's whole blocks).
     */
    private void release(SimRequest r, boolean completed) {
        kvReserved -= r.kvHeld;
        r.kvHeld = 0;
        if (r.pins != null) {
            cache.release(r, completed);
            cache.evictToFit(kvReserved);
        }
    }

    /**
     * The pod went down (restart): every request it holds is returned (their state set to DONE) for the
     * simulation to fail, and its pending events are ignored from now on.
     */
    java.util.List<SimRequest> killAll() {
        dead = true;
        java.util.List<SimRequest> out = new java.util.ArrayList<>();
        for (SimRequest r : waiting) {
            if (r.state != SimRequest.DONE) {
                out.add(r);
            }
        }
        out.addAll(prefilling);
        for (int i = 0; i < decodeCount; i++) {
            out.add(decodeHeap[i]);
        }
        out.addAll(inService);
        for (SimRequest r : out) {
            r.state = SimRequest.DONE;
        }
        waiting.clear();
        prefilling.clear();
        inService.clear();
        decodeCount = 0;
        waitingCount = 0;
        return out;
    }

    private void pushHeap(SimRequest r) {
        if (decodeCount > decodeHeap.length) {
            decodeHeap = Arrays.copyOf(decodeHeap, decodeHeap.length * 2);
        }
        int i = decodeCount - 1; // decodeCount already counts r
        siftUp(i, r);
    }

    private void removeFromHeap(SimRequest r) {
        int i = r.heapIndex;
        int last = decodeCount - 1; // decodeCount still counts r
        SimRequest moved = decodeHeap[last];
        decodeHeap[last] = null;
        r.heapIndex = -1;
        if (i != last) {
            siftDown(i, moved, last);
            if (decodeHeap[i] == moved) {
                siftUp(i, moved);
            }
        }
    }

    private void siftUp(int i, SimRequest r) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            SimRequest p = decodeHeap[parent];
            if (p.finishStep <= r.finishStep) {
                break;
            }
            decodeHeap[i] = p;
            p.heapIndex = i;
            i = parent;
        }
        decodeHeap[i] = r;
        r.heapIndex = i;
    }

    private void siftDown(int i, SimRequest r, int size) {
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && decodeHeap[right].finishStep < decodeHeap[child].finishStep) {
                child = right;
            }
            SimRequest c = decodeHeap[child];
            if (r.finishStep <= c.finishStep) {
                break;
            }
            decodeHeap[i] = c;
            c.heapIndex = i;
            i = child;
        }
        decodeHeap[i] = r;
        r.heapIndex = i;
    }

    // ---- exponential model ----

    private void startService(double now) {
        while (busyServers < maxSeqs && !waiting.isEmpty()) {
            SimRequest r = waiting.pollFirst();
            if (r.state == SimRequest.DONE) {
                continue;
            }
            waitingCount--;
            r.state = SimRequest.PREFILL;
            r.admitted = now;
            busyServers++;
            inService.add(r);
            double service = now < warmupUntil ? r.serviceSeconds * warmupFactor : r.serviceSeconds;
            sim.recordBusy(this, now, now + service, 1.0 / maxSeqs);
            sim.scheduleServiceEnd(this, r, now + service);
        }
    }

    /** An exponential-model service ends. */
    void endService(SimRequest r, double now) {
        if (dead) {
            return;
        }
        busyServers--;
        inService.remove(r);
        if (r.state != SimRequest.DONE) {
            r.state = SimRequest.DONE;
            tokens[Math.min(tokens.length - 1, (int) now)] += 1;
            r.firstToken = now;
            sim.onFirstToken(this, r, now);
            sim.onComplete(this, r, now);
        }
        startService(now);
    }
}
