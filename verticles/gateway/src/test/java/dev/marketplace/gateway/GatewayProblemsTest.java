package dev.marketplace.gateway;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.platform.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** Every error is problem+json with the right status, and nothing internal leaks. */
@ExtendWith(VertxExtension.class)
class GatewayProblemsTest {
  private GatewayFixture gateway;

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext tc) {
    GatewayFixture.deploy(vertx, GatewayFixture.config()).onComplete(tc.succeeding(g -> {
      gateway = g;
      tc.completeNow();
    }));
  }

  @Test
  void unknownRouteIsA404Problem(VertxTestContext tc) {
    gateway.client.get("/api/v1/no-such-thing").send().onComplete(tc.succeeding(resp -> tc.verify(() -> {
      assertProblem(resp, 404, "NOT_FOUND");
      tc.completeNow();
    })));
  }

  @Test
  void wrongMethodIsA405Problem(VertxTestContext tc) {
    gateway.client.post("/health").send().onComplete(tc.succeeding(resp -> tc.verify(() -> {
      JsonObject problem = assertProblem(resp, 405, "METHOD_NOT_ALLOWED");
      assertThat(problem.getString("detail")).contains("POST");
      tc.completeNow();
    })));
  }

  @Test
  void bodyOverTheLimitIsA413Problem(VertxTestContext tc) {
    String big = new JsonObject().put("padding", "x".repeat(GatewayFixture.MAX_BODY_BYTES * 4)).encode();
    gateway.client.post("/test/echo").putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(big))
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        assertProblem(resp, 413, "PAYLOAD_TOO_LARGE");
        tc.completeNow();
      })));
  }

  @Test
  void bodyWithinTheLimitIsAccepted(VertxTestContext tc) {
    JsonObject small = new JsonObject().put("padding", "x".repeat(GatewayFixture.MAX_BODY_BYTES / 2));
    gateway.client.post("/test/echo").sendJsonObject(small).onComplete(tc.succeeding(resp -> tc.verify(() -> {
      assertThat(resp.statusCode()).isEqualTo(200);
      assertThat(resp.bodyAsJsonObject()).isEqualTo(small);
      tc.completeNow();
    })));
  }

  @Test
  void malformedJsonIsA400Problem(VertxTestContext tc) {
    gateway.client.post("/test/echo").putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("{\"a\": tru"))
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        JsonObject problem = assertProblem(resp, 400, "MALFORMED_REQUEST");
        assertThat(problem.encode()).doesNotContain("tru");
        tc.completeNow();
      })));
  }

  @Test
  void jsonThatIsNotAnObjectIsA400Problem(VertxTestContext tc) {
    gateway.client.post("/test/echo").putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("[1, 2]"))
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        assertProblem(resp, 400, "MALFORMED_REQUEST");
        tc.completeNow();
      })));
  }

  @Test
  void unexpectedExceptionIsA500ProblemThatHidesItsCause(VertxTestContext tc) {
    gateway.client.get("/test/boom").send().onComplete(tc.succeeding(resp -> tc.verify(() -> {
      assertProblem(resp, 500, "INTERNAL");
      assertThat(resp.bodyAsString()).doesNotContain("secret_table").doesNotContain("Exception").doesNotContain("at dev.");
      tc.completeNow();
    })));
  }

  @Test
  void busFailureKeepsItsCodeStatusAndExtraFields(Vertx vertx, VertxTestContext tc) {
    Bus.serve(vertx, "test.checkout", msg -> Future.failedFuture(
        ErrorCode.OUT_OF_STOCK.failure("Not enough stock.", new JsonObject().put("order_id", "o-1"))))
      .completion()
      .compose(v -> gateway.client.get("/test/relay/test.checkout").send())
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        JsonObject problem = assertProblem(resp, 409, "OUT_OF_STOCK");
        assertThat(problem.getString("detail")).isEqualTo("Not enough stock.");
        assertThat(problem.getString("order_id")).isEqualTo("o-1");
        tc.completeNow();
      })));
  }

  @Test
  void requestToAnAbsentComponentIsA503Problem(VertxTestContext tc) {
    gateway.client.get("/test/relay/test.nobody-listens").send().onComplete(tc.succeeding(resp -> tc.verify(() -> {
      assertProblem(resp, 503, "SERVICE_UNAVAILABLE");
      tc.completeNow();
    })));
  }

  @Test
  void requestToAComponentThatNeverAnswersIsA504Problem(Vertx vertx, VertxTestContext tc) {
    vertx.eventBus().consumer("test.silent", msg -> { }).completion()
      .compose(v -> gateway.client.get("/test/relay/test.silent").send())
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        assertProblem(resp, 504, "TIMEOUT");
        tc.completeNow();
      })));
  }
}
