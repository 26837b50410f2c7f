package dev.marketplace.checkout;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.checkout.CheckoutAddresses;
import dev.marketplace.contracts.inventory.InventoryAddresses;
import dev.marketplace.contracts.sales.SalesAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.InOrder;
import dev.marketplace.platform.testing.Outcomes;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Big sales at checkout's door, with scripted neighbours: sold-out refusals from memory, the cap
 * on open checkouts per buyer (and replays past it), and asking the waiting room only for carts
 * of a product on sale.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
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
  void up(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("checkout").put("step_timeout_ms", 500).put("payment_timeout_ms", 500).put("sweep_interval_ms", 100)
      .put("max_open_per_buyer", 3);
    neighbours.serve(vertx, ScriptedNeighbours.ADDRESS)
      .compose(v -> vertx.deployVerticle(new CheckoutVerticle(), new DeploymentOptions().setConfig(config)))
      .onComplete(ctx.succeeding(id -> {
        db = PgSupport.pool(vertx, config, 2);
        ctx.completeNow();
      }));
  }

  private Future<JsonObject> start(String user, String key, String ticket) {
    JsonObject body = new JsonObject().put("cart_id", UUID.nameUUIDFromBytes(user.getBytes()).toString()).put("payment_method", "card")
      .put("idempotency_key", key);
    if (ticket != null) {
      body.put("queue_ticket", ticket);
    }
    return Bus.request(vertx, CheckoutAddresses.START, body, Bus.options(10_000).addHeader(BusHeaders.USER_ID, user));
  }

  private Future<Long> sagas(String user) {
    return db.preparedQuery("SELECT count(*) AS n FROM checkout.sagas WHERE user_id = $1").execute(io.vertx.sqlclient.Tuple.of(user))
      .map(rows -> rows.iterator().next().getLong("n"));
  }

  /** Publishes inventory's full sold-out set; completes a moment later, once checkout has heard it. */
  private Future<Void> soldOut(String... products) {
    vertx.eventBus().publish(InventoryAddresses.SOLD_OUT, new JsonObject().put("full", true).put("sold_out", new JsonArray(List.of(products))));
    return vertx.timer(100).mapEmpty();
  }

  /** Publishes the sale on P_SALE; completes a moment later, once checkout has heard it. */
  private Future<Void> saleOn(String saleId) {
    vertx.eventBus().publish(SalesAddresses.ACTIVE, new JsonObject().put("sales", new JsonArray()
      .add(new JsonObject().put("id", saleId).put("product_ids", new JsonArray().add(P_SALE)))));
    return vertx.timer(100).mapEmpty();
  }

  @Test
  void aSoldOutProductIsRefusedWithoutASagaRowOrAnInventoryHopAndAReplayStillAnswers(VertxTestContext ctx) {
    cartProduct = P_OTHER;
    start("buyer-a", "won", null).compose(won -> soldOut(P_OTHER)
        .compose(v -> {
          calls.clear();
          return Outcomes.refusal(start("buyer-b", "late", null));
        })
        .compose(refused -> sagas("buyer-b").map(rows -> ctx.verify(() -> {
          assertThat(refused.code()).isEqualTo(ErrorCode.OUT_OF_STOCK);
          assertThat(refused.extra().getJsonArray("product_ids")).containsExactly(P_OTHER);
          assertThat(calls).containsExactly("cart.checkout-view");
          assertThat(rows).isZero();
        })))
        // the winner's retry of its own key answers what it got
        .compose(v -> start("buyer-a", "won", null))
        .map(replay -> ctx.verify(() -> assertThat(replay.getString("order_id")).isEqualTo(won.getString("order_id")))))
      // back in stock: the next snapshot lets buyers through again
      .compose(v -> soldOut())
      .compose(v -> start("buyer-b", "late", null))
      .map(through -> ctx.verify(() -> assertThat(through.getString("status")).isEqualTo("PENDING_PAYMENT")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aBuyerHoldsAtMostThreeOpenCheckoutsAndAnOldKeyStillReplays(VertxTestContext ctx) {
    InOrder.run(() -> start("hoarder", "k1", null), () -> start("hoarder", "k2", null), () -> start("hoarder", "k3", null))
      .compose(orders -> Outcomes.refusal(start("hoarder", "k4", null))
        .compose(fourth -> start("hoarder", "k2", null).map(replay -> ctx.verify(() -> {
          assertThat(fourth.code()).isEqualTo(ErrorCode.TOO_MANY_OPEN_CHECKOUTS);
          assertThat(replay.getString("order_id")).isEqualTo(orders.get(1).getString("order_id"));
        })))
        .compose(v -> sagas("hoarder")))
      .compose(rows -> {
        ctx.verify(() -> assertThat(rows).as("sagas of the hoarder, after the refusal and the replay").isEqualTo(3));
        // another buyer is not affected
        return start("someone-else", "k4", null);
      })
      .map(other -> ctx.verify(() -> assertThat(other.getString("status")).isEqualTo("PENDING_PAYMENT")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void concurrentNewKeysOfOneBuyerCannotSlipPastTheCap(VertxTestContext ctx) {
    List<Future<JsonObject>> all = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      all.add(start("rusher", "r" + i, null));
    }
    Future.join(all).otherwiseEmpty()
      .compose(v -> sagas("rusher"))
      .map(rows -> ctx.verify(() -> {
        long won = all.stream().filter(Future::succeeded).count();
        long capped = all.stream().filter(f -> f.failed() && ServiceFailure.from(f.cause()).code() == ErrorCode.TOO_MANY_OPEN_CHECKOUTS).count();
        assertThat(won).isEqualTo(3);
        assertThat(capped).isEqualTo(5);
        assertThat(rows).isEqualTo(3);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void onlyCartsOfAProductOnSaleAskTheWaitingRoomAndAQueuedBuyerGetsATicketAndNoRow(VertxTestContext ctx) {
    script.put(SalesAddresses.ADMIT, body -> Future.succeededFuture(body.containsKey("queue_ticket")
      ? new JsonObject().put("admitted", true).put("sale_id", "sale-1")
      : new JsonObject().put("admitted", false).put("sale_id", "sale-1").put("queue_ticket", "T-" + body.getString("buyer_id"))
        .put("position", 7).put("retry_after_ms", 350)));
    saleOn("sale-1")
      .compose(v -> {
        cartProduct = P_OTHER;
        return start("outside", "o1", null);
      })
      .compose(outside -> {
        ctx.verify(() -> assertThat(calls).doesNotContain(SalesAddresses.ADMIT));
        cartProduct = P_SALE;
        return start("fan", "f1", null);
      })
      .compose(queued -> sagas("fan").map(rows -> ctx.verify(() -> {
        assertThat(queued.getString("status")).isEqualTo("QUEUED");
        assertThat(queued.getString("queue_ticket")).isEqualTo("T-fan");
        assertThat(queued.getLong("position")).isEqualTo(7);
        assertThat(queued.getLong("retry_after_ms")).isEqualTo(350);
        assertThat(rows).isZero();
      })))
      .compose(v -> start("fan", "f1", "T-fan"))
      .compose(admitted -> sagas("fan").map(rows -> ctx.verify(() -> {
        assertThat(admitted.getString("status")).isEqualTo("PENDING_PAYMENT");
        assertThat(rows).isEqualTo(1);
      })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theWaitingRoomsRefusalsReachTheBuyerAsTheyAre(VertxTestContext ctx) {
    script.put(SalesAddresses.ADMIT, body -> Future.failedFuture(ErrorCode.QUEUE_TICKET_INVALID.failure("not yours")));
    saleOn("sale-2")
      .compose(v -> {
        cartProduct = P_SALE;
        return Outcomes.refusal(start("thief", "t1", "someone-elses-ticket"));
      })
      .compose(refused -> sagas("thief").map(rows -> ctx.verify(() -> {
        assertThat(refused.code()).isEqualTo(ErrorCode.QUEUE_TICKET_INVALID);
        assertThat(rows).isZero();
      })))
      .onComplete(ctx.succeedingThenComplete());
  }
}
