package dev.marketplace.app.e2e.checkout;

import dev.marketplace.app.Marketplace;
import dev.marketplace.contracts.Components;
import dev.marketplace.gateway.Authenticator;
import dev.marketplace.gateway.GatewayVerticle;
import dev.marketplace.gateway.Identity;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One marketplace node for the checkout tests: the real gateway (with a test authenticator reading
 * {@code Authorization: Bearer <user-id>}), checkout, payment and, optionally, the bank simulator
 * (real HTTP), over the shared embedded PostgreSQL and Kafka; cart, orders and inventory are a
 * {@link FakeWorld} until their real components are on main. Several nodes may share one database
 * and one world (two Vert.x instances in one JVM, not clustered).
 */
public final class CheckoutNode implements AutoCloseable {
  /** Test credentials: "Bearer <user-id>" is that buyer. */
  public static final Authenticator BEARER_IS_USER = ctx -> {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || !header.startsWith("Bearer ")) {
      return Future.succeededFuture(Optional.empty());
    }
    return Future.succeededFuture(Optional.of(new Identity(header.substring(7), Set.of("buyer"))));
  };

  public final Vertx vertx;
  public final JsonObject config;
  public final WebClient http;
  public final WebClient bankHttp;
  public final Pool db;
  public final int httpPort;
  public final int bankPort;

  private CheckoutNode(Vertx vertx, JsonObject config, WebClient http, WebClient bankHttp, Pool db) {
    this.vertx = vertx;
    this.config = config;
    this.http = http;
    this.bankHttp = bankHttp;
    this.db = db;
    this.httpPort = config.getJsonObject("http").getInteger("port");
    this.bankPort = config.getJsonObject("bank").getInteger("port");
  }

  /** A config on a fresh database with free ports and quick test timings. */
  public static JsonObject testConfig() throws IOException {
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("http").put("port", freePort()).put("host", "127.0.0.1");
    int bankPort = freePort();
    config.getJsonObject("bank").put("port", bankPort).put("host", "127.0.0.1")
      .put("callback_retry_initial_ms", 100).put("callback_retry_max_ms", 1000);
    config.getJsonObject("payment").put("bank_timeout_ms", 1000).put("breaker_max_failures", 3).put("breaker_reset_ms", 1000)
      .put("poll_interval_ms", 200).put("poll_first_ms", 500).put("poll_max_interval_ms", 1000).put("refund_retry_ms", 300);
    config.getJsonObject("checkout").put("payment_timeout_ms", 3000).put("step_timeout_ms", 3000).put("sweep_interval_ms", 200);
    config.getJsonObject("gateway").put("required_components", new JsonArray());
    return config;
  }

  public static CheckoutNode start(JsonObject config, FakeWorld world, boolean withBank) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      await(vertx.deployVerticle(world.verticle()));
      List<String> components = new ArrayList<>(List.of(Components.PAYMENT, Components.CHECKOUT));
      if (withBank) {
        components.add(Components.BANK);
      }
      await(Marketplace.deploy(vertx, config, components));
      await(vertx.deployVerticle(new GatewayVerticle(List.of(), BEARER_IS_USER), new DeploymentOptions().setConfig(config)));
      WebClient http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(config.getJsonObject("http").getInteger("port")), new PoolOptions().setHttp1MaxSize(200));
      WebClient bankHttp = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(config.getJsonObject("bank").getInteger("port")));
      return new CheckoutNode(vertx, config, http, bankHttp, PgSupport.pool(vertx, config, 4));
    } catch (Exception e) {
      vertx.close();
      throw e;
    }
  }

  /** Stops the node as a crash would leave it for the others: its Vert.x is gone. */
  @Override
  public void close() throws Exception {
    await(vertx.close());
  }

  // ---- public HTTP, as a client would

  public HttpResponse<Buffer> checkout(String user, String cartId, String key) throws Exception {
    return await(checkoutAsync(user, cartId, key));
  }

  public Future<HttpResponse<Buffer>> checkoutAsync(String user, String cartId, String key) {
    return http.post("/api/v1/checkout")
      .putHeader("Authorization", "Bearer " + user)
      .putHeader("Idempotency-Key", key)
      .sendJsonObject(new JsonObject().put("cart_id", cartId).put("payment_method", "card"));
  }

  /** The buyer presses Confirm (or Decline) on the bank's 3DS page. */
  public HttpResponse<Buffer> threeDs(String paymentUrl, String action) throws Exception {
    return await(WebClient.wrap(vertx.createHttpClient()).postAbs(paymentUrl + "/" + action).putHeader("Accept", "application/json").send());
  }

  public JsonObject bankSettings(JsonObject change) throws Exception {
    HttpResponse<Buffer> resp = change == null
      ? await(bankHttp.get("/api/simulator").send())
      : await(bankHttp.put("/api/simulator").sendJsonObject(change));
    return resp.bodyAsJsonObject();
  }

  public JsonObject bankPayment(String bankPaymentId) throws Exception {
    return await(bankHttp.get("/api/payments/" + bankPaymentId).send()).bodyAsJsonObject();
  }

  // ---- the database, for assertions

  public Optional<Row> intent(String orderId) throws Exception {
    var rows = await(db.preparedQuery("SELECT * FROM payment.intents WHERE order_id = $1::uuid").execute(Tuple.of(orderId)));
    return rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next());
  }

  public Optional<Row> saga(String orderId) throws Exception {
    var rows = await(db.preparedQuery("SELECT * FROM checkout.sagas WHERE id = $1::uuid").execute(Tuple.of(orderId)));
    return rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next());
  }

  public long count(String sql) throws Exception {
    return await(db.query(sql).execute()).iterator().next().getLong(0);
  }

  /** Money captured and kept (not refunded, not owed back). */
  public long capturedMoney() throws Exception {
    return count("SELECT COALESCE(SUM(amount), 0)::bigint FROM payment.intents WHERE status = 'CAPTURED'");
  }

  /** What {@code marketplace.jar audit} prints for this node's database (no grace: run it when quiet). */
  public String audit() throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    dev.marketplace.app.AuditCommand.audit(config.getJsonObject("pg").getString("url"), 0,
      new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  // ---- helpers

  public static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** Waits until the condition holds (checked every 50 ms), failing after {@code seconds}. */
  public static void eventually(int seconds, String what, ThrowingBooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out waiting until " + what);
      }
      Thread.sleep(50);
    }
  }

  @FunctionalInterface
  public interface ThrowingBooleanSupplier {
    boolean getAsBoolean() throws Exception;
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
