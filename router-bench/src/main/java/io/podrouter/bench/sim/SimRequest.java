package io.podrouter.bench.sim;

import io.podrouter.api.PodSelection;

/**
 * One simulated request and its progress through the gateway and a pod. Mutable, owned by the simulation
 * thread. Times are virtual seconds; NaN until the event happened.
 */
final class SimRequest {

    static final int QUEUED = 0;
    static final int PREFILL = 1;
    static final int DECODE = 2;
    static final int DONE = 3;

    final long id;
    final double arrival;
    final int promptTokens;
    final int outputTokens;
    /** Service time for the exponential pod model (seconds); unused by the engine model. */
    final double serviceSeconds;
    final boolean coldWindow;
    /** The gateway replica (router index) the request arrived at. */
    final int router;
    /** The prompt's token ids (content workloads), or null: such a request bypasses the pod's prefix cache. */
    final int[] tokens;
    /** The token ids the request will generate (content workloads), or null. */
    final int[] outputIds;
    /** The session key routers see (multi-turn), or null. */
    final String sessionKey;
    /** The workload's session this request is a turn of (multi-turn), or null. */
    final Object session;

    int pod = -1;
    /** The pod instance serving the request (a restarted pod is a new instance under the same index). */
    SimPod at;
    PodSelection selection;
    int state = QUEUED;
    /** Waiting at the gateway because no pod was ready. */
    boolean pending;
    /** Already counted as finished (success or failure); guards against double counting. */
    boolean finished;
    double admitted = Double.NaN;
    double firstToken = Double.NaN;
    int prefillRemaining;
    /** Prompt tokens the pod computes: the prompt less the cached prefix (set on admission). */
    int prefillTokens;
    /** Prompt tokens found in the pod's prefix cache on admission. */
    int cachedTokens;
    /** KV tokens this sequence holds privately (not as shared cache blocks); released when it ends. */
    long kvHeld;
    /** Chained hashes of the prompt's whole blocks, computed on the first cache lookup. */
    long[] blockHashes;
    /** Cache blocks this sequence holds a reference on (matched on admission, inserted after prefill). */
    PrefixCache.Block[] pins;
    int pinCount;
    /** Scratch of the last lookup: leading blocks matched and how many of them were unreferenced. */
    int matchedBlocks;
    int matchedFree;
    /** Engine step at whose end the first token was produced. */
    long decodeEntryStep;
    /** Engine step at whose end the last token is produced. */
    long finishStep;
    int heapIndex = -1;

    SimRequest(long id, double arrival, int promptTokens, int outputTokens, double serviceSeconds, boolean coldWindow,
            int router) {
        this(id, arrival, promptTokens, outputTokens, serviceSeconds, coldWindow, router, null, null, null, null);
    }

    SimRequest(long id, double arrival, int promptTokens, int outputTokens, double serviceSeconds, boolean coldWindow,
            int router, int[] tokens, int[] outputIds, String sessionKey, Object session) {
        this.id = id;
        this.arrival = arrival;
        this.promptTokens = promptTokens;
        this.outputTokens = outputTokens;
        this.serviceSeconds = serviceSeconds;
        this.coldWindow = coldWindow;
        this.router = router;
        this.prefillRemaining = promptTokens;
        this.prefillTokens = promptTokens;
        this.tokens = tokens;
        this.outputIds = outputIds;
        this.sessionKey = sessionKey;
        this.session = session;
    }

    /** KV-cache tokens reserved when admitted: the whole sequence, so that admitted requests never preempt. */
    long kvReservation() {
        return (long) promptTokens + outputTokens;
    }
}
