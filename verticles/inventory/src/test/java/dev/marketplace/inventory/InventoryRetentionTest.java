package dev.marketplace.inventory;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static dev.marketplace.inventory.InventoryTestSupport.reserveBody;
import static org.assertj.core.api.Assertions.assertThat;

/** Consumed-event ids and tombstones go after their retention; reservations with stock stay. */
class InventoryRetentionTest {
  private InventoryTestSupport inv;

  @BeforeEach
  void up() {
    inv = InventoryTestSupport.started(config -> config.put("retention",
      new JsonObject().put("consumed_events", "PT1H").put("tombstones", "PT1H").put("interval_ms", 200)));
  }

  @AfterEach
  void down() {
    inv.close();
  }

  @Test
  void oldConsumedEventIdsAndTombstonesArePurgedAndNothingElse() throws Exception {
    UUID oldEvent = UUID.randomUUID();
    UUID newEvent = UUID.randomUUID();
    inv.query("INSERT INTO inventory.consumed_event (event_id, at) VALUES ($1, now() - interval '2 hours'), ($2, now())", oldEvent, newEvent);
    UUID oldCancelled = UUID.randomUUID();
    UUID newCancelled = UUID.randomUUID();
    inv.query("INSERT INTO inventory.cancelled_order (order_id, at) VALUES ($1, now() - interval '2 hours'), ($2, now())", oldCancelled, newCancelled);
    // a release of an unknown reservation leaves a tombstone
    UUID tombstone = UUID.randomUUID();
    inv.call("inventory.release", new JsonObject().put("reservation_id", tombstone.toString()).put("reason", "TEST"));
    // a real reservation, released long ago, keeps its history
    UUID product = inv.product(UUID.randomUUID().toString(), 3);
    UUID released = UUID.randomUUID();
    inv.call("inventory.reserve", reserveBody(released, UUID.randomUUID(), product, 1));
    inv.call("inventory.release", new JsonObject().put("reservation_id", released.toString()).put("reason", "TEST"));
    inv.query("UPDATE inventory.reservation SET updated_at = now() - interval '2 days' WHERE id = ANY($1)", (Object) new UUID[] {tombstone, released});

    long deadline = System.currentTimeMillis() + 20_000;
    while ((exists("consumed_event", "event_id", oldEvent) || exists("cancelled_order", "order_id", oldCancelled)
      || exists("reservation", "id", tombstone)) && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertThat(exists("consumed_event", "event_id", oldEvent)).isFalse();
    assertThat(exists("cancelled_order", "order_id", oldCancelled)).isFalse();
    assertThat(exists("reservation", "id", tombstone)).isFalse();
    assertThat(exists("consumed_event", "event_id", newEvent)).isTrue();
    assertThat(exists("cancelled_order", "order_id", newCancelled)).isTrue();
    assertThat(exists("reservation", "id", released)).isTrue();
    assertThat(inv.available(product)).isEqualTo(3);
    inv.assertInvariant();
  }

  private boolean exists(String table, String column, UUID id) {
    return inv.query("SELECT count(*) FROM inventory." + table + " WHERE " + column + " = $1", id).get(0).getLong(0) == 1;
  }
}
