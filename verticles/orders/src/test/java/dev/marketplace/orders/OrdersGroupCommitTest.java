package dev.marketplace.orders;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.orders.OrderStatus;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.outbox.Outbox;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.LockedTable;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Brief creates and transitions share transactions (group commit): each request still succeeds or
 * fails alone, a repeat changes nothing, and a batch whose transaction dies leaves nothing behind.
 */
class OrdersGroupCommitTest {
  private static Vertx vertx;
  private static Pool sql;
  private static OrderStore store;
  private static final String SELLER = UUID.randomUUID().toString();

  @BeforeAll
  static void up() {
    vertx = Vertx.vertx();
    JsonObject config = TestInfra.shared().config();
    // batches of up to 64, one at a time: concurrent requests must queue up and share transactions
    config.put("orders", new JsonObject().put("batch_max", 64).put("batch_parallelism", 1));
    await(vertx.deployVerticle(new OrdersVerticle(), new DeploymentOptions().setConfig(config)));
    sql = PgSupport.pool(vertx, config, 4);
    store = new OrderStore(sql, new Outbox("orders"), () -> { });
  }

  @AfterAll
  static void down() {
    await(sql.close());
    await(vertx.close());
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonObject newOrder(String orderId, String buyer) {
    return new JsonObject().put("order_id", orderId).put("buyer_id", buyer).put("currency", "RUB").put("reply", "brief")
      .put("lines", new JsonArray().add(new JsonObject().put("product_id", UUID.randomUUID().toString()).put("seller_id", SELLER)
        .put("title", "Thing").put("quantity", 2).put("unit_price", new JsonObject().put("amount", 1500).put("currency", "RUB"))));
  }

  private static Future<JsonObject> send(String address, JsonObject body) {
    return Bus.request(vertx, address, body, 10_000);
  }

  private static long count(String sql, Object... args) {
    return await(OrdersGroupCommitTest.sql.preparedQuery(sql).execute(Tuple.from(args))).iterator().next().getLong(0);
  }

  private static List<Future<JsonObject>> sendAll(List<JsonObject> bodies, String address) {
    List<Future<JsonObject>> all = new ArrayList<>();
    bodies.forEach(b -> all.add(send(address, b)));
    // all of them ended, failed or not
    await(Future.join(all).transform(ar -> Future.succeededFuture()));
    return all;
  }

  @Test
  void concurrentBriefCreatesShareTransactionsAndConcurrentDuplicatesGiveOneOrder() {
    String buyer = UUID.randomUUID().toString();
    String duplicated = UUID.randomUUID().toString();
    List<JsonObject> bodies = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      bodies.add(newOrder(i % 4 == 0 ? duplicated : UUID.randomUUID().toString(), buyer));
    }

    List<Future<JsonObject>> replies = sendAll(bodies, "orders.create");

    for (Future<JsonObject> reply : replies) {
      assertThat(reply.succeeded()).as("every create succeeds: %s", reply.cause()).isTrue();
      assertThat(reply.result().getString("status")).isEqualTo("NEW");
      assertThat(reply.result().getJsonObject("total").getLong("amount")).isEqualTo(3000);
    }
    // 30 distinct orders + the one created ten times
    assertThat(count("SELECT count(*) FROM orders.orders WHERE buyer_id = $1", UUID.fromString(buyer))).isEqualTo(31);
    assertThat(count("SELECT count(*) FROM orders.order_line WHERE order_id = $1", UUID.fromString(duplicated))).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM orders.order_history WHERE order_id = $1", UUID.fromString(duplicated))).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM orders.outbox WHERE record_key = $1", duplicated)).isEqualTo(1);
    // every order has its line, shipment, history entry and event
    assertThat(count("SELECT count(*) FROM orders.order_line l JOIN orders.orders o ON o.id = l.order_id WHERE o.buyer_id = $1",
      UUID.fromString(buyer))).isEqualTo(31);
    assertThat(count("SELECT count(*) FROM orders.shipment s JOIN orders.orders o ON o.id = s.order_id WHERE o.buyer_id = $1",
      UUID.fromString(buyer))).isEqualTo(31);
    assertThat(count("SELECT count(*) FROM orders.outbox WHERE payload->'data'->>'buyer_id' = $1 AND payload->>'type' = 'OrderCreated'",
      buyer)).isEqualTo(31);
    // and they did share transactions (rows written by one transaction have one xmin)
    assertThat(transactions("SELECT count(DISTINCT xmin::text) FROM orders.orders WHERE buyer_id = $1", UUID.fromString(buyer)))
      .isLessThanOrEqualTo(4);
  }

  /** How many transactions wrote the rows a count over {@code xmin} selects. */
  private static long transactions(String sql, Object... args) {
    return count(sql, args);
  }

  @Test
  void anIllegalOrUnknownTransitionInABatchFailsAloneAndTheOthersGoOn() {
    String buyer = UUID.randomUUID().toString();
    List<String> ids = new ArrayList<>();
    List<JsonObject> creates = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String id = UUID.randomUUID().toString();
      ids.add(id);
      creates.add(newOrder(id, buyer));
    }
    sendAll(creates, "orders.create");
    List<JsonObject> moves = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      // every fifth asks for an illegal step (NEW cannot be PAID)
      moves.add(new JsonObject().put("order_id", ids.get(i)).put("to", i % 5 == 0 ? "PAID" : "RESERVED").put("reply", "brief"));
    }
    String unknown = UUID.randomUUID().toString();
    moves.add(new JsonObject().put("order_id", unknown).put("to", "RESERVED").put("reply", "brief"));

    List<Future<JsonObject>> replies = sendAll(moves, "orders.transition");

    for (int i = 0; i < ids.size(); i++) {
      Future<JsonObject> reply = replies.get(i);
      if (i % 5 == 0) {
        assertThat(ServiceFailure.from(reply.cause()).code()).isEqualTo(ErrorCode.ILLEGAL_STATE);
        assertThat(count("SELECT count(*) FROM orders.orders WHERE id = $1 AND status = 'NEW'", UUID.fromString(ids.get(i)))).isEqualTo(1);
      } else {
        assertThat(reply.result().getString("status")).isEqualTo("RESERVED");
        assertThat(count("SELECT count(*) FROM orders.order_history WHERE order_id = $1 AND status = 'RESERVED' AND reason = 'STOCK_RESERVED'",
          UUID.fromString(ids.get(i)))).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM orders.outbox WHERE record_key = $1 AND payload->>'type' = 'OrderReserved'", ids.get(i)))
          .isEqualTo(1);
      }
    }
    assertThat(ServiceFailure.from(replies.get(ids.size()).cause()).code()).isEqualTo(ErrorCode.NOT_FOUND);
    // the 16 legal transitions shared transactions: the order rows they updated have few xmins
    UUID[] moved = new UUID[16];
    for (int i = 0, j = 0; i < ids.size(); i++) {
      if (i % 5 != 0) {
        moved[j++] = UUID.fromString(ids.get(i));
      }
    }
    assertThat(transactions("SELECT count(DISTINCT xmin::text) FROM orders.orders WHERE id = ANY($1)", (Object) moved)).isLessThanOrEqualTo(3);

    // repeated: already there, unchanged, no second history entry or event
    List<Future<JsonObject>> again = sendAll(moves.subList(1, 2), "orders.transition");
    assertThat(again.get(0).result().getString("status")).isEqualTo("RESERVED");
    assertThat(count("SELECT count(*) FROM orders.outbox WHERE record_key = $1 AND payload->>'type' = 'OrderReserved'", ids.get(1)))
      .isEqualTo(1);
  }

  @Test
  void aBatchWhoseTransactionDiesLeavesNothingHalfDone() {
    String buyer = UUID.randomUUID().toString();
    List<OrderStore.NewOrder> batch = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      batch.add(new OrderStore.NewOrder(UUID.randomUUID(), UUID.fromString(buyer), "RUB",
        List.of(new OrderStore.NewLine(UUID.randomUUID(), UUID.fromString(SELLER), "Thing", 1, 100))));
    }
    // another session holds the outbox: the batch blocks after writing its rows; the node dies there, its
    // connection gone with the transaction open
    LockedTable outbox = await(LockedTable.lock(sql, "orders.outbox"));
    Future<List<Object>> running = store.createBatch(batch);
    await(outbox.killFirstWaiter("%orders.outbox%", 10_000).eventually(outbox::release));

    boolean failed = await(LockedTable.failed(running));
    assertThat(failed).as("the batch failed with its connection").isTrue();
    assertThat(count("SELECT count(*) FROM orders.orders WHERE buyer_id = $1", UUID.fromString(buyer))).isZero();
    UUID[] ids = batch.stream().map(OrderStore.NewOrder::orderId).toArray(UUID[]::new);
    assertThat(count("SELECT count(*) FROM orders.order_line WHERE order_id = ANY($1)", (Object) ids)).isZero();
    assertThat(count("SELECT count(*) FROM orders.order_history WHERE order_id = ANY($1)", (Object) ids)).isZero();
    assertThat(count("SELECT count(*) FROM orders.outbox WHERE payload->'data'->>'buyer_id' = $1", buyer)).isZero();

    // the same requests again (a caller that timed out retries): each order once, complete
    List<Object> retried = await(store.createBatch(batch));
    assertThat(retried).allSatisfy(r -> assertThat(((JsonObject) r).getString("status")).isEqualTo(OrderStatus.NEW.name()));
    assertThat(count("SELECT count(*) FROM orders.orders WHERE buyer_id = $1", UUID.fromString(buyer))).isEqualTo(5);
    assertThat(count("SELECT count(*) FROM orders.outbox WHERE payload->'data'->>'buyer_id' = $1", buyer)).isEqualTo(5);
  }

  @Test
  void concurrentDuplicateTransitionsOfOneOrderMoveItOnce() {
    String buyer = UUID.randomUUID().toString();
    String id = UUID.randomUUID().toString();
    sendAll(List.of(newOrder(id, buyer)), "orders.create");
    List<JsonObject> moves = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      moves.add(new JsonObject().put("order_id", id).put("to", "RESERVED").put("reply", "brief"));
    }

    List<Future<JsonObject>> replies = sendAll(moves, "orders.transition");

    assertThat(replies).allSatisfy(r -> assertThat(r.result().getString("status")).isEqualTo("RESERVED"));
    assertThat(count("SELECT count(*) FROM orders.order_history WHERE order_id = $1 AND status = 'RESERVED'", UUID.fromString(id)))
      .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM orders.outbox WHERE record_key = $1 AND payload->>'type' = 'OrderReserved'", id)).isEqualTo(1);
  }

  @Test
  void aTransitionBatchWhoseTransactionDiesLeavesNothingHalfDone() {
    String buyer = UUID.randomUUID().toString();
    List<String> ids = new ArrayList<>();
    List<JsonObject> creates = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String id = UUID.randomUUID().toString();
      ids.add(id);
      creates.add(newOrder(id, buyer));
    }
    sendAll(creates, "orders.create");
    sendAll(ids.stream().map(id -> new JsonObject().put("order_id", id).put("to", "RESERVED").put("reply", "brief")).toList(),
      "orders.transition");
    sendAll(ids.stream().map(id -> new JsonObject().put("order_id", id).put("to", "PENDING_PAYMENT").put("reply", "brief")).toList(),
      "orders.transition");
    List<OrderStore.Transition> batch = ids.stream()
      .map(id -> new OrderStore.Transition(UUID.fromString(id), OrderStatus.PAID, null)).toList();
    // another session holds the outbox: the batch blocks after writing its rows; the node dies there, its
    // connection gone with the transaction open
    LockedTable outbox = await(LockedTable.lock(sql, "orders.outbox"));
    Future<List<Object>> running = store.transitionBatch(batch);
    await(outbox.killFirstWaiter("%orders.outbox%", 10_000).eventually(outbox::release));

    boolean failed = await(LockedTable.failed(running));
    assertThat(failed).as("the batch failed with its connection").isTrue();
    UUID[] orderIds = ids.stream().map(UUID::fromString).toArray(UUID[]::new);
    // statuses, shipments, history and events: all as before the batch
    assertThat(count("SELECT count(*) FROM orders.orders WHERE id = ANY($1) AND status = 'PENDING_PAYMENT'", (Object) orderIds)).isEqualTo(5);
    assertThat(count("SELECT count(*) FROM orders.shipment WHERE order_id = ANY($1) AND status = 'PENDING' AND ready_at IS NULL",
      (Object) orderIds)).isEqualTo(5);
    assertThat(count("SELECT count(*) FROM orders.order_history WHERE order_id = ANY($1) AND status = 'PAID'", (Object) orderIds)).isZero();
    assertThat(count("SELECT count(*) FROM orders.outbox WHERE payload->'data'->>'buyer_id' = $1 AND payload->>'type' = 'OrderPaid'", buyer))
      .isZero();

    // retried: each order paid once, with its shipments ready
    List<Object> retried = await(store.transitionBatch(batch));
    assertThat(retried).allSatisfy(r -> assertThat(((JsonObject) r).getString("status")).isEqualTo("PAID"));
    assertThat(count("SELECT count(*) FROM orders.shipment WHERE order_id = ANY($1) AND status = 'READY_TO_SHIP'", (Object) orderIds))
      .isEqualTo(5);
    assertThat(count("SELECT count(*) FROM orders.outbox WHERE payload->'data'->>'buyer_id' = $1 AND payload->>'type' = 'OrderPaid'", buyer))
      .isEqualTo(5);
  }
}
