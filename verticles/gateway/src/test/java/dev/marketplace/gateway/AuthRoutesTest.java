package dev.marketplace.gateway;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.gateway.security.JwtAuthenticator;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** The auth routes of the default gateway against stand-ins for auth's bus operations. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class AuthRoutesTest {
  private static final String USER = "7d6c1c4e-1b7a-4c38-9d0e-5f6a7b8c9d01";

  private final TestTokens tokens = new TestTokens("key-1");
  private final AtomicReference<Message<JsonObject>> lastLogin = new AtomicReference<>();
  private final AtomicReference<Message<JsonObject>> lastLogout = new AtomicReference<>();
  private GatewayFixture g;

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    var bus = vertx.eventBus();
    // on the JUnit thread: the first call starts the shared PostgreSQL and Kafka, which blocks
    JsonObject config = GatewayFixture.config();
    Future.all(List.of(
      bus.<JsonObject>consumer(AuthContract.JWKS, m -> m.reply(new JsonObject().put("keys", new JsonArray().add(tokens.jwk())))).completion(),
      bus.<JsonObject>consumer(AuthContract.LOGIN, m -> {
        lastLogin.set(m);
        if ("locked@example.com".equals(m.body().getString("email"))) {
          m.fail(ErrorCode.RATE_LIMITED.code(), ErrorCode.RATE_LIMITED.failure("Too many failed sign-ins.",
            new JsonObject().put("retry_after_seconds", 42)).getMessage());
        } else {
          m.reply(new JsonObject().put("access_token", "a").put("refresh_token", "r").put("token_type", "Bearer").put("expires_in", 900));
        }
      }).completion(),
      bus.<JsonObject>consumer(AuthContract.LOGOUT, m -> {
        lastLogout.set(m);
        m.reply(new JsonObject());
      }).completion(),
      bus.<JsonObject>consumer(AuthContract.ME, m -> m.reply(new JsonObject().put("user_id", m.headers().get(BusHeaders.USER_ID)))).completion()))
      .compose(all -> GatewayFixture.deploy(vertx, config, List.of(), new JwtAuthenticator()))
      .onComplete(ctx.succeeding(deployed -> {
        g = deployed;
        ctx.completeNow();
      }));
  }

  @Test
  void loginTellsAuthTheClientAddressAndIsNeverCached(VertxTestContext ctx) {
    g.client.post("/api/v1/auth/login")
      .putHeader("X-Client-Address", "6.6.6.6")
      .sendJsonObject(new JsonObject().put("email", "a@example.com").put("password", "x"))
      .map(resp -> ctx.verify(() -> {
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.getHeader("Cache-Control")).isEqualTo("no-store");
        MultiMap headers = lastLogin.get().headers();
        assertThat(headers.get(AuthContract.CLIENT_ADDRESS_HEADER)).isEqualTo("127.0.0.1");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aRateLimitedLoginIs429WithRetryAfter(VertxTestContext ctx) {
    g.client.post("/api/v1/auth/login")
      .sendJsonObject(new JsonObject().put("email", "locked@example.com").put("password", "x"))
      .map(resp -> ctx.verify(() -> {
        JsonObject problem = assertProblem(resp, 429, "RATE_LIMITED");
        assertThat(resp.getHeader("Retry-After")).isEqualTo("42");
        assertThat(problem.getInteger("retry_after_seconds")).isEqualTo(42);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void logoutNeedsAUserAndEndsTheSessionNamedByTheToken(VertxTestContext ctx) {
    String token = tokens.sign(TestTokens.claims(USER, "buyer"));
    String other = tokens.sign(TestTokens.claims(USER, "buyer").put("sid", "5b7c9d2e-1f3a-4b6c-8d9e-0a1b2c3d4e5f"));
    g.client.post("/api/v1/auth/logout").send()
      .map(anonymous -> ctx.verify(() -> assertProblem(anonymous, 401, "UNAUTHORIZED")))
      .compose(v -> g.client.post("/api/v1/auth/logout").bearerTokenAuthentication(token).send())
      .map(resp -> ctx.verify(() -> {
        assertThat(resp.statusCode()).isEqualTo(204);
        assertThat(lastLogout.get().body().getString("session_id")).isEqualTo("3f0e8b9e-3a57-4f6e-9d7a-0d7e3b1c2a11");
        assertThat(lastLogout.get().headers().get(BusHeaders.USER_ID)).isEqualTo(USER);
      }))
      // the session's access tokens end with it, on this node before the answer
      .compose(v -> g.client.post("/api/v1/auth/logout").bearerTokenAuthentication(token).send())
      .map(again -> ctx.verify(() -> assertProblem(again, 401, "TOKEN_INVALID")))
      .compose(v -> g.client.post("/api/v1/auth/logout").bearerTokenAuthentication(other)
        .sendJsonObject(new JsonObject().put("session_id", "someone-elses")))
      .map(smuggled -> ctx.verify(() -> assertThat(assertProblem(smuggled, 400, "VALIDATION_FAILED").getJsonArray("errors")
        .getJsonObject(0).getString("field")).isEqualTo("session_id")))
      .compose(v -> g.client.post("/api/v1/auth/logout").bearerTokenAuthentication(other)
        .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("{oops")))
      .map(malformed -> ctx.verify(() -> assertProblem(malformed, 400, "MALFORMED_REQUEST")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void meCarriesTheVerifiedUserToAuthAndRefusesAnonymousCallers(VertxTestContext ctx) {
    g.client.get("/api/v1/me").send()
      .map(anonymous -> ctx.verify(() -> assertProblem(anonymous, 401, "UNAUTHORIZED")))
      .compose(v -> g.client.get("/api/v1/me").bearerTokenAuthentication(tokens.sign(TestTokens.claims(USER, "buyer"))).send())
      .map(resp -> ctx.verify(() -> {
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.bodyAsJsonObject().getString("user_id")).isEqualTo(USER);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void jwksIsServedWithACacheLifetime(VertxTestContext ctx) {
    g.client.get("/.well-known/jwks.json").send()
      .map(resp -> ctx.verify(() -> {
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.getHeader("Cache-Control")).contains("max-age=");
        assertThat(resp.bodyAsJsonObject().getJsonArray("keys").getJsonObject(0).getString("kid")).isEqualTo("key-1");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }
}
