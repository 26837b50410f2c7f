package dev.marketplace.gateway;

import io.vertx.ext.web.RoutingContext;

import dev.marketplace.contracts.BusHeaders;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

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

  /**
   * The bus headers that carry this identity to a component: {@code x-user-id}, and {@code x-roles}
   * (sorted, comma-separated) when it has roles. The HTTP routes and the event bus bridges send the same.
   */
  public Map<String, String> busHeaders() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(BusHeaders.USER_ID, userId);
    if (!roles.isEmpty()) {
      headers.put(BusHeaders.ROLES, String.join(",", new TreeSet<>(roles)));
    }
    return headers;
  }

  /** The caller's identity, empty for anonymous requests. */
  public static Optional<Identity> of(RoutingContext ctx) {
    return Optional.ofNullable(ctx.get(CTX_KEY));
  }
}
