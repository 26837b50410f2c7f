package dev.marketplace.gateway.security;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.gateway.Authenticator;
import dev.marketplace.gateway.Identity;
import dev.marketplace.platform.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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
 * <p>One instance per gateway verticle instance; all its state is touched on that verticle's
 * event loop only.
 */
public final class JwtAuthenticator implements Authenticator {
  private static final Logger LOG = LoggerFactory.getLogger(JwtAuthenticator.class);
  private static final String SESSION_KEY = "marketplace.session-id";
  private static final String ALGORITHM = "ES256";
  private static final int MAX_TOKEN_LENGTH = 4096;
  private static final long RETRY_AFTER_FAILURE_MS = 1000;
  private static final int LEEWAY_SECONDS = 5;
  private static final Set<String> KNOWN_ROLES = Set.of(AuthContract.BUYER, AuthContract.SELLER, AuthContract.ADMIN);

  private Vertx vertx;
  private String issuer;
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

  @Override
  public Future<Void> start(Vertx vertx, JsonObject config) {
    this.vertx = vertx;
    this.issuer = config.getJsonObject("auth", new JsonObject()).getString("issuer", AuthContract.DEFAULT_ISSUER);
    JsonObject gateway = config.getJsonObject("gateway", new JsonObject());
    this.busTimeoutMs = config.getJsonObject("bus", new JsonObject()).getLong("timeout_ms", 5000L);
    this.refetchIntervalMs = gateway.getLong("jwks_refetch_interval_ms", 10_000L);
    // auth may live on a node that is not up yet: start anyway, the first token fetches again
    return fetchKeys().recover(err -> {
      LOG.warn("Could not fetch the token keys from auth at start ({}); will retry on the first token", err.toString());
      return Future.succeededFuture();
    });
  }

  @Override
  public Future<Optional<Identity>> authenticate(RoutingContext ctx) {
    return verify(ctx.request().getHeader(HttpHeaders.AUTHORIZATION), sid -> ctx.put(SESSION_KEY, sid));
  }

  /** The event bus bridges' way in: the same checks on an {@code Authorization} value. */
  @Override
  public Future<Optional<Identity>> authenticate(String authorization) {
    return verify(authorization, sid -> { });
  }

  private Future<Optional<Identity>> verify(String authorization, java.util.function.Consumer<String> session) {
    if (authorization == null) {
      return Future.succeededFuture(Optional.empty());
    }
    if (authorization.length() < 7 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return invalid("The Authorization header must be 'Bearer <access token>'.");
    }
    String token = authorization.substring(7).trim();
    if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
      return invalid("The access token is not valid.");
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
        return invalid("The access token is not valid.");
      }
      return verifier.authenticate(new TokenCredentials(token)).compose(user -> identity(session, user));
    }).recover(err -> {
      if (err instanceof ReplyException) {
        return Future.failedFuture(err);
      }
      // whatever the verifier objected to (signature, expiry, issuer, garbage), thrown or returned
      return invalid(err.getMessage() != null && err.getMessage().contains("expired")
        ? "The access token has expired." : "The access token is not valid.");
    });
  }

  private Future<Optional<Identity>> identity(java.util.function.Consumer<String> session, User user) {
    JsonObject claims = user.attributes().getJsonObject("accessToken", new JsonObject());
    // exp is required here: the library only checks it when it is present
    if (!(claims.getValue("exp") instanceof Number) || !issuer.equals(claims.getValue("iss"))
      || !(claims.getValue("sub") instanceof String sub) || sub.isBlank()
      || !(claims.getValue("roles") instanceof JsonArray roles)) {
      return invalid("The access token is not valid.");
    }
    Set<String> roleSet = new LinkedHashSet<>();
    for (Object role : roles) {
      if (!(role instanceof String r) || !KNOWN_ROLES.contains(r)) {
        return invalid("The access token is not valid.");
      }
      roleSet.add(r);
    }
    if (claims.getValue("sid") instanceof String sid) {
      session.accept(sid);
    }
    return Future.succeededFuture(Optional.of(new Identity(sub, roleSet)));
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
    Future<Void> fetch = Bus.request(vertx, AuthContract.JWKS, new JsonObject(), busTimeoutMs)
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
