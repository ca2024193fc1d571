package io.podrouter.examples.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Byte-level HTTP for tests: a client that sends exactly the bytes given and reads one response, and
 * misbehaving backends (hung, headers then stall) on 127.0.0.1 that record whether the gateway closed
 * its connections to them.
 */
final class RawHttp {

    private RawHttp() {
    }

    /** One response as read off the socket; {@code status} -1 when the connection ended before a status line. */
    record Response(int status, String head, String body, boolean closedCleanly) {
    }

    /** Sends {@code request} on a new connection to 127.0.0.1:port and reads one response (5 s read timeout). */
    static Response exchange(int port, byte[] request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            return read(s.getInputStream());
        }
    }

    /** Reads one response: head up to the blank line, then Content-Length bytes or until EOF. */
    static Response read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        try {
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return new Response(-1, head.toString(StandardCharsets.ISO_8859_1), "", true);
                }
                head.write(b);
                matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
            }
        } catch (SocketException reset) {
            return new Response(-1, head.toString(StandardCharsets.ISO_8859_1) + " [" + reset + "]", "", false);
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(h.substring(9, 12));
        int length = -1;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
        return new Response(status, h, new String(body, StandardCharsets.UTF_8), true);
    }

    /** A POST of a JSON body with the given extra header lines (each ending in CRLF). */
    static byte[] post(String path, String json, String extraHeaders) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n" + extraHeaders + "\r\n";
        byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    /**
     * A backend that accepts connections, reads what it is sent, and then does {@code behaviour} with the
     * socket (e.g. nothing: a hung engine). Records, per connection, when the peer closed it.
     */
    static final class MisbehavingBackend implements AutoCloseable {
        private final ServerSocket server;
        private final Thread acceptor;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final AtomicInteger accepted = new AtomicInteger();
        private final AtomicInteger closedByPeer = new AtomicInteger();

        MisbehavingBackend(Consumer<Socket> behaviour) throws IOException {
            server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    Socket s;
                    try {
                        s = server.accept();
                    } catch (IOException e) {
                        return;
                    }
                    accepted.incrementAndGet();
                    sockets.add(s);
                    Thread t = new Thread(() -> serve(s, behaviour), "test-misbehaving-conn");
                    t.setDaemon(true);
                    t.start();
                }
            }, "test-misbehaving-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void serve(Socket s, Consumer<Socket> behaviour) {
            try {
                s.setSoTimeout(60_000);
                InputStream in = s.getInputStream();
                readRequest(in);
                behaviour.accept(s);
                // Then only wait for the gateway to close: read() returns -1 (or a reset) when it does.
                byte[] buf = new byte[4096];
                while (in.read(buf) >= 0) {
                    // a second request on this connection is not expected; drop it
                }
                closedByPeer.incrementAndGet();
            } catch (SocketTimeoutException e) {
                // never closed by the gateway within a minute: not counted
            } catch (IOException e) {
                closedByPeer.incrementAndGet();
            }
        }

        private static void readRequest(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed before a request");
                }
                head.write(b);
                matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
            }
            for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    in.readNBytes(Integer.parseInt(line.substring(15).trim()));
                }
            }
        }

        int port() {
            return server.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        /** Connections the gateway closed (or reset) after this backend misbehaved. */
        int closedByPeer() {
            return closedByPeer.get();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : new ArrayList<>(sockets)) {
                s.close();
            }
        }
    }

    /** Writes text to the socket and flushes, wrapping the IOException for use in a behaviour. */
    static void write(Socket s, String text) {
        try {
            s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
