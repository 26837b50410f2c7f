package dev.marketplace.bank;

import dev.marketplace.contracts.bank.BankApi;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** What keeps the simulator from being a way in: loopback by default, no caller-chosen callback URL, bounded memory, no default secret. */
class BankSimulatorSafetyTest {
  private static final String SECRET = "bank-safety-test-secret-0123456789";
  private Vertx vertx;
  private WebClient client;
  private final List<String> platformHits = new CopyOnWriteArrayList<>();
  private final List<String> strangerHits = new CopyOnWriteArrayList<>();
  private int platformPort;
  private int strangerPort;

  @BeforeEach
  void up() throws Exception {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    HttpServer platform = await(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      platformHits.add(body.toString());
      req.response().end();
    })).listen(0, "127.0.0.1"));
    HttpServer stranger = await(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      strangerHits.add(body.toString());
      req.response().end();
    })).listen(0, "127.0.0.1"));
    platformPort = platform.actualPort();
    strangerPort = stranger.actualPort();
  }

  @AfterEach
  void down() throws Exception {
    await(vertx.close());
  }

  private JsonObject config(JsonObject bank) {
    JsonObject section = new JsonObject().put("port", 0).put("shared_secret", SECRET)
      .put("callback_url", "http://127.0.0.1:" + platformPort + "/cb").mergeIn(bank);
    return new JsonObject().put("http", new JsonObject().put("port", 1)).put("bank", section);
  }

  private BankVerticle deploy(JsonObject bank) throws Exception {
    BankVerticle verticle = new BankVerticle();
    await(vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config(bank))));
    return verticle;
  }

  private HttpResponse<Buffer> create(int port, String host, JsonObject body) throws Exception {
    return await(client.post(port, host, "/api/payments").sendJsonObject(body));
  }

  private static JsonObject payment(String reference) {
    return new JsonObject().put("reference", reference).put("order_id", "o-" + reference)
      .put("amount", new JsonObject().put("amount", 100).put("currency", "RUB"));
  }

  @Test
  void itListensOnLoopbackOnlyUnlessToldOtherwise() throws Exception {
    BankVerticle bank = deploy(new JsonObject());

    assertThat(create(bank.actualPort(), "127.0.0.1", payment("r1")).statusCode()).isEqualTo(201);
    // bound to 127.0.0.1 exactly, another loopback address (and so every other interface) is refused
    Throwable refused = client.get(bank.actualPort(), "127.0.0.2", "/health").timeout(2_000).send()
      .toCompletionStage().toCompletableFuture().handle((r, err) -> err).get(10, TimeUnit.SECONDS);
    assertThat(refused).as("a connection to 127.0.0.2 must fail").isNotNull();

    BankVerticle open = deploy(new JsonObject().put("host", "0.0.0.0"));
    assertThat(await(client.get(open.actualPort(), "127.0.0.2", "/health").send()).statusCode()).isEqualTo(200);
  }

  @Test
  void aCallbackUrlInTheRequestIsIgnoredTheConfiguredOneIsCalled() throws Exception {
    BankVerticle bank = deploy(new JsonObject());
    JsonObject body = payment("r2").put("callback_url", "http://127.0.0.1:" + strangerPort + "/steal");
    String id = create(bank.actualPort(), "127.0.0.1", body).bodyAsJsonObject().getString("id");

    await(client.post(bank.actualPort(), "127.0.0.1", "/3ds/" + id + "/confirm").putHeader("Accept", "application/json").send());

    long deadline = System.currentTimeMillis() + 10_000;
    while (platformHits.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(platformHits).hasSize(1);
    assertThat(new JsonObject(platformHits.get(0)).getString("status")).isEqualTo(BankApi.CAPTURED);
    Thread.sleep(200);
    assertThat(strangerHits).isEmpty();
  }

  @Test
  void pastMaxPaymentsTheOldestAreForgotten() throws Exception {
    BankVerticle bank = deploy(new JsonObject().put("max_payments", 3));
    List<String> ids = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(create(bank.actualPort(), "127.0.0.1", payment("m" + i)).bodyAsJsonObject().getString("id"));
    }

    for (int i = 0; i < 5; i++) {
      int status = await(client.get(bank.actualPort(), "127.0.0.1", "/api/payments/" + ids.get(i)).send()).statusCode();
      assertThat(status).as("payment %d", i).isEqualTo(i < 2 ? 404 : 200);
    }
  }

  @Test
  void itRefusesToStartWithoutASharedSecret() throws Exception {
    JsonObject config = config(new JsonObject().put("shared_secret", ""));
    Throwable failure = vertx.deployVerticle(new BankVerticle(), new DeploymentOptions().setConfig(config))
      .toCompletionStage().toCompletableFuture().handle((id, err) -> err).get(30, TimeUnit.SECONDS);
    assertThat(failure).isNotNull();
    assertThat(failure.getMessage()).contains("bank.shared_secret");
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
