package io.podrouter.examples.gateway;

import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's connections towards a pod, counted at the pod: however many requests wait, the pod never
 * sees more connections than {@link InferenceGateway.Builder#maxConnectionsPerPod}, and they are kept
 * alive and reused; a kept-alive connection the pod closes as a request goes out is not the pod's failure.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PodConnectionPoolTest {

    private static final String MODEL = "llama-3-8b";
    private static final int BOUND = 8;
    private static final int CLIENTS = 1000;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void aPodNeverSeesMoreConnectionsThanTheBoundUnderAThousandConcurrentRequests() throws Exception {
        InferenceGateway gateway = InferenceGateway.builder().maxConnectionsPerPod(BOUND).start();
        toClose.add(gateway);
        // The pod holds its first answers until all the clients' requests are inside the gateway at once,
        // so the bound is tested with 1,000 requests waiting, not with whatever overlap the timing gives.
        CountingBackend pod = new CountingBackend(() -> gateway.exchangesInFlight.sum() >= CLIENTS, Integer.MAX_VALUE);
        toClose.add(pod);
        gateway.addBackend(MODEL, Pod.ready("pod-a", "127.0.0.1", pod.port(), Instant.now().minusSeconds(600)));

        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), gateway.port());
                s.setSoTimeout(30_000);
                sockets.add(s);
            }
            byte[] request = RawHttp.post("/v1/completions", "{\"model\":\"" + MODEL + "\",\"max_tokens\":1}", "");
            for (Socket s : sockets) {
                s.getOutputStream().write(request);
            }
            int ok = 0;
            for (Socket s : sockets) {
                RawHttp.Response r = RawHttp.read(s.getInputStream());
                ok += r.status() == 200 ? 1 : 0;
            }
            assertThat(ok).as("200s of %d concurrent clients", CLIENTS).isEqualTo(CLIENTS);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        assertThat(pod.heldUntilAllWaited()).as("the pod answered only once all %d requests were in the gateway", CLIENTS)
                .isTrue();
        assertThat(pod.completions()).isEqualTo(CLIENTS);
        assertThat(pod.peakOpenCompletionConnections()).as("completion connections open at once at the pod")
                .isBetween(1, BOUND);
        assertThat(pod.completionConnections()).as("connections that ever carried a completion: kept alive and reused")
                .isBetween(1, BOUND);
        assertThat(gateway.router().inFlight("pod-a")).isZero();
    }

    @Test
    void aRequestOnAKeptAliveConnectionThePodClosedIsSentAgainAndNotCountedAsAFailure() throws Exception {
        InferenceGateway gateway = InferenceGateway.builder().maxConnectionsPerPod(1).maxRetries(0).start();
        toClose.add(gateway);
        // Answers one completion per connection and then closes the connection when the next one arrives,
        // unanswered: a pod whose keep-alive timeout struck just as the gateway reused the connection.
        CountingBackend pod = new CountingBackend(() -> true, 1);
        toClose.add(pod);
        gateway.addBackend(MODEL, Pod.ready("pod-a", "127.0.0.1", pod.port(), Instant.now().minusSeconds(600)));
        byte[] request = RawHttp.post("/v1/completions", "{\"model\":\"" + MODEL + "\",\"max_tokens\":1}", "");
        for (int i = 0; i < 3; i++) {
            RawHttp.Response r = RawHttp.exchange(gateway.port(), request);
            assertThat(r.status()).as("request %d: %s", i, r.body()).isEqualTo(200);
            assertThat(r.body()).contains("cmpl-1");
        }
        assertThat(pod.completions()).isEqualTo(3);
        assertThat(pod.completionConnections()).as("one connection per answer: each reuse met a closed one").isEqualTo(3);
        assertThat(gateway.router().telemetry().outcomes()).as("outcomes the router saw")
                .containsEntry(Outcome.SUCCESS, 3L).containsEntry(Outcome.FAILURE, 0L).containsEntry(Outcome.CANCELLED, 0L);
        assertThat(gateway.retries()).as("no failover: the same pod answered").isZero();
        assertThat(gateway.router().inFlight("pod-a")).isZero();
    }

    /**
     * A keep-alive HTTP/1.1 pod on 127.0.0.1, one thread per connection: answers up to
     * {@code answersPerConnection} {@code POST /v1/completions} per connection with a small JSON
     * completion (closing the connection, unanswered, at the next one), anything else (the scraper's
     * {@code GET /metrics}) with 404, and counts the connections that carried a completion.
     */
    private static final class CountingBackend implements AutoCloseable {
        private static final String ANSWER = "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"choices\":[{\"text\":\"a\"}]}";

        private final ServerSocket server;
        private final BooleanSupplier release;
        private final int answersPerConnection;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final AtomicInteger openCompletionConnections = new AtomicInteger();
        private final AtomicInteger peak = new AtomicInteger();
        private final AtomicInteger completionConnections = new AtomicInteger();
        private final AtomicInteger completions = new AtomicInteger();
        private volatile boolean released;
        private volatile boolean heldUntilAllWaited;

        CountingBackend(BooleanSupplier release, int answersPerConnection) throws IOException {
            this.release = release;
            this.answersPerConnection = answersPerConnection;
            server = new ServerSocket(0, CLIENTS, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        sockets.add(s);
                        Thread t = new Thread(() -> serve(s), "test-counting-conn");
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "test-counting-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void serve(Socket s) {
            boolean carriedCompletion = false;
            int answered = 0;
            try (s) {
                s.setTcpNoDelay(true);
                InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                String head;
                while ((head = readHead(in)) != null) {
                    in.readNBytes(contentLength(head));
                    if (!head.startsWith("POST /v1/completions ")) {
                        out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        continue;
                    }
                    if (answered == answersPerConnection) {
                        return; // closes the connection without an answer
                    }
                    answered++;
                    if (!carriedCompletion) {
                        carriedCompletion = true;
                        completionConnections.incrementAndGet();
                        peak.accumulateAndGet(openCompletionConnections.incrementAndGet(), Math::max);
                    }
                    holdUntilReleased();
                    completions.incrementAndGet();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + ANSWER.length()
                            + "\r\n\r\n" + ANSWER).getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the gateway or the test closed the connection
            } finally {
                if (carriedCompletion) {
                    openCompletionConnections.decrementAndGet();
                }
            }
        }

        private void holdUntilReleased() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!released) {
                if (release.getAsBoolean()) {
                    heldUntilAllWaited = true;
                    released = true;
                } else if (System.nanoTime() > deadline) {
                    released = true; // the assertion on heldUntilAllWaited reports it
                } else {
                    Thread.sleep(5);
                }
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.write(b);
                matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
            }
            return head.toString(StandardCharsets.ISO_8859_1);
        }

        private static int contentLength(String head) {
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    return Integer.parseInt(line.substring(15).trim());
                }
            }
            return 0;
        }

        int port() {
            return server.getLocalPort();
        }

        int peakOpenCompletionConnections() {
            return peak.get();
        }

        int completionConnections() {
            return completionConnections.get();
        }

        int completions() {
            return completions.get();
        }

        boolean heldUntilAllWaited() {
            return heldUntilAllWaited;
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
