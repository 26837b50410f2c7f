package dev.marketplace.gateway.security;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.auth.AuthApi;
import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.platform.bus.BusClient;
import dev.marketplace.gateway.Authenticator;
import dev.marketplace.gateway.Identity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies {@code Authorization: Bearer <jwt>} access tokens issued by the auth component.
 *
 * <p>Before any signature work the token's header is read and refused unless {@code alg} is
 * exactly ES256 and its {@code kid} is one of auth's public keys: {@code alg:none}, HS256 signed
 * with the public key as an HMAC secret, and every other algorithm never reach a verifier. The
 * verifier (vertx-auth-jwt) holds only the EC public keys; it checks the signature, {@code exp},
 * {@code nbf} and {@code iss}. The keys come from {@value AuthContract#JWKS} over the bus, fetched
 * at start, cached, and fetched again when a token names an unknown {@code kid} (at most once per
 * {@code gateway.jwks_refetch_interval_ms}, default 10 s, so forged kids cannot flood auth).
 *
 * <p>Besides the signature: {@code aud} must be (or contain) {@code auth.audience} (default
 * {@value AuthContract#DEFAULT_AUDIENCE}), and the token's session ({@code sid}) must not be on
 * the node's deny-list ({@link SessionRevocations}): logout and refresh-token reuse end a
 * session's access tokens at once. The deny-list learns from auth's {@value AuthContract#SESSION_REVOKED}
 * publications (clustered bus) and catches up from {@value AuthContract#REVOKED_SESSIONS} (auth's
 * PostgreSQL) at start and every {@code gateway.revocation_sync_ms} (default 30 s). Tokens already
 * verified are kept in the node's {@link VerifiedTokens} cache until they expire.
 *
 * <p>One instance per gateway verticle instance; its own state is touched on that verticle's
 * event loop only (the deny-list and the cache are per node and thread-safe). Reusable by anything
 * that faces clients with access tokens (a bridge): {@link #verify(String)}.
 */
public final class JwtAuthenticator implements Authenticator {
  private static final Logger LOG = LoggerFactory.getLogger(JwtAuthenticator.class);
  private static final String SESSION_KEY = "marketplace.session-id";
  private static final String EXPIRES_KEY = "marketplace.token-expires-at";
  private static final String ALGORITHM = "ES256";
  private static final int MAX_TOKEN_LENGTH = 4096;
  private static final long RETRY_AFTER_FAILURE_MS = 1000;
  private static final int LEEWAY_SECONDS = 5;
  private static final String REVOKED = "The access token's session has ended (signed out or revoked); sign in again.";
  private static final Set<String> KNOWN_ROLES = Set.of(AuthContract.BUYER, AuthContract.SELLER, AuthContract.ADMIN);

  private Vertx vertx;
  private String issuer;
  private String audience;
  private SessionRevocations revocations;
  private VerifiedTokens verified;
  private long busTimeoutMs;
  private long refetchIntervalMs;

  private JWTAuth verifier;
  private Set<String> kids = Set.of();
  private long lastFetchMs = Long.MIN_VALUE / 2;
  private boolean lastFetchFailed;
  private Future<Void> fetching;

  /** The refresh token family (login session) named by the request's access token, if any. */
  public static Optional<String> sessionId(RoutingContext ctx) {
    return Optional.ofNullable(ctx.get(SESSION_KEY));
  }

  /** When the request's access token expires (epoch ms), if it carried one. */
  public static Optional<Long> expiresAtMs(RoutingContext ctx) {
    return Optional.ofNullable(ctx.get(EXPIRES_KEY));
  }

  /** The node's deny-list this authenticator checks (after {@link #start}). */
  public SessionRevocations revocations() {
    return revocations;
  }

  @Override
  public Future<Void> start(Vertx vertx, JsonObject config) {
    this.vertx = vertx;
    this.issuer = config.getJsonObject("auth", new JsonObject()).getString("issuer", AuthContract.DEFAULT_ISSUER);
    JsonObject gateway = config.getJsonObject("gateway", new JsonObject());
    this.busTimeoutMs = config.getJsonObject("bus", new JsonObject()).getLong("timeout_ms", 5000L);
    this.refetchIntervalMs = gateway.getLong("jwks_refetch_interval_ms", 10_000L);
    this.audience = config.getJsonObject("auth", new JsonObject()).getString("audience", AuthContract.DEFAULT_AUDIENCE);
    this.revocations = SessionRevocations.shared(vertx);
    this.verified = VerifiedTokens.shared(vertx, gateway.getLong("token_cache_size", 100_000L));
    MessageConsumer<JsonObject> revoked = vertx.eventBus().consumer(AuthContract.SESSION_REVOKED,
      msg -> learnRevoked(msg.body(), System.currentTimeMillis()));
    long syncMs = gateway.getLong("revocation_sync_ms", 30_000L);
    vertx.setPeriodic(syncMs, syncMs, id -> syncRevocations());
    // auth may live on a node that is not up yet: start anyway, the first token fetches again
    return revoked.completion()
      .compose(v -> Future.join(
        fetchKeys().recover(err -> {
          LOG.warn("Could not fetch the token keys from auth at start ({}); will retry on the first token", err.toString());
          return Future.succeededFuture();
        }),
        syncRevocations()))
      .mapEmpty();
  }

  /** An {@code auth.session.revoked} body: deny from {@code base} (now, or when it was revoked) for its lifetime. */
  private void learnRevoked(JsonObject body, long baseMs) {
    if (body != null && body.getValue("session_id") instanceof String sid && body.getValue("deny_for_seconds") instanceof Number seconds) {
      revocations.revoke(sid, baseMs + seconds.longValue() * 1000);
    }
  }

  /** Catches up with auth's list of sessions revoked lately; never fails (the next run tries again). */
  private Future<Void> syncRevocations() {
    return AuthApi.over(BusClient.of(vertx, busTimeoutMs)).revokedSessions()
      .map(reply -> {
        for (AuthApi.RevokedSessions.Session session : reply.sessions()) {
          if (session.sessionId() != null && session.revokedAt() != null) {
            revocations.revoke(session.sessionId().toString(), session.revokedAt().toEpochMilli() + reply.denyForSeconds() * 1000);
          }
        }
        return (Void) null;
      })
      .recover(err -> {
        LOG.debug("Could not read the revoked sessions from auth: {}", err.toString());
        return Future.succeededFuture();
      });
  }

  /**
   * Verifies a bare access token (no HTTP request: a bridge, a stream). Same checks as
   * {@link #authenticate}; fails with TOKEN_INVALID.
   */
  public Future<VerifiedTokens.Entry> verify(String token) {
    if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
      return invalid("The access token is not valid.");
    }
    String cacheKey = VerifiedTokens.keyOf(token);
    VerifiedTokens.Entry cached = verified.get(cacheKey);
    if (cached != null) {
      if (revocations.isRevoked(cached.sessionId())) {
        return invalid(REVOKED);
      }
      return Future.succeededFuture(cached);
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3 || parts[2].isEmpty()) {
      return invalid("The access token is not valid.");
    }
    JsonObject header = decodeHeader(parts[0]);
    if (header == null || !ALGORITHM.equals(header.getValue("alg")) || header.containsKey("crit")
      || !(header.getValue("kid") instanceof String kid)) {
      return invalid("The access token is not valid.");
    }
    Future<Void> keysReady = kids.contains(kid) ? Future.succeededFuture() : refetchForUnknownKid();
    return keysReady.compose(v -> {
      if (!kids.contains(kid)) {
        return JwtAuthenticator.<VerifiedTokens.Entry>invalid("The access token is not valid.");
      }
      return verifier.authenticate(new TokenCredentials(token)).compose(this::entry);
    }).recover(err -> {
      if (err instanceof ReplyException) {
        return Future.failedFuture(err);
      }
      // whatever the verifier objected to (signature, expiry, issuer, garbage), thrown or returned
      return invalid(err.getMessage() != null && err.getMessage().contains("expired")
        ? "The access token has expired." : "The access token is not valid.");
    }).onSuccess(entry -> verified.put(cacheKey, entry));
  }


  @Override
  public Future<Optional<Identity>> authenticate(RoutingContext ctx) {
    return bearer(ctx.request().getHeader(HttpHeaders.AUTHORIZATION)).map(found -> found.map(entry -> {
      if (entry.sessionId() != null) {
        ctx.put(SESSION_KEY, entry.sessionId());
      }
      ctx.put(EXPIRES_KEY, entry.expiresAtMs());
      return entry.identity();
    }));
  }

  /** The event bus bridges' way in: the same checks on an {@code Authorization} value. */
  @Override
  public Future<Optional<Identity>> authenticate(String authorization) {
    return bearer(authorization).map(found -> found.map(VerifiedTokens.Entry::identity));
  }

  /** The same, with the token's session and expiry (a bridge registration ends with them). */
  @Override
  public Future<Optional<Credentials>> credentials(String authorization) {
    return bearer(authorization).map(found -> found.map(entry -> new Credentials(entry.identity(), entry.sessionId(), entry.expiresAtMs())));
  }

  /**
   * An {@code Authorization} value: empty without one, the verified token's entry (identity,
   * session, expiry) with a good one, TOKEN_INVALID otherwise. A bridge that keeps a connection
   * open can close it at the entry's expiry and watch its session ({@link SessionRevocations#watch}).
   */
  public Future<Optional<VerifiedTokens.Entry>> bearer(String authorization) {
    if (authorization == null) {
      return Future.succeededFuture(Optional.empty());
    }
    if (authorization.length() < 7 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return invalid("The Authorization header must be 'Bearer <access token>'.");
    }
    return verify(authorization.substring(7).trim()).map(Optional::of);
  }

  private Future<VerifiedTokens.Entry> entry(User user) {
    JsonObject claims = user.attributes().getJsonObject("accessToken", new JsonObject());
    // exp is required here: the library only checks it when it is present
    if (!(claims.getValue("exp") instanceof Number exp) || !issuer.equals(claims.getValue("iss"))
      || !(claims.getValue("sub") instanceof String sub) || sub.isBlank()
      || !(claims.getValue("roles") instanceof JsonArray roles)) {
      return invalid("The access token is not valid.");
    }
    // a token for another audience (another service of ours, a partner) is not for this API
    Object aud = claims.getValue("aud");
    if (!(audience.equals(aud) || (aud instanceof JsonArray list && list.contains(audience)))) {
      return invalid("The access token is not valid for this API (audience).");
    }
    Set<String> roleSet = new LinkedHashSet<>();
    for (Object role : roles) {
      if (!(role instanceof String r) || !KNOWN_ROLES.contains(r)) {
        return invalid("The access token is not valid.");
      }
      roleSet.add(r);
    }
    String sid = claims.getValue("sid") instanceof String s ? s : null;
    if (revocations.isRevoked(sid)) {
      return invalid(REVOKED);
    }
    long expiresAtMs = (exp.longValue() + LEEWAY_SECONDS) * 1000;
    return Future.succeededFuture(new VerifiedTokens.Entry(new Identity(sub, roleSet), sid, expiresAtMs));
  }

  private Future<Void> refetchForUnknownKid() {
    long now = System.currentTimeMillis();
    long wait = lastFetchFailed || verifier == null ? RETRY_AFTER_FAILURE_MS : refetchIntervalMs;
    if (fetching == null && now - lastFetchMs < wait) {
      return verifier == null ? unavailable() : Future.succeededFuture();
    }
    return fetchKeys().recover(err -> verifier == null ? unavailable() : Future.succeededFuture());
  }

  /** One fetch at a time; concurrent callers share it. */
  private Future<Void> fetchKeys() {
    if (fetching != null) {
      return fetching;
    }
    lastFetchMs = System.currentTimeMillis();
    Future<Void> fetch = AuthApi.over(BusClient.of(vertx, busTimeoutMs)).jwks()
      .map(reply -> {
        install(reply.getJsonArray("keys", new JsonArray()));
        lastFetchFailed = false;
        return (Void) null;
      })
      .onFailure(err -> lastFetchFailed = true);
    // a missing handler fails at once: only a fetch still under way is shared
    if (!fetch.isComplete()) {
      fetching = fetch;
      fetch.onComplete(ar -> fetching = null);
    }
    return fetch;
  }

  private void install(JsonArray keys) {
    JWTAuthOptions options = new JWTAuthOptions()
      .setJWTOptions(new JWTOptions().setIssuer(issuer).setLeeway(LEEWAY_SECONDS));
    Set<String> ids = new HashSet<>();
    for (Object k : keys) {
      // only EC P-256 signing keys: an "oct" or RSA key must never become a way in
      if (k instanceof JsonObject jwk && "EC".equals(jwk.getString("kty")) && "P-256".equals(jwk.getString("crv"))
        && ALGORITHM.equals(jwk.getString("alg")) && jwk.getString("kid") != null && !jwk.containsKey("d")) {
        options.addJwk(jwk.copy());
        ids.add(jwk.getString("kid"));
      }
    }
    if (ids.isEmpty()) {
      throw new IllegalStateException("auth published no ES256 key");
    }
    verifier = JWTAuth.create(vertx, options);
    if (!ids.equals(kids)) {
      // tokens verified under keys that auth no longer publishes must be checked again
      verified.clear();
    }
    kids = Set.copyOf(ids);
    LOG.info("Verifying access tokens with keys {}", kids);
  }

  private static JsonObject decodeHeader(String part) {
    try {
      return new JsonObject(new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static <T> Future<T> invalid(String detail) {
    return Future.failedFuture(ErrorCode.TOKEN_INVALID.failure(detail));
  }

  private static <T> Future<T> unavailable() {
    ReplyException failure = ErrorCode.SERVICE_UNAVAILABLE.failure("Access tokens cannot be verified right now; try again shortly.");
    return Future.failedFuture(failure);
  }
}
