package dev.marketplace.app.e2e;

import dev.marketplace.app.Marketplace;
import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.payment.PaymentAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.marketplace.app.e2e.MarketplaceHarness.freePort;
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
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class CheckoutSystemRecoveryE2ETest {
  private static final long PRICE = 1_000_00;
  private MarketplaceHarness nodeB;
  private ShopClient shop;
  private Vertx nodeA;
  private ShopDatabase shopDb;
  private String sellerToken;

  @BeforeEach
  void up(VertxTestContext ctx) {
    MarketplaceHarness.start(config -> {
      config.getJsonObject("auth").getJsonObject("throttle", new JsonObject()).put("address_max_failures", 10_000);
      // a short lease so that B takes over soon; the payment timeout far beyond the test, so that
      // only the takeover (not A's own timeout) moves the saga on
      config.getJsonObject("checkout").put("lease_ms", 1500).put("payment_timeout_ms", 30_000).put("step_timeout_ms", 3000)
        .put("sweep_interval_ms", 200);
      config.getJsonObject("payment").put("bank_timeout_ms", 1000).put("breaker_max_failures", 3).put("breaker_reset_ms", 1000)
        .put("poll_interval_ms", 200).put("poll_first_ms", 500).put("poll_max_interval_ms", 1000)
        .put("refund_retry_ms", 300);
      config.getJsonObject("bank").put("callback_retry_initial_ms", 100).put("callback_retry_max_ms", 1000);
    })
      .compose(started -> {
        nodeB = started;
        shopDb = new ShopDatabase(nodeB);
        shop = new ShopClient(nodeB);
        return token("seller");
      })
      .onSuccess(token -> sellerToken = token)
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void down(VertxTestContext ctx) {
    Future<Void> checked = nodeB == null ? Future.succeededFuture() : closeNodeA()
      .compose(v -> bank(new JsonObject().put("error_rate", 0.0).put("drop_callbacks", false)))
      .compose(v -> ShopClient.auditEventuallyOk(nodeB.vertx, nodeB.config.getJsonObject("pg").getString("url")));
    MarketplaceHarness.closeAfter(checked.eventually(() -> shopDb == null ? Future.succeededFuture() : shopDb.close()), nodeB)
      .onComplete(ctx.succeedingThenComplete());
  }

  private Future<Void> closeNodeA() {
    if (nodeA == null) {
      return Future.succeededFuture();
    }
    Vertx stopping = nodeA;
    nodeA = null;
    return stopping.close();
  }

  /**
   * Node A: the whole marketplace on B's database and Kafka, on ports of its own, except that the
   * payment's start request goes into a consumer that never answers (the node dies mid-call).
   */
  private Future<WebClient> startNodeA() {
    JsonObject configA = nodeB.config.copy();
    configA.getJsonObject("http").put("port", freePort());
    configA.getJsonObject("bank").put("port", freePort());
    // a Vert.x of its own cannot share B's bridge port
    configA.getJsonObject("bridge").put("port", freePort());
    List<String> components = Components.ALL.stream().filter(c -> !c.equals(Components.PAYMENT) && !c.equals(Components.BANK)).toList();
    // a Vert.x is built with its thread pools: on a worker, not on B's event loop
    return nodeB.vertx.executeBlocking(Vertx::vertx)
      .compose(started -> {
        nodeA = started;
        return nodeA.eventBus().consumer(PaymentAddresses.START, msg -> { }).completion();
      })
      .compose(v -> Marketplace.deploy(nodeA, configA, components))
      .map(deployment -> WebClient.create(nodeB.vertx, new WebClientOptions()
        .setDefaultHost("127.0.0.1").setDefaultPort(configA.getJsonObject("http").getInteger("port"))));
  }

  /**
   * Starts the buyer's checkout on node A and stops A once its saga has reserved the stock, the
   * order is PENDING_PAYMENT and A is waiting for the payment to start. Returns the order id.
   */
  private Future<String> checkoutOnAThenKillA(String[] buyer, String key) {
    AtomicReference<String> found = new AtomicReference<>();
    return startNodeA().compose(clientA -> {
      // the buyer's request to A breaks when A dies; its outcome is of no interest
      clientA.post("/api/v1/checkout").bearerTokenAuthentication(buyer[0]).putHeader("Idempotency-Key", key)
        .sendJsonObject(new JsonObject().put("cart_id", buyer[1]).put("payment_method", "card"));
      return shopDb.eventually("node A asked for the payment", () -> shopDb.sagaIn(buyer[1], "PAYMENT_STARTING").map(id -> {
        found.set(id);
        return id != null;
      }));
    })
      .compose(v -> order(buyer, found.get()))
      .map(order -> {
        assertThat(order.getString("status")).isEqualTo("PENDING_PAYMENT");
        return null;
      })
      .compose(v -> closeNodeA())
      .map(v -> found.get());
  }

  // ---- the shop, as clients use it (through node B)

  private Future<String> token(String role) {
    return shop.token(role);
  }

  private Future<String> product(int stock) {
    return shop.product(sellerToken, "Recovery test", PRICE, stock);
  }

  private Future<String[]> buyerWith(String productId, int quantity) {
    return shop.buyerWith(productId, quantity);
  }

  private Future<HttpResponse<Buffer>> checkout(String[] buyer, String key) {
    return shop.checkout(buyer, key);
  }

  private Future<JsonObject> order(String[] buyer, String orderId) {
    return shop.order(buyer, orderId);
  }

  private Future<Void> waitForStatus(String[] buyer, String orderId, String status) {
    return shop.waitForStatus(buyer, orderId, status);
  }

  private Future<Integer> confirm(String paymentUrl) {
    return shop.threeDs(paymentUrl, "confirm").map(HttpResponse::statusCode);
  }

  private Future<JsonObject> bank(JsonObject change) {
    return shop.bank(change);
  }

  // ---- the database, for what the public API does not show

  private Future<List<Long>> stock(String productId) {
    return shopDb.stock(productId);
  }

  private Future<Long> count(String sql, Object... params) {
    return shopDb.count(sql, params);
  }

  // ---- tests

  @Test
  void anotherNodeFinishesToPaidASagaWhoseNodeDiedBetweenReservationAndPayment(VertxTestContext ctx) {
    String key = UUID.randomUUID().toString();
    product(3).compose(product -> buyerWith(product, 2).compose(buyer -> checkoutOnAThenKillA(buyer, key).compose(orderId ->
      stock(product)
        .map(stock -> ctx.verify(() -> assertThat(stock).containsExactly(3L, 2L, 0L)))
        .compose(v -> shopDb.eventually("node B drove the saga to the payment", () -> shopDb.sagaState(orderId).map("AWAITING_PAYMENT"::equals)))
        // the buyer, whose request to A broke, repeats it on B and gets the same order
        .compose(v -> checkout(buyer, key))
        .compose(retry -> {
          ctx.verify(() -> {
            assertThat(retry.statusCode()).as(retry.bodyAsString()).isEqualTo(201);
            assertThat(retry.bodyAsJsonObject().getString("order_id")).isEqualTo(orderId);
          });
          return confirm(retry.bodyAsJsonObject().getString("payment_url"));
        })
        .map(confirmed -> ctx.verify(() -> assertThat(confirmed).isEqualTo(200)))
        .compose(v -> waitForStatus(buyer, orderId, "PAID"))
        .compose(v -> shopDb.eventually("the stock is sold", () -> stock(product).map(List.of(3L, 0L, 2L)::equals)))
        .compose(v -> order(buyer, orderId))
        .map(order -> ctx.verify(() -> assertThat(order.getJsonObject("total").getLong("amount")).isEqualTo(2 * PRICE)))
        .compose(v -> nodeB.http.get("/api/v1/orders").bearerTokenAuthentication(buyer[0]).send())
        .map(orders -> ctx.verify(() -> assertThat(orders.bodyAsJsonObject().getJsonArray("items")).hasSize(1)))
        // two drivers wrote this saga's log, one after the other
        .compose(v -> count("SELECT count(DISTINCT node) FROM checkout.saga_log WHERE saga_id = $1::uuid", UUID.fromString(orderId)))
        .map(drivers -> ctx.verify(() -> assertThat(drivers).isEqualTo(2))))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anotherNodeCompensatesASagaWhoseNodeDiedWhenThePaymentCannotStartThere(VertxTestContext ctx) {
    product(3).compose(product -> buyerWith(product, 2).compose(buyer -> bank(new JsonObject().put("error_rate", 1.0))
      .compose(v -> checkoutOnAThenKillA(buyer, UUID.randomUUID().toString()))
      .compose(orderId -> waitForStatus(buyer, orderId, "CANCELLED")
        // the order's cancel is the compensation's last call; the saga records CANCELLED just after it
        .compose(v -> shopDb.eventually("the saga is CANCELLED", () -> shopDb.sagaState(orderId).map("CANCELLED"::equals)))
        .compose(v -> shopDb.eventually("the stock is released", () -> stock(product).map(List.of(3L, 0L, 0L)::equals)))
        .compose(v -> count("SELECT count(*) FROM payment.intents WHERE order_id = $1::uuid AND status = 'VOIDED'", UUID.fromString(orderId)))
        .map(voided -> ctx.verify(() -> assertThat(voided).isEqualTo(1)))
        .compose(v -> count("SELECT count(DISTINCT node) FROM checkout.saga_log WHERE saga_id = $1::uuid", UUID.fromString(orderId)))
        .map(drivers -> ctx.verify(() -> assertThat(drivers).isEqualTo(2))))
      // the released units can be bought again
      .compose(v -> bank(new JsonObject().put("error_rate", 0.0)))
      // should B's failed bank calls have opened its breaker, it has closed again
      .compose(v -> nodeB.vertx.timer(1_200))
      .compose(v -> buyerWith(product, 3))
      .compose(other -> checkout(other, UUID.randomUUID().toString()))
      .map(again -> ctx.verify(() -> assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(201)))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aLostCallbackDoesNotStrandTheOrderBecauseThePaymentAsksTheBank(VertxTestContext ctx) {
    product(2).compose(product -> buyerWith(product, 1).compose(buyer -> checkout(buyer, UUID.randomUUID().toString()).compose(resp -> {
      ctx.verify(() -> assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(201));
      String orderId = resp.bodyAsJsonObject().getString("order_id");
      return bank(new JsonObject().put("drop_callbacks", true))
        .compose(v -> bank(null))
        .map(knobs -> knobs.getLong("api_requests"))
        .compose(apiCallsBefore -> confirm(resp.bodyAsJsonObject().getString("payment_url"))
          .map(confirmed -> ctx.verify(() -> assertThat(confirmed).isEqualTo(200)))
          .compose(v -> waitForStatus(buyer, orderId, "PAID"))
          .compose(v -> bank(null))
          .map(knobs -> ctx.verify(() -> assertThat(knobs.getLong("api_requests")).as("the payment asked the bank").isGreaterThan(apiCallsBefore))))
        .compose(v -> shopDb.eventually("the stock is sold", () -> stock(product).map(List.of(2L, 0L, 1L)::equals)));
    }))).onComplete(ctx.succeedingThenComplete());
  }
}
