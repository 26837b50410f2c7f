package dev.marketplace.auth;

import dev.marketplace.contracts.auth.AuthContract;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Operator actions on accounts, for the launcher's {@code admin} command (never reachable over
 * HTTP or the bus). A granted role shows in access tokens from the user's next login or refresh.
 */
public final class RoleGrants {
  private static final Set<String> ROLES = Set.of(AuthContract.BUYER, AuthContract.SELLER, AuthContract.ADMIN);

  private RoleGrants() {
  }

  /**
   * Adds {@code role} to the account with {@code email} (normalised as at registration);
   * idempotent.
   *
   * @return the account's roles afterwards, empty when there is no such account
   */
  public static Future<Optional<List<String>>> grant(Pool pool, String email, String role) {
    if (!ROLES.contains(role)) {
      return Future.failedFuture(new IllegalArgumentException("Unknown role '" + role + "'; known: " + String.join(", ", ROLES)));
    }
    return new AuthRepository(pool).grantRole(email.strip().toLowerCase(Locale.ROOT), role);
  }
}
