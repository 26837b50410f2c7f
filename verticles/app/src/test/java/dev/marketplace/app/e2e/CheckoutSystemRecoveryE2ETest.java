package dev.marketplace.app.e2e;

import dev.marketplace.app.Marketplace;
import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.payment.PaymentAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.UUID;

import static dev.marketplace.app.e2e.MarketplaceHarness.await;
import static dev.marketplace.app.e2e.ShopDatabase.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Recovery over the whole marketplace (real auth, catalog, cart, inventory, orders, checkout,
 * payment and the bank simulator over public HTTP, on the shared PostgreSQL and Kafka):
 * <ul>
 *   <li>node B runs the whole marketplace; node A (another Vert.x in this JVM on the same database
 *   and Kafka) runs all of it but the payment, whose start request it swallows, so its checkout
 *   reserves the stock, moves the order to PENDING_PAYMENT and waits for a payment that never
 *   answers; then A is stopped. B takes the saga over once A's lease has run out and finishes it
 *   (PAID after the buyer confirms on the bank page), or compensates it (stock released, order
 *   CANCELLED) when the payment cannot start;</li>
 *   <li>a callback the bank never delivers does not strand the order: the payment asks the bank.</li>
 * </ul>
 * The audit holds after each test.
 */
class CheckoutSystemRecoveryE2ETest {
  private static final long PRICE = 1_000_00;
  private MarketplaceHarness nodeB;
  private ShopClient shop;
  private Vertx nodeA;
  private ShopDatabase shopDb;
  private String sellerToken;

  @BeforeEach
  void up() throws Exception {
    nodeB = MarketplaceHarness.start(config -> {
      config.getJsonObject("auth").getJsonObject("throttle", new JsonObject()).put("address_max_failures", 10_000);
      // a short lease so that B takes over soon; the payment timeout far beyond the test, so that
      // only the takeover (not A's own timeout) moves the saga on
      config.getJsonObject("checkout").put("lease_ms", 1500).put("payment_timeout_ms", 30_000).put("step_timeout_ms", 3000)
        .put("sweep_interval_ms", 200);
      config.getJsonObject("payment").put("bank_timeout_ms", 1000).put("breaker_max_failures", 3).put("breaker_reset_ms", 1000)
        .put("poll_interval_ms", 200).put("poll_first_ms", 500).put("poll_max_interval_ms", 1000)
        .put("refund_retry_ms", 300);
      config.getJsonObject("bank").put("callback_retry_initial_ms", 100).put("callback_retry_max_ms", 1000);
    });
    shopDb = new ShopDatabase(nodeB);
    shop = new ShopClient(nodeB);
    sellerToken = token("seller");
  }

  @AfterEach
  void down() throws Exception {
    try {
      if (nodeA != null) {
        await(nodeA.close());
      }
      bank(new JsonObject().put("error_rate", 0.0).put("drop_callbacks", false));
      ShopClient.assertAuditEventuallyOk(nodeB.config.getJsonObject("pg").getString("url"));
    } finally {
      shopDb.close();
      nodeB.close();
    }
  }

  /**
   * Node A: the whole marketplace on B's database and Kafka, on ports of its own, except that the
   * payment's start request goes into a consumer that never answers (the node dies mid-call).
   */
  private WebClient startNodeA() throws Exception {
    JsonObject configA = nodeB.config.copy();
    configA.getJsonObject("http").put("port", freePort());
    configA.getJsonObject("bank").put("port", freePort());
    // a Vert.x of its own cannot share B's bridge port
    configA.getJsonObject("bridge").put("port", freePort());
    nodeA = Vertx.vertx();
    await(nodeA.eventBus().consumer(PaymentAddresses.START, msg -> { }).completion());
    List<String> components = Components.ALL.stream().filter(c -> !c.equals(Components.PAYMENT) && !c.equals(Components.BANK)).toList();
    await(Marketplace.deploy(nodeA, configA, components));
    return WebClient.create(nodeB.vertx, new WebClientOptions()
      .setDefaultHost("127.0.0.1").setDefaultPort(configA.getJsonObject("http").getInteger("port")));
  }

  /**
   * Starts the buyer's checkout on node A and stops A once its saga has reserved the stock, the
   * order is PENDING_PAYMENT and A is waiting for the payment to start. Returns the order id.
   */
  private String checkoutOnAThenKillA(String[] buyer, String key) throws Exception {
    WebClient clientA = startNodeA();
    // the buyer's request to A breaks when A dies; its outcome is of no interest
    clientA.post("/api/v1/checkout").bearerTokenAuthentication(buyer[0]).putHeader("Idempotency-Key", key)
      .sendJsonObject(new JsonObject().put("cart_id", buyer[1]).put("payment_method", "card"));
    String[] found = new String[1];
    eventually("node A asked for the payment", () -> (found[0] = shopDb.sagaIn(buyer[1], "PAYMENT_STARTING")) != null);
    String orderId = found[0];
    assertThat(order(buyer, orderId).getString("status")).isEqualTo("PENDING_PAYMENT");
    await(nodeA.close());
    nodeA = null;
    return orderId;
  }

  // ---- the shop, as clients use it (through node B)

  private String token(String role) throws Exception {
    return shop.token(role);
  }

  private String product(int stock) throws Exception {
    return shop.product(sellerToken, "Recovery test", PRICE, stock);
  }

  private String[] buyerWith(String productId, int quantity) throws Exception {
    return shop.buyerWith(productId, quantity);
  }

  private HttpResponse<Buffer> checkout(String[] buyer, String key) throws Exception {
    return await(shop.checkout(buyer, key));
  }

  private JsonObject order(String[] buyer, String orderId) throws Exception {
    return shop.order(buyer, orderId);
  }

  private void waitForStatus(String[] buyer, String orderId, String status) throws Exception {
    shop.waitForStatus(buyer, orderId, status);
  }

  private int confirm(String paymentUrl) throws Exception {
    return shop.threeDs(paymentUrl, "confirm").statusCode();
  }

  private JsonObject bank(JsonObject change) throws Exception {
    return shop.bank(change);
  }

  // ---- the database, for what the public API does not show

  private List<Long> stock(String productId) throws Exception {
    return shopDb.stock(productId);
  }

  private long count(String sql, Object... params) throws Exception {
    return shopDb.count(sql, params);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  // ---- tests

  @Test
  void anotherNodeFinishesToPaidASagaWhoseNodeDiedBetweenReservationAndPayment() throws Exception {
    String product = product(3);
    String[] buyer = buyerWith(product, 2);
    String key = UUID.randomUUID().toString();

    String orderId = checkoutOnAThenKillA(buyer, key);
    assertThat(stock(product)).containsExactly(3L, 2L, 0L);

    eventually("node B drove the saga to the payment", () -> "AWAITING_PAYMENT".equals(shopDb.sagaState(orderId)));
    // the buyer, whose request to A broke, repeats it on B and gets the same order
    HttpResponse<Buffer> retry = checkout(buyer, key);
    assertThat(retry.statusCode()).as(retry.bodyAsString()).isEqualTo(201);
    assertThat(retry.bodyAsJsonObject().getString("order_id")).isEqualTo(orderId);
    assertThat(confirm(retry.bodyAsJsonObject().getString("payment_url"))).isEqualTo(200);

    waitForStatus(buyer, orderId, "PAID");
    eventually("the stock is sold", () -> stock(product).equals(List.of(3L, 0L, 2L)));
    assertThat(order(buyer, orderId).getJsonObject("total").getLong("amount")).isEqualTo(2 * PRICE);
    JsonObject orders = await(nodeB.http.get("/api/v1/orders").bearerTokenAuthentication(buyer[0]).send()).bodyAsJsonObject();
    assertThat(orders.getJsonArray("items")).hasSize(1);
    // two drivers wrote this saga's log, one after the other
    assertThat(count("SELECT count(DISTINCT node) FROM checkout.saga_log WHERE saga_id = $1::uuid", UUID.fromString(orderId))).isEqualTo(2);
  }

  @Test
  void anotherNodeCompensatesASagaWhoseNodeDiedWhenThePaymentCannotStartThere() throws Exception {
    String product = product(3);
    String[] buyer = buyerWith(product, 2);
    bank(new JsonObject().put("error_rate", 1.0));

    String orderId = checkoutOnAThenKillA(buyer, UUID.randomUUID().toString());

    waitForStatus(buyer, orderId, "CANCELLED");
    // the order's cancel is the compensation's last call; the saga records CANCELLED just after it
    eventually("the saga is CANCELLED", () -> "CANCELLED".equals(shopDb.sagaState(orderId)));
    eventually("the stock is released", () -> stock(product).equals(List.of(3L, 0L, 0L)));
    assertThat(count("SELECT count(*) FROM payment.intents WHERE order_id = $1::uuid AND status = 'VOIDED'", UUID.fromString(orderId)))
      .isEqualTo(1);
    assertThat(count("SELECT count(DISTINCT node) FROM checkout.saga_log WHERE saga_id = $1::uuid", UUID.fromString(orderId))).isEqualTo(2);
    // the released units can be bought again
    bank(new JsonObject().put("error_rate", 0.0));
    Thread.sleep(1_200); // should B's failed bank calls have opened its breaker, it has closed again
    String[] other = buyerWith(product, 3);
    HttpResponse<Buffer> again = checkout(other, UUID.randomUUID().toString());
    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(201);
  }

  @Test
  void aLostCallbackDoesNotStrandTheOrderBecauseThePaymentAsksTheBank() throws Exception {
    String product = product(2);
    String[] buyer = buyerWith(product, 1);
    HttpResponse<Buffer> resp = checkout(buyer, UUID.randomUUID().toString());
    assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(201);
    String orderId = resp.bodyAsJsonObject().getString("order_id");
    bank(new JsonObject().put("drop_callbacks", true));
    long apiCallsBefore = bank(null).getLong("api_requests");

    assertThat(confirm(resp.bodyAsJsonObject().getString("payment_url"))).isEqualTo(200);

    waitForStatus(buyer, orderId, "PAID");
    assertThat(bank(null).getLong("api_requests")).as("the payment asked the bank").isGreaterThan(apiCallsBefore);
    eventually("the stock is sold", () -> stock(product).equals(List.of(2L, 0L, 1L)));
  }
}
