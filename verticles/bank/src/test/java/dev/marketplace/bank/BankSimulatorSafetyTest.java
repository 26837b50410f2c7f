package dev.marketplace.bank;

import dev.marketplace.contracts.bank.BankApi;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.InOrder;
import dev.marketplace.platform.testing.Outcomes;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** What keeps the simulator from being a way in: loopback by default, no caller-chosen callback URL, bounded memory, no default secret. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class BankSimulatorSafetyTest {
  private static final String SECRET = "bank-safety-test-secret-0123456789";
  private Vertx vertx;
  private WebClient client;
  private final List<String> platformHits = new CopyOnWriteArrayList<>();
  private final List<String> strangerHits = new CopyOnWriteArrayList<>();
  private int platformPort;
  private int strangerPort;

  @BeforeEach
  void up(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    client = WebClient.create(vertx);
    Future<HttpServer> platform = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      platformHits.add(body.toString());
      req.response().end();
    })).listen(0, "127.0.0.1");
    Future<HttpServer> stranger = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      strangerHits.add(body.toString());
      req.response().end();
    })).listen(0, "127.0.0.1");
    Future.all(platform, stranger).onComplete(ctx.succeeding(both -> {
      platformPort = platform.result().actualPort();
      strangerPort = stranger.result().actualPort();
      ctx.completeNow();
    }));
  }

  private JsonObject config(JsonObject bank) {
    JsonObject section = new JsonObject().put("port", 0).put("shared_secret", SECRET)
      .put("callback_url", "http://127.0.0.1:" + platformPort + "/cb").mergeIn(bank);
    return new JsonObject().put("http", new JsonObject().put("port", 1)).put("bank", section);
  }

  private Future<BankVerticle> deploy(JsonObject bank) {
    BankVerticle verticle = new BankVerticle();
    return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config(bank))).map(verticle);
  }

  private Future<HttpResponse<Buffer>> create(int port, String host, JsonObject body) {
    return client.post(port, host, "/api/payments").sendJsonObject(body);
  }

  private static JsonObject payment(String reference) {
    return new JsonObject().put("reference", reference).put("order_id", "o-" + reference)
      .put("amount", new JsonObject().put("amount", 100).put("currency", "RUB"));
  }

  @Test
  void itListensOnLoopbackOnlyUnlessToldOtherwise(VertxTestContext ctx) {
    deploy(new JsonObject()).compose(bank -> create(bank.actualPort(), "127.0.0.1", payment("r1"))
        // bound to 127.0.0.1 exactly, another loopback address (and so every other interface) is refused
        .compose(created -> Outcomes.failure(client.get(bank.actualPort(), "127.0.0.2", "/health").timeout(2_000).send())
          .map(refused -> ctx.verify(() -> assertThat(created.statusCode()).isEqualTo(201)))))
      .compose(v -> deploy(new JsonObject().put("host", "0.0.0.0")))
      .compose(open -> client.get(open.actualPort(), "127.0.0.2", "/health").send())
      .map(health -> ctx.verify(() -> assertThat(health.statusCode()).isEqualTo(200)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aCallbackUrlInTheRequestIsIgnoredTheConfiguredOneIsCalled(VertxTestContext ctx) {
    JsonObject body = payment("r2").put("callback_url", "http://127.0.0.1:" + strangerPort + "/steal");
    deploy(new JsonObject()).compose(bank -> create(bank.actualPort(), "127.0.0.1", body)
        .compose(created -> client.post(bank.actualPort(), "127.0.0.1", "/3ds/" + created.bodyAsJsonObject().getString("id") + "/confirm")
          .putHeader("Accept", "application/json").send()))
      .compose(confirmed -> Eventually.untilTrue(vertx, "the configured callback URL is called", 10_000, () -> !platformHits.isEmpty()))
      .compose(v -> {
        ctx.verify(() -> {
          assertThat(platformHits).hasSize(1);
          assertThat(new JsonObject(platformHits.get(0)).getString("status")).isEqualTo(BankApi.CAPTURED);
        });
        return vertx.timer(200);
      })
      .map(t -> ctx.verify(() -> assertThat(strangerHits).isEmpty()))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void pastMaxPaymentsTheOldestAreForgotten(VertxTestContext ctx) {
    deploy(new JsonObject().put("max_payments", 3)).compose(bank -> {
        List<Supplier<Future<String>>> creates = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          String reference = "m" + i;
          creates.add(() -> create(bank.actualPort(), "127.0.0.1", payment(reference)).map(r -> r.bodyAsJsonObject().getString("id")));
        }
        return InOrder.run(creates).compose(ids -> {
          List<Supplier<Future<Integer>>> reads = new ArrayList<>();
          for (String id : ids) {
            reads.add(() -> client.get(bank.actualPort(), "127.0.0.1", "/api/payments/" + id).send().map(HttpResponse::statusCode));
          }
          return InOrder.run(reads);
        });
      })
      .map(statuses -> ctx.verify(() -> assertThat(statuses).as("the two oldest are forgotten").containsExactly(404, 404, 200, 200, 200)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void itRefusesToStartWithoutASharedSecret(VertxTestContext ctx) {
    JsonObject config = config(new JsonObject().put("shared_secret", ""));
    Outcomes.failure(vertx.deployVerticle(new BankVerticle(), new DeploymentOptions().setConfig(config)))
      .map(failure -> ctx.verify(() -> assertThat(failure.getMessage()).contains("bank.shared_secret")))
      .onComplete(ctx.succeedingThenComplete());
  }
}
