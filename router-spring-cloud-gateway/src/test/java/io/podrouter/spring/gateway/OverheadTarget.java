package io.podrouter.spring.gateway;

import io.podrouter.examples.fakevllm.FakeVllmBackend;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The target of {@code overhead.sh} (not a test): one fake vLLM backend (10 ms to the first token, 1 ms per further
 * token, no slowdown under load, 512 requests at once) and one Spring Cloud Gateway with two routes to it,
 * {@code /podrouter/**} through podrouter's filters (pool {@code bench} with that one pod) and {@code /fixed/**}
 * straight to the backend's URL, so the two differ only by podrouter's work. Prints
 * {@code gateway=PORT backend=PORT} once both listen, then runs until killed.
 */
final class OverheadTarget {

    private OverheadTarget() {
    }

    public static void main(String[] args) throws Exception {
        FakeVllmBackend backend = FakeVllmBackend.builder("bench-0", "llama-3-8b")
                .timeToFirstToken(Duration.ofMillis(10)).timePerOutputToken(Duration.ofMillis(1))
                .loadSlowdown(0).maxRunningRequests(512).threads(600).kvCacheTokens(1 << 24).build().start();
        Map<String, Object> p = new HashMap<>();
        String routes = "spring.cloud.gateway.server.webflux.routes";
        p.put(routes + "[0].id", "podrouter");
        p.put(routes + "[0].uri", "podrouter://bench");
        p.put(routes + "[0].predicates[0]", "Path=/podrouter/**");
        p.put(routes + "[0].filters[0]", "StripPrefix=1");
        p.put(routes + "[1].id", "fixed");
        p.put(routes + "[1].uri", "http://" + backend.host() + ":" + backend.port());
        p.put(routes + "[1].predicates[0]", "Path=/fixed/**");
        p.put(routes + "[1].filters[0]", "StripPrefix=1");
        p.put("podrouter.pools.bench.static-pods[0].id", backend.id());
        p.put("podrouter.pools.bench.static-pods[0].host", backend.host());
        p.put("podrouter.pools.bench.static-pods[0].port", Integer.toString(backend.port()));
        p.put("server.port", "0");
        p.put("logging.level.root", "WARN");
        SpringApplication app = new SpringApplication(GatewayTestApplication.class);
        app.setDefaultProperties(p);
        ConfigurableApplicationContext ctx = app.run(args);
        int port = ((WebServerApplicationContext) ctx).getWebServer().getPort();
        System.out.println("gateway=" + port + " backend=" + backend.port());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ctx.close();
            backend.close();
        }));
        Thread.currentThread().join();
    }
}
