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
import io.vertx.junit5.VertxExtension;
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

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static JsonObject limits(JsonObject groups) {
    return new JsonObject().put("enabled", true).put("groups", groups);
  }

  private static JsonObject limit(long capacity, long perMinute) {
    return new JsonObject().put("capacity", capacity).put("per_minute", perMinute);
  }

  private GatewayFixture gateway(Vertx vertx, JsonObject rateLimits, JsonArray trustedProxies) throws Exception {
    JsonObject config = GatewayFixture.config();
    GatewayFixture.section(config, "gateway").put("rate_limits", rateLimits).put("trusted_proxies", trustedProxies);
    return await(GatewayFixture.deploy(vertx, config, List.of(PING), BY_HEADER));
  }

  private static HttpResponse<Buffer> ping(GatewayFixture g, String forwardedFor, String user) throws Exception {
    HttpRequest<Buffer> request = g.client.get("/api/v1/t/ping");
    if (forwardedFor != null) {
      request.putHeader(ClientAddress.FORWARDED_FOR, forwardedFor);
    }
    if (user != null) {
      request.putHeader("X-Test-User", user);
    }
    return await(request.send());
  }

  @Test
  void aClientOverItsLimitGets429ProblemWithRetryAfterAndOtherGroupsStillAnswer(Vertx vertx) throws Exception {
    GatewayFixture g = gateway(vertx, limits(new JsonObject().put("default", new JsonObject().put("per_address", limit(3, 1)))), new JsonArray());
    for (int i = 0; i < 3; i++) {
      assertThat(ping(g, null, null).statusCode()).isEqualTo(200);
    }

    HttpResponse<Buffer> limited = ping(g, null, null);

    JsonObject problem = assertProblem(limited, 429, "RATE_LIMITED");
    long retryAfter = Long.parseLong(limited.getHeader("Retry-After"));
    // one token a minute: the next one is up to a minute away
    assertThat(retryAfter).isBetween(1L, 60L);
    assertThat(problem.getLong("retry_after_seconds")).isEqualTo(retryAfter);
    assertThat(problem.getString("limit")).isEqualTo("default");
    // search has buckets of its own: the request passes the limiter and reaches the catalog route
    // (503 here: no catalog component runs in this test)
    assertProblem(await(g.client.get("/api/v1/catalog/products").send()), 503, "SERVICE_UNAVAILABLE");
    // and the health probe is never limited
    assertThat(await(g.client.get("/health").send()).statusCode()).isEqualTo(200);
  }

  @Test
  void eachUserHasABucketOfTheirOwn(Vertx vertx) throws Exception {
    GatewayFixture g = gateway(vertx, limits(new JsonObject().put("default", new JsonObject()
      .put("per_address", limit(1000, 1000)).put("per_user", limit(2, 1)))), new JsonArray());
    assertThat(ping(g, null, "alice").statusCode()).isEqualTo(200);
    assertThat(ping(g, null, "alice").statusCode()).isEqualTo(200);
    assertProblem(ping(g, null, "alice"), 429, "RATE_LIMITED");

    assertThat(ping(g, null, "bob").statusCode()).isEqualTo(200);
    assertThat(ping(g, null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void forwardedForIsBelievedOnlyFromATrustedProxy(Vertx vertx) throws Exception {
    JsonObject twoPerAddress = limits(new JsonObject().put("default", new JsonObject().put("per_address", limit(2, 1))));
    GatewayFixture behindProxy = gateway(vertx, twoPerAddress, new JsonArray().add("127.0.0.0/8"));
    // the proxy appends the peer it saw; whatever the client wrote to the left is not believed past it
    assertThat(ping(behindProxy, "198.51.100.1, 203.0.113.1", null).bodyAsJsonObject().getString("client")).isEqualTo("203.0.113.1");
    assertThat(ping(behindProxy, "203.0.113.1", null).statusCode()).isEqualTo(200);
    assertProblem(ping(behindProxy, "203.0.113.1", null), 429, "RATE_LIMITED");
    assertThat(ping(behindProxy, "203.0.113.2", null).statusCode()).isEqualTo(200);

    Vertx other = Vertx.vertx();
    try {
      GatewayFixture direct = gateway(other, twoPerAddress, new JsonArray().add("10.9.9.9"));
      // from an untrusted peer the header is ignored: every request counts under 127.0.0.1
      assertThat(ping(direct, "203.0.113.7", null).bodyAsJsonObject().getString("client")).isEqualTo("127.0.0.1");
      assertThat(ping(direct, "203.0.113.8", null).statusCode()).isEqualTo(200);
      assertProblem(ping(direct, "203.0.113.9", null), 429, "RATE_LIMITED");
    } finally {
      await(other.close());
    }
  }

  @Test
  void enabledFalseTurnsEveryLimitOff(Vertx vertx) throws Exception {
    JsonObject off = limits(new JsonObject().put("default", new JsonObject().put("per_address", limit(1, 1)))).put("enabled", false);
    GatewayFixture g = gateway(vertx, off, new JsonArray());
    for (int i = 0; i < 20; i++) {
      assertThat(ping(g, null, "alice").statusCode()).isEqualTo(200);
    }
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
