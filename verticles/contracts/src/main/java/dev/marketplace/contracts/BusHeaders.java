package dev.marketplace.contracts;

/** Headers that travel with every request from the gateway to a component. */
public final class BusHeaders {
  /** The authenticated user's id; absent for anonymous callers. */
  public static final String USER_ID = "x-user-id";
  /** The user's roles, comma-separated (buyer, seller, admin). */
  public static final String ROLES = "x-roles";
  /** The request's correlation id, for logs across components. */
  public static final String CORRELATION_ID = "x-correlation-id";

  private BusHeaders() {
  }
}
