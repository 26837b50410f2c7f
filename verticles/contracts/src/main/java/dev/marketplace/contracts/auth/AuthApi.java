package dev.marketplace.contracts.auth;

import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.bus.Invoker;
import dev.marketplace.contracts.bus.Operation;
import dev.marketplace.contracts.json.Json;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The auth component's operations, typed (what each one means: {@link AuthContract}).
 * {@code AuthApi.over(client)} is the client; auth registers its handlers from the same
 * {@link Operation}s. The account operations behind the gateway's {@code /auth} and {@code /me}
 * routes take records ({@link AuthRequests}) whose decoding is auth's whole reading of the body
 * (e-mail rules, password policy); the caller travels as headers. The small fixed answers are
 * records too ({@link Registered}, {@link Tokens}), encoded as the HTTP JSON the gateway shows;
 * the profile ({@code GET /me}) and the JWK set travel as the documents the gateway serves.
 */
public interface AuthApi extends Invoker {

  /** {@code {email, password, name, role?}} → {@code {user_id}}. */
  Operation<AuthRequests.Register, Registered> REGISTER = Operation.of(AuthContract.REGISTER, AuthRequests.Register.CODEC, Registered.CODEC);
  /** {@code {email, password}} (+ header {@link AuthContract#CLIENT_ADDRESS_HEADER}) → the tokens. */
  Operation<AuthRequests.Login, Tokens> LOGIN = Operation.of(AuthContract.LOGIN, AuthRequests.Login.CODEC, Tokens.CODEC);
  /** {@code {refresh_token}} → the tokens. */
  Operation<AuthRequests.Refresh, Tokens> REFRESH = Operation.of(AuthContract.REFRESH, AuthRequests.Refresh.CODEC, Tokens.CODEC);
  /** {@code {session_id?, refresh_token?}} (+ caller) → {@code {}}. */
  Operation<AuthRequests.Logout, Void> LOGOUT = Operation.of(AuthContract.LOGOUT, AuthRequests.Logout.CODEC, Codec.EMPTY);
  /** {@code {}} (strictly: any field is refused) (+ caller) → the profile. */
  Operation<Void, JsonObject> ME = Operation.of(AuthContract.ME, Codec.NO_FIELDS, Codec.DOCUMENT);
  /** {@code {phone?}} (+ caller) → the profile. */
  Operation<AuthRequests.MeUpdate, JsonObject> ME_UPDATE = Operation.of(AuthContract.ME_UPDATE, AuthRequests.MeUpdate.CODEC, Codec.DOCUMENT);
  /** {@code {}} → {@code {keys:[JWK...]}}, the JWK set as {@code /.well-known/jwks.json} serves it. */
  Operation<Void, JsonObject> JWKS = Operation.of(AuthContract.JWKS, Codec.EMPTY, Codec.DOCUMENT);
  Operation<UserRef, Contact> USER_CONTACT = Operation.of(AuthContract.USER_CONTACT, UserRef.CODEC, Contact.CODEC);
  Operation<Void, RevokedSessions> REVOKED_SESSIONS = Operation.of(AuthContract.REVOKED_SESSIONS, Codec.EMPTY, RevokedSessions.CODEC);

  static AuthApi over(Invoker bus) {
    return bus::call;
  }

  default Future<Registered> register(AuthRequests.Register request) {
    return call(REGISTER, request);
  }

  default Future<Tokens> login(AuthRequests.Login request) {
    return call(LOGIN, request);
  }

  default Future<Tokens> refresh(AuthRequests.Refresh request) {
    return call(REFRESH, request);
  }

  default Future<Void> logout(AuthRequests.Logout request) {
    return call(LOGOUT, request);
  }

  default Future<JsonObject> me() {
    return call(ME, null);
  }

  default Future<JsonObject> updateMe(AuthRequests.MeUpdate request) {
    return call(ME_UPDATE, request);
  }

  default Future<JsonObject> jwks() {
    return call(JWKS, null);
  }

  default Future<Contact> userContact(UUID userId) {
    return call(USER_CONTACT, new UserRef(userId));
  }

  default Future<RevokedSessions> revokedSessions() {
    return call(REVOKED_SESSIONS, null);
  }

  /** A new account's id. */
  record Registered(UUID userId) {
    public static final Codec<Registered> CODEC = Codec.of(
      r -> Json.putIfPresent(new JsonObject(), "user_id", r.userId() == null ? null : r.userId().toString()),
      json -> new Registered(Json.uuid(json, "user_id")));
  }

  /** A session's tokens: a short-lived access token (Bearer, {@code expiresIn} seconds) and its rotating refresh token. */
  record Tokens(String accessToken, String refreshToken, String tokenType, int expiresIn) {
    public static final Codec<Tokens> CODEC = Codec.of(r -> new JsonObject().put("access_token", r.accessToken())
      .put("refresh_token", r.refreshToken()).put("token_type", r.tokenType()).put("expires_in", r.expiresIn()), json -> {
        Integer expiresIn = Json.intValue(json, "expires_in");
        return new Tokens(Json.string(json, "access_token"), Json.string(json, "refresh_token"), Json.string(json, "token_type"),
          expiresIn == null ? 0 : expiresIn);
      });
  }

  record UserRef(UUID userId) {
    public static final Codec<UserRef> CODEC = Codec.of(r -> new JsonObject().put("user_id", r.userId().toString()), body -> {
      JsonValidator v = JsonValidator.of(body).allowOnly("user_id");
      UUID id = v.requiredUuid("user_id");
      v.throwIfInvalid();
      return new UserRef(id);
    });
  }

  /** Where to reach a user: {@code phone} only when the user set one ({@code auth.me.update}); language ru or en. */
  record Contact(UUID userId, String email, String name, String phone, String language) {
    public static final Codec<Contact> CODEC = Codec.of(Contact::toJson, json -> new Contact(Json.uuid(json, "user_id"),
      Json.string(json, "email"), Json.string(json, "name"), Json.string(json, "phone"), Json.string(json, "language")));

    JsonObject toJson() {
      JsonObject json = new JsonObject().put("user_id", userId.toString()).put("email", email).put("name", name).put("language", language);
      return Json.putIfPresent(json, "phone", phone);
    }
  }

  /** The sessions revoked within the last {@code denyForSeconds}. */
  record RevokedSessions(List<Session> sessions, long denyForSeconds) {
    public static final Codec<RevokedSessions> CODEC = Codec.of(RevokedSessions::toJson, json -> {
      Long deny = Json.longValue(json, "deny_for_seconds");
      return new RevokedSessions(Json.list(json, "sessions", s -> new Session(Json.uuid(s, "session_id"), Json.instant(s, "revoked_at"))),
        deny == null ? 0 : deny);
    });

    public record Session(UUID sessionId, Instant revokedAt) {
    }

    JsonObject toJson() {
      JsonArray array = new JsonArray();
      sessions.forEach(s -> array.add(new JsonObject().put("session_id", s.sessionId().toString()).put("revoked_at", s.revokedAt().toString())));
      return new JsonObject().put("sessions", array).put("deny_for_seconds", denyForSeconds);
    }
  }
}
