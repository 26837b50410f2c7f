package dev.marketplace.auth;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.InOrder;
import dev.marketplace.platform.testing.Outcomes;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import static dev.marketplace.auth.AuthBus.asUser;
import static dev.marketplace.auth.AuthBus.fromAddress;
import static dev.marketplace.auth.AuthBus.jwtPart;
import static org.assertj.core.api.Assertions.assertThat;

/** The auth component over the bus, on a real PostgreSQL, with the production Argon2id parameters. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class AuthVerticleTest {
  private static final String PASSWORD = "Correct-Horse-9";
  private static JsonObject config;
  private static AuthBus bus;

  // one deployment for the class: the Vertx injected here is the one every test of the class gets
  @BeforeAll
  static void deploy(Vertx vertx, VertxTestContext ctx) {
    config = TestInfra.shared().config();
    config.getJsonObject("auth").getJsonObject("throttle").put("address_max_failures", 8);
    bus = new AuthBus(vertx);
    vertx.deployVerticle(new AuthVerticle(), new DeploymentOptions().setConfig(config)).onComplete(ctx.succeedingThenComplete());
  }

  private static String uniqueEmail() {
    return "user-" + UUID.randomUUID() + "@example.com";
  }

  /** {@code times} steps one after the other, step {@code i} starting once step {@code i - 1} succeeded. */
  private static Future<Void> inTurn(int times, Function<Integer, Future<?>> step) {
    return InOrder.each(IntStream.range(0, times).boxed().toList(), step);
  }

  /**
   * Closes a Vert.x of the test's own once {@code result} settled, and answers with the result (or the
   * close's failure). Not {@code result.eventually(own::close)}: that future would answer on one of
   * {@code own}'s event loops, which the close has just stopped, so the test would never hear of it.
   */
  private static Future<Void> closeWhenSettled(Vertx own, Future<?> result) {
    Promise<Void> settled = Promise.promise();
    result.onComplete(ar -> own.close().onComplete(closed -> {
      if (ar.failed()) {
        settled.fail(ar.cause());
      } else if (closed.failed()) {
        settled.fail(closed.cause());
      } else {
        settled.complete();
      }
    }));
    return settled.future();
  }

  @Test
  void loginIssuesAnEs256AccessTokenWithSubjectRolesIssuerAndExpiry(VertxTestContext ctx) {
    String email = uniqueEmail();
    bus.register(email, PASSWORD, "seller").compose(userId -> bus.login(email, PASSWORD).compose(tokens -> {
      ctx.verify(() -> {
        assertThat(tokens.getString("token_type")).isEqualTo("Bearer");
        assertThat(tokens.getInteger("expires_in")).isEqualTo(900);
        assertThat(tokens.getString("refresh_token")).matches("[A-Za-z0-9_-]{43}");
      });
      return bus.ask(AuthContract.JWKS, new JsonObject()).map(jwks -> ctx.verify(() -> {
        String access = tokens.getString("access_token");
        JsonObject header = jwtPart(access, 0);
        JsonObject claims = jwtPart(access, 1);
        String kid = jwks.getJsonArray("keys").getJsonObject(0).getString("kid");
        assertThat(header.getString("alg")).isEqualTo("ES256");
        assertThat(header.getString("kid")).isEqualTo(kid);
        assertThat(claims.getString("sub")).isEqualTo(userId);
        assertThat(claims.getJsonArray("roles")).containsExactly("seller");
        assertThat(claims.getString("iss")).isEqualTo(AuthContract.DEFAULT_ISSUER);
        assertThat(claims.getLong("exp") - claims.getLong("iat")).isEqualTo(900);
        assertThat(claims.getString("sid")).isNotBlank();
      }));
    })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void jwksPublishesOnlyThePublicHalfOfAP256Key(VertxTestContext ctx) {
    bus.ask(AuthContract.JWKS, new JsonObject()).map(reply -> ctx.verify(() -> {
      JsonArray keys = reply.getJsonArray("keys");
      assertThat(keys).hasSize(1);
      JsonObject jwk = keys.getJsonObject(0);
      assertThat(jwk.getString("kty")).isEqualTo("EC");
      assertThat(jwk.getString("crv")).isEqualTo("P-256");
      assertThat(jwk.getString("alg")).isEqualTo("ES256");
      assertThat(jwk.containsKey("d")).isFalse();
    })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void registerNormalisesTheEmailAndRefusesADuplicateInAnyCase(VertxTestContext ctx) {
    String email = uniqueEmail();
    bus.register("  " + email.toUpperCase() + " ", PASSWORD, null)
      .compose(userId -> bus.login(email, PASSWORD))
      .compose(tokens -> {
        ctx.verify(() -> assertThat(jwtPart(tokens.getString("access_token"), 1).getJsonArray("roles")).containsExactly("buyer"));
        return bus.failure(AuthContract.REGISTER, new JsonObject().put("email", email).put("password", PASSWORD).put("name", "Again"));
      })
      .map(duplicate -> ctx.verify(() -> assertThat(duplicate.code()).isEqualTo(ErrorCode.ALREADY_EXISTS)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void registerRefusesTheAdminRoleMissingFieldsWrongTypesUnknownFieldsAndOversizedValues(VertxTestContext ctx) {
    assertFieldErrors(ctx, new JsonObject().put("email", uniqueEmail()).put("password", PASSWORD).put("name", "A").put("role", "admin"), "role")
      .compose(v -> assertFieldErrors(ctx, new JsonObject(), "email", "password", "name"))
      .compose(v -> assertFieldErrors(ctx, new JsonObject().put("email", 5).put("password", true).put("name", new JsonArray()), "email", "password", "name"))
      .compose(v -> assertFieldErrors(ctx, new JsonObject().put("email", uniqueEmail()).put("password", PASSWORD).put("name", "A").put("is_admin", true), "is_admin"))
      .compose(v -> assertFieldErrors(ctx, new JsonObject().put("email", "x".repeat(250) + "@example.com").put("password", PASSWORD).put("name", "n".repeat(101)), "email", "name"))
      .compose(v -> assertFieldErrors(ctx, new JsonObject().put("email", "not-an-email").put("password", PASSWORD).put("name", "A"), "email"))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void registerExplainsEachPasswordRule(VertxTestContext ctx) {
    String email = uniqueEmail();
    assertPasswordRefused(ctx, email, "Sh0rt!", "at least 8")
      .compose(v -> assertPasswordRefused(ctx, email, "Aa1" + "x".repeat(126), "at most 128"))
      .compose(v -> assertPasswordRefused(ctx, email, "alllowercaseletters", "two kinds"))
      .compose(v -> assertPasswordRefused(ctx, email, email.toUpperCase(), "email"))
      .compose(v -> assertPasswordRefused(ctx, email, "Password1", "most common"))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void loginAnswersTheSameForAnUnknownEmailAndAWrongPassword(VertxTestContext ctx) {
    String email = uniqueEmail();
    bus.register(email, PASSWORD, null)
      .compose(userId -> bus.failure(AuthContract.LOGIN, new JsonObject().put("email", email).put("password", "Wrong-Pass-1")))
      .compose(wrongPassword -> bus.failure(AuthContract.LOGIN, new JsonObject().put("email", uniqueEmail()).put("password", "Wrong-Pass-1"))
        .map(unknownEmail -> ctx.verify(() -> {
          assertThat(wrongPassword.code()).isEqualTo(ErrorCode.INVALID_CREDENTIALS);
          assertThat(unknownEmail.code()).isEqualTo(ErrorCode.INVALID_CREDENTIALS);
          assertThat(unknownEmail.detail()).isEqualTo(wrongPassword.detail());
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void repeatedFailuresLockTheAccountFromThatAddressOnlySoAStrangerCannotLockTheOwnerOut(VertxTestContext ctx) {
    String email = uniqueEmail();
    String other = uniqueEmail();
    JsonObject wrong = new JsonObject().put("email", email).put("password", "Wrong-Pass-1");
    JsonObject right = new JsonObject().put("email", email).put("password", PASSWORD);
    bus.register(email, PASSWORD, null)
      .compose(userId -> bus.register(other, PASSWORD, null))
      .compose(userId -> inTurn(5, i -> bus.failure(AuthContract.LOGIN, wrong, fromAddress("203.0.113.66"))
        .map(failure -> ctx.verify(() -> assertThat(failure.code()).isEqualTo(ErrorCode.INVALID_CREDENTIALS)))))
      .compose(v -> bus.failure(AuthContract.LOGIN, right, fromAddress("203.0.113.66")))
      .compose(locked -> {
        ctx.verify(() -> {
          assertThat(locked.code()).isEqualTo(ErrorCode.RATE_LIMITED);
          assertThat(locked.extra().getInteger("retry_after_seconds")).isBetween(1, 60);
        });
        // the owner, from their own address, signs in as usual; so does everyone else
        return bus.ask(AuthContract.LOGIN, right, fromAddress("198.51.100.20"));
      })
      .compose(owner -> {
        ctx.verify(() -> assertThat(owner.getString("access_token")).isNotBlank());
        return bus.ask(AuthContract.LOGIN, new JsonObject().put("email", other).put("password", PASSWORD), fromAddress("203.0.113.66"));
      })
      .map(stranger -> ctx.verify(() -> assertThat(stranger.getString("access_token")).isNotBlank()))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void failuresSpreadOverAddressesLockNone(VertxTestContext ctx) {
    String email = uniqueEmail();
    JsonObject wrong = new JsonObject().put("email", email).put("password", "Wrong-Pass-1");
    bus.register(email, PASSWORD, null)
      .compose(userId -> inTurn(5, i -> bus.failure(AuthContract.LOGIN, wrong, fromAddress("10.1.0." + i))
        .map(failure -> ctx.verify(() -> assertThat(failure.code()).isEqualTo(ErrorCode.INVALID_CREDENTIALS)))))
      .compose(v -> bus.ask(AuthContract.LOGIN, new JsonObject().put("email", email).put("password", PASSWORD), fromAddress("10.1.0.99")))
      .map(tokens -> ctx.verify(() -> assertThat(tokens.getString("access_token")).isNotBlank()))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void eachFailureAfterTheLimitLocksTwiceAsLongUpToTheCap(Vertx vertx, VertxTestContext ctx) {
    Pool pool = PgSupport.pool(vertx, config, 1);
    AuthRepository repository = new AuthRepository(pool);
    String key = "account:" + uniqueEmail() + "|192.0.2.200";
    // limit 2, base 10 s, cap 35 s: free, 10, 20, 35, 35
    int[] expected = {0, 10, 20, 35, 35};
    inTurn(expected.length, failure -> pool.preparedQuery("UPDATE auth.login_throttle SET locked_until = now() - interval '1 second' WHERE key = $1")
        .execute(Tuple.of(key))
        .compose(rows -> repository.recordFailure(key, 900, 2, 10, 35))
        .compose(v -> repository.lockedForSeconds(List.of(key)))
        .map(lockedFor -> ctx.verify(() -> assertThat(lockedFor).as("lock after failure %d", failure + 1)
          .isBetween(Math.max(0, expected[failure] - 1), expected[failure]))))
      .eventually(pool::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void repeatedFailuresFromOneAddressLockThatAddressAcrossAccounts(VertxTestContext ctx) {
    String email = uniqueEmail();
    JsonObject rightPassword = new JsonObject().put("email", email).put("password", PASSWORD);
    bus.register(email, PASSWORD, null)
      .compose(userId -> inTurn(8, i -> {
        JsonObject guess = new JsonObject().put("email", uniqueEmail()).put("password", "Wrong-Pass-1");
        return bus.failure(AuthContract.LOGIN, guess, fromAddress("192.0.2.7"))
          .map(failure -> ctx.verify(() -> assertThat(failure.code()).isEqualTo(ErrorCode.INVALID_CREDENTIALS)));
      }))
      .compose(v -> bus.failure(AuthContract.LOGIN, rightPassword, fromAddress("192.0.2.7")))
      .compose(locked -> {
        ctx.verify(() -> assertThat(locked.code()).isEqualTo(ErrorCode.RATE_LIMITED));
        return bus.ask(AuthContract.LOGIN, rightPassword, fromAddress("192.0.2.8"));
      })
      .map(tokens -> ctx.verify(() -> assertThat(tokens.getString("access_token")).isNotBlank()))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void refreshRotatesTheTokenAndReusingASpentOneRevokesTheWholeFamily(VertxTestContext ctx) {
    String email = uniqueEmail();
    bus.register(email, PASSWORD, null)
      .compose(userId -> bus.login(email, PASSWORD))
      .map(tokens -> tokens.getString("refresh_token"))
      .compose(first -> bus.ask(AuthContract.REFRESH, new JsonObject().put("refresh_token", first))
        .compose(second -> {
          String secondToken = second.getString("refresh_token");
          ctx.verify(() -> {
            assertThat(secondToken).isNotEqualTo(first);
            assertThat(second.getString("access_token")).isNotBlank();
          });
          return bus.ask(AuthContract.REFRESH, new JsonObject().put("refresh_token", secondToken));
        })
        .map(third -> third.getString("refresh_token"))
        .compose(third -> bus.failure(AuthContract.REFRESH, new JsonObject().put("refresh_token", first))
          .compose(reuse -> {
            ctx.verify(() -> assertThat(reuse.code()).isEqualTo(ErrorCode.TOKEN_REUSED));
            // the thief's reuse also ends the legitimate holder's newest token
            return bus.failure(AuthContract.REFRESH, new JsonObject().put("refresh_token", third));
          })))
      .map(newest -> ctx.verify(() -> assertThat(newest.code()).isEqualTo(ErrorCode.TOKEN_INVALID)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void accessTokensNameTheApiAsTheirAudience(VertxTestContext ctx) {
    String email = uniqueEmail();
    bus.register(email, PASSWORD, null)
      .compose(userId -> bus.login(email, PASSWORD))
      .map(tokens -> ctx.verify(() -> {
        JsonObject claims = jwtPart(tokens.getString("access_token"), 1);
        assertThat(claims.getString("aud")).isEqualTo(AuthContract.DEFAULT_AUDIENCE);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void logoutAndRefreshTokenReuseAnnounceTheRevokedSessionAndAuthListsIt(Vertx vertx, VertxTestContext ctx) {
    List<JsonObject> announced = new CopyOnWriteArrayList<>();
    var listener = vertx.eventBus().<JsonObject>consumer(AuthContract.SESSION_REVOKED, msg -> announced.add(msg.body()));
    String email = uniqueEmail();
    String[] loggedOutSid = new String[1];
    String[] stolenSid = new String[1];
    listener.completion()
      .compose(v -> bus.register(email, PASSWORD, null))
      .compose(userId -> bus.login(email, PASSWORD).compose(loggedOut -> {
        loggedOutSid[0] = jwtPart(loggedOut.getString("access_token"), 1).getString("sid");
        return bus.ask(AuthContract.LOGOUT, new JsonObject().put("session_id", loggedOutSid[0]), asUser(userId));
      }))
      .compose(v -> bus.login(email, PASSWORD))
      .compose(stolen -> {
        stolenSid[0] = jwtPart(stolen.getString("access_token"), 1).getString("sid");
        JsonObject refresh = new JsonObject().put("refresh_token", stolen.getString("refresh_token"));
        return bus.ask(AuthContract.REFRESH, refresh).compose(rotated -> bus.failure(AuthContract.REFRESH, refresh));
      })
      .compose(reuse -> {
        ctx.verify(() -> assertThat(reuse.code()).isEqualTo(ErrorCode.TOKEN_REUSED));
        return Eventually.untilTrue(vertx, "both revoked sessions announced", 5_000, () -> announced.size() >= 2);
      })
      .compose(v -> {
        ctx.verify(() -> {
          assertThat(announced).extracting(m -> m.getString("session_id")).containsExactly(loggedOutSid[0], stolenSid[0]);
          // the whole lifetime of an access token (900 s) and a margin
          assertThat(announced.get(0).getInteger("deny_for_seconds")).isEqualTo(960);
        });
        return bus.ask(AuthContract.REVOKED_SESSIONS, new JsonObject());
      })
      .map(listed -> ctx.verify(() -> {
        assertThat(listed.getJsonArray("sessions").stream().map(o -> ((JsonObject) o).getString("session_id")))
          .contains(loggedOutSid[0], stolenSid[0]);
        assertThat(listed.getInteger("deny_for_seconds")).isEqualTo(960);
      }))
      .eventually(listener::unregister)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void refreshRefusesUnknownMalformedAndMissingTokens(VertxTestContext ctx) {
    bus.failure(AuthContract.REFRESH, new JsonObject().put("refresh_token", "A".repeat(43)))
      .compose(unknown -> {
        ctx.verify(() -> assertThat(unknown.code()).isEqualTo(ErrorCode.TOKEN_INVALID));
        return bus.failure(AuthContract.REFRESH, new JsonObject().put("refresh_token", "not a token"));
      })
      .compose(malformed -> {
        ctx.verify(() -> assertThat(malformed.code()).isEqualTo(ErrorCode.TOKEN_INVALID));
        return bus.failure(AuthContract.REFRESH, new JsonObject());
      })
      .compose(missing -> {
        ctx.verify(() -> assertThat(missing.code()).isEqualTo(ErrorCode.VALIDATION_FAILED));
        return bus.failure(AuthContract.REFRESH, new JsonObject().put("refresh_token", 42));
      })
      .map(wrongType -> ctx.verify(() -> assertThat(wrongType.code()).isEqualTo(ErrorCode.VALIDATION_FAILED)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void logoutRevokesTheSessionOfTheCallerOnly(VertxTestContext ctx) {
    String email = uniqueEmail();
    bus.register(email, PASSWORD, null).compose(userId -> bus.login(email, PASSWORD).compose(tokens -> {
      String sid = jwtPart(tokens.getString("access_token"), 1).getString("sid");
      return bus.register(uniqueEmail(), PASSWORD, null)
        .compose(intruder -> bus.ask(AuthContract.LOGOUT, new JsonObject().put("session_id", sid), asUser(intruder)))
        .compose(v -> bus.ask(AuthContract.REFRESH, new JsonObject().put("refresh_token", tokens.getString("refresh_token"))))
        .compose(refreshed -> bus.ask(AuthContract.LOGOUT, new JsonObject().put("session_id", sid), asUser(userId))
          .compose(v -> bus.failure(AuthContract.REFRESH, new JsonObject().put("refresh_token", refreshed.getString("refresh_token")))))
        .compose(after -> {
          ctx.verify(() -> assertThat(after.code()).isEqualTo(ErrorCode.TOKEN_INVALID));
          return bus.failure(AuthContract.LOGOUT, new JsonObject().put("session_id", sid));
        })
        .map(anonymous -> ctx.verify(() -> assertThat(anonymous.code()).isEqualTo(ErrorCode.UNAUTHORIZED)));
    })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void meAndUserContactDescribeTheAccount(VertxTestContext ctx) {
    String email = uniqueEmail();
    bus.register(email, PASSWORD, "seller").compose(userId -> bus.ask(AuthContract.ME, new JsonObject(), asUser(userId))
        .compose(me -> {
          ctx.verify(() -> {
            assertThat(me.getString("user_id")).isEqualTo(userId);
            assertThat(me.getString("email")).isEqualTo(email);
            assertThat(me.getJsonArray("roles")).containsExactly("seller");
            assertThat(me.containsKey("password_hash")).isFalse();
          });
          return bus.ask(AuthContract.USER_CONTACT, new JsonObject().put("user_id", userId));
        }))
      .compose(contact -> {
        ctx.verify(() -> {
          assertThat(contact.getString("email")).isEqualTo(email);
          assertThat(contact.getString("name")).isEqualTo("Test User");
          assertThat(contact.getString("language")).isEqualTo("ru");
        });
        return bus.failure(AuthContract.USER_CONTACT, new JsonObject().put("user_id", UUID.randomUUID().toString()));
      })
      .compose(unknown -> {
        ctx.verify(() -> assertThat(unknown.code()).isEqualTo(ErrorCode.NOT_FOUND));
        return bus.failure(AuthContract.USER_CONTACT, new JsonObject().put("user_id", "nope"));
      })
      .compose(malformed -> {
        ctx.verify(() -> assertThat(malformed.code()).isEqualTo(ErrorCode.VALIDATION_FAILED));
        return bus.failure(AuthContract.ME, new JsonObject());
      })
      .map(anonymous -> ctx.verify(() -> assertThat(anonymous.code()).isEqualTo(ErrorCode.UNAUTHORIZED)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void everyAuthInstanceOnOneDatabaseSignsWithTheSameKey(VertxTestContext ctx) {
    // a second, separate Vert.x: its own bus reaches only its own auth instance
    Vertx other = Vertx.vertx();
    Future<?> checked = other.deployVerticle(new AuthVerticle(), new DeploymentOptions().setConfig(config))
      .compose(id -> bus.ask(AuthContract.JWKS, new JsonObject()))
      .compose(mine -> other.eventBus().<JsonObject>request(AuthContract.JWKS, new JsonObject()).map(Message::body)
        .map(theirs -> ctx.verify(() -> assertThat(theirs).isEqualTo(mine))));
    closeWhenSettled(other, checked).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void purgingKeepsLiveSessionsAndLocks(Vertx vertx, VertxTestContext ctx) {
    String email = uniqueEmail();
    String locked = uniqueEmail();
    bus.register(email, PASSWORD, null)
      .compose(userId -> bus.login(email, PASSWORD))
      .map(tokens -> tokens.getString("refresh_token"))
      .compose(refresh -> inTurn(5, i -> bus.failure(AuthContract.LOGIN, new JsonObject().put("email", locked).put("password", "Wrong-Pass-1")))
        .compose(v -> {
          Pool pool = PgSupport.pool(vertx, config, 1);
          return new AuthRepository(pool).purge(900).eventually(pool::close);
        })
        .compose(v -> bus.ask(AuthContract.REFRESH, new JsonObject().put("refresh_token", refresh))))
      .compose(refreshed -> {
        ctx.verify(() -> assertThat(refreshed.getString("access_token")).isNotBlank());
        return bus.failure(AuthContract.LOGIN, new JsonObject().put("email", locked).put("password", "Wrong-Pass-1"));
      })
      .map(stillLocked -> ctx.verify(() -> assertThat(stillLocked.code()).isEqualTo(ErrorCode.RATE_LIMITED)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void hashingBeyondTheQueueLimitIsShedWithARetryHint(VertxTestContext ctx) {
    assertSomeLoginsShed(ctx, new JsonObject().put("hash_workers", 1).put("max_pending_hashes", 1));
  }

  @Test
  void hashesThatWaitedTooLongForAThreadAreDroppedUnstarted(VertxTestContext ctx) {
    assertSomeLoginsShed(ctx, new JsonObject().put("hash_workers", 1).put("max_hash_wait_ms", 1));
  }

  private static void assertSomeLoginsShed(VertxTestContext ctx, JsonObject authSettings) {
    JsonObject tight = config.copy();
    tight.getJsonObject("auth").mergeIn(authSettings);
    // its own Vert.x, so the ten logins reach only the tightly set instance
    Vertx small = Vertx.vertx();
    Future<?> checked = small.deployVerticle(new AuthVerticle(), new DeploymentOptions().setConfig(tight))
      .compose(id -> {
        // ten at once: all must fail, some shed
        List<Future<ServiceFailure>> logins = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          logins.add(Outcomes.refusal(small.eventBus().request(AuthContract.LOGIN,
            new JsonObject().put("email", uniqueEmail()).put("password", "Wrong-Pass-1"))));
        }
        return Future.all(logins).map(all -> all.<ServiceFailure>list());
      })
      .map(failures -> ctx.verify(() -> {
        assertThat(failures).extracting(ServiceFailure::code)
          .contains(ErrorCode.SERVICE_UNAVAILABLE)
          .allMatch(code -> code == ErrorCode.SERVICE_UNAVAILABLE || code == ErrorCode.INVALID_CREDENTIALS);
        assertThat(failures.stream().filter(f -> f.code() == ErrorCode.SERVICE_UNAVAILABLE).findFirst().orElseThrow()
          .extra().getInteger("retry_after_seconds")).isEqualTo(1);
      }));
    closeWhenSettled(small, checked).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aLoginUpgradesAHashMadeWithOlderParameters(Vertx vertx, VertxTestContext ctx) {
    String email = uniqueEmail();
    // hashed here on the test thread, never on an event loop
    String weak = new PasswordHasher(8192, 1, 1).hash(PASSWORD);
    Pool pool = PgSupport.pool(vertx, config, 1);
    bus.register(email, PASSWORD, null).compose(userId -> {
        Tuple id = Tuple.of(UUID.fromString(userId));
        Supplier<Future<String>> storedHash = () -> pool.preparedQuery("SELECT password_hash FROM auth.users WHERE id = $1")
          .execute(id).map(rows -> rows.iterator().next().getString(0));
        return pool.preparedQuery("UPDATE auth.users SET password_hash = $2 WHERE id = $1").execute(Tuple.of(UUID.fromString(userId), weak))
          .compose(rows -> bus.login(email, PASSWORD))
          .compose(tokens -> {
            ctx.verify(() -> assertThat(tokens.getString("access_token")).isNotBlank());
            // the upgrade is written after the login's answer
            return Eventually.until(vertx, "the weak hash replaced", 5_000, () -> storedHash.get().map(hash -> !hash.equals(weak)));
          })
          .compose(v -> storedHash.get());
      })
      .compose(upgraded -> {
        ctx.verify(() -> assertThat(upgraded).startsWith("$argon2id$v=19$m=19456,t=2,p=1$"));
        return bus.login(email, PASSWORD);
      })
      .map(tokens -> ctx.verify(() -> assertThat(tokens.getString("access_token")).isNotBlank()))
      .eventually(pool::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> assertFieldErrors(VertxTestContext ctx, JsonObject body, String... fields) {
    return bus.failure(AuthContract.REGISTER, body).map(failure -> {
      ctx.verify(() -> {
        assertThat(failure.code()).as(body.encode()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(failure.extra().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")))
          .as(body.encode()).containsExactlyInAnyOrder(fields);
      });
      return null;
    });
  }

  private static Future<Void> assertPasswordRefused(VertxTestContext ctx, String email, String password, String reason) {
    return bus.failure(AuthContract.REGISTER, new JsonObject().put("email", email).put("password", password).put("name", "A")).map(failure -> {
      ctx.verify(() -> {
        assertThat(failure.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        JsonObject error = failure.extra().getJsonArray("errors").getJsonObject(0);
        assertThat(error.getString("field")).isEqualTo("password");
        assertThat(error.getString("message")).contains(reason);
      });
      return null;
    });
  }
}
