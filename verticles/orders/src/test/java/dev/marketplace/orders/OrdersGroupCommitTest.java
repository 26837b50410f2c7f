package dev.marketplace.orders;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.orders.OrderStatus;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.outbox.Outbox;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.InOrder;
import dev.marketplace.platform.testing.LockedTable;
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
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Brief creates and transitions share transactions (group commit): each request still succeeds or
 * fails alone, a repeat changes nothing, and a batch whose transaction dies leaves nothing behind.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class OrdersGroupCommitTest {
  private static Vertx vertx;
  private static Pool sql;
  private static OrderStore store;
  private static final String SELLER = UUID.randomUUID().toString();

  @BeforeAll
  static void up(Vertx shared, VertxTestContext ctx) {
    vertx = shared;
    JsonObject config = TestInfra.shared().config();
    // batches of up to 64, one at a time: concurrent requests must queue up and share transactions
    config.put("orders", new JsonObject().put("batch_max", 64).put("batch_parallelism", 1));
    vertx.deployVerticle(new OrdersVerticle(), new DeploymentOptions().setConfig(config))
      .onComplete(ctx.succeeding(id -> {
        sql = PgSupport.pool(vertx, config, 4);
        store = new OrderStore(sql, new Outbox("orders"), () -> { });
        ctx.completeNow();
      }));
  }

  @AfterAll
  static void down(VertxTestContext ctx) {
    sql.close().onComplete(ctx.succeedingThenComplete());
  }

  private static JsonObject newOrder(String orderId, String buyer) {
    return new JsonObject().put("order_id", orderId).put("buyer_id", buyer).put("currency", "RUB").put("reply", "brief")
      .put("lines", new JsonArray().add(new JsonObject().put("product_id", UUID.randomUUID().toString()).put("seller_id", SELLER)
        .put("title", "Thing").put("quantity", 2).put("unit_price", new JsonObject().put("amount", 1500).put("currency", "RUB"))));
  }

  private static Future<JsonObject> send(String address, JsonObject body) {
    return Bus.request(vertx, address, body, 10_000);
  }

  private static Future<Long> count(String sql, Object... args) {
    return OrdersGroupCommitTest.sql.preparedQuery(sql).execute(Tuple.from(args)).map(rows -> rows.iterator().next().getLong(0));
  }

  /** Sends every body at once; the replies once all of them ended, failed or not. */
  private static Future<List<Future<JsonObject>>> sendAll(List<JsonObject> bodies, String address) {
    List<Future<JsonObject>> all = new ArrayList<>();
    bodies.forEach(b -> all.add(send(address, b)));
    return Future.join(all).transform(ar -> Future.succeededFuture(all));
  }

  @Test
  void concurrentBriefCreatesShareTransactionsAndConcurrentDuplicatesGiveOneOrder(VertxTestContext ctx) {
    String buyer = UUID.randomUUID().toString();
    String duplicated = UUID.randomUUID().toString();
    List<JsonObject> bodies = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      bodies.add(newOrder(i % 4 == 0 ? duplicated : UUID.randomUUID().toString(), buyer));
    }

    sendAll(bodies, "orders.create")
      .map(replies -> ctx.verify(() -> {
        for (Future<JsonObject> reply : replies) {
          assertThat(reply.succeeded()).as("every create succeeds: %s", reply.cause()).isTrue();
          assertThat(reply.result().getString("status")).isEqualTo("NEW");
          assertThat(reply.result().getJsonObject("total").getLong("amount")).isEqualTo(3000);
        }
      }))
      // 30 distinct orders + the one created ten times
      .compose(v -> count("SELECT count(*) FROM orders.orders WHERE buyer_id = $1", UUID.fromString(buyer)))
      .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(31)))
      .compose(v -> count("SELECT count(*) FROM orders.order_line WHERE order_id = $1", UUID.fromString(duplicated)))
      .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(1)))
      .compose(v -> count("SELECT count(*) FROM orders.order_history WHERE order_id = $1", UUID.fromString(duplicated)))
      .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(1)))
      .compose(v -> count("SELECT count(*) FROM orders.outbox WHERE record_key = $1", duplicated))
      .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(1)))
      // every order has its line, shipment, history entry and event
      .compose(v -> count("SELECT count(*) FROM orders.order_line l JOIN orders.orders o ON o.id = l.order_id WHERE o.buyer_id = $1",
        UUID.fromString(buyer)))
      .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(31)))
      .compose(v -> count("SELECT count(*) FROM orders.shipment s JOIN orders.orders o ON o.id = s.order_id WHERE o.buyer_id = $1",
        UUID.fromString(buyer)))
      .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(31)))
      .compose(v -> count("SELECT count(*) FROM orders.outbox WHERE payload->'data'->>'buyer_id' = $1 AND payload->>'type' = 'OrderCreated'",
        buyer))
      .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(31)))
      // and they did share transactions (rows written by one transaction have one xmin)
      .compose(v -> transactions("SELECT count(DISTINCT xmin::text) FROM orders.orders WHERE buyer_id = $1", UUID.fromString(buyer)))
      .map(n -> ctx.verify(() -> assertThat(n).isLessThanOrEqualTo(4)))
      .onComplete(ctx.succeedingThenComplete());
  }

  /** How many transactions wrote the rows a count over {@code xmin} selects. */
  private static Future<Long> transactions(String sql, Object... args) {
    return count(sql, args);
  }

  @Test
  void anIllegalOrUnknownTransitionInABatchFailsAloneAndTheOthersGoOn(VertxTestContext ctx) {
    String buyer = UUID.randomUUID().toString();
    List<String> ids = new ArrayList<>();
    List<JsonObject> creates = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String id = UUID.randomUUID().toString();
      ids.add(id);
      creates.add(newOrder(id, buyer));
    }
    List<JsonObject> moves = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      // every fifth asks for an illegal step (NEW cannot be PAID)
      moves.add(new JsonObject().put("order_id", ids.get(i)).put("to", i % 5 == 0 ? "PAID" : "RESERVED").put("reply", "brief"));
    }
    String unknown = UUID.randomUUID().toString();
    moves.add(new JsonObject().put("order_id", unknown).put("to", "RESERVED").put("reply", "brief"));
    // the 16 legal transitions
    UUID[] moved = new UUID[16];
    for (int i = 0, j = 0; i < ids.size(); i++) {
      if (i % 5 != 0) {
        moved[j++] = UUID.fromString(ids.get(i));
      }
    }

    sendAll(creates, "orders.create")
      .compose(created -> sendAll(moves, "orders.transition"))
      .compose(replies -> InOrder.each(IntStream.range(0, ids.size()).boxed().toList(), i -> {
        Future<JsonObject> reply = replies.get(i);
        if (i % 5 == 0) {
          ctx.verify(() -> assertThat(ServiceFailure.from(reply.cause()).code()).isEqualTo(ErrorCode.ILLEGAL_STATE));
          return count("SELECT count(*) FROM orders.orders WHERE id = $1 AND status = 'NEW'", UUID.fromString(ids.get(i)))
            .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(1)));
        }
        ctx.verify(() -> assertThat(reply.result().getString("status")).isEqualTo("RESERVED"));
        return count("SELECT count(*) FROM orders.order_history WHERE order_id = $1 AND status = 'RESERVED' AND reason = 'STOCK_RESERVED'",
            UUID.fromString(ids.get(i)))
          .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(1)))
          .compose(v -> count("SELECT count(*) FROM orders.outbox WHERE record_key = $1 AND payload->>'type' = 'OrderReserved'", ids.get(i)))
          .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(1)));
      }).map(v -> ctx.verify(() -> assertThat(ServiceFailure.from(replies.get(ids.size()).cause()).code()).isEqualTo(ErrorCode.NOT_FOUND))))
      // the 16 legal transitions shared transactions: the order rows they updated have few xmins
      .compose(v -> transactions("SELECT count(DISTINCT xmin::text) FROM orders.orders WHERE id = ANY($1)", (Object) moved))
      .map(n -> ctx.verify(() -> assertThat(n).isLessThanOrEqualTo(3)))
      // repeated: already there, unchanged, no second history entry or event
      .compose(v -> sendAll(moves.subList(1, 2), "orders.transition"))
      .map(again -> ctx.verify(() -> assertThat(again.get(0).result().getString("status")).isEqualTo("RESERVED")))
      .compose(v -> count("SELECT count(*) FROM orders.outbox WHERE record_key = $1 AND payload->>'type' = 'OrderReserved'", ids.get(1)))
      .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(1)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aBatchWhoseTransactionDiesLeavesNothingHalfDone(VertxTestContext ctx) {
    String buyer = UUID.randomUUID().toString();
    List<OrderStore.NewOrder> batch = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      batch.add(new OrderStore.NewOrder(UUID.randomUUID(), UUID.fromString(buyer), "RUB",
        List.of(new OrderStore.NewLine(UUID.randomUUID(), UUID.fromString(SELLER), "Thing", 1, 100))));
    }
    UUID[] ids = batch.stream().map(OrderStore.NewOrder::orderId).toArray(UUID[]::new);
    // another session holds the outbox: the batch blocks after writing its rows; the node dies there, its
    // connection gone with the transaction open
    LockedTable.lock(sql, "orders.outbox").compose(outbox -> {
      Future<List<Object>> running = store.createBatch(batch);
      return outbox.killFirstWaiter("%orders.outbox%", 10_000).eventually(outbox::release).compose(pid -> LockedTable.failed(running));
    })
      .map(failed -> ctx.verify(() -> assertThat(failed).as("the batch failed with its connection").isTrue()))
      .compose(v -> count("SELECT count(*) FROM orders.orders WHERE buyer_id = $1", UUID.fromString(buyer)))
      .map(n -> ctx.verify(() -> assertThat(n).isZero()))
      .compose(v -> count("SELECT count(*) FROM orders.order_line WHERE order_id = ANY($1)", (Object) ids))
      .map(n -> ctx.verify(() -> assertThat(n).isZero()))
      .compose(v -> count("SELECT count(*) FROM orders.order_history WHERE order_id = ANY($1)", (Object) ids))
      .map(n -> ctx.verify(() -> assertThat(n).isZero()))
      .compose(v -> count("SELECT count(*) FROM orders.outbox WHERE payload->'data'->>'buyer_id' = $1", buyer))
      .map(n -> ctx.verify(() -> assertThat(n).isZero()))
      // the same requests again (a caller that timed out retries): each order once, complete
      .compose(v -> store.createBatch(batch))
      .map(retried -> ctx.verify(() ->
        assertThat(retried).allSatisfy(r -> assertThat(((JsonObject) r).getString("status")).isEqualTo(OrderStatus.NEW.name()))))
      .compose(v -> count("SELECT count(*) FROM orders.orders WHERE buyer_id = $1", UUID.fromString(buyer)))
      .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(5)))
      .compose(v -> count("SELECT count(*) FROM orders.outbox WHERE payload->'data'->>'buyer_id' = $1", buyer))
      .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(5)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void concurrentDuplicateTransitionsOfOneOrderMoveItOnce(VertxTestContext ctx) {
    String buyer = UUID.randomUUID().toString();
    String id = UUID.randomUUID().toString();
    List<JsonObject> moves = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      moves.add(new JsonObject().put("order_id", id).put("to", "RESERVED").put("reply", "brief"));
    }

    sendAll(List.of(newOrder(id, buyer)), "orders.create")
      .compose(created -> sendAll(moves, "orders.transition"))
      .map(replies -> ctx.verify(() ->
        assertThat(replies).allSatisfy(r -> assertThat(r.result().getString("status")).isEqualTo("RESERVED"))))
      .compose(v -> count("SELECT count(*) FROM orders.order_history WHERE order_id = $1 AND status = 'RESERVED'", UUID.fromString(id)))
      .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(1)))
      .compose(v -> count("SELECT count(*) FROM orders.outbox WHERE record_key = $1 AND payload->>'type' = 'OrderReserved'", id))
      .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(1)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aTransitionBatchWhoseTransactionDiesLeavesNothingHalfDone(VertxTestContext ctx) {
    String buyer = UUID.randomUUID().toString();
    List<String> ids = new ArrayList<>();
    List<JsonObject> creates = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String id = UUID.randomUUID().toString();
      ids.add(id);
      creates.add(newOrder(id, buyer));
    }
    List<OrderStore.Transition> batch = ids.stream()
      .map(id -> new OrderStore.Transition(UUID.fromString(id), OrderStatus.PAID, null)).toList();
    UUID[] orderIds = ids.stream().map(UUID::fromString).toArray(UUID[]::new);

    sendAll(creates, "orders.create")
      .compose(v -> sendAll(ids.stream().map(id -> new JsonObject().put("order_id", id).put("to", "RESERVED").put("reply", "brief")).toList(),
        "orders.transition"))
      .compose(v -> sendAll(ids.stream().map(id -> new JsonObject().put("order_id", id).put("to", "PENDING_PAYMENT").put("reply", "brief")).toList(),
        "orders.transition"))
      // another session holds the outbox: the batch blocks after writing its rows; the node dies there, its
      // connection gone with the transaction open
      .compose(v -> LockedTable.lock(sql, "orders.outbox"))
      .compose(outbox -> {
        Future<List<Object>> running = store.transitionBatch(batch);
        return outbox.killFirstWaiter("%orders.outbox%", 10_000).eventually(outbox::release).compose(pid -> LockedTable.failed(running));
      })
      .map(failed -> ctx.verify(() -> assertThat(failed).as("the batch failed with its connection").isTrue()))
      // statuses, shipments, history and events: all as before the batch
      .compose(v -> count("SELECT count(*) FROM orders.orders WHERE id = ANY($1) AND status = 'PENDING_PAYMENT'", (Object) orderIds))
      .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(5)))
      .compose(v -> count("SELECT count(*) FROM orders.shipment WHERE order_id = ANY($1) AND status = 'PENDING' AND ready_at IS NULL",
        (Object) orderIds))
      .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(5)))
      .compose(v -> count("SELECT count(*) FROM orders.order_history WHERE order_id = ANY($1) AND status = 'PAID'", (Object) orderIds))
      .map(n -> ctx.verify(() -> assertThat(n).isZero()))
      .compose(v -> count("SELECT count(*) FROM orders.outbox WHERE payload->'data'->>'buyer_id' = $1 AND payload->>'type' = 'OrderPaid'", buyer))
      .map(n -> ctx.verify(() -> assertThat(n).isZero()))
      // retried: each order paid once, with its shipments ready
      .compose(v -> store.transitionBatch(batch))
      .map(retried -> ctx.verify(() -> assertThat(retried).allSatisfy(r -> assertThat(((JsonObject) r).getString("status")).isEqualTo("PAID"))))
      .compose(v -> count("SELECT count(*) FROM orders.shipment WHERE order_id = ANY($1) AND status = 'READY_TO_SHIP'", (Object) orderIds))
      .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(5)))
      .compose(v -> count("SELECT count(*) FROM orders.outbox WHERE payload->'data'->>'buyer_id' = $1 AND payload->>'type' = 'OrderPaid'", buyer))
      .map(n -> ctx.verify(() -> assertThat(n).isEqualTo(5)))
      .onComplete(ctx.succeedingThenComplete());
  }
}
