package com.example.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;

/**
 * A Spring Cloud Gateway routing OpenAI-style requests with podrouter: the routes of application.yml (and the Java
 * route below) send requests to the pool {@code chat}, whose pods podrouter picks per request.
 */
// tag::scg-application[]
@SpringBootApplication
public class GatewayApplication {

    public static void main(String[] args) {
        SpringApplication.run(GatewayApplication.class, args);
    }

    /** The same pool from the Java DSL: requests under /java/ go to podrouter's pool "chat" with the prefix stripped. */
    @Bean
    RouteLocator javaRoutes(RouteLocatorBuilder routes) {
        return routes.routes()
                .route("llm-java", r -> r.path("/java/v1/**").filters(f -> f.stripPrefix(1)).uri("podrouter://chat"))
                .build();
    }
}
// end::scg-application[]
