package dev.marketplace.notification;

import dev.marketplace.contracts.EventEnvelope;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which records become inbox events: those that notify a buyer; a malformed one is refused (and so parked by the loop). */
class EventIntakeParseTest {
  private static final String ORDER = UUID.randomUUID().toString();
  private static final String BUYER = UUID.randomUUID().toString();

  @Test
  void anOrderEventForABuyerIsTaken() {
    EventEnvelope event = EventEnvelope.create("OrderCancelled", ORDER,
      new JsonObject().put("order_id", ORDER).put("buyer_id", BUYER).put("reason", "OUT_OF_STOCK"));
    NotificationRepository.IncomingEvent parsed = EventIntake.parse("orders.events", event.toJson().encode());
    assertThat(parsed).isNotNull();
    assertThat(parsed.eventId()).isEqualTo(event.eventId());
    assertThat(parsed.template()).isEqualTo(Templates.CANCELLED);
    assertThat(parsed.userId()).isEqualTo(BUYER);
    assertThat(parsed.orderId()).isEqualTo(ORDER);
    assertThat(parsed.occurredAt().toInstant()).isEqualTo(event.occurredAt());
  }

  @Test
  void typesThatNotifyNobodyArePassedOver() {
    JsonObject data = new JsonObject().put("order_id", ORDER).put("buyer_id", BUYER);
    assertThat(EventIntake.parse("orders.events", EventEnvelope.create("OrderCreated", ORDER, data).toJson().encode())).isNull();
  }

  @Test
  void malformedRecordsAreRefusedNotSkipped() {
    JsonObject data = new JsonObject().put("order_id", ORDER).put("buyer_id", BUYER);
    assertThatThrownBy(() -> EventIntake.parse("orders.events", "not json")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EventIntake.parse("orders.events", "[1,2]")).isInstanceOf(IllegalArgumentException.class);
    JsonObject noBuyer = EventEnvelope.create("OrderPaid", ORDER, new JsonObject().put("order_id", ORDER)).toJson();
    assertThatThrownBy(() -> EventIntake.parse("orders.events", noBuyer.encode())).isInstanceOf(IllegalArgumentException.class);
    JsonObject badId = EventEnvelope.create("OrderPaid", ORDER, data).toJson().put("event_id", "nope");
    assertThatThrownBy(() -> EventIntake.parse("orders.events", badId.encode())).isInstanceOf(IllegalArgumentException.class);
    JsonObject badTime = EventEnvelope.create("OrderPaid", ORDER, data).toJson().put("occurred_at", "yesterday");
    assertThatThrownBy(() -> EventIntake.parse("orders.events", badTime.encode())).isInstanceOf(IllegalArgumentException.class);
    JsonObject dataNotObject = EventEnvelope.create("OrderPaid", ORDER, data).toJson().put("data", "x");
    assertThatThrownBy(() -> EventIntake.parse("orders.events", dataNotObject.encode())).isInstanceOf(IllegalArgumentException.class);
  }
}
