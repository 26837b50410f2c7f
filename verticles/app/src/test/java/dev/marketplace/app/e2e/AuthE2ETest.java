package dev.marketplace.app.e2e;

import dev.marketplace.platform.testing.InOrder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Accounts and tokens through the public HTTP API of the whole marketplace. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class AuthE2ETest {
  private static final String PASSWORD = "Correct-Horse-9";
  private static MarketplaceHarness market;

  @BeforeAll
  static void up(VertxTestContext ctx) {
    // every request here comes from 127.0.0.1: keep the per-address limit out of the other tests' way
    MarketplaceHarness.start(config -> config.getJsonObject("auth").getJsonObject("throttle").put("address_max_failures", 10_000))
      .onSuccess(started -> market = started)
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterAll
  static void down(VertxTestContext ctx) {
    MarketplaceHarness.close(market).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void registerLoginMeRefreshAndLogoutWorkEndToEnd(VertxTestContext ctx) {
    String email = email();
    post("/api/v1/auth/register", new JsonObject().put("email", email).put("password", PASSWORD).put("name", "Анна").put("role", "seller"))
      .compose(registered -> {
        ctx.verify(() -> assertThat(registered.statusCode()).as(registered.bodyAsString()).isEqualTo(201));
        String userId = registered.bodyAsJsonObject().getString("user_id");
        return post("/api/v1/auth/login", new JsonObject().put("email", email.toUpperCase()).put("password", PASSWORD)).compose(login -> {
          ctx.verify(() -> {
            assertThat(login.statusCode()).isEqualTo(200);
            assertThat(login.getHeader("Cache-Control")).isEqualTo("no-store");
            assertThat(login.bodyAsJsonObject().fieldNames()).containsExactlyInAnyOrder("access_token", "refresh_token", "token_type", "expires_in");
          });
          JsonObject tokens = login.bodyAsJsonObject();
          return get("/api/v1/me", tokens.getString("access_token")).map(me -> ctx.verify(() -> {
            assertThat(me.statusCode()).isEqualTo(200);
            assertThat(me.bodyAsJsonObject().getString("user_id")).isEqualTo(userId);
            assertThat(me.bodyAsJsonObject().getString("name")).isEqualTo("Анна");
            assertThat(me.bodyAsJsonObject().getJsonArray("roles")).containsExactly("seller");
          })).map(v -> tokens);
        });
      })
      .compose(tokens -> post("/api/v1/auth/refresh", new JsonObject().put("refresh_token", tokens.getString("refresh_token")))
        .compose(refreshed -> {
          ctx.verify(() -> assertThat(refreshed.statusCode()).isEqualTo(200));
          JsonObject next = refreshed.bodyAsJsonObject();
          return get("/api/v1/me", next.getString("access_token"))
            .map(me -> ctx.verify(() -> assertThat(me.statusCode()).isEqualTo(200)))
            .compose(v -> post("/api/v1/auth/refresh", new JsonObject().put("refresh_token", tokens.getString("refresh_token"))))
            .map(reused -> assertProblem(reused, 401, "TOKEN_REUSED"))
            .compose(v -> post("/api/v1/auth/refresh", new JsonObject().put("refresh_token", next.getString("refresh_token"))))
            .map(spent -> assertProblem(spent, 401, "TOKEN_INVALID"));
        }))
      .compose(v -> login(email))
      .compose(again -> market.http.post("/api/v1/auth/logout").bearerTokenAuthentication(again.getString("access_token")).send()
        .compose(logout -> {
          ctx.verify(() -> assertThat(logout.statusCode()).isEqualTo(204));
          return post("/api/v1/auth/refresh", new JsonObject().put("refresh_token", again.getString("refresh_token")));
        })
        .map(afterLogout -> assertProblem(afterLogout, 401, "TOKEN_INVALID")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void jwksIsPublicAndNamesTheKeyOfTheTokens(VertxTestContext ctx) {
    String email = email();
    register(email)
      .compose(v -> login(email))
      .compose(tokens -> market.http.get("/.well-known/jwks.json").send().map(jwks -> ctx.verify(() -> {
        String access = tokens.getString("access_token");
        assertThat(jwks.statusCode()).isEqualTo(200);
        JsonObject key = jwks.bodyAsJsonObject().getJsonArray("keys").getJsonObject(0);
        assertThat(key.getString("kid")).isEqualTo(part(access, 0).getString("kid"));
        assertThat(key.containsKey("d")).isFalse();
      })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void everyAuthRouteAnswersBadInputWithAClearProblem(VertxTestContext ctx) {
    List<Supplier<Future<Void>>> steps = new ArrayList<>();
    for (String route : List.of("/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/refresh")) {
      steps.add(() -> postRaw(route, "{\"email\":").map(resp -> problem(resp, 400, "MALFORMED_REQUEST")));
      steps.add(() -> postRaw(route, "[1,2]").map(resp -> problem(resp, 400, "MALFORMED_REQUEST")));
      steps.add(() -> postRaw(route, "").map(resp -> problem(resp, 400, "MALFORMED_REQUEST")));
      steps.add(() -> postRaw(route, "{\"pad\":\"" + "x".repeat(70_000) + "\"}").map(resp -> problem(resp, 413, "PAYLOAD_TOO_LARGE")));
      steps.add(() -> post(route, new JsonObject().put("is_admin", true)).map(resp -> {
        JsonObject unknown = assertProblem(resp, 400, "VALIDATION_FAILED");
        assertThat(fields(unknown)).as(route).contains("is_admin");
        return null;
      }));
    }
    steps.add(() -> post("/api/v1/auth/register", new JsonObject()).map(resp -> {
      JsonObject missing = assertProblem(resp, 400, "VALIDATION_FAILED");
      assertThat(fields(missing)).containsExactlyInAnyOrder("email", "password", "name");
      return null;
    }));
    steps.add(() -> post("/api/v1/auth/login", new JsonObject().put("email", 1).put("password", new JsonArray())).map(resp -> {
      JsonObject types = assertProblem(resp, 400, "VALIDATION_FAILED");
      assertThat(fields(types)).containsExactlyInAnyOrder("email", "password");
      return null;
    }));
    steps.add(() -> post("/api/v1/auth/register",
      new JsonObject().put("email", email()).put("password", "Aa1" + "x".repeat(200)).put("name", "n".repeat(500))).map(resp -> {
        JsonObject oversized = assertProblem(resp, 400, "VALIDATION_FAILED");
        assertThat(fields(oversized)).containsExactlyInAnyOrder("password", "name");
        return null;
      }));
    steps.add(() -> post("/api/v1/auth/register",
      new JsonObject().put("email", email()).put("password", "onlyletters").put("name", "A")).map(resp -> {
        JsonObject weak = assertProblem(resp, 400, "VALIDATION_FAILED");
        assertThat(weak.getJsonArray("errors").getJsonObject(0).getString("message")).contains("two kinds");
        return null;
      }));
    steps.add(() -> post("/api/v1/auth/register",
      new JsonObject().put("email", email()).put("password", PASSWORD).put("name", "A").put("role", "admin"))
      .map(resp -> problem(resp, 400, "VALIDATION_FAILED")));

    String email = email();
    steps.add(() -> register(email));
    steps.add(() -> post("/api/v1/auth/register", new JsonObject().put("email", email).put("password", PASSWORD).put("name", "B"))
      .map(resp -> problem(resp, 409, "ALREADY_EXISTS")));
    steps.add(() -> login(email).compose(tokens -> market.http.post("/api/v1/auth/logout").bearerTokenAuthentication(tokens.getString("access_token"))
      .sendJsonObject(new JsonObject().put("session_id", UUID.randomUUID().toString())))
      .map(logoutUnknown -> problem(logoutUnknown, 400, "VALIDATION_FAILED")));
    InOrder.run(steps).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void protectedRoutesRefuseMissingTamperedAndUnsignedTokens(VertxTestContext ctx) {
    String email = email();
    get("/api/v1/me", null)
      .map(resp -> assertProblem(resp, 401, "UNAUTHORIZED"))
      .compose(v -> market.http.post("/api/v1/auth/logout").send())
      .map(resp -> assertProblem(resp, 401, "UNAUTHORIZED"))
      .compose(v -> register(email))
      .compose(v -> login(email))
      .compose(tokens -> {
        String access = tokens.getString("access_token");
        String[] parts = access.split("\\.");
        JsonObject claims = part(access, 1).put("roles", new JsonArray().add("admin"));
        String tampered = parts[0] + "." + b64(claims.encode()) + "." + parts[2];
        String unsigned = b64(part(access, 0).put("alg", "none").encode()) + "." + parts[1] + ".";
        return get("/api/v1/me", tampered)
          .map(resp -> assertProblem(resp, 401, "TOKEN_INVALID"))
          .compose(v -> get("/api/v1/me", unsigned))
          .map(resp -> assertProblem(resp, 401, "TOKEN_INVALID"));
      })
      .compose(v -> get("/api/v1/me", "not-a-jwt"))
      .map(resp -> assertProblem(resp, 401, "TOKEN_INVALID"))
      .compose(v -> market.http.get("/api/v1/me").putHeader("Authorization", "Basic dXNlcjpwYXNz").send())
      .map(basic -> assertProblem(basic, 401, "TOKEN_INVALID"))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void repeatedWrongPasswordsGet429WithRetryAfterAndTheSameTextForUnknownEmails(VertxTestContext ctx) {
    String email = email();
    JsonObject wrong = new JsonObject().put("email", email).put("password", "Wrong-Pass-1");
    Future<Void> chain = register(email)
      .compose(v -> post("/api/v1/auth/login", wrong))
      .map(resp -> assertProblem(resp, 401, "INVALID_CREDENTIALS"))
      .compose(wrongPassword -> post("/api/v1/auth/login", new JsonObject().put("email", email()).put("password", "Wrong-Pass-1"))
        .map(resp -> {
          JsonObject unknownEmail = assertProblem(resp, 401, "INVALID_CREDENTIALS");
          ctx.verify(() -> assertThat(unknownEmail.getString("detail")).isEqualTo(wrongPassword.getString("detail")));
          return null;
        }));
    for (int i = 0; i < 4; i++) {
      chain = chain.compose(v -> post("/api/v1/auth/login", wrong)).map(resp -> problem(resp, 401, "INVALID_CREDENTIALS"));
    }
    chain
      .compose(v -> post("/api/v1/auth/login", new JsonObject().put("email", email).put("password", PASSWORD)))
      .map(limited -> {
        JsonObject problem = assertProblem(limited, 429, "RATE_LIMITED");
        return ctx.verify(() -> {
          assertThat(Integer.parseInt(limited.getHeader("Retry-After"))).isBetween(1, 900);
          assertThat(problem.getInteger("retry_after_seconds")).isBetween(1, 900);
        });
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aBurstOfLoginsDoesNotStallHealth(VertxTestContext ctx) {
    String email = email();
    register(email).compose(v -> {
      AtomicBoolean burstOver = new AtomicBoolean();
      List<Future<HttpResponse<Buffer>>> logins = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        logins.add(market.http.post("/api/v1/auth/login").sendJsonObject(new JsonObject().put("email", email).put("password", PASSWORD)));
      }
      Future<Void> all = Future.join(logins).onComplete(ar -> burstOver.set(true)).mapEmpty();
      List<Long> healthMillis = Collections.synchronizedList(new ArrayList<>());
      // a client of its own: in the shared one /health would queue behind the logins for a connection
      WebClient probe = WebClient.create(market.vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(market.httpPort));
      return probeHealthUntil(probe, burstOver, healthMillis)
        .andThen(ar -> probe.close())
        .compose(probed -> all)
        .map(done -> ctx.verify(() -> {
          for (Future<HttpResponse<Buffer>> login : logins) {
            assertThat(login.result().statusCode()).isEqualTo(200);
          }
          // loose on purpose (a shared 2-core machine): hashing runs on workers, so /health never waits for it
          assertThat(healthMillis).isNotEmpty().allSatisfy(ms -> assertThat(ms).isLessThan(2_000));
        }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  /**
   * Asks /health one request after the other until the burst is over, timing each answer. Thousands of
   * probes: each starts from the answer's callback, not as a nested compose, whose completion would
   * unwind through every probe at once and overflow the stack.
   */
  private static Future<Void> probeHealthUntil(WebClient probe, AtomicBoolean burstOver, List<Long> healthMillis) {
    Promise<Void> done = Promise.promise();
    probeNext(probe, burstOver, healthMillis, done);
    return done.future();
  }

  private static void probeNext(WebClient probe, AtomicBoolean burstOver, List<Long> healthMillis, Promise<Void> done) {
    if (burstOver.get()) {
      done.complete();
      return;
    }
    long started = System.nanoTime();
    probe.get("/health").send()
      .map(health -> {
        healthMillis.add((System.nanoTime() - started) / 1_000_000);
        assertThat(health.statusCode()).isEqualTo(200);
        return health;
      })
      .onSuccess(health -> probeNext(probe, burstOver, healthMillis, done))
      .onFailure(done::fail);
  }

  private static String email() {
    return "e2e-" + UUID.randomUUID() + "@example.com";
  }

  private static Future<Void> register(String email) {
    return post("/api/v1/auth/register", new JsonObject().put("email", email).put("password", PASSWORD).put("name", "E2E")).map(resp -> {
      assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(201);
      return null;
    });
  }

  private static Future<JsonObject> login(String email) {
    return post("/api/v1/auth/login", new JsonObject().put("email", email).put("password", PASSWORD)).map(resp -> {
      assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(200);
      return resp.bodyAsJsonObject();
    });
  }

  private static Future<HttpResponse<Buffer>> post(String path, JsonObject body) {
    return market.http.post(path).sendJsonObject(body);
  }

  private static Future<HttpResponse<Buffer>> postRaw(String path, String body) {
    return market.http.post(path).putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body));
  }

  private static Future<HttpResponse<Buffer>> get(String path, String token) {
    var request = market.http.get(path);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return request.send();
  }

  /** {@link #assertProblem}, as a step of a chain that needs nothing of the problem. */
  private static Void problem(HttpResponse<Buffer> resp, int status, String code) {
    assertProblem(resp, status, code);
    return null;
  }

  private static JsonObject assertProblem(HttpResponse<Buffer> resp, int status, String code) {
    assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(status);
    assertThat(resp.getHeader("Content-Type")).isEqualTo("application/problem+json");
    JsonObject problem = resp.bodyAsJsonObject();
    assertThat(problem.getString("code")).isEqualTo(code);
    assertThat(problem.getString("detail")).isNotBlank();
    assertThat(problem.getString("type")).startsWith("https://");
    return problem;
  }

  private static List<String> fields(JsonObject problem) {
    return problem.getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")).toList();
  }

  private static JsonObject part(String jwt, int index) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[index]), StandardCharsets.UTF_8));
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
