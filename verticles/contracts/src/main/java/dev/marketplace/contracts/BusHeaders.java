package dev.marketplace.contracts;

/** Headers that travel with every request from the gateway to a component. */
public final class BusHeaders {
  /** The authenticated user's id; absent for anonymous callers. */
  public static final String USER_ID = "x-user-id";
  /** The user's roles, comma-separated (buyer, seller, admin). */
  public static final String ROLES = "x-roles";
  /** The request's correlation id, for logs across components. */
  public static final String CORRELATION_ID = "x-correlation-id";
  /**
   * One client request's id (256 random bits, 43 base64url characters), the same on every attempt
   * the gateway sends of it: a component that dedupes by it applies a repeated write once. A secret
   * of the bus: never logged, never taken from a client.
   */
  public static final String REQUEST_ID = "x-request-id";

  private BusHeaders() {
  }
}
