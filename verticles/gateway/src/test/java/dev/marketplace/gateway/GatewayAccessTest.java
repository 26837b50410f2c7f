package dev.marketplace.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** Route access declarations and the authenticator seam in front of /api/v1. */
@ExtendWith(VertxExtension.class)
class GatewayAccessTest {

  /** Routes with each access level, answering with the identity they saw. */
  private static final RouteModule GUARDED = (Router router, GatewayContext gateway) -> {
    router.get(GatewayContext.API + "/t/public").handler(Access.anyone()).handler(GatewayAccessTest::whoami);
    router.get(GatewayContext.API + "/t/user").handler(Access.user()).handler(GatewayAccessTest::whoami);
    router.get(GatewayContext.API + "/t/seller").handler(Access.role("seller")).handler(GatewayAccessTest::whoami);
  };

  /** Test-only credentials: "Bearer <user>:<role>,<role>". */
  private static final Authenticator FAKE_TOKENS = FakeTokens.AUTHENTICATOR;

  private static void whoami(io.vertx.ext.web.RoutingContext ctx) {
    GatewayContext.sendJson(ctx, 200, new JsonObject()
      .put("user", Identity.of(ctx).map(Identity::userId).orElse(null)));
  }

  private Future<GatewayFixture> deploy(Vertx vertx, Authenticator authenticator) {
    return GatewayFixture.deploy(vertx, GatewayFixture.config(), List.of(GUARDED), authenticator);
  }

  @Test
  void publicRouteServesAnonymousCallers(Vertx vertx, VertxTestContext tc) {
    deploy(vertx, FAKE_TOKENS).compose(g -> g.client.get("/api/v1/t/public").send())
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.bodyAsJsonObject().getString("user")).isNull();
        tc.completeNow();
      })));
  }

  @Test
  void userRouteRefusesAnonymousWith401AndServesAUser(Vertx vertx, VertxTestContext tc) {
    deploy(vertx, FAKE_TOKENS).compose(g -> g.client.get("/api/v1/t/user").send()
        .compose(anonymous -> {
          tc.verify(() -> assertProblem(anonymous, 401, "UNAUTHORIZED"));
          return g.client.get("/api/v1/t/user").putHeader("Authorization", "Bearer u1:buyer").send();
        }))
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.bodyAsJsonObject().getString("user")).isEqualTo("u1");
        tc.completeNow();
      })));
  }

  @Test
  void roleRouteRefusesOtherRolesWith403AndLetsAdminsThrough(Vertx vertx, VertxTestContext tc) {
    deploy(vertx, FAKE_TOKENS).compose(g -> g.client.get("/api/v1/t/seller").putHeader("Authorization", "Bearer u1:buyer").send()
        .compose(buyer -> {
          tc.verify(() -> assertProblem(buyer, 403, "FORBIDDEN"));
          return g.client.get("/api/v1/t/seller").putHeader("Authorization", "Bearer a1:admin").send();
        }))
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        assertThat(resp.statusCode()).isEqualTo(200);
        tc.completeNow();
      })));
  }

  @Test
  void defaultAuthenticatorRefusesCredentialsItCannotVerify(Vertx vertx, VertxTestContext tc) {
    deploy(vertx, Authenticator.ANONYMOUS_ONLY)
      .compose(g -> g.client.get("/api/v1/t/public").putHeader("Authorization", "Bearer u1:admin").send())
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        assertProblem(resp, 401, "TOKEN_INVALID");
        tc.completeNow();
      })));
  }
}
