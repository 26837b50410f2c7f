package dev.marketplace.gateway;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.DeadLetterAddresses;
import dev.marketplace.contracts.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** The admin's dead-letter routes: admin only, fanned out to every consumer or relayed to one. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class DeadLetterRoutesTest {
  private static final Authenticator FAKE_TOKENS = FakeTokens.AUTHENTICATOR;
  private static final String ADMIN = "Bearer root:admin";

  private Vertx vertx;
  private WebClient client;
  private final List<String> asked = new CopyOnWriteArrayList<>();

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    // on the JUnit thread: the first call starts the shared PostgreSQL and Kafka, which blocks
    JsonObject config = GatewayFixture.config();
    // payment and inventory run (each with one letter); the other consumers are not deployed
    letterStandIn("payment", "2026-12-01T08:00:00Z")
      .compose(v -> letterStandIn("inventory", "2026-12-01T09:00:00Z"))
      .compose(v -> GatewayFixture.deploy(vertx, config, List.of(), FAKE_TOKENS))
      .onComplete(ctx.succeeding(gateway -> {
        client = gateway.client;
        ctx.completeNow();
      }));
  }

  private Future<Void> letterStandIn(String component, String parkedAt) {
    MessageConsumer<JsonObject> list = vertx.eventBus().consumer(DeadLetterAddresses.list(component), msg -> {
      asked.add(component + ".list " + msg.headers().get(BusHeaders.ROLES) + " " + msg.body().encode());
      msg.reply(new JsonObject().put("items", new JsonArray().add(new JsonObject().put("id", 7).put("component", component)
        .put("status", "PARKED").put("parked_at", parkedAt))));
    });
    MessageConsumer<JsonObject> replay = vertx.eventBus().consumer(DeadLetterAddresses.replay(component), msg -> {
      asked.add(component + ".replay " + msg.body().encode());
      if (msg.body().getLong("id") == 7) {
        msg.reply(new JsonObject().put("id", 7).put("component", component).put("status", "REPLAYED"));
      } else {
        msg.fail(ErrorCode.ILLEGAL_STATE.code(), "{\"detail\":\"Dead letter was replayed already.\"}");
      }
    });
    return Future.all(list.completion(), replay.completion()).mapEmpty();
  }

  private Future<HttpResponse<Buffer>> get(String uri, String authorization) {
    HttpRequest<Buffer> request = client.get(uri);
    return (authorization == null ? request : request.putHeader("Authorization", authorization)).send();
  }

  private Future<HttpResponse<Buffer>> post(String uri, String authorization) {
    return client.post(uri).putHeader("Authorization", authorization).send();
  }

  @Test
  void onlyAnAdminSeesOrReplaysDeadLetters(VertxTestContext ctx) {
    get("/api/v1/admin/dead-letters", null)
      .compose(anonymous -> get("/api/v1/admin/dead-letters", "Bearer alice:buyer")
        .compose(buyer -> post("/api/v1/admin/dead-letters/payment/7/replay", "Bearer s:seller").map(seller -> ctx.verify(() -> {
          assertProblem(anonymous, 401, "UNAUTHORIZED");
          assertProblem(buyer, 403, "FORBIDDEN");
          assertProblem(seller, 403, "FORBIDDEN");
          assertThat(asked).isEmpty();
        }))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theListGathersEveryConsumersLettersNewestFirstAndNamesWhoDidNotAnswer(VertxTestContext ctx) {
    get("/api/v1/admin/dead-letters?status=PARKED&limit=20", ADMIN)
      .compose(all -> {
        ctx.verify(() -> {
          assertThat(all.statusCode()).isEqualTo(200);
          JsonObject body = all.bodyAsJsonObject();
          assertThat(body.getJsonArray("items")).extracting(i -> ((JsonObject) i).getString("component")).containsExactly("inventory", "payment");
          assertThat(body.getJsonArray("unavailable")).containsExactlyInAnyOrder("catalog", "notification", "checkout");
          assertThat(asked).filteredOn(a -> a.startsWith("payment.list admin ")).singleElement()
            .satisfies(a -> assertThat(new JsonObject(a.substring("payment.list admin ".length())))
              .isEqualTo(new JsonObject().put("status", "PARKED").put("limit", 20)));
        });
        return get("/api/v1/admin/dead-letters?component=payment", ADMIN);
      })
      .compose(one -> get("/api/v1/admin/dead-letters?component=auth", ADMIN).map(notAConsumer -> ctx.verify(() -> {
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(one.bodyAsJsonObject().getJsonArray("items")).hasSize(1);
        assertProblem(notAConsumer, 400, "VALIDATION_FAILED");
      })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aReplayIsRelayedToTheComponentThatParkedTheLetter(VertxTestContext ctx) {
    post("/api/v1/admin/dead-letters/inventory/7/replay", ADMIN)
      .compose(replayed -> {
        ctx.verify(() -> {
          assertThat(replayed.statusCode()).isEqualTo(200);
          assertThat(replayed.bodyAsJsonObject().getString("status")).isEqualTo("REPLAYED");
          assertThat(asked).containsExactly("inventory.replay {\"id\":7}");
        });
        return post("/api/v1/admin/dead-letters/inventory/8/replay", ADMIN);
      })
      .compose(again -> post("/api/v1/admin/dead-letters/auth/7/replay", ADMIN)
        .compose(notAConsumer -> post("/api/v1/admin/dead-letters/payment/x7/replay", ADMIN)
          // a consumer that is not running: 503
          .compose(badId -> post("/api/v1/admin/dead-letters/checkout/7/replay", ADMIN).map(down -> ctx.verify(() -> {
            assertProblem(again, 409, "ILLEGAL_STATE");
            assertProblem(notAConsumer, 404, "NOT_FOUND");
            assertProblem(badId, 404, "NOT_FOUND");
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.getHeader("Content-Type")).startsWith("application/problem+json");
          })))))
      .onComplete(ctx.succeedingThenComplete());
  }
}
