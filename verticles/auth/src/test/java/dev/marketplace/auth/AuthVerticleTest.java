package dev.marketplace.auth;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static dev.marketplace.auth.AuthBus.asUser;
import static dev.marketplace.auth.AuthBus.await;
import static dev.marketplace.auth.AuthBus.fromAddress;
import static dev.marketplace.auth.AuthBus.jwtPart;
import static org.assertj.core.api.Assertions.assertThat;

/** The auth component over the bus, on a real PostgreSQL, with the production Argon2id parameters. */
class AuthVerticleTest {
  private static final String PASSWORD = "Correct-Horse-9";
  private static Vertx vertx;
  private static JsonObject config;
  private static AuthBus bus;

  @BeforeAll
  static void deploy() throws Exception {
    config = TestInfra.shared().config();
    config.getJsonObject("auth").getJsonObject("throttle").put("address_max_failures", 8);
    vertx = Vertx.vertx();
    await(vertx.deployVerticle(new AuthVerticle(), new DeploymentOptions().setConfig(config)));
    bus = new AuthBus(vertx);
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  private static String uniqueEmail() {
    return "user-" + UUID.randomUUID() + "@example.com";
  }

  @Test
  void loginIssuesAnEs256AccessTokenWithSubjectRolesIssuerAndExpiry() throws Exception {
    String email = uniqueEmail();
    String userId = bus.register(email, PASSWORD, "seller");
    JsonObject tokens = bus.login(email, PASSWORD);

    assertThat(tokens.getString("token_type")).isEqualTo("Bearer");
    assertThat(tokens.getInteger("expires_in")).isEqualTo(900);
    assertThat(tokens.getString("refresh_token")).matches("[A-Za-z0-9_-]{43}");
    String access = tokens.getString("access_token");
    JsonObject header = jwtPart(access, 0);
    JsonObject claims = jwtPart(access, 1);
    String kid = bus.ask(AuthContract.JWKS, new JsonObject()).getJsonArray("keys").getJsonObject(0).getString("kid");
    assertThat(header.getString("alg")).isEqualTo("ES256");
    assertThat(header.getString("kid")).isEqualTo(kid);
    assertThat(claims.getString("sub")).isEqualTo(userId);
    assertThat(claims.getJsonArray("roles")).containsExactly("seller");
    assertThat(claims.getString("iss")).isEqualTo(AuthContract.DEFAULT_ISSUER);
    assertThat(claims.getLong("exp") - claims.getLong("iat")).isEqualTo(900);
    assertThat(claims.getString("sid")).isNotBlank();
  }

  @Test
  void jwksPublishesOnlyThePublicHalfOfAP256Key() throws Exception {
    JsonArray keys = bus.ask(AuthContract.JWKS, new JsonObject()).getJsonArray("keys");
    assertThat(keys).hasSize(1);
    JsonObject jwk = keys.getJsonObject(0);
    assertThat(jwk.getString("kty")).isEqualTo("EC");
    assertThat(jwk.getString("crv")).isEqualTo("P-256");
    assertThat(jwk.getString("alg")).isEqualTo("ES256");
    assertThat(jwk.containsKey("d")).isFalse();
  }

  @Test
  void registerNormalisesTheEmailAndRefusesADuplicateInAnyCase() throws Exception {
    String email = uniqueEmail();
    bus.register("  " + email.toUpperCase() + " ", PASSWORD, null);
    JsonObject tokens = bus.login(email, PASSWORD);
    assertThat(jwtPart(tokens.getString("access_token"), 1).getJsonArray("roles")).containsExactly("buyer");

    ServiceFailure duplicate = bus.failure(AuthContract.REGISTER,
      new JsonObject().put("email", email).put("password", PASSWORD).put("name", "Again"));
    assertThat(duplicate.code()).isEqualTo(ErrorCode.ALREADY_EXISTS);
  }

  @Test
  void registerRefusesTheAdminRoleMissingFieldsWrongTypesUnknownFieldsAndOversizedValues() throws Exception {
    assertFieldErrors(new JsonObject().put("email", uniqueEmail()).put("password", PASSWORD).put("name", "A").put("role", "admin"), "role");
    assertFieldErrors(new JsonObject(), "email", "password", "name");
    assertFieldErrors(new JsonObject().put("email", 5).put("password", true).put("name", new JsonArray()), "email", "password", "name");
    assertFieldErrors(new JsonObject().put("email", uniqueEmail()).put("password", PASSWORD).put("name", "A").put("is_admin", true), "is_admin");
    assertFieldErrors(new JsonObject().put("email", "x".repeat(250) + "@example.com").put("password", PASSWORD).put("name", "n".repeat(101)), "email", "name");
    assertFieldErrors(new JsonObject().put("email", "not-an-email").put("password", PASSWORD).put("name", "A"), "email");
  }

  @Test
  void registerExplainsEachPasswordRule() throws Exception {
    String email = uniqueEmail();
    assertPasswordRefused(email, "Sh0rt!", "at least 8");
    assertPasswordRefused(email, "Aa1" + "x".repeat(126), "at most 128");
    assertPasswordRefused(email, "alllowercaseletters", "two kinds");
    assertPasswordRefused(email, email.toUpperCase(), "email");
    assertPasswordRefused(email, "Password1", "most common");
  }

  @Test
  void loginAnswersTheSameForAnUnknownEmailAndAWrongPassword() throws Exception {
    String email = uniqueEmail();
    bus.register(email, PASSWORD, null);
    ServiceFailure wrongPassword = bus.failure(AuthContract.LOGIN, new JsonObject().put("email", email).put("password", "Wrong-Pass-1"));
    ServiceFailure unknownEmail = bus.failure(AuthContract.LOGIN, new JsonObject().put("email", uniqueEmail()).put("password", "Wrong-Pass-1"));
    assertThat(wrongPassword.code()).isEqualTo(ErrorCode.INVALID_CREDENTIALS);
    assertThat(unknownEmail.code()).isEqualTo(ErrorCode.INVALID_CREDENTIALS);
    assertThat(unknownEmail.detail()).isEqualTo(wrongPassword.detail());
  }

  @Test
  void repeatedFailuresLockTheAccountFromThatAddressOnlySoAStrangerCannotLockTheOwnerOut() throws Exception {
    String email = uniqueEmail();
    String other = uniqueEmail();
    bus.register(email, PASSWORD, null);
    bus.register(other, PASSWORD, null);
    JsonObject wrong = new JsonObject().put("email", email).put("password", "Wrong-Pass-1");
    for (int i = 0; i < 5; i++) {
      assertThat(bus.failure(AuthContract.LOGIN, wrong, fromAddress("203.0.113.66")).code()).isEqualTo(ErrorCode.INVALID_CREDENTIALS);
    }
    JsonObject right = new JsonObject().put("email", email).put("password", PASSWORD);
    ServiceFailure locked = bus.failure(AuthContract.LOGIN, right, fromAddress("203.0.113.66"));
    assertThat(locked.code()).isEqualTo(ErrorCode.RATE_LIMITED);
    assertThat(locked.extra().getInteger("retry_after_seconds")).isBetween(1, 60);

    // the owner, from their own address, signs in as usual; so does everyone else
    assertThat(bus.ask(AuthContract.LOGIN, right, fromAddress("198.51.100.20")).getString("access_token")).isNotBlank();
    assertThat(bus.ask(AuthContract.LOGIN, new JsonObject().put("email", other).put("password", PASSWORD), fromAddress("203.0.113.66"))
      .getString("access_token")).isNotBlank();
  }

  @Test
  void failuresSpreadOverAddressesLockNone() throws Exception {
    String email = uniqueEmail();
    bus.register(email, PASSWORD, null);
    JsonObject wrong = new JsonObject().put("email", email).put("password", "Wrong-Pass-1");
    for (int i = 0; i < 5; i++) {
      assertThat(bus.failure(AuthContract.LOGIN, wrong, fromAddress("10.1.0." + i)).code()).isEqualTo(ErrorCode.INVALID_CREDENTIALS);
    }
    assertThat(bus.ask(AuthContract.LOGIN, new JsonObject().put("email", email).put("password", PASSWORD), fromAddress("10.1.0.99"))
      .getString("access_token")).isNotBlank();
  }

  @Test
  void eachFailureAfterTheLimitLocksTwiceAsLongUpToTheCap() throws Exception {
    var pool = dev.marketplace.platform.pg.PgSupport.pool(vertx, config, 1);
    try {
      AuthRepository repository = new AuthRepository(pool);
      String key = "account:" + uniqueEmail() + "|192.0.2.200";
      // limit 2, base 10 s, cap 35 s: free, 10, 20, 35, 35
      int[] expected = {0, 10, 20, 35, 35};
      for (int failure = 0; failure < expected.length; failure++) {
        await(pool.preparedQuery("UPDATE auth.login_throttle SET locked_until = now() - interval '1 second' WHERE key = $1")
          .execute(io.vertx.sqlclient.Tuple.of(key)));
        await(repository.recordFailure(key, 900, 2, 10, 35));
        int lockedFor = await(repository.lockedForSeconds(java.util.List.of(key)));
        assertThat(lockedFor).as("lock after failure %d", failure + 1).isBetween(Math.max(0, expected[failure] - 1), expected[failure]);
      }
    } finally {
      await(pool.close());
    }
  }

  @Test
  void repeatedFailuresFromOneAddressLockThatAddressAcrossAccounts() throws Exception {
    String email = uniqueEmail();
    bus.register(email, PASSWORD, null);
    for (int i = 0; i < 8; i++) {
      JsonObject guess = new JsonObject().put("email", uniqueEmail()).put("password", "Wrong-Pass-1");
      assertThat(bus.failure(AuthContract.LOGIN, guess, fromAddress("192.0.2.7")).code()).isEqualTo(ErrorCode.INVALID_CREDENTIALS);
    }
    JsonObject rightPassword = new JsonObject().put("email", email).put("password", PASSWORD);
    assertThat(bus.failure(AuthContract.LOGIN, rightPassword, fromAddress("192.0.2.7")).code()).isEqualTo(ErrorCode.RATE_LIMITED);
    assertThat(bus.ask(AuthContract.LOGIN, rightPassword, fromAddress("192.0.2.8")).getString("access_token")).isNotBlank();
  }

  @Test
  void refreshRotatesTheTokenAndReusingASpentOneRevokesTheWholeFamily() throws Exception {
    String email = uniqueEmail();
    bus.register(email, PASSWORD, null);
    String first = bus.login(email, PASSWORD).getString("refresh_token");
    JsonObject second = bus.ask(AuthContract.REFRESH, new JsonObject().put("refresh_token", first));
    String secondToken = second.getString("refresh_token");
    assertThat(secondToken).isNotEqualTo(first);
    assertThat(second.getString("access_token")).isNotBlank();
    String third = bus.ask(AuthContract.REFRESH, new JsonObject().put("refresh_token", secondToken)).getString("refresh_token");

    ServiceFailure reuse = bus.failure(AuthContract.REFRESH, new JsonObject().put("refresh_token", first));
    assertThat(reuse.code()).isEqualTo(ErrorCode.TOKEN_REUSED);
    // the thief's reuse also ends the legitimate holder's newest token
    assertThat(bus.failure(AuthContract.REFRESH, new JsonObject().put("refresh_token", third)).code()).isEqualTo(ErrorCode.TOKEN_INVALID);
  }

  @Test
  void accessTokensNameTheApiAsTheirAudience() throws Exception {
    String email = uniqueEmail();
    bus.register(email, PASSWORD, null);
    JsonObject claims = jwtPart(bus.login(email, PASSWORD).getString("access_token"), 1);
    assertThat(claims.getString("aud")).isEqualTo(AuthContract.DEFAULT_AUDIENCE);
  }

  @Test
  void logoutAndRefreshTokenReuseAnnounceTheRevokedSessionAndAuthListsIt() throws Exception {
    java.util.List<JsonObject> announced = new java.util.concurrent.CopyOnWriteArrayList<>();
    var listener = vertx.eventBus().<JsonObject>consumer(AuthContract.SESSION_REVOKED, msg -> announced.add(msg.body()));
    await(listener.completion());
    try {
      String email = uniqueEmail();
      String userId = bus.register(email, PASSWORD, null);
      JsonObject loggedOut = bus.login(email, PASSWORD);
      String loggedOutSid = jwtPart(loggedOut.getString("access_token"), 1).getString("sid");
      bus.ask(AuthContract.LOGOUT, new JsonObject().put("session_id", loggedOutSid), asUser(userId));

      JsonObject stolen = bus.login(email, PASSWORD);
      String stolenSid = jwtPart(stolen.getString("access_token"), 1).getString("sid");
      bus.ask(AuthContract.REFRESH, new JsonObject().put("refresh_token", stolen.getString("refresh_token")));
      assertThat(bus.failure(AuthContract.REFRESH, new JsonObject().put("refresh_token", stolen.getString("refresh_token"))).code())
        .isEqualTo(ErrorCode.TOKEN_REUSED);

      long deadline = System.currentTimeMillis() + 5_000;
      while (announced.size() < 2 && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertThat(announced).extracting(m -> m.getString("session_id")).containsExactly(loggedOutSid, stolenSid);
      // the whole lifetime of an access token (900 s) and a margin
      assertThat(announced.get(0).getInteger("deny_for_seconds")).isEqualTo(960);
      JsonObject listed = bus.ask(AuthContract.REVOKED_SESSIONS, new JsonObject());
      assertThat(listed.getJsonArray("sessions").stream().map(o -> ((JsonObject) o).getString("session_id")))
        .contains(loggedOutSid, stolenSid);
      assertThat(listed.getInteger("deny_for_seconds")).isEqualTo(960);
    } finally {
      await(listener.unregister());
    }
  }

  @Test
  void refreshRefusesUnknownMalformedAndMissingTokens() throws Exception {
    assertThat(bus.failure(AuthContract.REFRESH, new JsonObject().put("refresh_token", "A".repeat(43))).code()).isEqualTo(ErrorCode.TOKEN_INVALID);
    assertThat(bus.failure(AuthContract.REFRESH, new JsonObject().put("refresh_token", "not a token")).code()).isEqualTo(ErrorCode.TOKEN_INVALID);
    assertThat(bus.failure(AuthContract.REFRESH, new JsonObject()).code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(bus.failure(AuthContract.REFRESH, new JsonObject().put("refresh_token", 42)).code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
  }

  @Test
  void logoutRevokesTheSessionOfTheCallerOnly() throws Exception {
    String email = uniqueEmail();
    String userId = bus.register(email, PASSWORD, null);
    JsonObject tokens = bus.login(email, PASSWORD);
    String sid = jwtPart(tokens.getString("access_token"), 1).getString("sid");
    String intruder = bus.register(uniqueEmail(), PASSWORD, null);

    bus.ask(AuthContract.LOGOUT, new JsonObject().put("session_id", sid), asUser(intruder));
    JsonObject refreshed = bus.ask(AuthContract.REFRESH, new JsonObject().put("refresh_token", tokens.getString("refresh_token")));

    bus.ask(AuthContract.LOGOUT, new JsonObject().put("session_id", sid), asUser(userId));
    ServiceFailure after = bus.failure(AuthContract.REFRESH, new JsonObject().put("refresh_token", refreshed.getString("refresh_token")));
    assertThat(after.code()).isEqualTo(ErrorCode.TOKEN_INVALID);
    assertThat(bus.failure(AuthContract.LOGOUT, new JsonObject().put("session_id", sid)).code()).isEqualTo(ErrorCode.UNAUTHORIZED);
  }

  @Test
  void meAndUserContactDescribeTheAccount() throws Exception {
    String email = uniqueEmail();
    String userId = bus.register(email, PASSWORD, "seller");
    JsonObject me = bus.ask(AuthContract.ME, new JsonObject(), asUser(userId));
    assertThat(me.getString("user_id")).isEqualTo(userId);
    assertThat(me.getString("email")).isEqualTo(email);
    assertThat(me.getJsonArray("roles")).containsExactly("seller");
    assertThat(me.containsKey("password_hash")).isFalse();

    JsonObject contact = bus.ask(AuthContract.USER_CONTACT, new JsonObject().put("user_id", userId));
    assertThat(contact.getString("email")).isEqualTo(email);
    assertThat(contact.getString("name")).isEqualTo("Test User");
    assertThat(contact.getString("language")).isEqualTo("ru");
    assertThat(bus.failure(AuthContract.USER_CONTACT, new JsonObject().put("user_id", UUID.randomUUID().toString())).code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(bus.failure(AuthContract.USER_CONTACT, new JsonObject().put("user_id", "nope")).code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(bus.failure(AuthContract.ME, new JsonObject()).code()).isEqualTo(ErrorCode.UNAUTHORIZED);
  }

  @Test
  void everyAuthInstanceOnOneDatabaseSignsWithTheSameKey() throws Exception {
    Vertx other = Vertx.vertx();
    try {
      await(other.deployVerticle(new AuthVerticle(), new DeploymentOptions().setConfig(config)));
      JsonObject mine = bus.ask(AuthContract.JWKS, new JsonObject());
      JsonObject theirs = await(other.eventBus().<JsonObject>request(AuthContract.JWKS, new JsonObject()).map(m -> m.body()));
      assertThat(theirs).isEqualTo(mine);
    } finally {
      await(other.close());
    }
  }

  @Test
  void purgingKeepsLiveSessionsAndLocks() throws Exception {
    String email = uniqueEmail();
    bus.register(email, PASSWORD, null);
    String refresh = bus.login(email, PASSWORD).getString("refresh_token");
    String locked = uniqueEmail();
    for (int i = 0; i < 5; i++) {
      bus.failure(AuthContract.LOGIN, new JsonObject().put("email", locked).put("password", "Wrong-Pass-1"));
    }
    var pool = dev.marketplace.platform.pg.PgSupport.pool(vertx, config, 1);
    try {
      await(new AuthRepository(pool).purge(900));
    } finally {
      await(pool.close());
    }
    assertThat(bus.ask(AuthContract.REFRESH, new JsonObject().put("refresh_token", refresh)).getString("access_token")).isNotBlank();
    assertThat(bus.failure(AuthContract.LOGIN, new JsonObject().put("email", locked).put("password", "Wrong-Pass-1")).code())
      .isEqualTo(ErrorCode.RATE_LIMITED);
  }

  @Test
  void hashingBeyondTheQueueLimitIsShedWithARetryHint() throws Exception {
    assertSomeLoginsShed(new JsonObject().put("hash_workers", 1).put("max_pending_hashes", 1));
  }

  @Test
  void hashesThatWaitedTooLongForAThreadAreDroppedUnstarted() throws Exception {
    assertSomeLoginsShed(new JsonObject().put("hash_workers", 1).put("max_hash_wait_ms", 1));
  }

  private static void assertSomeLoginsShed(JsonObject authSettings) throws Exception {
    JsonObject tight = config.copy();
    tight.getJsonObject("auth").mergeIn(authSettings);
    Vertx small = Vertx.vertx();
    try {
      await(small.deployVerticle(new AuthVerticle(), new DeploymentOptions().setConfig(tight)));
      java.util.List<io.vertx.core.Future<?>> logins = new java.util.ArrayList<>();
      for (int i = 0; i < 10; i++) {
        logins.add(small.eventBus().request(AuthContract.LOGIN, new JsonObject().put("email", uniqueEmail()).put("password", "Wrong-Pass-1")));
      }
      await(io.vertx.core.Future.join(logins).recover(err -> io.vertx.core.Future.succeededFuture()));
      java.util.List<ServiceFailure> failures = logins.stream().map(f -> ServiceFailure.from(f.cause())).toList();
      assertThat(failures).extracting(ServiceFailure::code)
        .contains(ErrorCode.SERVICE_UNAVAILABLE)
        .allMatch(code -> code == ErrorCode.SERVICE_UNAVAILABLE || code == ErrorCode.INVALID_CREDENTIALS);
      assertThat(failures.stream().filter(f -> f.code() == ErrorCode.SERVICE_UNAVAILABLE).findFirst().orElseThrow()
        .extra().getInteger("retry_after_seconds")).isEqualTo(1);
    } finally {
      await(small.close());
    }
  }

  @Test
  void aLoginUpgradesAHashMadeWithOlderParameters() throws Exception {
    String email = uniqueEmail();
    String userId = bus.register(email, PASSWORD, null);
    String weak = new PasswordHasher(8192, 1, 1).hash(PASSWORD);
    var pool = dev.marketplace.platform.pg.PgSupport.pool(vertx, config, 1);
    try {
      await(pool.preparedQuery("UPDATE auth.users SET password_hash = $2 WHERE id = $1")
        .execute(io.vertx.sqlclient.Tuple.of(UUID.fromString(userId), weak)));
      assertThat(bus.login(email, PASSWORD).getString("access_token")).isNotBlank();
      String stored = null;
      for (int i = 0; i < 50 && (stored == null || stored.equals(weak)); i++) {
        Thread.sleep(100);
        stored = await(pool.preparedQuery("SELECT password_hash FROM auth.users WHERE id = $1")
          .execute(io.vertx.sqlclient.Tuple.of(UUID.fromString(userId)))).iterator().next().getString(0);
      }
      assertThat(stored).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
      assertThat(bus.login(email, PASSWORD).getString("access_token")).isNotBlank();
    } finally {
      await(pool.close());
    }
  }

  private static void assertFieldErrors(JsonObject body, String... fields) throws Exception {
    ServiceFailure failure = bus.failure(AuthContract.REGISTER, body);
    assertThat(failure.code()).as(body.encode()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(failure.extra().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")))
      .as(body.encode()).containsExactlyInAnyOrder(fields);
  }

  private static void assertPasswordRefused(String email, String password, String reason) throws Exception {
    ServiceFailure failure = bus.failure(AuthContract.REGISTER, new JsonObject().put("email", email).put("password", password).put("name", "A"));
    assertThat(failure.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    JsonObject error = failure.extra().getJsonArray("errors").getJsonObject(0);
    assertThat(error.getString("field")).isEqualTo("password");
    assertThat(error.getString("message")).contains(reason);
  }
}
