package com.example.consumer;

import com.sun.net.httpserver.HttpServer;
import io.podrouter.api.Pod;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConsumerAppTest {

    /** A vLLM-like /metrics endpoint on 127.0.0.1 reporting the given KV-cache usage. */
    private static HttpServer vllm(double kvCacheUsage) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] body = ("# TYPE vllm:kv_cache_usage_perc gauge\n"
                + "vllm:kv_cache_usage_perc{model_name=\"m\"} " + kvCacheUsage + "\n").getBytes(StandardCharsets.UTF_8);
        server.createContext("/metrics", ex -> {
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        return server;
    }

    @Test
    void everyPodrouterJarNamesItsModule() throws Exception {
        Class<?>[] fromEachJar = {io.podrouter.api.Pod.class, io.podrouter.core.Router.class,
                io.podrouter.strategies.LeastKvCacheStrategy.class, io.podrouter.prometheus.PrometheusScraper.class};
        String[] expected = {"io.podrouter.api", "io.podrouter.core", "io.podrouter.strategies", "io.podrouter.prometheus"};
        for (int i = 0; i < fromEachJar.length; i++) {
            java.net.URL jar = fromEachJar[i].getProtectionDomain().getCodeSource().getLocation();
            try (java.util.jar.JarFile f = new java.util.jar.JarFile(new java.io.File(jar.toURI()))) {
                assertEquals(expected[i], f.getManifest().getMainAttributes().getValue("Automatic-Module-Name"), jar.toString());
            }
        }
    }

    @Test
    void picksThePodWithTheEmptierKvCache() throws Exception {
        HttpServer full = vllm(0.9);
        HttpServer empty = vllm(0.1);
        try {
            List<Pod> pods = List.of(
                    Pod.ready("full", "127.0.0.1", full.getAddress().getPort(), Instant.EPOCH),
                    Pod.ready("empty", "127.0.0.1", empty.getAddress().getPort(), Instant.EPOCH));
            assertEquals("empty", ConsumerApp.pick(pods, "m"));
        } finally {
            full.stop(0);
            empty.stop(0);
        }
    }
}
