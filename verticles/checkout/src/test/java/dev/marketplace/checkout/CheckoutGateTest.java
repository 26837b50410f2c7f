package dev.marketplace.checkout;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.checkout.CheckoutAddresses;
import dev.marketplace.contracts.inventory.InventoryAddresses;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.contracts.sales.SalesAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Big sales at checkout's door, with scripted neighbours: sold-out refusals from memory, the cap
 * on open checkouts per buyer (and replays past it), and asking the waiting room only for carts
 * of a product on sale.
 */
class CheckoutGateTest {
  private static final String P_SALE = "11111111-1111-1111-1111-111111111111";
  private static final String P_OTHER = "22222222-2222-2222-2222-222222222222";
  private Vertx vertx;
  private Pool db;
  private final Map<String, Function<JsonObject, Future<JsonObject>>> script = new ConcurrentHashMap<>();
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private volatile String cartProduct = P_OTHER;

  @BeforeEach
  void up() throws Exception {
    vertx = Vertx.vertx();
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("checkout").put("step_timeout_ms", 500).put("payment_timeout_ms", 500).put("sweep_interval_ms", 100)
      .put("max_open_per_buyer", 3);
    happyScript();
    for (String address : List.of("cart.checkout-view", "cart.clear", "orders.create", "orders.transition", InventoryAddresses.RESERVE,
      "inventory.commit", "inventory.release", "orders.get", PaymentAddresses.AVAILABILITY, PaymentAddresses.START, PaymentAddresses.VOID,
      PaymentAddresses.REFUND, SalesAddresses.ADMIT)) {
      Promise<Void> registered = Promise.promise();
      Bus.serve(vertx, address, msg -> {
        calls.add(address);
        return script.get(address).apply(msg.body());
      }).completion().onComplete(registered);
      await(registered.future());
    }
    await(vertx.deployVerticle(new CheckoutVerticle(), new DeploymentOptions().setConfig(config)));
    db = PgSupport.pool(vertx, config, 2);
  }

  @AfterEach
  void down() throws Exception {
    await(vertx.close());
  }

  private void happyScript() {
    script.put("cart.checkout-view", body -> {
      JsonObject line = new JsonObject().put("product_id", cartProduct).put("seller_id", "s1").put("title", "Thing").put("quantity", 1)
        .put("unit_price", new JsonObject().put("amount", 500).put("currency", "RUB")).put("price_changed", false);
      return Future.succeededFuture(new JsonObject().put("cart_id", body.getString("cart_id"))
        .put("currency", "RUB").put("lines", new JsonArray().add(line)).put("total", new JsonObject().put("amount", 500).put("currency", "RUB")));
    });
    script.put("cart.clear", body -> Future.succeededFuture(new JsonObject()));
    script.put("orders.create", body -> Future.succeededFuture(new JsonObject().put("id", body.getString("order_id")).put("status", "NEW")));
    script.put("orders.transition", body -> Future.succeededFuture(new JsonObject().put("id", body.getString("order_id")).put("status", body.getString("to"))));
    script.put(InventoryAddresses.RESERVE, body -> Future.succeededFuture(new JsonObject().put("reservation_id", body.getString("reservation_id"))
      .put("status", "HELD").put("reserved_until", java.time.Instant.now().plusSeconds(900).toString())));
    script.put("orders.get", body -> Future.succeededFuture(new JsonObject().put("id", body.getString("order_id")).put("status", "NEW")));
    script.put("inventory.commit", body -> Future.succeededFuture(new JsonObject().put("status", "COMMITTED")));
    script.put("inventory.release", body -> Future.succeededFuture(new JsonObject().put("status", "RELEASED")));
    script.put(PaymentAddresses.AVAILABILITY, body -> Future.succeededFuture(new JsonObject().put("available", true)));
    script.put(PaymentAddresses.START, body -> Future.succeededFuture(new JsonObject().put("payment_id", body.getString("payment_id"))
      .put("status", "PENDING").put("payment_url", "http://bank/3ds/" + body.getString("payment_id"))));
    script.put(PaymentAddresses.VOID, body -> Future.succeededFuture(new JsonObject().put("status", "VOIDED")));
    script.put(PaymentAddresses.REFUND, body -> Future.succeededFuture(new JsonObject().put("status", "REFUNDED")));
    script.put(SalesAddresses.ADMIT, body -> Future.succeededFuture(new JsonObject().put("admitted", true)));
  }

  private Future<JsonObject> start(String user, String key, String ticket) {
    JsonObject body = new JsonObject().put("cart_id", UUID.nameUUIDFromBytes(user.getBytes()).toString()).put("payment_method", "card")
      .put("idempotency_key", key);
    if (ticket != null) {
      body.put("queue_ticket", ticket);
    }
    return Bus.request(vertx, CheckoutAddresses.START, body, Bus.options(10_000).addHeader(BusHeaders.USER_ID, user));
  }

  private ServiceFailure failure(Future<JsonObject> call) throws Exception {
    try {
      await(call);
    } catch (ExecutionException e) {
      return ServiceFailure.from(e.getCause());
    }
    throw new AssertionError("the checkout succeeded");
  }

  private long sagas(String user) throws Exception {
    return await(db.preparedQuery("SELECT count(*) AS n FROM checkout.sagas WHERE user_id = $1").execute(io.vertx.sqlclient.Tuple.of(user)))
      .iterator().next().getLong("n");
  }

  private void soldOut(String... products) throws Exception {
    vertx.eventBus().publish(InventoryAddresses.SOLD_OUT, new JsonObject().put("full", true).put("sold_out", new JsonArray(List.of(products))));
    Thread.sleep(100);
  }

  @Test
  void aSoldOutProductIsRefusedWithoutASagaRowOrAnInventoryHopAndAReplayStillAnswers() throws Exception {
    cartProduct = P_OTHER;
    JsonObject won = await(start("buyer-a", "won", null));
    soldOut(P_OTHER);
    calls.clear();

    ServiceFailure refused = failure(start("buyer-b", "late", null));
    assertThat(refused.code()).isEqualTo(ErrorCode.OUT_OF_STOCK);
    assertThat(refused.extra().getJsonArray("product_ids")).containsExactly(P_OTHER);
    assertThat(calls).containsExactly("cart.checkout-view");
    assertThat(sagas("buyer-b")).isZero();

    // the winner's retry of its own key answers what it got
    JsonObject replay = await(start("buyer-a", "won", null));
    assertThat(replay.getString("order_id")).isEqualTo(won.getString("order_id"));

    // back in stock: the next snapshot lets buyers through again
    soldOut();
    assertThat(await(start("buyer-b", "late", null)).getString("status")).isEqualTo("PENDING_PAYMENT");
  }

  @Test
  void aBuyerHoldsAtMostThreeOpenCheckoutsAndAnOldKeyStillReplays() throws Exception {
    List<String> orders = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      orders.add(await(start("hoarder", "k" + i, null)).getString("order_id"));
    }
    ServiceFailure fourth = failure(start("hoarder", "k4", null));
    assertThat(fourth.code()).isEqualTo(ErrorCode.TOO_MANY_OPEN_CHECKOUTS);
    assertThat(sagas("hoarder")).isEqualTo(3);
    assertThat(await(start("hoarder", "k2", null)).getString("order_id")).isEqualTo(orders.get(1));
    // another buyer is not affected
    assertThat(await(start("someone-else", "k4", null)).getString("status")).isEqualTo("PENDING_PAYMENT");
  }

  @Test
  void concurrentNewKeysOfOneBuyerCannotSlipPastTheCap() throws Exception {
    List<Future<JsonObject>> all = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      all.add(start("rusher", "r" + i, null));
    }
    await(Future.join(all).otherwiseEmpty());
    long won = all.stream().filter(Future::succeeded).count();
    long capped = all.stream().filter(f -> f.failed() && ServiceFailure.from(f.cause()).code() == ErrorCode.TOO_MANY_OPEN_CHECKOUTS).count();
    assertThat(won).isEqualTo(3);
    assertThat(capped).isEqualTo(5);
    assertThat(sagas("rusher")).isEqualTo(3);
  }

  @Test
  void onlyCartsOfAProductOnSaleAskTheWaitingRoomAndAQueuedBuyerGetsATicketAndNoRow() throws Exception {
    vertx.eventBus().publish(SalesAddresses.ACTIVE, new JsonObject().put("sales", new JsonArray()
      .add(new JsonObject().put("id", "sale-1").put("product_ids", new JsonArray().add(P_SALE)))));
    Thread.sleep(100);
    script.put(SalesAddresses.ADMIT, body -> Future.succeededFuture(body.containsKey("queue_ticket")
      ? new JsonObject().put("admitted", true).put("sale_id", "sale-1")
      : new JsonObject().put("admitted", false).put("sale_id", "sale-1").put("queue_ticket", "T-" + body.getString("buyer_id"))
        .put("position", 7).put("retry_after_ms", 350)));

    cartProduct = P_OTHER;
    await(start("outside", "o1", null));
    assertThat(calls).doesNotContain(SalesAddresses.ADMIT);

    cartProduct = P_SALE;
    JsonObject queued = await(start("fan", "f1", null));
    assertThat(queued.getString("status")).isEqualTo("QUEUED");
    assertThat(queued.getString("queue_ticket")).isEqualTo("T-fan");
    assertThat(queued.getLong("position")).isEqualTo(7);
    assertThat(queued.getLong("retry_after_ms")).isEqualTo(350);
    assertThat(sagas("fan")).isZero();

    JsonObject admitted = await(start("fan", "f1", "T-fan"));
    assertThat(admitted.getString("status")).isEqualTo("PENDING_PAYMENT");
    assertThat(sagas("fan")).isEqualTo(1);
  }

  @Test
  void theWaitingRoomsRefusalsReachTheBuyerAsTheyAre() throws Exception {
    vertx.eventBus().publish(SalesAddresses.ACTIVE, new JsonObject().put("sales", new JsonArray()
      .add(new JsonObject().put("id", "sale-2").put("product_ids", new JsonArray().add(P_SALE)))));
    Thread.sleep(100);
    script.put(SalesAddresses.ADMIT, body -> Future.failedFuture(ErrorCode.QUEUE_TICKET_INVALID.failure("not yours")));
    cartProduct = P_SALE;
    assertThat(failure(start("thief", "t1", "someone-elses-ticket")).code()).isEqualTo(ErrorCode.QUEUE_TICKET_INVALID);
    assertThat(sagas("thief")).isZero();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
