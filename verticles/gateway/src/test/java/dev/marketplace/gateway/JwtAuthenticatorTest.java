package dev.marketplace.gateway;

import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.gateway.security.JwtAuthenticator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's default authenticator against a stand-in for auth's {@code auth.jwks}: genuine
 * tokens pass; expired, early, tampered, foreign-signed, unsigned and algorithm-confused ones do not.
 */
@ExtendWith(VertxExtension.class)
class JwtAuthenticatorTest {
  private static final String USER = "7d6c1c4e-1b7a-4c38-9d0e-5f6a7b8c9d01";

  /** Answers with the identity the gateway established. */
  private static final RouteModule WHOAMI = (Router router, GatewayContext gateway) ->
    router.get(GatewayContext.API + "/t/me").handler(Access.user()).handler(ctx -> GatewayContext.sendJson(ctx, 200, new JsonObject()
      .put("user", Identity.of(ctx).orElseThrow().userId())
      .put("roles", new JsonArray(List.copyOf(Identity.of(ctx).orElseThrow().roles())))
      .put("session", JwtAuthenticator.sessionId(ctx).orElse(null))));

  private final TestTokens tokens = new TestTokens("key-1");
  private final AtomicReference<JsonArray> published = new AtomicReference<>(new JsonArray().add(tokens.jwk()));
  private final AtomicInteger fetches = new AtomicInteger();

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private void fakeJwks(Vertx vertx) throws Exception {
    await(vertx.eventBus().<JsonObject>consumer(AuthContract.JWKS, msg -> {
      fetches.incrementAndGet();
      msg.reply(new JsonObject().put("keys", published.get().copy()));
    }).completion());
  }

  private GatewayFixture gateway(Vertx vertx, long refetchIntervalMs) throws Exception {
    JsonObject config = GatewayFixture.config();
    GatewayFixture.section(config, "gateway").put("jwks_refetch_interval_ms", refetchIntervalMs);
    return await(GatewayFixture.deploy(vertx, config, List.of(WHOAMI), new JwtAuthenticator()));
  }

  private static HttpResponse<Buffer> me(GatewayFixture g, String token) throws Exception {
    return await(g.client.get("/api/v1/t/me").putHeader("Authorization", "Bearer " + token).send());
  }

  @Test
  void aGenuineTokenBecomesTheIdentityWithItsRolesAndSession(Vertx vertx) throws Exception {
    fakeJwks(vertx);
    GatewayFixture g = gateway(vertx, 60_000);
    HttpResponse<Buffer> resp = me(g, tokens.sign(TestTokens.claims(USER, "buyer", "seller")));
    assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(200);
    assertThat(resp.bodyAsJsonObject().getString("user")).isEqualTo(USER);
    assertThat(resp.bodyAsJsonObject().getJsonArray("roles")).containsExactlyInAnyOrder("buyer", "seller");
    assertThat(resp.bodyAsJsonObject().getString("session")).isEqualTo("3f0e8b9e-3a57-4f6e-9d7a-0d7e3b1c2a11");
  }

  @Test
  void expiredAndNotYetValidTokensAreRefused(Vertx vertx) throws Exception {
    fakeJwks(vertx);
    GatewayFixture g = gateway(vertx, 60_000);
    long now = Instant.now().getEpochSecond();
    JsonObject expired = TestTokens.claims(USER, "buyer").put("iat", now - 1000).put("exp", now - 60);
    assertThat(assertProblem(me(g, tokens.sign(expired)), 401, "TOKEN_INVALID").getString("detail")).contains("expired");
    assertProblem(me(g, tokens.sign(TestTokens.claims(USER, "buyer").put("nbf", now + 600))), 401, "TOKEN_INVALID");
  }

  @Test
  void tamperedClaimsAndASignatureOfAnotherKeyUnderTheSameKidAreRefused(Vertx vertx) throws Exception {
    fakeJwks(vertx);
    GatewayFixture g = gateway(vertx, 60_000);
    String genuine = tokens.sign(TestTokens.claims(USER, "buyer"));
    String[] parts = genuine.split("\\.");
    String promoted = parts[0] + "." + TestTokens.b64(TestTokens.claims(USER, "admin").encode()) + "." + parts[2];
    assertProblem(me(g, promoted), 401, "TOKEN_INVALID");

    TestTokens impostor = new TestTokens("key-1");
    assertProblem(me(g, impostor.sign(TestTokens.claims(USER, "admin"))), 401, "TOKEN_INVALID");
    // a flipped bit in the signature
    char last = parts[2].charAt(5);
    String flipped = parts[0] + "." + parts[1] + "." + parts[2].substring(0, 5) + (last == 'A' ? 'B' : 'A') + parts[2].substring(6);
    assertProblem(me(g, flipped), 401, "TOKEN_INVALID");
  }

  @Test
  void unsignedAlgNoneTokensAreRefusedInEverySpelling(Vertx vertx) throws Exception {
    fakeJwks(vertx);
    GatewayFixture g = gateway(vertx, 60_000);
    JsonObject claims = TestTokens.claims(USER, "admin");
    for (String alg : List.of("none", "None", "NONE", "")) {
      JsonObject header = new JsonObject().put("alg", alg).put("typ", "JWT").put("kid", "key-1");
      assertProblem(me(g, TestTokens.unsigned(header, claims)), 401, "TOKEN_INVALID");
      // and with a genuine signature glued on
      String genuineSignature = tokens.sign(claims).split("\\.")[2];
      assertProblem(me(g, TestTokens.unsigned(header, claims) + genuineSignature), 401, "TOKEN_INVALID");
    }
    assertProblem(me(g, TestTokens.unsigned(new JsonObject().put("typ", "JWT"), claims)), 401, "TOKEN_INVALID");
  }

  @Test
  void hs256SignedWithThePublicKeyIsRefused(Vertx vertx) throws Exception {
    fakeJwks(vertx);
    GatewayFixture g = gateway(vertx, 60_000);
    JsonObject claims = TestTokens.claims(USER, "admin");
    for (byte[] secret : List.of(tokens.publicPem().getBytes(StandardCharsets.US_ASCII),
        tokens.jwk().encode().getBytes(StandardCharsets.UTF_8), tokens.keys.getPublic().getEncoded())) {
      assertProblem(me(g, tokens.hs256WithSecret("key-1", claims, secret)), 401, "TOKEN_INVALID");
    }
    JsonObject rs256 = tokens.header().put("alg", "RS256");
    assertProblem(me(g, tokens.sign(rs256, claims)), 401, "TOKEN_INVALID");
    JsonObject es384 = tokens.header().put("alg", "ES384");
    assertProblem(me(g, tokens.sign(es384, claims)), 401, "TOKEN_INVALID");
  }

  @Test
  void wrongIssuerMissingExpiryUnknownRolesAndMalformedHeadersAreRefused(Vertx vertx) throws Exception {
    fakeJwks(vertx);
    GatewayFixture g = gateway(vertx, 60_000);
    assertProblem(me(g, tokens.sign(TestTokens.claims(USER, "buyer").put("iss", "someone-else"))), 401, "TOKEN_INVALID");
    JsonObject noExp = TestTokens.claims(USER, "buyer");
    noExp.remove("exp");
    assertProblem(me(g, tokens.sign(noExp)), 401, "TOKEN_INVALID");
    assertProblem(me(g, tokens.sign(TestTokens.claims(USER, "superuser"))), 401, "TOKEN_INVALID");
    assertProblem(me(g, tokens.sign(TestTokens.claims(USER, "buyer").put("sub", 42))), 401, "TOKEN_INVALID");
    assertProblem(me(g, "a.b"), 401, "TOKEN_INVALID");
    String header = TestTokens.b64(tokens.header().encode());
    assertProblem(me(g, header + ".!!!.???"), 401, "TOKEN_INVALID");
    assertProblem(me(g, header + "." + TestTokens.b64("[1,2]") + ".AAAA"), 401, "TOKEN_INVALID");
    assertProblem(me(g, header + "." + TestTokens.b64("not json") + ".AAAA"), 401, "TOKEN_INVALID");
    assertProblem(me(g, "%%%.%%%.%%%"), 401, "TOKEN_INVALID");
    assertProblem(me(g, "x".repeat(5000)), 401, "TOKEN_INVALID");
    HttpResponse<Buffer> basic = await(g.client.get("/api/v1/t/me").putHeader("Authorization", "Basic dTpw").send());
    assertProblem(basic, 401, "TOKEN_INVALID");
  }

  @Test
  void unknownKidsRefetchTheKeysAtMostOncePerInterval(Vertx vertx) throws Exception {
    fakeJwks(vertx);
    GatewayFixture g = gateway(vertx, 60_000);
    int afterStart = fetches.get();
    assertThat(afterStart).isEqualTo(1);
    for (int i = 0; i < 5; i++) {
      TestTokens forged = new TestTokens("forged-" + i);
      assertProblem(me(g, forged.sign(TestTokens.claims(USER, "admin"))), 401, "TOKEN_INVALID");
    }
    // the first unknown kid within the interval of the start fetch causes no fetch at all
    assertThat(fetches.get()).isEqualTo(afterStart);
  }

  @Test
  void aRotatedKeyIsPickedUpWhenATokenNamesIt(Vertx vertx) throws Exception {
    fakeJwks(vertx);
    GatewayFixture g = gateway(vertx, 0);
    TestTokens rotated = new TestTokens("key-2");
    published.set(new JsonArray().add(tokens.jwk()).add(rotated.jwk()));
    assertThat(me(g, rotated.sign(TestTokens.claims(USER, "buyer"))).statusCode()).isEqualTo(200);
    assertThat(me(g, tokens.sign(TestTokens.claims(USER, "buyer"))).statusCode()).isEqualTo(200);
    assertThat(fetches.get()).isEqualTo(2);
  }

  @Test
  void aGatewayThatStartedBeforeAuthVerifiesOnceAuthAnswers(Vertx vertx) throws Exception {
    GatewayFixture g = gateway(vertx, 60_000);
    String token = tokens.sign(TestTokens.claims(USER, "buyer"));
    assertProblem(me(g, token), 503, "SERVICE_UNAVAILABLE");
    assertThat(await(g.client.get("/health").send()).statusCode()).isEqualTo(200);
    fakeJwks(vertx);
    Thread.sleep(1100);
    assertThat(me(g, token).statusCode()).isEqualTo(200);
  }

  @Test
  void aPublishedSymmetricOrPrivateKeyIsNeverUsed(Vertx vertx) throws Exception {
    published.set(new JsonArray()
      .add(new JsonObject().put("kty", "oct").put("kid", "key-1").put("alg", "HS256").put("k", TestTokens.b64("secret")))
      .add(tokens.jwk()));
    fakeJwks(vertx);
    GatewayFixture g = gateway(vertx, 60_000);
    byte[] secret = "secret".getBytes(StandardCharsets.US_ASCII);
    assertProblem(me(g, tokens.hs256WithSecret("key-1", TestTokens.claims(USER, "admin"), secret)), 401, "TOKEN_INVALID");
    assertThat(me(g, tokens.sign(TestTokens.claims(USER, "buyer"))).statusCode()).isEqualTo(200);
  }
}
