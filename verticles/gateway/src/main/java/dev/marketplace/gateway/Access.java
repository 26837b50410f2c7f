package dev.marketplace.gateway;

import dev.marketplace.contracts.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Who may call a route, declared in the route table before the handler:
 * <pre>{@code
 * router.get(API + "/orders").handler(Access.user()).handler(this::listOrders);
 * router.post(API + "/seller/products").handler(Access.role("seller")).handler(this::create);
 * }</pre>
 * Every {@code /api/v1} route states one of these, even {@link #anyone()}, so a reader sees the rule
 * on the route's line. Admins pass every role check.
 */
public final class Access {

  private Access() {
  }

  /** Public: anonymous callers welcome (an identity, if any, still travels on). */
  public static Handler<RoutingContext> anyone() {
    return RoutingContext::next;
  }

  /** Any authenticated user; 401 otherwise. */
  public static Handler<RoutingContext> user() {
    return ctx -> {
      if (Identity.of(ctx).isEmpty()) {
        ProblemResponses.send(ctx, ErrorCode.UNAUTHORIZED, "Authentication is required.");
        return;
      }
      ctx.next();
    };
  }

  /** An authenticated user with the role (or an admin); 401 / 403 otherwise. */
  public static Handler<RoutingContext> role(String role) {
    return ctx -> {
      var identity = Identity.of(ctx);
      if (identity.isEmpty()) {
        ProblemResponses.send(ctx, ErrorCode.UNAUTHORIZED, "Authentication is required.");
        return;
      }
      if (!identity.get().roles().contains(role) && !identity.get().roles().contains("admin")) {
        ProblemResponses.send(ctx, ErrorCode.FORBIDDEN, "This needs the " + role + " role.");
        return;
      }
      ctx.next();
    };
  }
}
