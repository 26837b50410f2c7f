package dev.marketplace.gateway;

import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.gateway.security.JwtAuthenticator;
import dev.marketplace.gateway.security.VerifiedTokens;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.OnEventLoop;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Access tokens end with their session: the deny-list (auth's publications and its list), the
 * verified-token cache that still asks it, the audience check, and SSE streams that close at the
 * token's expiry or its session's revocation.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class TokenRevocationTest {
  private static final String USER = "7d6c1c4e-1b7a-4c38-9d0e-5f6a7b8c9d01";
  private static final RouteModule WHOAMI = (Router router, GatewayContext gateway) ->
    router.get(GatewayContext.API + "/t/me").handler(Access.user()).handler(ctx -> GatewayContext.sendJson(ctx, 200,
      new JsonObject().put("user", Identity.of(ctx).orElseThrow().userId())));
  /** How long a revocation or a stream's end may take to show. */
  private static final long WAIT_MS = 10_000;

  private final TestTokens tokens = new TestTokens("key-1");
  private Vertx vertx;
  private GatewayFixture gateway;
  private JsonArray revokedAtAuth = new JsonArray();

  @BeforeEach
  void up(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    Future.all(
        vertx.eventBus().<JsonObject>consumer(AuthContract.JWKS, msg ->
          msg.reply(new JsonObject().put("keys", new JsonArray().add(tokens.jwk())))).completion(),
        vertx.eventBus().<JsonObject>consumer(AuthContract.REVOKED_SESSIONS, msg ->
          msg.reply(new JsonObject().put("sessions", revokedAtAuth).put("deny_for_seconds", 960))).completion())
      .onComplete(ctx.succeedingThenComplete());
  }

  /** Config on the calling (JUnit) thread, where the first call may start the shared PostgreSQL and Kafka; then the deployment. */
  private Future<GatewayFixture> deploy(JsonObject gatewaySection) {
    JsonObject config = GatewayFixture.config();
    GatewayFixture.section(config, "gateway").put("sse_heartbeat_ms", 60_000).mergeIn(gatewaySection);
    return GatewayFixture.deploy(vertx, config, List.of(WHOAMI), new JwtAuthenticator()).onSuccess(g -> gateway = g);
  }

  private Future<HttpResponse<Buffer>> me(String token) {
    return gateway.client.get("/api/v1/t/me").putHeader("Authorization", "Bearer " + token).send();
  }

  private static JsonObject claims(String sid) {
    return TestTokens.claims(USER, "buyer").put("sid", sid);
  }

  private void publishRevoked(String sid) {
    vertx.eventBus().publish(AuthContract.SESSION_REVOKED, new JsonObject().put("session_id", sid)
      .put("revoked_at", Instant.now().toString()).put("deny_for_seconds", 960));
  }

  @Test
  void aRevokedSessionsTokenIsRefusedAtOnceEvenThoughItWasVerifiedAndCachedBefore(VertxTestContext ctx) {
    String sid = UUID.randomUUID().toString();
    String token = tokens.sign(claims(sid));
    String otherSession = tokens.sign(claims(UUID.randomUUID().toString()));
    deploy(new JsonObject())
      .compose(g -> me(token))
      .map(first -> ctx.verify(() -> assertThat(first.statusCode()).isEqualTo(200)))
      .compose(v -> me(token))
      .map(second -> ctx.verify(() -> {
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(VerifiedTokens.shared(vertx, 100_000).size()).as("verified once, then served from the cache").isEqualTo(1);
      }))
      .compose(v -> {
        publishRevoked(sid);
        return Eventually.until(vertx, "the revocation arrived", WAIT_MS, () -> me(token).map(resp -> resp.statusCode() == 401));
      })
      .compose(v -> me(token))
      .map(refused -> ctx.verify(() -> {
        JsonObject problem = assertProblem(refused, 401, "TOKEN_INVALID");
        assertThat(problem.getString("detail")).contains("session has ended");
      }))
      .compose(v -> me(otherSession))
      .map(other -> ctx.verify(() -> assertThat(other.statusCode()).isEqualTo(200)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aGatewayThatMissedThePublicationLearnsTheRevokedSessionsFromAuthAtStart(VertxTestContext ctx) {
    String sid = UUID.randomUUID().toString();
    revokedAtAuth = new JsonArray().add(new JsonObject().put("session_id", sid).put("revoked_at", Instant.now().minusSeconds(60).toString()));
    // revoked long ago: its tokens are all expired, so the gateway need not remember it
    String old = UUID.randomUUID().toString();
    revokedAtAuth.add(new JsonObject().put("session_id", old).put("revoked_at", Instant.now().minusSeconds(3600).toString()));
    deploy(new JsonObject())
      .compose(g -> me(tokens.sign(claims(sid))))
      .map(revoked -> ctx.verify(() -> assertProblem(revoked, 401, "TOKEN_INVALID")))
      .compose(v -> me(tokens.sign(claims(old))))
      .map(forgotten -> ctx.verify(() -> assertThat(forgotten.statusCode()).isEqualTo(200)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aTokenForAnotherAudienceOrWithoutOneIsRefused(VertxTestContext ctx) {
    JsonObject none = TestTokens.claims(USER, "buyer");
    none.remove("aud");
    deploy(new JsonObject())
      .compose(g -> me(tokens.sign(TestTokens.claims(USER, "buyer"))))
      .map(resp -> ctx.verify(() -> assertThat(resp.statusCode()).isEqualTo(200)))
      .compose(v -> me(tokens.sign(TestTokens.claims(USER, "buyer").put("aud", new JsonArray().add("other").add(TestTokens.AUDIENCE)))))
      .map(resp -> ctx.verify(() -> assertThat(resp.statusCode()).isEqualTo(200)))
      .compose(v -> me(tokens.sign(TestTokens.claims(USER, "buyer").put("aud", "payments-admin"))))
      .map(resp -> ctx.verify(() -> {
        JsonObject problem = assertProblem(resp, 401, "TOKEN_INVALID");
        assertThat(problem.getString("detail")).contains("audience");
      }))
      .compose(v -> me(tokens.sign(none)))
      .map(resp -> ctx.verify(() -> assertProblem(resp, 401, "TOKEN_INVALID")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aCachedTokenIsRefusedOnceItExpires(VertxTestContext ctx) {
    long[] exp = new long[1];
    String[] token = new String[1];
    deploy(new JsonObject())
      .compose(g -> {
        exp[0] = Instant.now().getEpochSecond() - 2;
        // expired 2 s ago: still inside the verifier's 5 s leeway for about 3 s (room for a slow first request)
        token[0] = tokens.sign(TestTokens.claims(USER, "buyer").put("iat", exp[0] - 900).put("exp", exp[0]));
        return me(token[0]);
      })
      .map(resp -> ctx.verify(() -> assertThat(resp.statusCode()).isEqualTo(200)))
      // then past the leeway, by the clock rather than a fixed pause
      .compose(v -> vertx.timer(Math.max(1, (exp[0] + 5 + 1) * 1000 - System.currentTimeMillis())))
      .compose(t -> me(token[0]))
      .map(resp -> ctx.verify(() -> assertProblem(resp, 401, "TOKEN_INVALID")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anSseStreamEndsWhenItsSessionIsRevoked(VertxTestContext ctx) {
    String sid = UUID.randomUUID().toString();
    String token = tokens.sign(claims(sid));
    deploy(new JsonObject())
      .compose(g -> open(token))
      .compose(stream -> Eventually.untilTrue(vertx, "the stream is subscribed", WAIT_MS, () -> stream.raw.indexOf(": connected") >= 0)
        .compose(v -> {
          publishRevoked(sid);
          return Eventually.untilTrue(vertx, "the stream ended", WAIT_MS, stream.ended::get);
        })
        .map(v -> ctx.verify(() -> assertThat(stream.raw.toString()).contains("event: end\ndata: {\"reason\":\"session_revoked\"}"))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anSseStreamEndsWhenItsTokenExpires(VertxTestContext ctx) {
    long now = Instant.now().getEpochSecond();
    String token = tokens.sign(claims(UUID.randomUUID().toString()).put("iat", now - 900).put("exp", now - 3));
    deploy(new JsonObject())
      .compose(g -> open(token))
      .compose(stream -> Eventually.untilTrue(vertx, "the stream is subscribed", WAIT_MS, () -> stream.raw.indexOf(": connected") >= 0)
        .compose(v -> Eventually.untilTrue(vertx, "the stream ended", WAIT_MS, stream.ended::get))
        .map(v -> ctx.verify(() -> assertThat(stream.raw.toString()).contains("event: end\ndata: {\"reason\":\"token_expired\"}"))))
      .onComplete(ctx.succeedingThenComplete());
  }

  private static final class Stream {
    final StringBuffer raw = new StringBuffer();
    final AtomicBoolean ended = new AtomicBoolean();
  }

  /** The stream, once its response is 200; its handlers are set in the same event-loop task as the request, so no first chunk is lost. */
  private Future<Stream> open(String token) {
    Stream stream = new Stream();
    HttpClient http = vertx.createHttpClient();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
      .setPort(gateway.verticle.actualPort()).setURI("/api/v1/notifications/stream")
      .putHeader("Authorization", "Bearer " + token).putHeader("Accept", "text/event-stream");
    return OnEventLoop.run(vertx, () -> http.request(options).compose(request -> request.send()).map(r -> {
      r.handler(buffer -> stream.raw.append(buffer.toString()));
      r.endHandler(v -> stream.ended.set(true));
      return r;
    })).map(response -> {
      assertThat(response.statusCode()).isEqualTo(200);
      return stream;
    });
  }
}
