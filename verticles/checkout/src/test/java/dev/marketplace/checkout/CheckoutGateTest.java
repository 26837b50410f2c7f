package dev.marketplace.checkout;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.checkout.CheckoutAddresses;
import dev.marketplace.contracts.inventory.InventoryAddresses;
import dev.marketplace.contracts.sales.SalesAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
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
  private volatile String cartProduct = P_OTHER;
  private final ScriptedNeighbours neighbours = ScriptedNeighbours.happy(() -> cartProduct, 1);
  private final Map<String, Function<JsonObject, Future<JsonObject>>> script = neighbours.script;
  private final List<String> calls = neighbours.calls;

  @BeforeEach
  void up() throws Exception {
    vertx = Vertx.vertx();
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("checkout").put("step_timeout_ms", 500).put("payment_timeout_ms", 500).put("sweep_interval_ms", 100)
      .put("max_open_per_buyer", 3);
    await(neighbours.serve(vertx, ScriptedNeighbours.ADDRESS));
    await(vertx.deployVerticle(new CheckoutVerticle(), new DeploymentOptions().setConfig(config)));
    db = PgSupport.pool(vertx, config, 2);
  }

  @AfterEach
  void down() throws Exception {
    await(vertx.close());
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
