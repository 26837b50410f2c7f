package dev.marketplace.inventory;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.InOrder;
import dev.marketplace.platform.testing.LockedTable;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static dev.marketplace.inventory.InventoryTestSupport.reserveBody;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reserve and commit batches: within one batch each request is granted, refused or answered as it
 * is on its own (stock gone, an unknown product, a repeated id, a released id), and a batch whose
 * transaction dies with its connection (the node dies) leaves no reservation, hold or sale behind.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class BatchFailureTest {
  private static final String SELLER = UUID.randomUUID().toString();
  @RegisterExtension
  static final InventoryTestSupport inv = new InventoryTestSupport(config -> config.getJsonObject("inventory").put("commit_batch_max", 64));

  /** Sends every reserve at once; the calls, once every one of them ended, failed or not. */
  private static Future<List<Future<JsonObject>>> reserveAll(List<JsonObject> bodies) {
    List<Future<JsonObject>> calls = new ArrayList<>();
    bodies.forEach(b -> calls.add(inv.request("inventory.reserve", b, null, null)));
    return Future.join(calls).transform(ar -> Future.succeededFuture(calls));
  }

  private static Future<JsonObject> call(String address, JsonObject body) {
    return inv.request(address, body, null, null);
  }

  @Test
  void concurrentReservesOfOneProductShareTransactionsAndEachGetsItsOwnAnswer(VertxTestContext ctx) {
    UUID buyer = UUID.randomUUID();
    // one held before (its repeats must answer HELD and hold nothing more), one released before it came
    UUID held = UUID.randomUUID();
    UUID released = UUID.randomUUID();
    inv.newProduct(SELLER, 10).compose(product -> {
        JsonObject heldBody = reserveBody(held, buyer, product, 2);
        List<JsonObject> bodies = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
          bodies.add(reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 1));
        }
        for (int i = 0; i < 5; i++) {
          bodies.add(3 + 4 * i, heldBody);
        }
        bodies.add(11, reserveBody(released, buyer, product, 1));
        return call("inventory.reserve", heldBody)
          .compose(v -> call("inventory.release", new JsonObject().put("reservation_id", released.toString())))
          .compose(v -> reserveAll(bodies))
          .map(calls -> ctx.verify(() -> {
            int granted = 0;
            int refused = 0;
            for (int i = 0; i < bodies.size(); i++) {
              String id = bodies.get(i).getString("reservation_id");
              Future<JsonObject> call = calls.get(i);
              if (id.equals(held.toString())) {
                assertThat(call.result().getString("status")).isEqualTo("HELD");
              } else if (id.equals(released.toString())) {
                assertThat(ServiceFailure.from(call.cause()).code()).isEqualTo(ErrorCode.ILLEGAL_STATE);
              } else if (call.succeeded()) {
                granted++;
              } else {
                assertThat(ServiceFailure.from(call.cause()).code()).isEqualTo(ErrorCode.OUT_OF_STOCK);
                refused++;
              }
            }
            assertThat(granted).isEqualTo(8);
            assertThat(refused).isEqualTo(17);
          }))
          .compose(v -> InOrder.run(
            () -> inv.rows("SELECT sum(quantity)::int FROM inventory.reservation_allocation WHERE reservation_id = $1", held),
            () -> inv.rows("SELECT count(*) FROM inventory.reservation_allocation WHERE reservation_id = $1", released),
            // the grants shared transactions: their reservation rows have fewer writers than rows
            () -> inv.rows("SELECT count(DISTINCT r.xmin::text) FROM inventory.reservation r "
              + "JOIN inventory.reservation_line l ON l.reservation_id = r.id WHERE l.product_id = $1 AND r.id <> $2", product, held)))
          .compose(counts -> inv.availableOf(product).map(available -> ctx.verify(() -> {
            assertThat(counts.get(0).get(0).getInteger(0)).isEqualTo(2);
            assertThat(counts.get(1).get(0).getLong(0)).isZero();
            assertThat(available).isZero();
            assertThat(counts.get(2).get(0).getLong(0)).as("writers of the granted reservations").isLessThan(8);
          })));
      })
      .compose(v -> inv.invariant())
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void concurrentReservesOfAnUnknownProductAreOutOfStockAndWriteNothing(VertxTestContext ctx) {
    UUID unknown = UUID.randomUUID();
    List<JsonObject> bodies = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      bodies.add(reserveBody(UUID.randomUUID(), UUID.randomUUID(), unknown, 1));
    }
    UUID[] ids = bodies.stream().map(b -> UUID.fromString(b.getString("reservation_id"))).toArray(UUID[]::new);

    reserveAll(bodies)
      .map(calls -> ctx.verify(() ->
        assertThat(calls).allSatisfy(c -> assertThat(ServiceFailure.from(c.cause()).code()).isEqualTo(ErrorCode.OUT_OF_STOCK))))
      .compose(v -> inv.rows("SELECT count(*) FROM inventory.reservation WHERE id = ANY($1)", (Object) ids))
      .map(written -> ctx.verify(() -> assertThat(written.get(0).getLong(0)).isZero()))
      .onComplete(ctx.succeedingThenComplete());
  }

  /**
   * Runs the batch while the test holds the outbox locked, kills its connection once it waits for the
   * lock (the node dies halfway through its transaction), and answers whether the batch failed.
   */
  private static Future<Boolean> dyingBatch(Supplier<Future<List<Object>>> batch) {
    return LockedTable.lock(inv.sql, "inventory.outbox").compose(outbox -> {
      Future<List<Object>> running = batch.get();
      return outbox.killFirstWaiter("%INSERT INTO inventory.outbox%", 10_000).eventually(outbox::release)
        .compose(pid -> LockedTable.failed(running));
    });
  }

  @Test
  void aReserveBatchThatDiesLeavesNoReservationOrHoldBehind(VertxTestContext ctx) {
    // the batch runs on a pool of its own (the node that dies); the test's pool watches and kills
    Pool node = PgSupport.pool(inv.vertx, inv.config, 2);
    Reservations reservations = new Reservations(node, 8, 1, () -> { });
    List<Reservations.ReserveRequest> batch = new ArrayList<>();
    UUID[] ids = new UUID[6];
    inv.newProduct(SELLER, 20).compose(product -> {
        for (int i = 0; i < 6; i++) {
          batch.add(new Reservations.ReserveRequest(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(),
            List.of(new Reservations.Line(product, 2)), 900));
          ids[i] = batch.get(i).reservationId();
        }
        return dyingBatch(() -> reservations.reserveBatch(product, batch))
          .map(failed -> ctx.verify(() -> assertThat(failed).as("the batch failed").isTrue()))
          .compose(v -> InOrder.run(
            () -> inv.rows("SELECT count(*) FROM inventory.reservation WHERE id = ANY($1)", (Object) ids),
            () -> inv.rows("SELECT sum(held)::int FROM inventory.stock_bucket WHERE product_id = $1", product)))
          .compose(left -> inv.availableOf(product).map(available -> ctx.verify(() -> {
            assertThat(left.get(0).get(0).getLong(0)).isZero();
            assertThat(left.get(1).get(0).getInteger(0)).isZero();
            assertThat(available).isEqualTo(20);
          })))
          .compose(v -> inv.invariant())
          // the callers retry: each holds its units once
          .compose(v -> reservations.reserveBatch(product, batch))
          .compose(retried -> inv.availableOf(product).map(available -> ctx.verify(() -> {
            assertThat(retried).allSatisfy(r -> assertThat(((JsonObject) r).getString("status")).isEqualTo("HELD"));
            assertThat(available).isEqualTo(8);
          })));
      })
      .compose(v -> inv.invariant())
      .eventually(node::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aCommitBatchThatDiesSellsNothingAndARetrySellsEachOnce(VertxTestContext ctx) {
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.add(UUID.randomUUID());
    }
    // the batch runs on a pool of its own (the node that dies); the test's pool watches and kills
    Pool node = PgSupport.pool(inv.vertx, inv.config, 2);
    Reservations reservations = new Reservations(node, 8, 1, () -> { });
    inv.newProduct(SELLER, 20).compose(product -> InOrder.run(ids.stream()
          .<Supplier<Future<JsonObject>>>map(id -> () -> call("inventory.reserve", reserveBody(id, UUID.randomUUID(), product, 3))).toList())
        .compose(held -> dyingBatch(() -> reservations.commitBatch(ids)))
        .map(failed -> ctx.verify(() -> assertThat(failed).as("the batch failed").isTrue()))
        .compose(v -> InOrder.run(
          () -> inv.rows("SELECT count(*) FROM inventory.reservation WHERE id = ANY($1) AND status = 'HELD'", (Object) ids.toArray(UUID[]::new)),
          () -> inv.rows("SELECT sum(sold)::int, sum(held)::int FROM inventory.stock_bucket WHERE product_id = $1", product)))
        .map(left -> ctx.verify(() -> {
          assertThat(left.get(0).get(0).getLong(0)).isEqualTo(6);
          assertThat(left.get(1).get(0).getInteger(0)).isZero();
        }))
        .compose(v -> inv.invariant())
        .compose(v -> reservations.commitBatch(ids))
        .map(retried -> ctx.verify(() ->
          assertThat(retried).allSatisfy(r -> assertThat(((JsonObject) r).getString("status")).isEqualTo("COMMITTED"))))
        // once more (a caller that timed out): nothing sold twice
        .compose(v -> reservations.commitBatch(ids))
        .compose(again -> inv.rows("SELECT sum(sold)::int, sum(held)::int FROM inventory.stock_bucket WHERE product_id = $1", product))
        .map(totals -> ctx.verify(() -> {
          assertThat(totals.get(0).getInteger(0)).isEqualTo(18);
          assertThat(totals.get(0).getInteger(1)).isZero();
        })))
      .compose(v -> inv.invariant())
      .eventually(node::close)
      .onComplete(ctx.succeedingThenComplete());
  }
}
