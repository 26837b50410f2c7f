package dev.marketplace.inventory;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.Topics;
import dev.marketplace.platform.kafka.KafkaSupport;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.Outcomes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.marketplace.inventory.InventoryTestSupport.reserveBody;
import static org.assertj.core.api.Assertions.assertThat;

/** The expiry job and the OrderCancelled consumer give held stock back. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ExpiryAndCancellationTest {
  private static final String SELLER = UUID.randomUUID().toString();
  @RegisterExtension
  static final InventoryTestSupport inv = new InventoryTestSupport(config -> { });

  private static Future<Void> availableBecomes(UUID product, int units) {
    return Eventually.until(inv.vertx, units + " units available", 20_000, () -> inv.availableOf(product).map(n -> n == units));
  }

  @Test
  void expiredReservationsAreReleasedByTheJobAndCannotBeCommitted(VertxTestContext ctx) {
    UUID shortLived = UUID.randomUUID();
    inv.newProduct(SELLER, 5).compose(product -> inv.request("inventory.reserve",
          reserveBody(shortLived, UUID.randomUUID(), product, 2).put("ttl_seconds", 1), null, null)
        .compose(held -> inv.request("inventory.reserve", reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 1), null, null))
        .compose(held -> inv.availableOf(product))
        .compose(available -> {
          ctx.verify(() -> assertThat(available).isEqualTo(2));
          return availableBecomes(product, 4);
        }))
      .compose(v -> inv.rows("SELECT status FROM inventory.reservation WHERE id = $1", shortLived))
      .compose(status -> Outcomes.refusal(inv.request("inventory.commit", new JsonObject().put("reservation_id", shortLived.toString()), null, null))
        .map(commit -> ctx.verify(() -> {
          assertThat(status.get(0).getString(0)).isEqualTo("EXPIRED");
          assertThat(commit.code()).isEqualTo(ErrorCode.ILLEGAL_STATE);
        })))
      .compose(v -> inv.invariant())
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void orderCancelledReleasesTheOrdersReservationOnceAndBlocksALateReserve(VertxTestContext ctx) {
    UUID orderId = UUID.randomUUID();
    EventEnvelope cancelled = EventEnvelope.create("OrderCancelled", orderId.toString(),
      new JsonObject().put("order_id", orderId.toString()).put("status", "CANCELLED").put("reason", "BUYER_CANCELLED"));
    KafkaProducer<String, String> producer = KafkaProducer.create(inv.vertx, KafkaSupport.producerConfig(inv.config));
    KafkaProducerRecord<String, String> record = KafkaProducerRecord.create(Topics.ORDERS_EVENTS, orderId.toString(), cancelled.toJson().encode());
    inv.newProduct(SELLER, 5).compose(product -> inv.request("inventory.reserve",
          reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 3).put("order_id", orderId.toString()), null, null)
        .compose(held -> inv.availableOf(product))
        .compose(available -> {
          ctx.verify(() -> assertThat(available).isEqualTo(2));
          // the same event twice: applied once
          return producer.send(record).compose(sent -> producer.send(record));
        })
        .compose(sent -> availableBecomes(product, 5))
        .compose(v -> inv.rows("SELECT count(*) FROM inventory.consumed_event WHERE event_id = $1", cancelled.eventId()))
        .compose(consumed -> {
          ctx.verify(() -> assertThat(consumed.get(0).getLong(0)).isEqualTo(1L));
          // a reserve for the cancelled order that arrives late holds nothing
          JsonObject late = reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 1).put("order_id", orderId.toString());
          return Outcomes.refusal(inv.request("inventory.reserve", late, null, null)).map(ServiceFailure::code);
        })
        .compose(lateReserve -> inv.availableOf(product).map(available -> ctx.verify(() -> {
          assertThat(lateReserve).isEqualTo(ErrorCode.ILLEGAL_STATE);
          assertThat(available).isEqualTo(5);
        }))))
      .compose(v -> inv.invariant())
      .eventually(producer::close)
      .onComplete(ctx.succeedingThenComplete());
  }
}
