package dev.marketplace.inventory;

import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.InOrder;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.marketplace.inventory.InventoryTestSupport.reserveBody;
import static org.assertj.core.api.Assertions.assertThat;

/** Consumed-event ids and tombstones go after their retention; reservations with stock stay. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class InventoryRetentionTest {
  private InventoryTestSupport inv;

  @BeforeEach
  void up(VertxTestContext ctx) {
    inv = new InventoryTestSupport(config -> config.put("retention",
      new JsonObject().put("consumed_events", "PT1H").put("tombstones", "PT1H").put("interval_ms", 200)));
    inv.start().onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void down(VertxTestContext ctx) {
    inv.stop().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void oldConsumedEventIdsAndTombstonesArePurgedAndNothingElse(VertxTestContext ctx) {
    UUID oldEvent = UUID.randomUUID();
    UUID newEvent = UUID.randomUUID();
    UUID oldCancelled = UUID.randomUUID();
    UUID newCancelled = UUID.randomUUID();
    // a release of an unknown reservation leaves a tombstone
    UUID tombstone = UUID.randomUUID();
    // a real reservation, released long ago, keeps its history
    UUID released = UUID.randomUUID();
    UUID[] product = new UUID[1];
    inv.rows("INSERT INTO inventory.consumed_event (event_id, at) VALUES ($1, now() - interval '2 hours'), ($2, now())", oldEvent, newEvent)
      .compose(v -> inv.rows("INSERT INTO inventory.cancelled_order (order_id, at) VALUES ($1, now() - interval '2 hours'), ($2, now())",
        oldCancelled, newCancelled))
      .compose(v -> inv.request("inventory.release", new JsonObject().put("reservation_id", tombstone.toString()).put("reason", "TEST"), null, null))
      .compose(v -> inv.newProduct(UUID.randomUUID().toString(), 3))
      .compose(p -> {
        product[0] = p;
        return inv.request("inventory.reserve", reserveBody(released, UUID.randomUUID(), p, 1), null, null);
      })
      .compose(v -> inv.request("inventory.release", new JsonObject().put("reservation_id", released.toString()).put("reason", "TEST"), null, null))
      .compose(v -> inv.rows("UPDATE inventory.reservation SET updated_at = now() - interval '2 days' WHERE id = ANY($1)",
        (Object) new UUID[] {tombstone, released}))
      .compose(v -> Eventually.until(inv.vertx, "the old event id, cancelled order and tombstone are purged", 20_000,
        () -> InOrder.run(() -> exists("consumed_event", "event_id", oldEvent), () -> exists("cancelled_order", "order_id", oldCancelled),
          () -> exists("reservation", "id", tombstone)).map(left -> !left.contains(true))))
      .compose(v -> InOrder.run(() -> exists("consumed_event", "event_id", newEvent), () -> exists("cancelled_order", "order_id", newCancelled),
        () -> exists("reservation", "id", released)))
      .compose(kept -> inv.availableOf(product[0]).map(available -> ctx.verify(() -> {
        assertThat(kept).as("the new event id, cancelled order and the released reservation").containsExactly(true, true, true);
        assertThat(available).isEqualTo(3);
      })))
      .compose(v -> inv.invariant())
      .onComplete(ctx.succeedingThenComplete());
  }

  private Future<Boolean> exists(String table, String column, UUID id) {
    return inv.rows("SELECT count(*) FROM inventory." + table + " WHERE " + column + " = $1", id).map(rows -> rows.get(0).getLong(0) == 1);
  }
}
