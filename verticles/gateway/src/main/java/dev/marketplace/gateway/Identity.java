package dev.marketplace.gateway;

import io.vertx.ext.web.RoutingContext;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Who made an HTTP request, as the gateway's authentication established it. The auth handler
 * (a later issue) calls {@link #attach} after checking the token; {@link GatewayContext#deliveryOptions}
 * then sends it to components as the {@code x-user-id} / {@code x-roles} bus headers. Nothing a
 * client sends in its own headers ever becomes an identity.
 *
 * @param userId the user's id
 * @param roles  the user's roles (buyer, seller, admin)
 */
public record Identity(String userId, Set<String> roles) {
  private static final String CTX_KEY = "marketplace.identity";

  public Identity {
    Objects.requireNonNull(userId, "userId");
    roles = roles == null ? Set.of() : Set.copyOf(roles);
  }

  public static void attach(RoutingContext ctx, Identity identity) {
    ctx.put(CTX_KEY, Objects.requireNonNull(identity, "identity"));
  }

  /** The caller's identity, empty for anonymous requests. */
  public static Optional<Identity> of(RoutingContext ctx) {
    return Optional.ofNullable(ctx.get(CTX_KEY));
  }
}
