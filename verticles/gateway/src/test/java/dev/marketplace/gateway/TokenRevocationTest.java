package dev.marketplace.gateway;

import dev.marketplace.platform.testing.OnEventLoop;
import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.gateway.security.JwtAuthenticator;
import dev.marketplace.gateway.security.VerifiedTokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Access tokens end with their session: the deny-list (auth's publications and its list), the
 * verified-token cache that still asks it, the audience check, and SSE streams that close at the
 * token's expiry or its session's revocation.
 */
class TokenRevocationTest {
  private static final String USER = "7d6c1c4e-1b7a-4c38-9d0e-5f6a7b8c9d01";
  private static final RouteModule WHOAMI = (Router router, GatewayContext gateway) ->
    router.get(GatewayContext.API + "/t/me").handler(Access.user()).handler(ctx -> GatewayContext.sendJson(ctx, 200,
      new JsonObject().put("user", Identity.of(ctx).orElseThrow().userId())));

  private final TestTokens tokens = new TestTokens("key-1");
  private Vertx vertx;
  private GatewayFixture gateway;
  private JsonArray revokedAtAuth = new JsonArray();

  @BeforeEach
  void up() {
    vertx = Vertx.vertx();
    await(vertx.eventBus().<JsonObject>consumer(AuthContract.JWKS, msg ->
      msg.reply(new JsonObject().put("keys", new JsonArray().add(tokens.jwk())))).completion());
    await(vertx.eventBus().<JsonObject>consumer(AuthContract.REVOKED_SESSIONS, msg ->
      msg.reply(new JsonObject().put("sessions", revokedAtAuth).put("deny_for_seconds", 960))).completion());
  }

  @AfterEach
  void down() {
    await(vertx.close());
  }

  private void deploy(JsonObject gatewaySection) {
    JsonObject config = GatewayFixture.config();
    GatewayFixture.section(config, "gateway").put("sse_heartbeat_ms", 60_000).mergeIn(gatewaySection);
    gateway = await(GatewayFixture.deploy(vertx, config, List.of(WHOAMI), new JwtAuthenticator()));
  }

  private HttpResponse<Buffer> me(String token) {
    return await(gateway.client.get("/api/v1/t/me").putHeader("Authorization", "Bearer " + token).send());
  }

  private static JsonObject claims(String sid) {
    return TestTokens.claims(USER, "buyer").put("sid", sid);
  }

  private void publishRevoked(String sid) {
    vertx.eventBus().publish(AuthContract.SESSION_REVOKED, new JsonObject().put("session_id", sid)
      .put("revoked_at", Instant.now().toString()).put("deny_for_seconds", 960));
  }

  @Test
  void aRevokedSessionsTokenIsRefusedAtOnceEvenThoughItWasVerifiedAndCachedBefore() {
    deploy(new JsonObject());
    String sid = UUID.randomUUID().toString();
    String token = tokens.sign(claims(sid));
    String otherSession = tokens.sign(claims(UUID.randomUUID().toString()));
    assertThat(me(token).statusCode()).isEqualTo(200);
    assertThat(me(token).statusCode()).isEqualTo(200);
    assertThat(VerifiedTokens.shared(vertx, 100_000).size()).as("verified once, then served from the cache").isEqualTo(1);

    publishRevoked(sid);

    waitUntil("the revocation arrived", () -> me(token).statusCode() == 401);
    JsonObject problem = assertProblem(me(token), 401, "TOKEN_INVALID");
    assertThat(problem.getString("detail")).contains("session has ended");
    assertThat(me(otherSession).statusCode()).isEqualTo(200);
  }

  @Test
  void aGatewayThatMissedThePublicationLearnsTheRevokedSessionsFromAuthAtStart() {
    String sid = UUID.randomUUID().toString();
    revokedAtAuth = new JsonArray().add(new JsonObject().put("session_id", sid).put("revoked_at", Instant.now().minusSeconds(60).toString()));
    // revoked long ago: its tokens are all expired, so the gateway need not remember it
    String old = UUID.randomUUID().toString();
    revokedAtAuth.add(new JsonObject().put("session_id", old).put("revoked_at", Instant.now().minusSeconds(3600).toString()));
    deploy(new JsonObject());

    assertProblem(me(tokens.sign(claims(sid))), 401, "TOKEN_INVALID");
    assertThat(me(tokens.sign(claims(old))).statusCode()).isEqualTo(200);
  }

  @Test
  void aTokenForAnotherAudienceOrWithoutOneIsRefused() {
    deploy(new JsonObject());
    assertThat(me(tokens.sign(TestTokens.claims(USER, "buyer"))).statusCode()).isEqualTo(200);
    assertThat(me(tokens.sign(TestTokens.claims(USER, "buyer").put("aud", new JsonArray().add("other").add(TestTokens.AUDIENCE))))
      .statusCode()).isEqualTo(200);

    JsonObject problem = assertProblem(me(tokens.sign(TestTokens.claims(USER, "buyer").put("aud", "payments-admin"))), 401, "TOKEN_INVALID");
    assertThat(problem.getString("detail")).contains("audience");
    JsonObject none = TestTokens.claims(USER, "buyer");
    none.remove("aud");
    assertProblem(me(tokens.sign(none)), 401, "TOKEN_INVALID");
  }

  @Test
  void aCachedTokenIsRefusedOnceItExpires() throws Exception {
    deploy(new JsonObject());
    long now = Instant.now().getEpochSecond();
    // expired 4 s ago: still inside the verifier's 5 s leeway for about a second
    String token = tokens.sign(TestTokens.claims(USER, "buyer").put("iat", now - 900).put("exp", now - 4));
    assertThat(me(token).statusCode()).isEqualTo(200);
    Thread.sleep(2_100);
    assertProblem(me(token), 401, "TOKEN_INVALID");
  }

  @Test
  void anSseStreamEndsWhenItsSessionIsRevoked() {
    deploy(new JsonObject());
    String sid = UUID.randomUUID().toString();
    Stream stream = open(tokens.sign(claims(sid)));
    waitUntil("the stream is subscribed", () -> stream.raw.indexOf(": connected") >= 0);

    publishRevoked(sid);

    waitUntil("the stream ended", stream.ended::get);
    assertThat(stream.raw.toString()).contains("event: end\ndata: {\"reason\":\"session_revoked\"}");
  }

  @Test
  void anSseStreamEndsWhenItsTokenExpires() {
    deploy(new JsonObject());
    long now = Instant.now().getEpochSecond();
    Stream stream = open(tokens.sign(claims(UUID.randomUUID().toString()).put("iat", now - 900).put("exp", now - 3)));
    waitUntil("the stream is subscribed", () -> stream.raw.indexOf(": connected") >= 0);

    waitUntil("the stream ended", stream.ended::get);
    assertThat(stream.raw.toString()).contains("event: end\ndata: {\"reason\":\"token_expired\"}");
  }

  private static final class Stream {
    final StringBuffer raw = new StringBuffer();
    final AtomicBoolean ended = new AtomicBoolean();
  }

  private Stream open(String token) {
    Stream stream = new Stream();
    HttpClient http = vertx.createHttpClient();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
      .setPort(gateway.verticle.actualPort()).setURI("/api/v1/notifications/stream")
      .putHeader("Authorization", "Bearer " + token).putHeader("Accept", "text/event-stream");
    HttpClientResponse response = await(OnEventLoop.run(vertx, () -> http.request(options).compose(request -> request.send()).map(r -> {
      r.handler(buffer -> stream.raw.append(buffer.toString()));
      r.endHandler(v -> stream.ended.set(true));
      return r;
    })));
    assertThat(response.statusCode()).isEqualTo(200);
    return stream;
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void waitUntil(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out waiting until " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
