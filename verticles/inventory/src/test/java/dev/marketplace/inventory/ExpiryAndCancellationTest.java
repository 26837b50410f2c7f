package dev.marketplace.inventory;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.platform.kafka.KafkaSupport;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static dev.marketplace.inventory.InventoryTestSupport.await;
import static dev.marketplace.inventory.InventoryTestSupport.reserveBody;
import static org.assertj.core.api.Assertions.assertThat;

/** The expiry job and the OrderCancelled consumer give held stock back. */
class ExpiryAndCancellationTest {
  private static final String SELLER = UUID.randomUUID().toString();
  @RegisterExtension
  static final InventoryTestSupport inv = new InventoryTestSupport(config -> { });

  private static void eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!condition.getAsBoolean()) {
      assertThat(System.currentTimeMillis()).as("condition met within 20 s").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @Test
  void expiredReservationsAreReleasedByTheJobAndCannotBeCommitted() throws Exception {
    UUID product = inv.product(SELLER, 5);
    UUID shortLived = UUID.randomUUID();
    inv.call("inventory.reserve", reserveBody(shortLived, UUID.randomUUID(), product, 2).put("ttl_seconds", 1));
    inv.call("inventory.reserve", reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 1));
    assertThat(inv.available(product)).isEqualTo(2);

    eventually(() -> inv.available(product) == 4);

    assertThat(inv.query("SELECT status FROM inventory.reservation WHERE id = $1", shortLived).get(0).getString(0)).isEqualTo("EXPIRED");
    assertThat(inv.failure(inv.request("inventory.commit", new JsonObject().put("reservation_id", shortLived.toString()), null, null))
      .code()).isEqualTo(ErrorCode.ILLEGAL_STATE);
    inv.assertInvariant();
  }

  @Test
  void orderCancelledReleasesTheOrdersReservationOnceAndBlocksALateReserve() throws Exception {
    UUID product = inv.product(SELLER, 5);
    UUID orderId = UUID.randomUUID();
    JsonObject reserve = reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 3).put("order_id", orderId.toString());
    inv.call("inventory.reserve", reserve);
    assertThat(inv.available(product)).isEqualTo(2);

    EventEnvelope cancelled = EventEnvelope.create("OrderCancelled", orderId.toString(),
      new JsonObject().put("order_id", orderId.toString()).put("status", "CANCELLED").put("reason", "BUYER_CANCELLED"));
    Map<String, String> props = new HashMap<>(KafkaSupport.producerConfig(inv.config));
    KafkaProducer<String, String> producer = KafkaProducer.create(inv.vertx, props);
    try {
      // the same event twice: applied once
      await(producer.send(KafkaProducerRecord.create(Topics.ORDERS_EVENTS, orderId.toString(), cancelled.toJson().encode())));
      await(producer.send(KafkaProducerRecord.create(Topics.ORDERS_EVENTS, orderId.toString(), cancelled.toJson().encode())));
    } finally {
      await(producer.close());
    }

    eventually(() -> inv.available(product) == 5);
    assertThat(inv.query("SELECT count(*) FROM inventory.consumed_event WHERE event_id = $1", cancelled.eventId()).get(0).getLong(0))
      .isEqualTo(1L);
    // a reserve for the cancelled order that arrives late holds nothing
    JsonObject late = reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 1).put("order_id", orderId.toString());
    assertThat(inv.failure(inv.request("inventory.reserve", late, null, null)).code()).isEqualTo(ErrorCode.ILLEGAL_STATE);
    assertThat(inv.available(product)).isEqualTo(5);
    inv.assertInvariant();
  }
}
