package dev.marketplace.platform.kafka;

import dev.marketplace.contracts.EventEnvelope;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;

/**
 * A record as a {@link ConsumeLoop} handler sees it: from Kafka, or from the dead-letter table when
 * an admin replays it (same topic, partition, offset, key and value).
 */
public record ConsumedRecord(String topic, int partition, long offset, String key, String value) {

  static ConsumedRecord of(KafkaConsumerRecord<String, String> record) {
    return new ConsumedRecord(record.topic(), record.partition(), record.offset(), record.key(), record.value());
  }

  /**
   * The value as a domain event envelope; throws (an IllegalArgumentException, a DecodeException,
   * a NullPointerException...) when it is not one, which a handler may simply let propagate: the
   * record then fails, and after the loop's attempts it is parked, never skipped in silence.
   */
  public EventEnvelope envelope() {
    if (value == null) {
      throw new IllegalArgumentException("The record at " + topic + "/" + partition + "@" + offset + " has no value");
    }
    return EventEnvelope.fromJson(new JsonObject(value));
  }

  @Override
  public String toString() {
    return topic + "/" + partition + "@" + offset;
  }
}
