package dev.marketplace.contracts.auth;

import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.json.Json;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The requests of auth's account operations ({@link AuthApi}). Each decode is auth's one reading
 * of a body, e-mail rules and password policy included: unknown fields, missing and ill-typed ones
 * are VALIDATION_FAILED listing every field, with the messages the HTTP problems show. Passwords
 * and tokens are taken exactly as sent (never trimmed); an e-mail is trimmed and lower-cased.
 */
public final class AuthRequests {
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s.]+");
  private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{7,14}");
  private static final int MAX_EMAIL = 254;
  private static final int MAX_NAME = 100;

  private AuthRequests() {
  }


  /** A new account; {@code role} null: {@link AuthContract#BUYER}. */
  public record Register(String email, String password, String name, String role) {
    public static final Codec<Register> CODEC = Codec.of(
      r -> Json.putIfPresent(new JsonObject().put("email", r.email()).put("password", r.password()).put("name", r.name()), "role", r.role()),
      body -> {
        JsonValidator v = JsonValidator.of(body).allowOnly("email", "password", "name", "role");
        String email = readEmail(v);
        String password = rawString(v, body, "password", 1024);
        String name = v.requiredString("name", 1, MAX_NAME);
        if (name != null && name.codePoints().anyMatch(Character::isISOControl)) {
          v.error("name", "must not contain control characters");
        }
        String role = v.optionalEnum("role", Set.of(AuthContract.BUYER, AuthContract.SELLER));
        if (password != null) {
          String broken = PasswordPolicy.check(password, email);
          if (broken != null) {
            v.error("password", broken);
          }
        }
        v.throwIfInvalid();
        return new Register(email, password, name, role);
      });
  }

  /** A sign-in (the client's address travels as {@link AuthContract#CLIENT_ADDRESS_HEADER}). */
  public record Login(String email, String password) {
    public static final Codec<Login> CODEC = Codec.of(r -> new JsonObject().put("email", r.email()).put("password", r.password()), body -> {
      JsonValidator v = JsonValidator.of(body).allowOnly("email", "password");
      String email = readEmail(v);
      String password = rawString(v, body, "password", PasswordPolicy.MAX_LENGTH * 4);
      v.throwIfInvalid();
      return new Login(email, password);
    });
  }

  /** A refresh token to rotate (its form is checked by auth: a malformed one is TOKEN_INVALID, not a field error). */
  public record Refresh(String refreshToken) {
    public static final Codec<Refresh> CODEC = Codec.of(r -> new JsonObject().put("refresh_token", r.refreshToken()), body -> {
      JsonValidator v = JsonValidator.of(body).allowOnly("refresh_token");
      String token = rawString(v, body, "refresh_token", 256);
      v.throwIfInvalid();
      return new Refresh(token);
    });
  }

  /** The session to end: by its id (the access token's) or by one of its refresh tokens; one of them at least. */
  public record Logout(UUID sessionId, String refreshToken) {
    public static final Codec<Logout> CODEC = Codec.of(r -> {
      JsonObject json = Json.putIfPresent(new JsonObject(), "session_id", r.sessionId() == null ? null : r.sessionId().toString());
      return Json.putIfPresent(json, "refresh_token", r.refreshToken());
    }, body -> {
      JsonValidator v = JsonValidator.of(body).allowOnly("session_id", "refresh_token");
      UUID sessionId = v.optionalUuid("session_id");
      String refreshToken = v.optionalString("refresh_token", 1, 256);
      if (sessionId == null && refreshToken == null && v.valid()) {
        v.error("refresh_token", "is required when the access token names no session");
      }
      v.throwIfInvalid();
      return new Logout(sessionId, refreshToken);
    });
  }

  /**
   * {@code PATCH /me}: the fields given change. {@code phoneGiven} false: the phone stays as it is;
   * true with {@code phone} null: it is removed. A phone is normalised to E.164 ({@code +79123456789}).
   */
  public record MeUpdate(boolean phoneGiven, String phone) {
    public static final Codec<MeUpdate> CODEC = Codec.of(r -> r.phoneGiven() ? new JsonObject().put("phone", r.phone()) : new JsonObject(),
      body -> {
        JsonValidator v = JsonValidator.of(body).allowOnly("phone");
        if (!body.containsKey("phone")) {
          v.throwIfInvalid();
          return new MeUpdate(false, null);
        }
        String phone = null;
        Object given = body.getValue("phone");
        if (given != null) {
          phone = given instanceof String s ? normalisedPhone(s) : null;
          if (phone == null) {
            v.error("phone", "must be an international number in E.164 form, e.g. +79123456789 (or null to remove it)");
          }
        }
        v.throwIfInvalid();
        return new MeUpdate(true, phone);
      });
  }

  /** The number in E.164 with the usual separators removed, or null when it is not one. */
  private static String normalisedPhone(String phone) {
    String compact = phone.strip().replaceAll("[\\s().-]", "");
    return E164.matcher(compact).matches() ? compact : null;
  }

  /** The normalised (trimmed, lower-case) email, or null with a field error. */
  private static String readEmail(JsonValidator v) {
    String raw = v.requiredString("email", 1, MAX_EMAIL);
    if (raw == null) {
      return null;
    }
    String email = raw.toLowerCase(Locale.ROOT);
    if (!EMAIL.matcher(email).matches()) {
      v.error("email", "must be an email address such as name@example.com");
      return null;
    }
    return email;
  }

  /** A string taken exactly as sent (passwords and tokens are not trimmed), or null with a field error. */
  private static String rawString(JsonValidator v, JsonObject body, String field, int maxLength) {
    String checked = v.requiredString(field, 1, maxLength);
    return checked == null ? null : body.getString(field);
  }
}
