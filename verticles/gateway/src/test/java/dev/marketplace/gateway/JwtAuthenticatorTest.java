package dev.marketplace.gateway;

import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.gateway.security.JwtAuthenticator;
import dev.marketplace.platform.testing.InOrder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
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
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
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

  private Future<Void> fakeJwks(Vertx vertx) {
    return vertx.eventBus().<JsonObject>consumer(AuthContract.JWKS, msg -> {
      fetches.incrementAndGet();
      msg.reply(new JsonObject().put("keys", published.get().copy()));
    }).completion();
  }

  /** On the JUnit thread: the first {@link GatewayFixture#config()} starts the shared PostgreSQL and Kafka, which blocks. */
  private static JsonObject config(long refetchIntervalMs) {
    JsonObject config = GatewayFixture.config();
    GatewayFixture.section(config, "gateway").put("jwks_refetch_interval_ms", refetchIntervalMs);
    return config;
  }

  private static Future<GatewayFixture> gateway(Vertx vertx, JsonObject config) {
    return GatewayFixture.deploy(vertx, config, List.of(WHOAMI), new JwtAuthenticator());
  }

  /** The auth stand-in first, then a gateway that refetches keys at most every 60 s. */
  private Future<GatewayFixture> withJwks(Vertx vertx) {
    JsonObject config = config(60_000);
    return fakeJwks(vertx).compose(v -> gateway(vertx, config));
  }

  private static Future<HttpResponse<Buffer>> me(GatewayFixture g, String token) {
    return g.client.get("/api/v1/t/me").putHeader("Authorization", "Bearer " + token).send();
  }

  /** Each token in turn, one request after the other, is answered 401 TOKEN_INVALID. */
  private static Future<Void> allRefused(VertxTestContext ctx, GatewayFixture g, List<String> tokens) {
    return InOrder.each(tokens, token -> me(g, token).map(resp -> ctx.verify(() -> assertProblem(resp, 401, "TOKEN_INVALID"))));
  }

  @Test
  void aGenuineTokenBecomesTheIdentityWithItsRolesAndSession(Vertx vertx, VertxTestContext ctx) {
    withJwks(vertx)
      .compose(g -> me(g, tokens.sign(TestTokens.claims(USER, "buyer", "seller"))))
      .map(resp -> ctx.verify(() -> {
        assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(200);
        assertThat(resp.bodyAsJsonObject().getString("user")).isEqualTo(USER);
        assertThat(resp.bodyAsJsonObject().getJsonArray("roles")).containsExactlyInAnyOrder("buyer", "seller");
        assertThat(resp.bodyAsJsonObject().getString("session")).isEqualTo("3f0e8b9e-3a57-4f6e-9d7a-0d7e3b1c2a11");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void expiredAndNotYetValidTokensAreRefused(Vertx vertx, VertxTestContext ctx) {
    long now = Instant.now().getEpochSecond();
    JsonObject expired = TestTokens.claims(USER, "buyer").put("iat", now - 1000).put("exp", now - 60);
    withJwks(vertx)
      .compose(g -> me(g, tokens.sign(expired))
        .map(resp -> ctx.verify(() -> assertThat(assertProblem(resp, 401, "TOKEN_INVALID").getString("detail")).contains("expired")))
        .compose(v -> allRefused(ctx, g, List.of(tokens.sign(TestTokens.claims(USER, "buyer").put("nbf", now + 600))))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void tamperedClaimsAndASignatureOfAnotherKeyUnderTheSameKidAreRefused(Vertx vertx, VertxTestContext ctx) {
    String genuine = tokens.sign(TestTokens.claims(USER, "buyer"));
    String[] parts = genuine.split("\\.");
    String promoted = parts[0] + "." + TestTokens.b64(TestTokens.claims(USER, "admin").encode()) + "." + parts[2];
    TestTokens impostor = new TestTokens("key-1");
    // a flipped bit in the signature
    char last = parts[2].charAt(5);
    String flipped = parts[0] + "." + parts[1] + "." + parts[2].substring(0, 5) + (last == 'A' ? 'B' : 'A') + parts[2].substring(6);
    withJwks(vertx)
      .compose(g -> allRefused(ctx, g, List.of(promoted, impostor.sign(TestTokens.claims(USER, "admin")), flipped)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void unsignedAlgNoneTokensAreRefusedInEverySpelling(Vertx vertx, VertxTestContext ctx) {
    JsonObject claims = TestTokens.claims(USER, "admin");
    List<String> forged = new ArrayList<>();
    for (String alg : List.of("none", "None", "NONE", "")) {
      JsonObject header = new JsonObject().put("alg", alg).put("typ", "JWT").put("kid", "key-1");
      forged.add(TestTokens.unsigned(header, claims));
      // and with a genuine signature glued on
      String genuineSignature = tokens.sign(claims).split("\\.")[2];
      forged.add(TestTokens.unsigned(header, claims) + genuineSignature);
    }
    forged.add(TestTokens.unsigned(new JsonObject().put("typ", "JWT"), claims));
    withJwks(vertx)
      .compose(g -> allRefused(ctx, g, forged))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void hs256SignedWithThePublicKeyIsRefused(Vertx vertx, VertxTestContext ctx) {
    JsonObject claims = TestTokens.claims(USER, "admin");
    List<String> forged = new ArrayList<>();
    for (byte[] secret : List.of(tokens.publicPem().getBytes(StandardCharsets.US_ASCII),
        tokens.jwk().encode().getBytes(StandardCharsets.UTF_8), tokens.keys.getPublic().getEncoded())) {
      forged.add(tokens.hs256WithSecret("key-1", claims, secret));
    }
    JsonObject rs256 = tokens.header().put("alg", "RS256");
    forged.add(tokens.sign(rs256, claims));
    JsonObject es384 = tokens.header().put("alg", "ES384");
    forged.add(tokens.sign(es384, claims));
    withJwks(vertx)
      .compose(g -> allRefused(ctx, g, forged))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void wrongIssuerMissingExpiryUnknownRolesAndMalformedHeadersAreRefused(Vertx vertx, VertxTestContext ctx) {
    JsonObject noExp = TestTokens.claims(USER, "buyer");
    noExp.remove("exp");
    String header = TestTokens.b64(tokens.header().encode());
    List<String> refused = List.of(
      tokens.sign(TestTokens.claims(USER, "buyer").put("iss", "someone-else")),
      tokens.sign(noExp),
      tokens.sign(TestTokens.claims(USER, "superuser")),
      tokens.sign(TestTokens.claims(USER, "buyer").put("sub", 42)),
      "a.b",
      header + ".!!!.???",
      header + "." + TestTokens.b64("[1,2]") + ".AAAA",
      header + "." + TestTokens.b64("not json") + ".AAAA",
      "%%%.%%%.%%%",
      "x".repeat(5000));
    withJwks(vertx)
      .compose(g -> allRefused(ctx, g, refused)
        .compose(v -> g.client.get("/api/v1/t/me").putHeader("Authorization", "Basic dTpw").send()))
      .map(basic -> ctx.verify(() -> assertProblem(basic, 401, "TOKEN_INVALID")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void unknownKidsRefetchTheKeysAtMostOncePerInterval(Vertx vertx, VertxTestContext ctx) {
    int[] afterStart = new int[1];
    List<String> forged = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      forged.add(new TestTokens("forged-" + i).sign(TestTokens.claims(USER, "admin")));
    }
    withJwks(vertx)
      .compose(g -> {
        afterStart[0] = fetches.get();
        ctx.verify(() -> assertThat(afterStart[0]).isEqualTo(1));
        return allRefused(ctx, g, forged);
      })
      // the first unknown kid within the interval of the start fetch causes no fetch at all
      .map(v -> ctx.verify(() -> assertThat(fetches.get()).isEqualTo(afterStart[0])))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aRotatedKeyIsPickedUpWhenATokenNamesIt(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = config(0);
    TestTokens rotated = new TestTokens("key-2");
    fakeJwks(vertx)
      .compose(v -> gateway(vertx, config))
      .compose(g -> {
        published.set(new JsonArray().add(tokens.jwk()).add(rotated.jwk()));
        return me(g, rotated.sign(TestTokens.claims(USER, "buyer")))
          .map(resp -> ctx.verify(() -> assertThat(resp.statusCode()).isEqualTo(200)))
          .compose(v -> me(g, tokens.sign(TestTokens.claims(USER, "buyer"))));
      })
      .map(resp -> ctx.verify(() -> {
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(fetches.get()).isEqualTo(2);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aGatewayThatStartedBeforeAuthVerifiesOnceAuthAnswers(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = config(60_000);
    String token = tokens.sign(TestTokens.claims(USER, "buyer"));
    gateway(vertx, config)
      .compose(g -> me(g, token)
        .map(resp -> ctx.verify(() -> assertProblem(resp, 503, "SERVICE_UNAVAILABLE")))
        .compose(v -> g.client.get("/health").send())
        .map(health -> ctx.verify(() -> assertThat(health.statusCode()).isEqualTo(200)))
        .compose(v -> fakeJwks(vertx))
        .compose(v -> vertx.timer(1100))
        .compose(t -> me(g, token)))
      .map(resp -> ctx.verify(() -> assertThat(resp.statusCode()).isEqualTo(200)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aPublishedSymmetricOrPrivateKeyIsNeverUsed(Vertx vertx, VertxTestContext ctx) {
    published.set(new JsonArray()
      .add(new JsonObject().put("kty", "oct").put("kid", "key-1").put("alg", "HS256").put("k", TestTokens.b64("secret")))
      .add(tokens.jwk()));
    byte[] secret = "secret".getBytes(StandardCharsets.US_ASCII);
    withJwks(vertx)
      .compose(g -> allRefused(ctx, g, List.of(tokens.hs256WithSecret("key-1", TestTokens.claims(USER, "admin"), secret)))
        .compose(v -> me(g, tokens.sign(TestTokens.claims(USER, "buyer")))))
      .map(resp -> ctx.verify(() -> assertThat(resp.statusCode()).isEqualTo(200)))
      .onComplete(ctx.succeedingThenComplete());
  }
}
