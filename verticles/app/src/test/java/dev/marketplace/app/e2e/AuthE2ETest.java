package dev.marketplace.app.e2e;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.marketplace.app.e2e.MarketplaceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Accounts and tokens through the public HTTP API of the whole marketplace. */
class AuthE2ETest {
  private static final String PASSWORD = "Correct-Horse-9";
  private static MarketplaceHarness market;

  @BeforeAll
  static void up() throws Exception {
    // every request here comes from 127.0.0.1: keep the per-address limit out of the other tests' way
    market = MarketplaceHarness.start(config -> config.getJsonObject("auth").getJsonObject("throttle").put("address_max_failures", 10_000));
  }

  @AfterAll
  static void down() throws Exception {
    market.close();
  }

  @Test
  void registerLoginMeRefreshAndLogoutWorkEndToEnd() throws Exception {
    String email = email();
    HttpResponse<Buffer> registered = post("/api/v1/auth/register",
      new JsonObject().put("email", email).put("password", PASSWORD).put("name", "Анна").put("role", "seller"));
    assertThat(registered.statusCode()).as(registered.bodyAsString()).isEqualTo(201);
    String userId = registered.bodyAsJsonObject().getString("user_id");

    HttpResponse<Buffer> login = post("/api/v1/auth/login", new JsonObject().put("email", email.toUpperCase()).put("password", PASSWORD));
    assertThat(login.statusCode()).isEqualTo(200);
    assertThat(login.getHeader("Cache-Control")).isEqualTo("no-store");
    JsonObject tokens = login.bodyAsJsonObject();
    assertThat(tokens.fieldNames()).containsExactlyInAnyOrder("access_token", "refresh_token", "token_type", "expires_in");

    HttpResponse<Buffer> me = get("/api/v1/me", tokens.getString("access_token"));
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getString("user_id")).isEqualTo(userId);
    assertThat(me.bodyAsJsonObject().getString("name")).isEqualTo("Анна");
    assertThat(me.bodyAsJsonObject().getJsonArray("roles")).containsExactly("seller");

    HttpResponse<Buffer> refreshed = post("/api/v1/auth/refresh", new JsonObject().put("refresh_token", tokens.getString("refresh_token")));
    assertThat(refreshed.statusCode()).isEqualTo(200);
    JsonObject next = refreshed.bodyAsJsonObject();
    assertThat(get("/api/v1/me", next.getString("access_token")).statusCode()).isEqualTo(200);

    HttpResponse<Buffer> reused = post("/api/v1/auth/refresh", new JsonObject().put("refresh_token", tokens.getString("refresh_token")));
    assertProblem(reused, 401, "TOKEN_REUSED");
    assertProblem(post("/api/v1/auth/refresh", new JsonObject().put("refresh_token", next.getString("refresh_token"))), 401, "TOKEN_INVALID");

    JsonObject again = login(email);
    HttpResponse<Buffer> logout = await(market.http.post("/api/v1/auth/logout").bearerTokenAuthentication(again.getString("access_token")).send());
    assertThat(logout.statusCode()).isEqualTo(204);
    assertProblem(post("/api/v1/auth/refresh", new JsonObject().put("refresh_token", again.getString("refresh_token"))), 401, "TOKEN_INVALID");
  }

  @Test
  void jwksIsPublicAndNamesTheKeyOfTheTokens() throws Exception {
    String email = email();
    register(email);
    String access = login(email).getString("access_token");
    HttpResponse<Buffer> jwks = await(market.http.get("/.well-known/jwks.json").send());
    assertThat(jwks.statusCode()).isEqualTo(200);
    JsonObject key = jwks.bodyAsJsonObject().getJsonArray("keys").getJsonObject(0);
    assertThat(key.getString("kid")).isEqualTo(part(access, 0).getString("kid"));
    assertThat(key.containsKey("d")).isFalse();
  }

  @Test
  void everyAuthRouteAnswersBadInputWithAClearProblem() throws Exception {
    for (String route : List.of("/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/refresh")) {
      assertProblem(postRaw(route, "{\"email\":"), 400, "MALFORMED_REQUEST");
      assertProblem(postRaw(route, "[1,2]"), 400, "MALFORMED_REQUEST");
      assertProblem(postRaw(route, ""), 400, "MALFORMED_REQUEST");
      assertProblem(postRaw(route, "{\"pad\":\"" + "x".repeat(70_000) + "\"}"), 413, "PAYLOAD_TOO_LARGE");
      JsonObject unknown = assertProblem(post(route, new JsonObject().put("is_admin", true)), 400, "VALIDATION_FAILED");
      assertThat(fields(unknown)).as(route).contains("is_admin");
    }
    JsonObject missing = assertProblem(post("/api/v1/auth/register", new JsonObject()), 400, "VALIDATION_FAILED");
    assertThat(fields(missing)).containsExactlyInAnyOrder("email", "password", "name");
    JsonObject types = assertProblem(post("/api/v1/auth/login", new JsonObject().put("email", 1).put("password", new JsonArray())), 400, "VALIDATION_FAILED");
    assertThat(fields(types)).containsExactlyInAnyOrder("email", "password");
    JsonObject oversized = assertProblem(post("/api/v1/auth/register",
      new JsonObject().put("email", email()).put("password", "Aa1" + "x".repeat(200)).put("name", "n".repeat(500))), 400, "VALIDATION_FAILED");
    assertThat(fields(oversized)).containsExactlyInAnyOrder("password", "name");
    JsonObject weak = assertProblem(post("/api/v1/auth/register",
      new JsonObject().put("email", email()).put("password", "onlyletters").put("name", "A")), 400, "VALIDATION_FAILED");
    assertThat(weak.getJsonArray("errors").getJsonObject(0).getString("message")).contains("two kinds");
    assertProblem(post("/api/v1/auth/register",
      new JsonObject().put("email", email()).put("password", PASSWORD).put("name", "A").put("role", "admin")), 400, "VALIDATION_FAILED");

    String email = email();
    register(email);
    assertProblem(post("/api/v1/auth/register", new JsonObject().put("email", email).put("password", PASSWORD).put("name", "B")), 409, "ALREADY_EXISTS");
    String access = login(email).getString("access_token");
    HttpResponse<Buffer> logoutUnknown = await(market.http.post("/api/v1/auth/logout").bearerTokenAuthentication(access)
      .sendJsonObject(new JsonObject().put("session_id", UUID.randomUUID().toString())));
    assertProblem(logoutUnknown, 400, "VALIDATION_FAILED");
  }

  @Test
  void protectedRoutesRefuseMissingTamperedAndUnsignedTokens() throws Exception {
    assertProblem(get("/api/v1/me", null), 401, "UNAUTHORIZED");
    assertProblem(await(market.http.post("/api/v1/auth/logout").send()), 401, "UNAUTHORIZED");

    String email = email();
    register(email);
    String access = login(email).getString("access_token");
    String[] parts = access.split("\\.");
    JsonObject claims = part(access, 1).put("roles", new JsonArray().add("admin"));
    String tampered = parts[0] + "." + b64(claims.encode()) + "." + parts[2];
    assertProblem(get("/api/v1/me", tampered), 401, "TOKEN_INVALID");

    String unsigned = b64(part(access, 0).put("alg", "none").encode()) + "." + parts[1] + ".";
    assertProblem(get("/api/v1/me", unsigned), 401, "TOKEN_INVALID");
    assertProblem(get("/api/v1/me", "not-a-jwt"), 401, "TOKEN_INVALID");
    HttpResponse<Buffer> basic = await(market.http.get("/api/v1/me").putHeader("Authorization", "Basic dXNlcjpwYXNz").send());
    assertProblem(basic, 401, "TOKEN_INVALID");
  }

  @Test
  void repeatedWrongPasswordsGet429WithRetryAfterAndTheSameTextForUnknownEmails() throws Exception {
    String email = email();
    register(email);
    JsonObject wrongPassword = assertProblem(post("/api/v1/auth/login", new JsonObject().put("email", email).put("password", "Wrong-Pass-1")), 401, "INVALID_CREDENTIALS");
    JsonObject unknownEmail = assertProblem(post("/api/v1/auth/login", new JsonObject().put("email", email()).put("password", "Wrong-Pass-1")), 401, "INVALID_CREDENTIALS");
    assertThat(unknownEmail.getString("detail")).isEqualTo(wrongPassword.getString("detail"));
    for (int i = 0; i < 4; i++) {
      assertProblem(post("/api/v1/auth/login", new JsonObject().put("email", email).put("password", "Wrong-Pass-1")), 401, "INVALID_CREDENTIALS");
    }
    HttpResponse<Buffer> limited = post("/api/v1/auth/login", new JsonObject().put("email", email).put("password", PASSWORD));
    JsonObject problem = assertProblem(limited, 429, "RATE_LIMITED");
    assertThat(Integer.parseInt(limited.getHeader("Retry-After"))).isBetween(1, 900);
    assertThat(problem.getInteger("retry_after_seconds")).isBetween(1, 900);
  }

  @Test
  void aBurstOfLoginsDoesNotStallHealth() throws Exception {
    String email = email();
    register(email);
    AtomicBoolean burstOver = new AtomicBoolean();
    List<Future<HttpResponse<Buffer>>> logins = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      logins.add(market.http.post("/api/v1/auth/login").sendJsonObject(new JsonObject().put("email", email).put("password", PASSWORD)));
    }
    Future<Void> all = Future.join(logins).onComplete(ar -> burstOver.set(true)).mapEmpty();
    List<Long> healthMillis = new ArrayList<>();
    // a client of its own: in the shared one /health would queue behind the logins for a connection
    WebClient probe = WebClient.create(market.vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(market.httpPort));
    try {
      while (!burstOver.get()) {
        long started = System.nanoTime();
        HttpResponse<Buffer> health = await(probe.get("/health").send());
        healthMillis.add((System.nanoTime() - started) / 1_000_000);
        assertThat(health.statusCode()).isEqualTo(200);
      }
    } finally {
      probe.close();
    }
    await(all);
    for (Future<HttpResponse<Buffer>> login : logins) {
      assertThat(login.result().statusCode()).isEqualTo(200);
    }
    // loose on purpose (a shared 2-core machine): hashing runs on workers, so /health never waits for it
    assertThat(healthMillis).isNotEmpty().allSatisfy(ms -> assertThat(ms).isLessThan(2_000));
  }

  private static String email() {
    return "e2e-" + UUID.randomUUID() + "@example.com";
  }

  private static void register(String email) throws Exception {
    HttpResponse<Buffer> resp = post("/api/v1/auth/register", new JsonObject().put("email", email).put("password", PASSWORD).put("name", "E2E"));
    assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(201);
  }

  private static JsonObject login(String email) throws Exception {
    HttpResponse<Buffer> resp = post("/api/v1/auth/login", new JsonObject().put("email", email).put("password", PASSWORD));
    assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(200);
    return resp.bodyAsJsonObject();
  }

  private static HttpResponse<Buffer> post(String path, JsonObject body) throws Exception {
    return await(market.http.post(path).sendJsonObject(body));
  }

  private static HttpResponse<Buffer> postRaw(String path, String body) throws Exception {
    return await(market.http.post(path).putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body)));
  }

  private static HttpResponse<Buffer> get(String path, String token) throws Exception {
    var request = market.http.get(path);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return await(request.send());
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
