package com.example.gateway;

import io.podrouter.spring.gateway.PodRouterPool;
import io.podrouter.spring.gateway.PodRouterPools;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The sample's application.yml binds: the pool "chat" exists with its model and its two static pods. */
@SpringBootTest
class GatewayApplicationTest {

    @Autowired
    PodRouterPools pools;

    @Test
    void theYamlConfiguresThePoolChatWithTwoPods() {
        PodRouterPool chat = pools.pool("chat");
        assertEquals(List.of("chat"), pools.names());
        assertEquals(List.of("vllm-0", "vllm-1"), chat.pods().stream().map(p -> p.id()).toList());
        assertEquals(java.util.Set.of("meta-llama/Llama-3.1-8B-Instruct"), chat.models());
    }
}
