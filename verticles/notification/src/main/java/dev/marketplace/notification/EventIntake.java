package dev.marketplace.notification;

import dev.marketplace.notification.NotificationRepository.IncomingEvent;
import dev.marketplace.platform.kafka.ConsumedRecord;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The handler of notification's consume loop on {@code orders.events} and {@code payments.events}
 * (group {@code notification}): stores the events that notify someone in the inbox, a partition's
 * batch in one transaction; the loop commits only then. A redelivered batch is a no-op (the inbox's
 * key on {@code event_id}); a failed one is retried from its first record, a malformed record is
 * parked by the loop after its attempts. Events that notify nobody are passed over.
 */
final class EventIntake {
  private final NotificationRepository repository;

  EventIntake(NotificationRepository repository) {
    this.repository = repository;
  }

  /** Stores the batch's notifying events (all or none). */
  Future<Void> store(List<ConsumedRecord> records) {
    List<IncomingEvent> events = new ArrayList<>();
    for (ConsumedRecord record : records) {
      IncomingEvent event = parse(record.topic(), record.value());
      if (event != null) {
        events.add(event);
      }
    }
    return repository.storeIncoming(events);
  }

  /**
   * The event if it notifies a buyer; {@code null} for types that notify nobody. A malformed record
   * (not JSON, no event id, no buyer or order...) throws, so the consume loop retries it and at
   * last parks it in {@code notification.dead_letters}: never skipped in silence.
   */
  static IncomingEvent parse(String topic, String value) {
    JsonObject envelope;
    try {
      envelope = new JsonObject(value);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("A record on " + topic + " is not a JSON event", e);
    }
    String type = envelope.getValue("type") instanceof String s ? s : null;
    String template = type == null ? null : Templates.forEventType(type);
    if (template == null) {
      return null;
    }
    try {
      UUID eventId = UUID.fromString(envelope.getString("event_id"));
      JsonObject data = envelope.getJsonObject("data", new JsonObject());
      String buyer = data.getString("buyer_id");
      String orderId = data.getString("order_id", envelope.getString("aggregate_id"));
      if (buyer == null || buyer.isBlank() || orderId == null || orderId.isBlank()) {
        throw new IllegalArgumentException(type + " event " + eventId + " names no buyer or order");
      }
      String occurred = envelope.getString("occurred_at");
      OffsetDateTime occurredAt = occurred == null
        ? OffsetDateTime.now(ZoneOffset.UTC)
        : OffsetDateTime.parse(occurred);
      return new IncomingEvent(eventId, topic, type, template, buyer, orderId, data, occurredAt);
    } catch (IllegalArgumentException | ClassCastException | NullPointerException | DateTimeParseException e) {
      throw new IllegalArgumentException("A malformed " + type + " event on " + topic + ": " + e, e);
    }
  }

}
