package dev.marketplace.contracts;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The value of every domain event on Kafka:
 * {@code {event_id, type, occurred_at, aggregate_id, data}}. Types are past tense
 * ({@code OrderPaid}, {@code StockReserved}); consumers deduplicate by {@code event_id}.
 */
public record EventEnvelope(UUID eventId, String type, Instant occurredAt, String aggregateId, JsonObject data) {

  public EventEnvelope {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(occurredAt, "occurredAt");
    Objects.requireNonNull(aggregateId, "aggregateId");
    data = data == null ? new JsonObject() : data;
  }

  public static EventEnvelope create(String type, String aggregateId, JsonObject data) {
    return new EventEnvelope(UUID.randomUUID(), type, Instant.now(), aggregateId, data);
  }

  public JsonObject toJson() {
    return new JsonObject()
      .put("event_id", eventId.toString())
      .put("type", type)
      .put("occurred_at", occurredAt.toString())
      .put("aggregate_id", aggregateId)
      .put("data", data);
  }

  public static EventEnvelope fromJson(JsonObject json) {
    return new EventEnvelope(
      UUID.fromString(json.getString("event_id")),
      json.getString("type"),
      Instant.parse(json.getString("occurred_at")),
      json.getString("aggregate_id"),
      json.getJsonObject("data"));
  }
}
