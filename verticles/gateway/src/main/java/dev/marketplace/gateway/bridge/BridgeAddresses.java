package dev.marketplace.gateway.bridge;

import java.util.Set;
import java.util.UUID;

/**
 * The addresses the event bus bridges open to clients (a public contract, see
 * {@code docs/ARCHITECTURE.md} "Event bus bridges"). They exist only at the bridge: the gateway
 * answers them itself, so no component's address is ever reachable or observable through it.
 */
public final class BridgeAddresses {
  /** send; body = the query of {@code GET /api/v1/catalog/products} as a JSON object; reply = that route's JSON. */
  public static final String CATALOG_SEARCH = "bridge.catalog.search";
  /** send {@code {id}}; reply = the JSON of {@code GET /api/v1/catalog/products/{id}}. */
  public static final String CATALOG_PRODUCT = "bridge.catalog.product";
  /** send {@code {limit?, cursor?}} with header {@code authorization: Bearer …}; reply = {@code GET /api/v1/orders}. */
  public static final String ORDERS_LIST = "bridge.orders.list";
  /** send {@code {id}} with header {@code authorization}; reply = {@code GET /api/v1/orders/{id}}. */
  public static final String ORDERS_GET = "bridge.orders.get";
  /** register {@code bridge.user.<user_id>} with header {@code authorization}, for the token's own user only. */
  public static final String USER_PREFIX = "bridge.user.";

  /** The addresses a client may {@code send} to (with a reply address). */
  public static final Set<String> SEND = Set.of(CATALOG_SEARCH, CATALOG_PRODUCT, ORDERS_LIST, ORDERS_GET);

  public static String user(String userId) {
    return USER_PREFIX + userId;
  }

  /** The user id of a {@code bridge.user.<uuid>} address, or null for any other address. */
  static String userIdOf(String address) {
    if (address == null || !address.startsWith(USER_PREFIX) || address.length() != USER_PREFIX.length() + 36) {
      return null;
    }
    String id = address.substring(USER_PREFIX.length());
    try {
      // the canonical spelling only: one user, one address
      return UUID.fromString(id).toString().equals(id) ? id : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private BridgeAddresses() {
  }
}
