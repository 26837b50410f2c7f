package dev.marketplace.gateway;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.DeadLetterAddresses;
import dev.marketplace.contracts.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** The admin's dead-letter routes: admin only, fanned out to every consumer or relayed to one. */
class DeadLetterRoutesTest {
  private static final Authenticator FAKE_TOKENS = ctx -> {
    String header = ctx.request().getHeader("Authorization");
    if (header == null) {
      return Future.succeededFuture(Optional.empty());
    }
    String[] parts = header.substring("Bearer ".length()).split(":");
    return Future.succeededFuture(Optional.of(new Identity(parts[0], Set.of(parts[1].split(",")))));
  };

  private Vertx vertx;
  private WebClient client;
  private final List<String> asked = new CopyOnWriteArrayList<>();

  @BeforeEach
  void deploy() {
    vertx = Vertx.vertx();
    // payment and inventory run (each with one letter); the other consumers are not deployed
    letterStandIn("payment", "2026-12-01T08:00:00Z");
    letterStandIn("inventory", "2026-12-01T09:00:00Z");
    gateway(vertx);
  }

  private void gateway(Vertx vertx) {
    client = await(GatewayFixture.deploy(vertx, GatewayFixture.config(), List.of(), FAKE_TOKENS)).client;
  }

  private void letterStandIn(String component, String parkedAt) {
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
    await(list.completion());
    await(replay.completion());
  }

  @AfterEach
  void close() {
    await(vertx.close());
  }

  @Test
  void onlyAnAdminSeesOrReplaysDeadLetters() {
    assertProblem(await(client.get("/api/v1/admin/dead-letters").send()), 401, "UNAUTHORIZED");
    assertProblem(await(client.get("/api/v1/admin/dead-letters").putHeader("Authorization", "Bearer alice:buyer").send()), 403, "FORBIDDEN");
    assertProblem(await(client.post("/api/v1/admin/dead-letters/payment/7/replay").putHeader("Authorization", "Bearer s:seller").send()),
      403, "FORBIDDEN");
    assertThat(asked).isEmpty();
  }

  @Test
  void theListGathersEveryConsumersLettersNewestFirstAndNamesWhoDidNotAnswer() {
    HttpResponse<?> all = await(client.get("/api/v1/admin/dead-letters?status=PARKED&limit=20").putHeader("Authorization", "Bearer root:admin").send());
    assertThat(all.statusCode()).isEqualTo(200);
    JsonObject body = all.bodyAsJsonObject();
    assertThat(body.getJsonArray("items")).extracting(i -> ((JsonObject) i).getString("component")).containsExactly("inventory", "payment");
    assertThat(body.getJsonArray("unavailable")).containsExactlyInAnyOrder("catalog", "notification", "checkout");
    assertThat(asked).filteredOn(a -> a.startsWith("payment.list admin ")).singleElement()
      .satisfies(a -> assertThat(new JsonObject(a.substring("payment.list admin ".length())))
        .isEqualTo(new JsonObject().put("status", "PARKED").put("limit", 20)));

    HttpResponse<?> one = await(client.get("/api/v1/admin/dead-letters?component=payment").putHeader("Authorization", "Bearer root:admin").send());
    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(one.bodyAsJsonObject().getJsonArray("items")).hasSize(1);
    assertProblem(await(client.get("/api/v1/admin/dead-letters?component=auth").putHeader("Authorization", "Bearer root:admin").send()),
      400, "VALIDATION_FAILED");
  }

  @Test
  void aReplayIsRelayedToTheComponentThatParkedTheLetter() {
    HttpResponse<?> replayed = await(client.post("/api/v1/admin/dead-letters/inventory/7/replay").putHeader("Authorization", "Bearer root:admin").send());
    assertThat(replayed.statusCode()).isEqualTo(200);
    assertThat(replayed.bodyAsJsonObject().getString("status")).isEqualTo("REPLAYED");
    assertThat(asked).containsExactly("inventory.replay {\"id\":7}");

    assertProblem(await(client.post("/api/v1/admin/dead-letters/inventory/8/replay").putHeader("Authorization", "Bearer root:admin").send()),
      409, "ILLEGAL_STATE");
    assertProblem(await(client.post("/api/v1/admin/dead-letters/auth/7/replay").putHeader("Authorization", "Bearer root:admin").send()),
      404, "NOT_FOUND");
    assertProblem(await(client.post("/api/v1/admin/dead-letters/payment/x7/replay").putHeader("Authorization", "Bearer root:admin").send()),
      404, "NOT_FOUND");
    // a consumer that is not running: 503
    HttpResponse<?> down = await(client.post("/api/v1/admin/dead-letters/checkout/7/replay").putHeader("Authorization", "Bearer root:admin").send());
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.getHeader("Content-Type")).startsWith("application/problem+json");
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
