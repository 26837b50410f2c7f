package dev.marketplace.gateway;

import dev.marketplace.gateway.security.ClientAddress;
import dev.marketplace.gateway.security.RateLimitHandler;
import dev.marketplace.gateway.security.RateLimiter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** Token buckets per client address and per user, 429 with Retry-After, and X-Forwarded-For only from trusted proxies. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class RateLimitTest {
  /** A route in the default group that says which client address the gateway saw. */
  private static final RouteModule PING = (Router router, GatewayContext gateway) -> {
    router.get(GatewayContext.API + "/t/ping").handler(ctx -> GatewayContext.sendJson(ctx, 200,
      new JsonObject().put("client", gateway.clientAddress(ctx))));
  };
  /** The caller named by the test header: enough to tell users apart here. */
  private static final Authenticator BY_HEADER = ctx -> {
    String user = ctx.request().getHeader("X-Test-User");
    return Future.succeededFuture(user == null ? Optional.empty() : Optional.of(new Identity(user, Set.of("buyer"))));
  };

  private static JsonObject limits(JsonObject groups) {
    return new JsonObject().put("enabled", true).put("groups", groups);
  }

  private static JsonObject limit(long capacity, long perMinute) {
    return new JsonObject().put("capacity", capacity).put("per_minute", perMinute);
  }

  /** On the JUnit thread: the first {@link GatewayFixture#config()} starts the shared PostgreSQL and Kafka, which blocks. */
  private static JsonObject config(JsonObject rateLimits, JsonArray trustedProxies) {
    JsonObject config = GatewayFixture.config();
    GatewayFixture.section(config, "gateway").put("rate_limits", rateLimits).put("trusted_proxies", trustedProxies);
    return config;
  }

  private static Future<GatewayFixture> gateway(Vertx vertx, JsonObject config) {
    return GatewayFixture.deploy(vertx, config, List.of(PING), BY_HEADER);
  }

  private static Future<HttpResponse<Buffer>> ping(GatewayFixture g, String forwardedFor, String user) {
    HttpRequest<Buffer> request = g.client.get("/api/v1/t/ping");
    if (forwardedFor != null) {
      request.putHeader(ClientAddress.FORWARDED_FOR, forwardedFor);
    }
    if (user != null) {
      request.putHeader("X-Test-User", user);
    }
    return request.send();
  }

  /** {@code times} pings one after the other, each answered 200. */
  private static Future<Void> allPass(VertxTestContext ctx, GatewayFixture g, int times, String user) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < times; i++) {
      chain = chain.compose(v -> ping(g, null, user)).map(resp -> {
        ctx.verify(() -> assertThat(resp.statusCode()).isEqualTo(200));
        return null;
      });
    }
    return chain;
  }

  @Test
  void aClientOverItsLimitGets429ProblemWithRetryAfterAndOtherGroupsStillAnswer(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = config(limits(new JsonObject().put("default", new JsonObject().put("per_address", limit(3, 1)))), new JsonArray());
    gateway(vertx, config)
      .compose(g -> allPass(ctx, g, 3, null)
        .compose(v -> ping(g, null, null))
        .map(limited -> ctx.verify(() -> {
          JsonObject problem = assertProblem(limited, 429, "RATE_LIMITED");
          long retryAfter = Long.parseLong(limited.getHeader("Retry-After"));
          // one token a minute: the next one is up to a minute away
          assertThat(retryAfter).isBetween(1L, 60L);
          assertThat(problem.getLong("retry_after_seconds")).isEqualTo(retryAfter);
          assertThat(problem.getString("limit")).isEqualTo("default");
        }))
        // search has buckets of its own: the request passes the limiter and reaches the catalog route
        // (503 here: no catalog component runs in this test)
        .compose(v -> g.client.get("/api/v1/catalog/products").send())
        .map(search -> ctx.verify(() -> assertProblem(search, 503, "SERVICE_UNAVAILABLE")))
        // and the health probe is never limited
        .compose(v -> g.client.get("/health").send()))
      .map(health -> ctx.verify(() -> assertThat(health.statusCode()).isEqualTo(200)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void eachUserHasABucketOfTheirOwn(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = config(limits(new JsonObject().put("default", new JsonObject()
      .put("per_address", limit(1000, 1000)).put("per_user", limit(2, 1)))), new JsonArray());
    gateway(vertx, config)
      .compose(g -> allPass(ctx, g, 2, "alice")
        .compose(v -> ping(g, null, "alice"))
        .map(third -> ctx.verify(() -> assertProblem(third, 429, "RATE_LIMITED")))
        .compose(v -> allPass(ctx, g, 1, "bob"))
        .compose(v -> allPass(ctx, g, 1, null)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void forwardedForIsBelievedOnlyFromATrustedProxy(Vertx vertx, VertxTestContext ctx) {
    JsonObject twoPerAddress = limits(new JsonObject().put("default", new JsonObject().put("per_address", limit(2, 1))));
    JsonObject behindProxyConfig = config(twoPerAddress, new JsonArray().add("127.0.0.0/8"));
    JsonObject directConfig = config(twoPerAddress, new JsonArray().add("10.9.9.9"));
    // the second gateway runs on a Vert.x of its own, as a separate node would
    Vertx other = Vertx.vertx();
    gateway(vertx, behindProxyConfig)
      // the proxy appends the peer it saw; whatever the client wrote to the left is not believed past it
      .compose(behindProxy -> ping(behindProxy, "198.51.100.1, 203.0.113.1", null)
        .map(resp -> ctx.verify(() -> assertThat(resp.bodyAsJsonObject().getString("client")).isEqualTo("203.0.113.1")))
        .compose(v -> ping(behindProxy, "203.0.113.1", null))
        .map(resp -> ctx.verify(() -> assertThat(resp.statusCode()).isEqualTo(200)))
        .compose(v -> ping(behindProxy, "203.0.113.1", null))
        .map(resp -> ctx.verify(() -> assertProblem(resp, 429, "RATE_LIMITED")))
        .compose(v -> ping(behindProxy, "203.0.113.2", null))
        .map(resp -> ctx.verify(() -> assertThat(resp.statusCode()).isEqualTo(200))))
      .compose(v -> gateway(other, directConfig))
      // from an untrusted peer the header is ignored: every request counts under 127.0.0.1
      .compose(direct -> ping(direct, "203.0.113.7", null)
        .map(resp -> ctx.verify(() -> assertThat(resp.bodyAsJsonObject().getString("client")).isEqualTo("127.0.0.1")))
        .compose(v -> ping(direct, "203.0.113.8", null))
        .map(resp -> ctx.verify(() -> assertThat(resp.statusCode()).isEqualTo(200)))
        .compose(v -> ping(direct, "203.0.113.9", null))
        .map(resp -> ctx.verify(() -> assertProblem(resp, 429, "RATE_LIMITED"))))
      .eventually(other::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void enabledFalseTurnsEveryLimitOff(Vertx vertx, VertxTestContext ctx) {
    JsonObject off = limits(new JsonObject().put("default", new JsonObject().put("per_address", limit(1, 1)))).put("enabled", false);
    JsonObject config = config(off, new JsonArray());
    gateway(vertx, config)
      .compose(g -> allPass(ctx, g, 20, "alice"))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theFlatEnvironmentSwitchWinsOverTheSection() {
    JsonObject config = new JsonObject().put("gateway", new JsonObject()
      .put("rate_limits", new JsonObject().put("enabled", true)).put("rate_limits_enabled", false));
    assertThat(RateLimiter.fromConfig(config).enabled()).isFalse();
    assertThat(RateLimiter.fromConfig(new JsonObject()).enabled()).isTrue();
  }

  @Test
  void routesFallIntoTheirGroups() {
    assertThat(RateLimitHandler.groupOf(HttpMethod.POST, "/api/v1/auth/login")).isEqualTo(RateLimiter.Group.AUTH);
    assertThat(RateLimitHandler.groupOf(HttpMethod.POST, "/api/v1/auth/refresh")).isEqualTo(RateLimiter.Group.AUTH);
    assertThat(RateLimitHandler.groupOf(HttpMethod.POST, "/api/v1/auth/register")).isEqualTo(RateLimiter.Group.REGISTER);
    assertThat(RateLimitHandler.groupOf(HttpMethod.POST, "/api/v1/checkout")).isEqualTo(RateLimiter.Group.CHECKOUT);
    assertThat(RateLimitHandler.groupOf(HttpMethod.GET, "/api/v1/catalog/products")).isEqualTo(RateLimiter.Group.SEARCH);
    assertThat(RateLimitHandler.groupOf(HttpMethod.GET, "/api/v1/catalog/suggest")).isEqualTo(RateLimiter.Group.SEARCH);
    assertThat(RateLimitHandler.groupOf(HttpMethod.POST, "/api/v1/payments/callback")).isEqualTo(RateLimiter.Group.CALLBACK);
    assertThat(RateLimitHandler.groupOf(HttpMethod.GET, "/api/v1/orders")).isEqualTo(RateLimiter.Group.DEFAULT);
  }

  @Test
  void clientAddressWalksTheChainFromTheRightAndStopsAtGarbage() {
    ClientAddress clients = ClientAddress.of(List.of("10.0.0.0/8", "2001:db8::/32"));
    assertThat(clients.resolve("10.0.0.5", List.of("203.0.113.5, 10.1.2.3"))).isEqualTo("203.0.113.5");
    assertThat(clients.resolve("10.0.0.5", List.of("203.0.113.5", "10.1.2.3"))).isEqualTo("203.0.113.5");
    assertThat(clients.resolve("198.51.100.9", List.of("203.0.113.5"))).isEqualTo("198.51.100.9");
    assertThat(clients.resolve("10.0.0.5", List.of("evil.example, 10.1.2.3"))).isEqualTo("10.1.2.3");
    assertThat(clients.resolve("2001:db8::1", List.of("2001:db9::7"))).isEqualTo("2001:db9:0:0:0:0:0:7");
    assertThat(clients.resolve("10.0.0.5", List.of())).isEqualTo("10.0.0.5");
    assertThat(clients.isTrusted("11.0.0.1")).isFalse();
  }
}
