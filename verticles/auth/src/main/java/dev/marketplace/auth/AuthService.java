package dev.marketplace.auth;

import dev.marketplace.contracts.auth.AuthApi;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.contracts.auth.AuthRequests;
import dev.marketplace.platform.bus.Caller;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** The auth operations of {@link AuthContract}, one method each. */
final class AuthService {
  private static final Logger LOG = LoggerFactory.getLogger(AuthService.class);
  private static final Pattern REFRESH_TOKEN = Pattern.compile("[A-Za-z0-9_-]{43}");
  private static final String INVALID_CREDENTIALS = "The email or password is wrong.";
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private final AuthRepository repository;
  private final PasswordHashing hashing;
  private final SigningKey key;
  private final JWTAuth signer;
  private final AuthSettings settings;
  private final String dummyHash;
  private final SecureRandom random = new SecureRandom();
  private final Vertx vertx;

  AuthService(Vertx vertx, AuthRepository repository, PasswordHashing hashing, SigningKey key, AuthSettings settings, String dummyHash) {
    this.vertx = vertx;
    this.repository = repository;
    this.hashing = hashing;
    this.key = key;
    this.settings = settings;
    this.dummyHash = dummyHash;
    this.signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
      .setAlgorithm(SigningKey.ALGORITHM).setBuffer(key.privateKeyPem()).setId(key.kid())));
  }

  Future<AuthApi.Registered> register(AuthRequests.Register request) {
    String email = request.email();
    String password = request.password();
    String name = request.name();
    String chosenRole = request.role() == null ? AuthContract.BUYER : request.role();
    UUID id = UUID.randomUUID();
    // a taken email is answered before spending a hash on it (the 409 tells as much anyway)
    return repository.credentials(email)
      .compose(existing -> existing.isPresent()
        ? Future.failedFuture(alreadyExists())
        : hashing.hash(password))
      .compose(hash -> repository.insertUser(id, email, hash, name, chosenRole))
      .compose(inserted -> inserted
        ? Future.succeededFuture(new AuthApi.Registered(id))
        : Future.failedFuture(alreadyExists()));
  }

  Future<AuthApi.Tokens> login(AuthRequests.Login request, Message<JsonObject> msg) {
    String email = request.email();
    String password = request.password();
    String address = msg.headers().get(AuthContract.CLIENT_ADDRESS_HEADER);
    boolean knownAddress = address != null && !address.isBlank();
    // failures lock the (account, address) pair, never the account as such: a stranger guessing
    // from elsewhere cannot lock the owner out; one address guessing many accounts locks itself
    String accountKey = knownAddress ? "account:" + email + "|" + address : "account:" + email;
    String addressKey = knownAddress ? "address:" + address : null;
    List<String> keys = addressKey == null ? List.of(accountKey) : List.of(accountKey, addressKey);
    return repository.lockedForSeconds(keys).compose(lockedFor -> {
      if (lockedFor > 0) {
        return Future.failedFuture(ErrorCode.RATE_LIMITED.failure(
          "Too many failed sign-ins; try again in " + lockedFor + " seconds.",
          new JsonObject().put("retry_after_seconds", lockedFor)));
      }
      return repository.credentials(email).compose(found -> {
        // an unknown email costs the same hash as a known one, so timing tells nothing
        String stored = found.map(AuthRepository.Credentials::passwordHash).orElse(dummyHash);
        return hashing.verify(password, stored).compose(matches -> {
          if (matches && found.isPresent()) {
            AuthRepository.Credentials user = found.get();
            if (hashing.outdated(user.passwordHash())) {
              upgradeHash(user, password);
            }
            return repository.clearThrottle(accountKey).compose(x -> startSession(user.userId(), user.roles()));
          }
          Future<Void> recorded = repository.recordFailure(accountKey, settings.windowSeconds(),
            settings.accountMaxFailures(), settings.lockoutSeconds(), settings.maxLockoutSeconds());
          if (addressKey != null) {
            recorded = recorded.compose(x -> repository.recordFailure(addressKey, settings.windowSeconds(),
              settings.addressMaxFailures(), settings.lockoutSeconds(), settings.maxLockoutSeconds()));
          }
          return recorded.compose(x -> Future.failedFuture(ErrorCode.INVALID_CREDENTIALS.failure(INVALID_CREDENTIALS)));
        });
      });
    });
  }

  Future<AuthApi.Tokens> refresh(AuthRequests.Refresh request) {
    String presented = request.refreshToken();
    if (!REFRESH_TOKEN.matcher(presented).matches()) {
      return Future.failedFuture(tokenInvalid());
    }
    byte[] presentedHash = sha256(presented);
    String next = newRefreshToken();
    return repository.pool().withTransaction(conn -> repository.lockToken(conn, presentedHash).compose(found -> {
      if (found.isEmpty() || found.get().revoked() || found.get().expired()) {
        return Future.succeededFuture(RefreshOutcome.invalid());
      }
      AuthRepository.StoredRefreshToken token = found.get();
      if (token.spent()) {
        // a spent token came back: someone holds a copy. End the session for everyone.
        return repository.revokeFamily(conn, token.familyId(), token.userId(), "reuse")
          .map(x -> RefreshOutcome.reused(token));
      }
      return repository.rotate(conn, presentedHash, sha256(next), token.familyId(), settings.refreshTtlSeconds())
        .map(x -> RefreshOutcome.rotated(token));
    })).compose(outcome -> switch (outcome.kind()) {
      case INVALID -> Future.failedFuture(tokenInvalid());
      case REUSED -> {
        // the thief's access tokens die now too, on every node
        announceRevoked(outcome.token().familyId());
        yield Future.failedFuture(ErrorCode.TOKEN_REUSED.failure(
          "This refresh token was already used; the session is revoked. Please sign in again."));
      }
      case ROTATED -> Future.succeededFuture(tokens(outcome.token().userId(), outcome.token().roles(), outcome.token().familyId(), next));
    });
  }

  Future<Void> logout(AuthRequests.Logout request, Message<JsonObject> msg) {
    UUID userId = callerId(Caller.of(msg));
    UUID sessionId = request.sessionId();
    String refreshToken = request.refreshToken();
    Future<Optional<UUID>> family = refreshToken != null
      ? REFRESH_TOKEN.matcher(refreshToken).matches() ? repository.familyOfToken(sha256(refreshToken)) : Future.succeededFuture(Optional.empty())
      : Future.succeededFuture(Optional.of(sessionId));
    // only the caller's own family is touched (the UPDATE is scoped by user id)
    return family.compose(id -> id.isEmpty()
        ? Future.succeededFuture()
        : repository.pool().withConnection(conn -> repository.revokeFamily(conn, id.get(), userId, "logout"))
          // after the commit: the session's access tokens are refused from now on, on every node
          .onSuccess(x -> announceRevoked(id.get())))
      .mapEmpty();
  }

  /** How long a revoked session's access tokens must still be refused: their whole lifetime, and a margin. */
  private int denyForSeconds() {
    return settings.accessTtlSeconds() + 60;
  }

  /** Tells every gateway (clustered bus publish) that this session's access tokens are void. */
  private void announceRevoked(UUID sessionId) {
    vertx.eventBus().publish(AuthContract.SESSION_REVOKED, new JsonObject()
      .put("session_id", sessionId.toString())
      .put("revoked_at", java.time.Instant.now().toString())
      .put("deny_for_seconds", denyForSeconds()));
  }

  /** {@link AuthContract#REVOKED_SESSIONS}: the deny-list as PostgreSQL has it, for a gateway catching up. */
  Future<AuthApi.RevokedSessions> revokedSessions() {
    return repository.revokedWithin(denyForSeconds()).map(rows -> {
      List<AuthApi.RevokedSessions.Session> sessions = new ArrayList<>();
      rows.forEach(row -> sessions.add(new AuthApi.RevokedSessions.Session(row.getUUID("id"), row.getOffsetDateTime("revoked_at").toInstant())));
      return new AuthApi.RevokedSessions(sessions, denyForSeconds());
    });
  }

  Future<JsonObject> me(Message<JsonObject> msg) {
    return profile(callerId(Caller.of(msg)));
  }

  /** {@code PATCH /me}: the fields given change (only {@code phone} so far), then the profile as {@link #me} shows it. */
  Future<JsonObject> updateMe(AuthRequests.MeUpdate request, Message<JsonObject> msg) {
    UUID userId = callerId(Caller.of(msg));
    if (!request.phoneGiven()) {
      return profile(userId);
    }
    return repository.setPhone(userId, request.phone())
      .compose(found -> found ? profile(userId) : Future.<JsonObject>failedFuture(Caller.notFound()));
  }

  private Future<JsonObject> profile(UUID userId) {
    return repository.profile(userId).compose(found -> {
      if (found.isEmpty()) {
        return Future.failedFuture(Caller.notFound());
      }
      AuthRepository.Profile p = found.get();
      JsonObject profile = new JsonObject()
        .put("user_id", p.userId().toString())
        .put("email", p.email())
        .put("name", p.name())
        .put("roles", new JsonArray(new ArrayList<>(p.roles())))
        .put("language", p.language())
        .put("created_at", p.createdAt().toInstant().toString());
      if (p.phone() != null) {
        profile.put("phone", p.phone());
      }
      return Future.succeededFuture(profile);
    });
  }

  Future<JsonObject> jwks() {
    return Future.succeededFuture(new JsonObject().put("keys", new JsonArray().add(key.publicJwk().copy())));
  }

  Future<AuthApi.Contact> userContact(UUID userId) {
    return repository.profile(userId).compose(found -> {
      if (found.isEmpty()) {
        return Future.failedFuture(ErrorCode.NOT_FOUND.failure("No such user."));
      }
      AuthRepository.Profile p = found.get();
      return Future.succeededFuture(new AuthApi.Contact(p.userId(), p.email(), p.name(), p.phone(), p.language() == null ? "ru" : p.language()));
    });
  }

  /** Re-hashes with today's Argon2 parameters in the background; the login does not wait for it. */
  private void upgradeHash(AuthRepository.Credentials user, String password) {
    hashing.hash(password)
      .compose(fresh -> repository.replaceHash(user.userId(), user.passwordHash(), fresh))
      .onFailure(err -> LOG.warn("Could not upgrade the password hash of user {}: {}", user.userId(), err.toString()));
  }

  private Future<AuthApi.Tokens> startSession(UUID userId, List<String> roles) {
    UUID familyId = UUID.randomUUID();
    String refreshToken = newRefreshToken();
    return repository.startFamily(familyId, userId, sha256(refreshToken), settings.refreshTtlSeconds())
      .map(x -> tokens(userId, roles, familyId, refreshToken));
  }

  private AuthApi.Tokens tokens(UUID userId, List<String> roles, UUID familyId, String refreshToken) {
    String access = signer.generateToken(
      new JsonObject().put("sub", userId.toString()).put("roles", new JsonArray(new ArrayList<>(roles))).put("sid", familyId.toString())
        .put("aud", settings.audience()),
      new JWTOptions()
        .setAlgorithm(SigningKey.ALGORITHM)
        .setIssuer(settings.issuer())
        .setExpiresInSeconds(settings.accessTtlSeconds())
        .setHeader(new JsonObject().put("kid", key.kid())));
    return new AuthApi.Tokens(access, refreshToken, "Bearer", settings.accessTtlSeconds());
  }

  /**
   * The signed-in caller's id: UNAUTHORIZED without one, NOT_FOUND for an id that is no UUID
   * (no account has it). Checked before a body is read ({@code AuthVerticle}'s access rule).
   */
  static UUID callerId(Caller caller) {
    String id = caller.requireUser();
    UUID parsed = JsonValidator.parseUuid(id);
    if (parsed == null) {
      throw Caller.notFound();
    }
    return parsed;
  }

  private String newRefreshToken() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return B64URL.encodeToString(bytes);
  }

  static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static RuntimeException alreadyExists() {
    return ErrorCode.ALREADY_EXISTS.failure("An account with this email already exists.");
  }

  private static RuntimeException tokenInvalid() {
    return ErrorCode.TOKEN_INVALID.failure("The refresh token is not valid (unknown, expired or revoked).");
  }

  /** What a refresh transaction decided; the failure is raised after the commit so a revocation sticks. */
  private record RefreshOutcome(Kind kind, AuthRepository.StoredRefreshToken token) {
    enum Kind { INVALID, REUSED, ROTATED }

    static RefreshOutcome invalid() {
      return new RefreshOutcome(Kind.INVALID, null);
    }

    static RefreshOutcome reused(AuthRepository.StoredRefreshToken token) {
      return new RefreshOutcome(Kind.REUSED, token);
    }

    static RefreshOutcome rotated(AuthRepository.StoredRefreshToken token) {
      return new RefreshOutcome(Kind.ROTATED, token);
    }
  }
}
