package io.podrouter.examples.gateway;

import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keep-alive connections from the gateway to one pod ({@code host:port}), at most {@code max} open
 * at once, connecting ones included.
 *
 * <p><b>Acquire order:</b> an idle connection on the requester's event loop (no thread hop, and the most
 * recently used first, so that surplus connections stay idle and time out); else a new connection on
 * that loop, while fewer than {@code max} are open and fewer than {@value #MAX_CONNECTING} are being
 * opened; else an idle one on another loop; else the requester waits, first come first served, for the
 * next connection released, or a place to connect. The wait has no bound of its own: the gateway's
 * response-headers and total timeouts end it (then {@link #cancel}).
 *
 * <p>Why at most {@value #MAX_CONNECTING} connects at once: a burst of requests to an empty pool would
 * otherwise open one connection each at the same instant, and a server whose accept backlog is shorter
 * (the JDK's HTTP server is created with 128 here; measured: 333 simultaneous connects to it lost SYNs
 * and ran into the connect timeout) drops them. Requests beyond that wait and mostly reuse the
 * connections the first ones release.
 *
 * <p>A connect that fails while other connections to the pod are open (the pod is up but takes no new
 * connection now, e.g. its accept backlog is full) puts the requester back at the head of the queue, to
 * be served by one of those; only when no connection to the pod is open does the failure go to the
 * requester (and the gateway fails over). A connection that closes, for whatever reason, leaves the
 * pool and frees its place. After
 * {@link #retire()} (the pod was removed) idle connections are closed and released ones too; requests
 * already routed to the pod can still acquire.
 *
 * <p>Thread-safe: one lock per pod guards the counts and queues; callbacks and I/O run outside it.
 */
final class PodConnectionPool {

    /** Most connections being opened to one pod at once. */
    static final int MAX_CONNECTING = 32;

    /** A request waiting for a connection. Called from any thread; implementations hand over to their loop. */
    interface Waiter {

        /** The event loop the waiter runs on (a new connection for it is opened there). */
        EventLoop loop();

        /**
         * A connection for the waiter, which now owns it: it sends a request on it or, if it no longer
         * needs one, {@linkplain #release releases} it.
         *
         * @param reused whether the connection carried a request before (false: opened for this waiter)
         */
        void granted(PodConnection connection, boolean reused);

        /** Connecting for the waiter failed. */
        void failed(Throwable cause);
    }

    private final PodClient client;
    private final String host;
    private final int port;
    private final String authority;
    private final int max;
    private final Map<EventLoop, ArrayDeque<PodConnection>> idle = new IdentityHashMap<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private int open;
    private int connecting;
    private int established;
    private boolean retired;

    PodConnectionPool(PodClient client, String host, int port, String authority, int max) {
        this.client = client;
        this.host = host;
        this.port = port;
        this.authority = authority;
        this.max = max;
    }

    String authority() {
        return authority;
    }

    /** Open connections (connecting ones included) now. */
    synchronized int open() {
        return open;
    }

    /** Requests waiting for a connection now. */
    synchronized int waiting() {
        return waiters.size();
    }

    /** Gets a connection for {@code waiter}: at once, after a connect, or when one is released. */
    void acquire(Waiter waiter) {
        EventLoop loop = waiter.loop();
        PodConnection c;
        boolean connect = false;
        synchronized (this) {
            c = pollIdle(idle.get(loop));
            if (c == null) {
                if (open < max && connecting < MAX_CONNECTING) {
                    open++;
                    connecting++;
                    connect = true;
                } else {
                    for (ArrayDeque<PodConnection> other : idle.values()) {
                        c = pollIdle(other);
                        if (c != null) {
                            break;
                        }
                    }
                    if (c == null) {
                        waiters.add(waiter);
                    }
                }
            }
        }
        if (c != null) {
            waiter.granted(c, true);
        } else if (connect) {
            connect(waiter);
        }
    }

    /** Stops waiting; a connection already on its way to the waiter is released by it. */
    void cancel(Waiter waiter) {
        synchronized (this) {
            waiters.remove(waiter);
        }
    }

    /** Takes back a connection whose response ended cleanly: to the next waiter, or idle. */
    void release(PodConnection c) {
        Waiter next = null;
        boolean close = false;
        synchronized (this) {
            if (retired || !c.isActive()) {
                close = true;
            } else {
                next = waiters.poll();
                if (next == null) {
                    idle.computeIfAbsent(c.loop(), l -> new ArrayDeque<>()).addLast(c);
                }
            }
        }
        if (close) {
            c.channel().close();
        } else if (next != null) {
            next.granted(c, true);
        } else {
            c.awaitClose();
        }
    }

    /** Closes the idle connections and, from now on, every released one. */
    void retire() {
        List<PodConnection> toClose = new ArrayList<>();
        synchronized (this) {
            retired = true;
            for (ArrayDeque<PodConnection> q : idle.values()) {
                toClose.addAll(q);
                q.clear();
            }
        }
        for (PodConnection c : toClose) {
            c.channel().close();
        }
    }

    private static PodConnection pollIdle(ArrayDeque<PodConnection> q) {
        if (q == null) {
            return null;
        }
        PodConnection c;
        while ((c = q.pollLast()) != null) {
            if (c.isActive()) {
                return c;
            }
            // closed while idle: its close listener does the accounting
        }
        return null;
    }

    private void connect(Waiter waiter) {
        PodConnection c = new PodConnection(this);
        ChannelFuture f;
        try {
            f = client.connect(c, waiter.loop(), host, port);
        } catch (RuntimeException e) { // the loop is shutting down
            connectFailed(waiter, e);
            return;
        }
        f.channel().closeFuture().addListener(x -> closed(c, f.channel().eventLoop()));
        f.addListener(x -> {
            Waiter next;
            boolean requeued = false;
            synchronized (this) {
                connecting--;
                if (f.isSuccess()) {
                    c.established = true;
                    established++;
                } else if (established > 0) {
                    // The pod is up (it serves our other connections) but takes no new one now, e.g. its accept
                    // backlog is full: the request waits for one of those instead of failing.
                    waiters.addFirst(waiter);
                    requeued = true;
                }
                next = nextToConnect();
            }
            if (f.isSuccess()) {
                waiter.granted(c, false);
            } else if (!requeued) {
                waiter.failed(f.cause()); // the close listener frees the place
            }
            if (next != null) {
                connect(next);
            }
        });
    }

    private void connectFailed(Waiter waiter, Throwable cause) {
        Waiter next;
        synchronized (this) {
            open--;
            connecting--;
            next = nextToConnect();
        }
        waiter.failed(cause);
        if (next != null) {
            connect(next);
        }
    }

    private void closed(PodConnection c, EventLoop loop) {
        Waiter next;
        synchronized (this) {
            open--;
            if (c.established) {
                established--;
            }
            ArrayDeque<PodConnection> q = idle.get(loop);
            if (q != null) {
                q.remove(c);
            }
            next = nextToConnect();
        }
        if (next != null) {
            connect(next);
        }
    }

    /** Under the lock: the next waiter, with its place taken, when a place to connect is free. */
    private Waiter nextToConnect() {
        if (open >= max || connecting >= MAX_CONNECTING || waiters.isEmpty()) {
            return null;
        }
        open++;
        connecting++;
        return waiters.poll();
    }
}
