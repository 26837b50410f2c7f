package dev.marketplace.contracts.auth;



import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static dev.marketplace.contracts.bus.Refusals.errors;
import static org.assertj.core.api.Assertions.assertThat;

/** Auth's request codecs: the documented JSON both ways, e-mail rules and password policy, every malformed body refused field by field. */
class AuthRequestsTest {
  private static final String PASSWORD = "correct Horse 9";

  @Test
  void aRegistrationRoundTripsWithItsEmailNormalisedAndItsPasswordAsSent() {
    JsonObject sent = new JsonObject().put("email", "  Ann@Example.COM ").put("password", " " + PASSWORD).put("name", " Ann ").put("role", "seller");
    AuthRequests.Register register = AuthApi.REGISTER.request().decode(sent);

    assertThat(register).isEqualTo(new AuthRequests.Register("ann@example.com", " " + PASSWORD, "Ann", "seller"));
    JsonObject json = AuthApi.REGISTER.request().encode(register);
    assertThat(json).isEqualTo(new JsonObject().put("email", "ann@example.com").put("password", " " + PASSWORD).put("name", "Ann").put("role", "seller"));
    assertThat(AuthApi.REGISTER.request().decode(json)).isEqualTo(register);
    AuthRequests.Register buyer = new AuthRequests.Register("bob@example.com", PASSWORD, "Bob", null);
    assertThat(AuthApi.REGISTER.request().encode(buyer).containsKey("role")).isFalse();
    assertThat(AuthApi.REGISTER.request().decode(AuthApi.REGISTER.request().encode(buyer))).isEqualTo(buyer);
  }

  @Test
  void aRegistrationListsEveryBrokenRuleAtOnce() {
    assertThat(errors(AuthApi.REGISTER.request(), new JsonObject()))
      .isEqualTo(Map.of("email", "is required", "password", "is required", "name", "is required"));
    assertThat(errors(AuthApi.REGISTER.request(), new JsonObject().put("email", "not-an-email").put("password", "short")
      .put("name", "A\u0007").put("role", "admin").put("is_admin", true)))
      .isEqualTo(Map.of("is_admin", "is not a known field", "email", "must be an email address such as name@example.com",
        "name", "must not contain control characters", "role", "must be one of buyer, seller", "password", "must be at least 8 characters"));
    assertThat(errors(AuthApi.REGISTER.request(), new JsonObject().put("email", "ann@example.com").put("password", "ann")
      .put("name", 7))).isEqualTo(Map.of("name", "must be a string", "password", "must be at least 8 characters"));
    assertThat(errors(AuthApi.REGISTER.request(), new JsonObject().put("email", "ann@example.com").put("password", "ANN@example.com")
      .put("name", "Ann"))).isEqualTo(Map.of("password", "must not be the email address"));
    assertThat(errors(AuthApi.REGISTER.request(), new JsonObject().put("email", "ann@example.com").put("password", "Password1")
      .put("name", "Ann"))).isEqualTo(Map.of("password", "is one of the most common passwords"));
  }

  @Test
  void aLoginAndARefreshTakeTheirSecretsExactlyAsSent() {
    AuthRequests.Login login = AuthApi.LOGIN.request().decode(new JsonObject().put("email", "Ann@Example.com").put("password", " x "));
    assertThat(login).isEqualTo(new AuthRequests.Login("ann@example.com", " x "));
    assertThat(AuthApi.LOGIN.request().decode(AuthApi.LOGIN.request().encode(login))).isEqualTo(login);
    assertThat(errors(AuthApi.LOGIN.request(), new JsonObject().put("email", 1).put("name", "Ann")))
      .isEqualTo(Map.of("email", "must be a string", "password", "is required", "name", "is not a known field"));
    assertThat(errors(AuthApi.LOGIN.request(), new JsonObject().put("email", "ann@example.com").put("password", "p".repeat(513))))
      .isEqualTo(Map.of("password", "must be at most 512 characters"));

    AuthRequests.Refresh refresh = new AuthRequests.Refresh("abc");
    assertThat(AuthApi.REFRESH.request().encode(refresh)).isEqualTo(new JsonObject().put("refresh_token", "abc"));
    assertThat(AuthApi.REFRESH.request().decode(AuthApi.REFRESH.request().encode(refresh))).isEqualTo(refresh);
    assertThat(errors(AuthApi.REFRESH.request(), new JsonObject())).isEqualTo(Map.of("refresh_token", "is required"));
    assertThat(errors(AuthApi.REFRESH.request(), new JsonObject().put("refresh_token", true).put("user_id", "u")))
      .isEqualTo(Map.of("refresh_token", "must be a string", "user_id", "is not a known field"));
  }

  @Test
  void aLogoutNamesItsSessionOrARefreshToken() {
    UUID session = UUID.randomUUID();
    AuthRequests.Logout bySession = new AuthRequests.Logout(session, null);
    assertThat(AuthApi.LOGOUT.request().encode(bySession)).isEqualTo(new JsonObject().put("session_id", session.toString()));
    assertThat(AuthApi.LOGOUT.request().decode(AuthApi.LOGOUT.request().encode(bySession))).isEqualTo(bySession);
    AuthRequests.Logout byToken = new AuthRequests.Logout(null, "tok");
    assertThat(AuthApi.LOGOUT.request().decode(AuthApi.LOGOUT.request().encode(byToken))).isEqualTo(byToken);

    assertThat(errors(AuthApi.LOGOUT.request(), new JsonObject()))
      .isEqualTo(Map.of("refresh_token", "is required when the access token names no session"));
    assertThat(errors(AuthApi.LOGOUT.request(), new JsonObject().put("session_id", "nope").put("all", true)))
      .isEqualTo(Map.of("session_id", "must be a UUID", "all", "is not a known field"));
  }

  @Test
  void aProfileUpdateTellsALeftOutPhoneFromARemovedOneAndNormalisesAGivenOne() {
    assertThat(AuthApi.ME_UPDATE.request().decode(new JsonObject())).isEqualTo(new AuthRequests.MeUpdate(false, null));
    assertThat(AuthApi.ME_UPDATE.request().decode(new JsonObject().putNull("phone"))).isEqualTo(new AuthRequests.MeUpdate(true, null));
    AuthRequests.MeUpdate set = AuthApi.ME_UPDATE.request().decode(new JsonObject().put("phone", " +7 (912) 345-67-89 "));
    assertThat(set).isEqualTo(new AuthRequests.MeUpdate(true, "+79123456789"));
    for (AuthRequests.MeUpdate update : new AuthRequests.MeUpdate[] {set, new AuthRequests.MeUpdate(true, null), new AuthRequests.MeUpdate(false, null)}) {
      assertThat(AuthApi.ME_UPDATE.request().decode(AuthApi.ME_UPDATE.request().encode(update))).isEqualTo(update);
    }
    assertThat(AuthApi.ME_UPDATE.request().encode(new AuthRequests.MeUpdate(false, null))).isEqualTo(new JsonObject());
    assertThat(AuthApi.ME_UPDATE.request().encode(new AuthRequests.MeUpdate(true, null))).isEqualTo(new JsonObject().putNull("phone"));

    String e164 = "must be an international number in E.164 form, e.g. +79123456789 (or null to remove it)";
    assertThat(errors(AuthApi.ME_UPDATE.request(), new JsonObject().put("phone", "89123456789"))).isEqualTo(Map.of("phone", e164));
    assertThat(errors(AuthApi.ME_UPDATE.request(), new JsonObject().put("phone", 79123456789L))).isEqualTo(Map.of("phone", e164));
    assertThat(errors(AuthApi.ME_UPDATE.request(), new JsonObject().put("email", "x@y.z"))).isEqualTo(Map.of("email", "is not a known field"));
  }

  @Test
  void theProfileReadTakesNoFields() {
    assertThat(AuthApi.ME.request().encode(null)).isEqualTo(new JsonObject());
    assertThat(AuthApi.ME.request().decode(new JsonObject())).isNull();
    assertThat(errors(AuthApi.ME.request(), new JsonObject().put("user_id", "x"))).isEqualTo(Map.of("user_id", "is not a known field"));
  }

  @Test
  void theSmallAnswersTravelAsTheHttpJsonAndComeBackEqual() {
    UUID user = UUID.randomUUID();
    AuthApi.Registered registered = new AuthApi.Registered(user);
    assertThat(AuthApi.REGISTER.reply().encode(registered)).isEqualTo(new JsonObject().put("user_id", user.toString()));
    assertThat(AuthApi.REGISTER.reply().decode(AuthApi.REGISTER.reply().encode(registered))).isEqualTo(registered);

    AuthApi.Tokens tokens = new AuthApi.Tokens("a.b.c", "r", "Bearer", 900);
    assertThat(AuthApi.LOGIN.reply().encode(tokens)).isEqualTo(new JsonObject().put("access_token", "a.b.c").put("refresh_token", "r")
      .put("token_type", "Bearer").put("expires_in", 900));
    assertThat(AuthApi.REFRESH.reply().decode(AuthApi.LOGIN.reply().encode(tokens))).isEqualTo(tokens);
  }
}
