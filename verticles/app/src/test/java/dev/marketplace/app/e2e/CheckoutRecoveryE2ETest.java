package dev.marketplace.app.e2e;

import dev.marketplace.app.e2e.checkout.CheckoutNode;
import dev.marketplace.app.e2e.checkout.FakeWorld;
import dev.marketplace.app.Marketplace;
import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.gateway.GatewayVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static dev.marketplace.app.e2e.checkout.CheckoutNode.await;
import static dev.marketplace.app.e2e.checkout.CheckoutNode.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node dies between reservation and payment: node A (checkout + gateway) has reserved the stock,
 * moved the order to PENDING_PAYMENT and asked for the payment, which never answers; then its
 * Vert.x is stopped. Node B (another Vert.x in this JVM on the same database and the same
 * cart/orders/inventory) takes the saga over once A's lease has run out, and finishes it, or
 * compensates it when the payment cannot start.
 */
class CheckoutRecoveryE2ETest {
  private static final long PRICE = 10_00;
  private FakeWorld world;
  private Vertx nodeA;
  private CheckoutNode nodeB;
  private WebClient clientA;
  private int portA;

  @BeforeEach
  void up() throws Exception {
    world = new FakeWorld();
    JsonObject config = CheckoutNode.testConfig();
    config.getJsonObject("checkout").put("lease_ms", 1500).put("payment_timeout_ms", 30_000);
    JsonObject configB = config.copy();
    configB.getJsonObject("bank").put("callback_url",
      "http://127.0.0.1:" + configB.getJsonObject("http").getInteger("port") + "/api/v1/payments/callback");
    nodeB = CheckoutNode.start(configB, world, true);

    // node A: the same database and world, but its payment never answers (it dies mid-call)
    JsonObject configA = config.copy();
    portA = CheckoutNode.testConfig().getJsonObject("http").getInteger("port");
    configA.getJsonObject("http").put("port", portA);
    nodeA = Vertx.vertx();
    await(nodeA.deployVerticle(world.verticle()));
    Promise<Void> blackHole = Promise.promise();
    nodeA.eventBus().consumer(PaymentAddresses.START, msg -> { }).completion().onComplete(blackHole);
    await(blackHole.future());
    await(Marketplace.deploy(nodeA, configA, List.of(Components.CHECKOUT)));
    await(nodeA.deployVerticle(new GatewayVerticle(List.of(), CheckoutNode.BEARER_IS_USER), new DeploymentOptions().setConfig(configA)));
    clientA = WebClient.create(nodeA, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(portA));
  }

  @AfterEach
  void down() throws Exception {
    if (nodeB != null) {
      nodeB.close();
    }
    nodeA.close();
  }

  /** Starts a checkout on node A and stops A once the saga is waiting for the payment to start. */
  private String checkoutOnAThenKillA(String buyer, String cart, String key) throws Exception {
    clientA.post("/api/v1/checkout").putHeader("Authorization", "Bearer " + buyer).putHeader("Idempotency-Key", key)
      .sendJsonObject(new JsonObject().put("cart_id", cart).put("payment_method", "card"));
    String[] orderId = new String[1];
    eventually(15, "node A asked for the payment", () -> {
      var rows = await(nodeB.db.preparedQuery("SELECT id, state FROM checkout.sagas WHERE user_id = $1").execute(Tuple.of(buyer)));
      if (rows.size() == 0) {
        return false;
      }
      var row = rows.iterator().next();
      orderId[0] = row.getUUID("id").toString();
      return "PAYMENT_STARTING".equals(row.getString("state"));
    });
    assertThat(world.order(orderId[0]).getString("status")).isEqualTo("PENDING_PAYMENT");
    await(nodeA.close());
    return orderId[0];
  }

  @Test
  void anotherNodeFinishesASagaWhoseNodeDiedBeforeThePaymentStarted() throws Exception {
    String product = UUID.randomUUID().toString();
    world.putStock(product, 3);
    String buyer = "buyer-" + UUID.randomUUID();
    String cart = world.cartWith(buyer, product, 2, PRICE);
    String key = UUID.randomUUID().toString();

    String orderId = checkoutOnAThenKillA(buyer, cart, key);

    eventually(20, "node B drove the saga to the payment", () -> "AWAITING_PAYMENT".equals(nodeB.saga(orderId).orElseThrow().getString("state")));
    // the buyer, whose request to A broke, repeats it on B and gets the result
    HttpResponse<Buffer> retry = nodeB.checkout(buyer, cart, key);
    assertThat(retry.statusCode()).isEqualTo(201);
    assertThat(retry.bodyAsJsonObject().getString("order_id")).isEqualTo(orderId);
    assertThat(nodeB.threeDs(retry.bodyAsJsonObject().getString("payment_url"), "confirm").statusCode()).isEqualTo(200);

    eventually(20, "the order is paid", () -> "PAID".equals(world.order(orderId).getString("status")));
    assertThat(world.stockOf(product)).containsExactly(1, 0, 2);
    assertThat(world.stockViolations()).isEmpty();
    assertThat(nodeB.capturedMoney()).isEqualTo(world.paidTotal());
    assertThat(nodeB.audit()).contains("AUDIT OK");
    // two drivers wrote this saga's log, one after the other
    long drivers = nodeB.count("SELECT count(DISTINCT node) FROM checkout.saga_log WHERE saga_id = '" + orderId + "'");
    assertThat(drivers).isEqualTo(2);
  }

  @Test
  void anotherNodeCompensatesWhenThePaymentCannotStartThere() throws Exception {
    String product = UUID.randomUUID().toString();
    world.putStock(product, 3);
    String buyer = "buyer-" + UUID.randomUUID();
    String cart = world.cartWith(buyer, product, 2, PRICE);
    nodeB.bankSettings(new JsonObject().put("error_rate", 1.0));

    String orderId = checkoutOnAThenKillA(buyer, cart, UUID.randomUUID().toString());

    eventually(20, "node B compensated the saga", () -> "CANCELLED".equals(nodeB.saga(orderId).orElseThrow().getString("state")));
    assertThat(world.order(orderId).getString("status")).isEqualTo("CANCELLED");
    assertThat(world.stockOf(product)).containsExactly(3, 0, 0);
    assertThat(nodeB.intent(orderId).orElseThrow().getString("status")).isEqualTo("VOIDED");
    assertThat(world.stockViolations()).isEmpty();
    assertThat(nodeB.audit()).contains("AUDIT OK");
  }
}
