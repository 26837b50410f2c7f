package dev.marketplace.inventory;

import dev.marketplace.contracts.DeadLetterAddresses;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.platform.kafka.KafkaSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static dev.marketplace.inventory.InventoryTestSupport.await;
import static dev.marketplace.inventory.InventoryTestSupport.reserveBody;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inventory's {@code orders.events} consumer while its database is unreachable: every cancelled
 * order's stock comes back once after recovery; an event that keeps failing is parked and a replay
 * applies it.
 */
class InventoryConsumerRecoveryTest {
  private static final String SELLER = UUID.randomUUID().toString();
  private InventoryTestSupport inv;
  private KafkaProducer<String, String> producer;
  private String pgUrl;

  @BeforeEach
  void up() {
    inv = InventoryTestSupport.started(config -> config.getJsonObject("kafka")
      .put("consumer", new JsonObject().put("max_attempts", 3).put("retry_initial_ms", 100).put("retry_max_ms", 1000)));
    pgUrl = inv.config.getJsonObject("pg").getString("url");
    producer = KafkaProducer.create(inv.vertx, KafkaSupport.producerConfig(inv.config));
  }

  @AfterEach
  void down() {
    TestInfra.shared().reachable(pgUrl);
    await(producer.close());
    inv.close();
  }

  @Test
  void cancellationsThatArriveWhileTheDatabaseIsDownGiveTheStockBackOnce() throws Exception {
    UUID product = inv.product(SELLER, 10);
    List<UUID> orders = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      UUID order = UUID.randomUUID();
      inv.call("inventory.reserve", reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 2).put("order_id", order.toString()));
      orders.add(order);
    }
    assertThat(inv.available(product)).isEqualTo(2);

    TestInfra.shared().unreachable(pgUrl);
    List<EventEnvelope> events = new ArrayList<>();
    for (UUID order : orders) {
      events.add(cancel(order));
    }
    Thread.sleep(3000);
    TestInfra.shared().reachable(pgUrl);

    eventually(() -> inv.available(product) == 10);
    for (EventEnvelope event : events) {
      assertThat(inv.query("SELECT count(*) FROM inventory.consumed_event WHERE event_id = $1", event.eventId()).get(0).getLong(0)).isEqualTo(1L);
    }
    assertThat(inv.query("SELECT count(*) FROM inventory.reservation WHERE order_id = ANY($1) AND status = 'RELEASED'",
      (Object) orders.toArray(new UUID[0])).get(0).getLong(0)).isEqualTo(4L);
    inv.assertInvariant();
  }

  @Test
  void anEventThatKeepsFailingIsParkedThenAReplayAppliesIt() throws Exception {
    UUID product = inv.product(SELLER, 5);
    UUID poison = UUID.randomUUID();
    UUID healthy = UUID.randomUUID();
    inv.call("inventory.reserve", reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 2).put("order_id", poison.toString()));
    inv.call("inventory.reserve", reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 1).put("order_id", healthy.toString()));
    inv.query("CREATE FUNCTION inventory.refuse_cancel() RETURNS trigger LANGUAGE plpgsql AS "
      + "$$ BEGIN RAISE EXCEPTION 'this order cannot be cancelled'; END $$");
    inv.query("CREATE TRIGGER refuse_cancel BEFORE INSERT ON inventory.cancelled_order FOR EACH ROW WHEN (NEW.order_id = '"
      + poison + "') EXECUTE FUNCTION inventory.refuse_cancel()");
    EventEnvelope poisonEvent = cancel(poison);
    cancel(healthy);

    eventually(() -> inv.available(product) == 3 && !parked().isEmpty());
    JsonObject letter = parked().getJsonObject(0);
    assertThat(letter.getString("event_id")).isEqualTo(poisonEvent.eventId().toString());
    assertThat(letter.getString("last_error")).contains("this order cannot be cancelled");

    inv.query("DROP TRIGGER refuse_cancel ON inventory.cancelled_order");
    JsonObject replayed = inv.callAs("admin-1", "admin", DeadLetterAddresses.replay("inventory"), new JsonObject().put("id", letter.getLong("id")));
    assertThat(replayed.getString("status")).isEqualTo("REPLAYED");
    assertThat(inv.available(product)).isEqualTo(5);
    inv.assertInvariant();
  }

  private JsonArray parked() {
    return inv.callAs("admin-1", "admin", DeadLetterAddresses.list("inventory"), new JsonObject().put("status", "PARKED")).getJsonArray("items");
  }

  private EventEnvelope cancel(UUID orderId) {
    EventEnvelope cancelled = EventEnvelope.create("OrderCancelled", orderId.toString(),
      new JsonObject().put("order_id", orderId.toString()).put("status", "CANCELLED").put("reason", "BUYER_CANCELLED"));
    await(producer.send(KafkaProducerRecord.create(Topics.ORDERS_EVENTS, orderId.toString(), cancelled.toJson().encode())));
    return cancelled;
  }

  private static void eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (!condition.getAsBoolean()) {
      assertThat(System.currentTimeMillis()).as("condition met within 30 s").isLessThan(deadline);
      Thread.sleep(100);
    }
  }
}
