package dev.marketplace.contracts.auth;

/**
 * The auth component's event bus operations. Bodies and replies are JSON objects; ids are UUID
 * strings; failures are coded {@code ReplyException}s ({@code ServiceFailure}). Every field not
 * listed is refused with VALIDATION_FAILED ({@code errors:[{field, message}]}).
 *
 * <p>Access tokens are ES256 JWTs: header {@code {alg:"ES256", typ:"JWT", kid}}, claims
 * {@code sub} (user id), {@code roles} (array of buyer/seller/admin), {@code sid} (the refresh
 * token family, i.e. the login session), {@code iat}, {@code exp}, {@code iss}
 * ({@code auth.issuer}, default {@value #DEFAULT_ISSUER}), {@code aud} ({@code auth.audience},
 * default {@value #DEFAULT_AUDIENCE}: the public API; a verifier refuses any other). Verify them
 * with the keys of {@link #JWKS}, the algorithm pinned to ES256, and refuse a token whose
 * {@code sid} is revoked ({@link #SESSION_REVOKED}, {@link #REVOKED_SESSIONS}).
 */
public final class AuthContract {

  /**
   * Register: {@code {email, password, name, role?}} → {@code {user_id}}. The email is trimmed and
   * lower-cased; role is {@code buyer} (default) or {@code seller}. Errors: VALIDATION_FAILED
   * (field errors, including the password policy), ALREADY_EXISTS for a taken email,
   * SERVICE_UNAVAILABLE when the password hashers are saturated (retry later).
   */
  public static final String REGISTER = "auth.register";

  /**
   * Login: {@code {email, password}} → {@code {access_token, refresh_token, token_type:"Bearer",
   * expires_in}} (seconds of the access token). The client's address travels in the
   * {@link #CLIENT_ADDRESS_HEADER} header. Errors: INVALID_CREDENTIALS (the same text for an
   * unknown email and a wrong password), RATE_LIMITED with extra {@code retry_after_seconds} after
   * repeated failures for the account or the address, VALIDATION_FAILED, SERVICE_UNAVAILABLE.
   */
  public static final String LOGIN = "auth.login";

  /**
   * Refresh: {@code {refresh_token}} → the same reply as {@link #LOGIN}, with a new refresh token
   * (the old one is spent). Errors: TOKEN_INVALID (unknown, expired or revoked), TOKEN_REUSED
   * (a spent token was presented again: its whole family is revoked, the user must log in again).
   * Not idempotent by design: a retry with the same token counts as reuse.
   */
  public static final String REFRESH = "auth.refresh";

  /**
   * Logout (caller required, {@code x-user-id}): {@code {session_id?, refresh_token?}} → {@code {}}.
   * Revokes the refresh token family named by {@code session_id} (the access token's {@code sid})
   * or by {@code refresh_token}; only the caller's own families. Idempotent: an already revoked or
   * unknown family is simply done. Errors: UNAUTHORIZED, VALIDATION_FAILED (neither field given).
   */
  public static final String LOGOUT = "auth.logout";

  /**
   * The caller's profile (caller required): {@code {}} → {@code {user_id, email, name, roles,
   * language, phone?, created_at}}. Errors: UNAUTHORIZED, NOT_FOUND (the account is gone).
   */
  public static final String ME = "auth.me";

  /**
   * Changes the caller's profile (caller required; the gateway's {@code PATCH /api/v1/me}):
   * {@code {phone?}} → the profile as {@link #ME} answers it. A field left out is unchanged;
   * {@code phone: null} removes the number. A phone is E.164 once spaces, hyphens, dots and
   * parentheses are taken out ({@code "+7 (912) 345-67-89"} is stored as {@code +79123456789}):
   * {@code +}, a first digit 1-9, 8 to 15 digits in all. It is the number the notification
   * component's SMS channel sends to ({@link #USER_CONTACT}). Idempotent. Errors: UNAUTHORIZED,
   * VALIDATION_FAILED (a malformed phone, unknown fields), NOT_FOUND (the account is gone).
   */
  public static final String ME_UPDATE = "auth.me.update";

  /** Public keys: {@code {}} → {@code {keys:[{kty:"EC", crv:"P-256", x, y, kid, alg:"ES256", use:"sig"}]}}. */
  public static final String JWKS = "auth.jwks";

  /**
   * Internal (trusts its caller): {@code {user_id}} → {@code {user_id, email, name, phone?,
   * language}} (language defaults to {@code "ru"}). Errors: NOT_FOUND, VALIDATION_FAILED.
   */
  public static final String USER_CONTACT = "auth.user.contact";

  /**
   * Published (no reply) when a session ends early: logout, or reuse of a spent refresh token.
   * Body {@code {session_id, revoked_at, deny_for_seconds}}: access tokens with that {@code sid}
   * must be refused for {@code deny_for_seconds} (their whole remaining lifetime) from now on, on
   * every node. Published after the revocation is committed.
   */
  public static final String SESSION_REVOKED = "auth.session.revoked";

  /**
   * Internal: {@code {}} → {@code {sessions:[{session_id, revoked_at}], deny_for_seconds}}: the
   * sessions revoked within the last access-token lifetime, so a node that missed a
   * {@link #SESSION_REVOKED} (it started later, or was cut off) catches up.
   */
  public static final String REVOKED_SESSIONS = "auth.sessions.revoked";

  /** The {@code aud} of access tokens unless {@code auth.audience} says otherwise. */
  public static final String DEFAULT_AUDIENCE = "marketplace-api";

  /** Bus header with the HTTP client's address, set by the gateway on {@link #LOGIN} (login throttling). */
  public static final String CLIENT_ADDRESS_HEADER = "x-client-address";

  /** The {@code iss} of access tokens unless {@code auth.issuer} says otherwise. */
  public static final String DEFAULT_ISSUER = "marketplace-auth";

  /** Roles; only {@link #BUYER} and {@link #SELLER} can be chosen at registration. */
  public static final String BUYER = "buyer";
  public static final String SELLER = "seller";
  public static final String ADMIN = "admin";

  private AuthContract() {
  }
}
