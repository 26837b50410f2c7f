package dev.marketplace.gateway.security;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.gateway.GatewayContext;
import dev.marketplace.gateway.Identity;
import dev.marketplace.gateway.ProblemResponses;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The {@link RateLimiter} in front of every {@code /api/v1} route: {@link #byAddress} before
 * authentication, {@link #byUser} after it. Over the limit: 429 problem+json, code
 * {@code RATE_LIMITED}, {@code retry_after_seconds} and the {@code Retry-After} header.
 */
public final class RateLimitHandler implements Handler<RoutingContext> {
  private static final String API = GatewayContext.API;

  private final RateLimiter limiter;
  private final ClientAddress clients;
  private final boolean byUser;

  private RateLimitHandler(RateLimiter limiter, ClientAddress clients, boolean byUser) {
    this.limiter = limiter;
    this.clients = clients;
    this.byUser = byUser;
  }

  /** Counts every request under its client's address; goes before authentication, so bad tokens count too. */
  public static RateLimitHandler byAddress(RateLimiter limiter, ClientAddress clients) {
    return new RateLimitHandler(limiter, clients, false);
  }

  /** Counts a signed-in caller's requests under their user id; goes after authentication. */
  public static RateLimitHandler byUser(RateLimiter limiter) {
    return new RateLimitHandler(limiter, null, true);
  }

  /** Which group a request counts in. */
  public static RateLimiter.Group groupOf(HttpMethod method, String path) {
    if (path == null) {
      return RateLimiter.Group.DEFAULT;
    }
    if (HttpMethod.POST.equals(method)) {
      if (path.equals(API + "/auth/register")) {
        return RateLimiter.Group.REGISTER;
      }
      if (path.startsWith(API + "/auth/")) {
        return RateLimiter.Group.AUTH;
      }
      if (path.equals(API + "/checkout")) {
        return RateLimiter.Group.CHECKOUT;
      }
      if (path.equals(API + "/payments/callback")) {
        return RateLimiter.Group.CALLBACK;
      }
    }
    if (HttpMethod.GET.equals(method) && (path.equals(API + "/catalog/products") || path.equals(API + "/catalog/suggest"))) {
      return RateLimiter.Group.SEARCH;
    }
    return RateLimiter.Group.DEFAULT;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (!limiter.enabled()) {
      ctx.next();
      return;
    }
    RateLimiter.Group group = groupOf(ctx.request().method(), ctx.normalizedPath());
    RateLimiter.Decision decision;
    if (byUser) {
      String user = Identity.of(ctx).map(Identity::userId).orElse(null);
      decision = user == null ? RateLimiter.Decision.ALLOWED : limiter.tryUser(group, user);
    } else {
      decision = limiter.tryAddress(group, clients.of(ctx));
    }
    if (decision.allowed()) {
      ctx.next();
      return;
    }
    ProblemResponses.send(ctx, ErrorCode.RATE_LIMITED.failure(
      "Too many requests; try again in " + decision.retryAfterSeconds() + " seconds.",
      new JsonObject().put("retry_after_seconds", decision.retryAfterSeconds()).put("limit", group.configName())));
  }
}
