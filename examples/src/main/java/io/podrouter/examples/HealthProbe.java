package io.podrouter.examples;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.time.Duration;
import java.util.Objects;

/**
 * What a discovery source does before it reports a pod Ready: polls the model server's {@code /health}
 * until it answers 200. The demo and the integration test use it to add a backend to the gateway the
 * moment it is healthy, which is when a cold start begins. Stateless and thread-safe.
 */
public final class HealthProbe {

    private HealthProbe() {
    }

    /**
     * Polls {@code http://host:port/health} every 50 ms until it answers 200.
     *
     * @param timeout how long to keep trying, &gt; 0
     * @throws IOException          when the server is not healthy within the timeout (the last error attached)
     * @throws InterruptedException when interrupted while waiting
     */
    public static void awaitHealthy(String host, int port, Duration timeout) throws IOException, InterruptedException {
        Objects.requireNonNull(host, "host: null (expected: a host)");
        Objects.requireNonNull(timeout, "timeout: null (expected: > 0)");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        URL url = new URL("http", host, port, "/health");
        do {
            try {
                HttpURLConnection c = (HttpURLConnection) url.openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(1000);
                try {
                    int status = c.getResponseCode();
                    try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                        if (in != null) {
                            in.readAllBytes();
                        }
                    }
                    if (status == 200) {
                        return;
                    }
                    last = new IOException("GET " + url + " answered HTTP " + status);
                } finally {
                    c.disconnect();
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new IOException("not healthy within " + timeout.toMillis() + " ms: " + url, last);
    }
}
