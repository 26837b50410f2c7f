package dev.marketplace.gateway;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.platform.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.UUID;

import static dev.marketplace.gateway.GatewayFixture.section;
import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** Correlation ids, identity headers on the bus, CORS. */
@ExtendWith(VertxExtension.class)
class GatewayRequestScopeTest {
  private static final String ECHO_HEADERS = "test.echo-headers";

  private GatewayFixture gateway;

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext tc) {
    // on the JUnit thread, not in a callback: the first call starts the shared PostgreSQL and Kafka, which blocks
    JsonObject config = GatewayFixture.config();
    // a component that answers with the headers it received
    Future<Void> echo = Bus.serve(vertx, ECHO_HEADERS, msg -> Future.succeededFuture(headers(msg.headers())))
      .completion();
    Future<Void> whoami = Bus.serve(vertx, TestRoutes.WHOAMI, msg -> Future.succeededFuture(headers(msg.headers())))
      .completion();
    Future.all(echo, whoami)
      .compose(v -> GatewayFixture.deploy(vertx, config))
      .onComplete(tc.succeeding(g -> {
        gateway = g;
        tc.completeNow();
      }));
  }

  @Test
  void saneCorrelationIdIsEchoedAndSentToComponents(VertxTestContext tc) {
    gateway.client.get("/test/relay/" + ECHO_HEADERS).putHeader("X-Correlation-Id", "order-42.retry_1").send()
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.getHeader("X-Correlation-Id")).isEqualTo("order-42.retry_1");
        assertThat(resp.bodyAsJsonObject().getString(BusHeaders.CORRELATION_ID)).isEqualTo("order-42.retry_1");
        tc.completeNow();
      })));
  }

  @Test
  void missingCorrelationIdIsGeneratedAndSentToComponents(VertxTestContext tc) {
    gateway.client.get("/test/relay/" + ECHO_HEADERS).send().onComplete(tc.succeeding(resp -> tc.verify(() -> {
      String generated = resp.getHeader("X-Correlation-Id");
      assertThat(UUID.fromString(generated).toString()).isEqualTo(generated);
      assertThat(resp.bodyAsJsonObject().getString(BusHeaders.CORRELATION_ID)).isEqualTo(generated);
      tc.completeNow();
    })));
  }

  @Test
  void insaneCorrelationIdIsReplacedNotEchoed(VertxTestContext tc) {
    String tooLong = "a".repeat(65);
    gateway.client.get("/health").putHeader("X-Correlation-Id", "has spaces; and=signs").send()
      .compose(first -> gateway.client.get("/health").putHeader("X-Correlation-Id", tooLong).send()
        .map(second -> new String[] {first.getHeader("X-Correlation-Id"), second.getHeader("X-Correlation-Id")}))
      .onComplete(tc.succeeding(ids -> tc.verify(() -> {
        for (String id : ids) {
          assertThat(UUID.fromString(id).toString()).isEqualTo(id);
        }
        tc.completeNow();
      })));
  }

  @Test
  void correlationIdIsEchoedOnProblems(VertxTestContext tc) {
    gateway.client.get("/nowhere").putHeader("X-Correlation-Id", "cid-404").send()
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        assertProblem(resp, 404, "NOT_FOUND");
        assertThat(resp.getHeader("X-Correlation-Id")).isEqualTo("cid-404");
        tc.completeNow();
      })));
  }

  @Test
  void authenticatedIdentityTravelsAsBusHeaders(VertxTestContext tc) {
    gateway.client.get("/test/as-user").send().onComplete(tc.succeeding(resp -> tc.verify(() -> {
      JsonObject received = resp.bodyAsJsonObject();
      assertThat(received.getString(BusHeaders.USER_ID)).isEqualTo("user-1");
      assertThat(received.getString(BusHeaders.ROLES)).isEqualTo("buyer,seller");
      tc.completeNow();
    })));
  }

  @Test
  void anonymousRequestCarriesNoIdentityEvenIfTheClientSendsTheHeaders(VertxTestContext tc) {
    gateway.client.get("/test/relay/" + TestRoutes.WHOAMI)
      .putHeader(BusHeaders.USER_ID, "admin-1").putHeader(BusHeaders.ROLES, "admin").send()
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        JsonObject received = resp.bodyAsJsonObject();
        assertThat(received.containsKey(BusHeaders.USER_ID)).isFalse();
        assertThat(received.containsKey(BusHeaders.ROLES)).isFalse();
        tc.completeNow();
      })));
  }

  @Test
  void corsPreflightAllowsTheApiHeadersFromAnyOriginByDefault(VertxTestContext tc) {
    gateway.client.request(HttpMethod.OPTIONS, "/api/v1/checkout")
      .putHeader("Origin", "https://shop.example")
      .putHeader("Access-Control-Request-Method", "POST")
      .putHeader("Access-Control-Request-Headers", "Authorization, Idempotency-Key, X-Cart-Id")
      .send()
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        assertThat(resp.statusCode()).isBetween(200, 204);
        assertThat(resp.getHeader("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(resp.getHeader("Access-Control-Allow-Methods")).contains("POST").contains("PATCH").contains("DELETE");
        assertThat(resp.getHeader("Access-Control-Allow-Headers").toLowerCase())
          .contains("authorization").contains("idempotency-key").contains("x-cart-id").contains("x-correlation-id");
        tc.completeNow();
      })));
  }

  @Test
  void corsRejectsAnOriginThatIsNotConfigured(Vertx vertx, VertxTestContext tc) {
    JsonObject config = GatewayFixture.config();
    section(config, "gateway").put("cors_origins", new JsonArray().add("https://shop.example"));
    GatewayFixture.deploy(vertx, config)
      .compose(restricted -> restricted.client.get("/health").putHeader("Origin", "https://shop.example").send()
        .compose(allowed -> {
          tc.verify(() -> {
            assertThat(allowed.statusCode()).isEqualTo(200);
            assertThat(allowed.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://shop.example");
            assertThat(allowed.getHeader("Access-Control-Expose-Headers")).containsIgnoringCase("X-Correlation-Id");
          });
          return restricted.client.get("/health").putHeader("Origin", "https://evil.example").send();
        }))
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        assertProblem(resp, 403, "FORBIDDEN");
        tc.completeNow();
      })));
  }

  private static JsonObject headers(io.vertx.core.MultiMap headers) {
    JsonObject json = new JsonObject();
    headers.forEach(e -> json.put(e.getKey(), e.getValue()));
    return json;
  }
}
