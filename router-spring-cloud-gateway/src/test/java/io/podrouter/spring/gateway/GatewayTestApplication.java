package io.podrouter.spring.gateway;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The Spring Boot application the gateway tests start: Spring Cloud Gateway plus podrouter's auto-configuration. */
@SpringBootApplication
class GatewayTestApplication {
}
