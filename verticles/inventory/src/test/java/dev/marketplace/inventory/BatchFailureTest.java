package dev.marketplace.inventory;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.platform.testing.LockedTable;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import static dev.marketplace.inventory.InventoryTestSupport.await;
import static dev.marketplace.inventory.InventoryTestSupport.reserveBody;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reserve and commit batches: within one batch each request is granted, refused or answered as it
 * is on its own (stock gone, an unknown product, a repeated id, a released id), and a batch whose
 * transaction dies with its connection (the node dies) leaves no reservation, hold or sale behind.
 */
class BatchFailureTest {
  private static final String SELLER = UUID.randomUUID().toString();
  @RegisterExtension
  static final InventoryTestSupport inv = new InventoryTestSupport(config -> config.getJsonObject("inventory").put("commit_batch_max", 64));

  private static List<Future<JsonObject>> reserveAll(List<JsonObject> bodies) {
    List<Future<JsonObject>> calls = new ArrayList<>();
    bodies.forEach(b -> calls.add(inv.request("inventory.reserve", b, null, null)));
    await(Future.join(calls).transform(ar -> Future.succeededFuture()));
    return calls;
  }

  @Test
  void concurrentReservesOfOneProductShareTransactionsAndEachGetsItsOwnAnswer() {
    UUID product = inv.product(SELLER, 10);
    UUID buyer = UUID.randomUUID();
    // one held before (its repeats must answer HELD and hold nothing more), one released before it came
    UUID held = UUID.randomUUID();
    JsonObject heldBody = reserveBody(held, buyer, product, 2);
    inv.call("inventory.reserve", heldBody);
    UUID released = UUID.randomUUID();
    inv.call("inventory.release", new JsonObject().put("reservation_id", released.toString()));
    List<JsonObject> bodies = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      bodies.add(reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 1));
    }
    for (int i = 0; i < 5; i++) {
      bodies.add(3 + 4 * i, heldBody);
    }
    bodies.add(11, reserveBody(released, buyer, product, 1));

    List<Future<JsonObject>> calls = reserveAll(bodies);

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
    assertThat(inv.query("SELECT sum(quantity)::int FROM inventory.reservation_allocation WHERE reservation_id = $1", held)
      .get(0).getInteger(0)).isEqualTo(2);
    assertThat(inv.query("SELECT count(*) FROM inventory.reservation_allocation WHERE reservation_id = $1", released)
      .get(0).getLong(0)).isZero();
    assertThat(inv.available(product)).isZero();
    // the grants shared transactions: their reservation rows have fewer writers than rows
    long writers = inv.query("SELECT count(DISTINCT r.xmin::text) FROM inventory.reservation r "
      + "JOIN inventory.reservation_line l ON l.reservation_id = r.id WHERE l.product_id = $1 AND r.id <> $2", product, held)
      .get(0).getLong(0);
    assertThat(writers).isLessThan(8);
    inv.assertInvariant();
  }

  @Test
  void concurrentReservesOfAnUnknownProductAreOutOfStockAndWriteNothing() {
    UUID unknown = UUID.randomUUID();
    List<JsonObject> bodies = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      bodies.add(reserveBody(UUID.randomUUID(), UUID.randomUUID(), unknown, 1));
    }

    List<Future<JsonObject>> calls = reserveAll(bodies);

    assertThat(calls).allSatisfy(c -> assertThat(ServiceFailure.from(c.cause()).code()).isEqualTo(ErrorCode.OUT_OF_STOCK));
    UUID[] ids = bodies.stream().map(b -> UUID.fromString(b.getString("reservation_id"))).toArray(UUID[]::new);
    assertThat(inv.query("SELECT count(*) FROM inventory.reservation WHERE id = ANY($1)", (Object) ids).get(0).getLong(0)).isZero();
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
  void aReserveBatchThatDiesLeavesNoReservationOrHoldBehind() {
    UUID product = inv.product(SELLER, 20);
    // the batch runs on a pool of its own (the node that dies); the test's pool watches and kills
    io.vertx.sqlclient.Pool node = dev.marketplace.platform.pg.PgSupport.pool(inv.vertx, inv.config, 2);
    Reservations reservations = new Reservations(node, 8, 1, () -> { });
    List<Reservations.ReserveRequest> batch = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      batch.add(new Reservations.ReserveRequest(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(),
        List.of(new Reservations.Line(product, 2)), 900));
    }
    boolean failed = await(dyingBatch(() -> reservations.reserveBatch(product, batch)));

    assertThat(failed).as("the batch failed").isTrue();
    UUID[] ids = batch.stream().map(Reservations.ReserveRequest::reservationId).toArray(UUID[]::new);
    assertThat(inv.query("SELECT count(*) FROM inventory.reservation WHERE id = ANY($1)", (Object) ids).get(0).getLong(0)).isZero();
    assertThat(inv.query("SELECT sum(held)::int FROM inventory.stock_bucket WHERE product_id = $1", product).get(0).getInteger(0)).isZero();
    assertThat(inv.available(product)).isEqualTo(20);
    inv.assertInvariant();

    // the callers retry: each holds its units once
    List<Object> retried = await(reservations.reserveBatch(product, batch));
    assertThat(retried).allSatisfy(r -> assertThat(((JsonObject) r).getString("status")).isEqualTo("HELD"));
    assertThat(inv.available(product)).isEqualTo(8);
    inv.assertInvariant();
    await(node.close());
  }

  @Test
  void aCommitBatchThatDiesSellsNothingAndARetrySellsEachOnce() {
    UUID product = inv.product(SELLER, 20);
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      UUID id = UUID.randomUUID();
      inv.call("inventory.reserve", reserveBody(id, UUID.randomUUID(), product, 3));
      ids.add(id);
    }
    // the batch runs on a pool of its own (the node that dies); the test's pool watches and kills
    io.vertx.sqlclient.Pool node = dev.marketplace.platform.pg.PgSupport.pool(inv.vertx, inv.config, 2);
    Reservations reservations = new Reservations(node, 8, 1, () -> { });
    boolean failed = await(dyingBatch(() -> reservations.commitBatch(ids)));

    assertThat(failed).as("the batch failed").isTrue();
    assertThat(inv.query("SELECT count(*) FROM inventory.reservation WHERE id = ANY($1) AND status = 'HELD'", (Object) ids.toArray(UUID[]::new))
      .get(0).getLong(0)).isEqualTo(6);
    assertThat(inv.query("SELECT sum(sold)::int, sum(held)::int FROM inventory.stock_bucket WHERE product_id = $1", product).get(0).getInteger(0))
      .isZero();
    inv.assertInvariant();

    List<Object> retried = await(reservations.commitBatch(ids));
    assertThat(retried).allSatisfy(r -> assertThat(((JsonObject) r).getString("status")).isEqualTo("COMMITTED"));
    // once more (a caller that timed out): nothing sold twice
    await(reservations.commitBatch(ids));
    var totals = inv.query("SELECT sum(sold)::int, sum(held)::int FROM inventory.stock_bucket WHERE product_id = $1", product).get(0);
    assertThat(totals.getInteger(0)).isEqualTo(18);
    assertThat(totals.getInteger(1)).isZero();
    inv.assertInvariant();
    await(node.close());
  }
}
