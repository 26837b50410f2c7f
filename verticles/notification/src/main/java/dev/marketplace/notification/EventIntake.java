package dev.marketplace.notification;

import dev.marketplace.notification.NotificationRepository.IncomingEvent;
import dev.marketplace.platform.kafka.KafkaSupport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Reads {@code orders.events} and {@code payments.events} in the consumer group and stores the
 * events that notify someone in the inbox; only then commits the batch's offsets. A crash before
 * the commit re-reads the batch, and the inbox's key on {@code event_id} makes that a no-op. When
 * storing fails, the consumer seeks back to the batch's start and tries again after a pause.
 * Events that notify nobody and malformed records are skipped (and committed past).
 */
final class EventIntake {
  private static final Logger LOG = LoggerFactory.getLogger(EventIntake.class);
  private static final long RETRY_PAUSE_MS = 1000;

  private final Vertx vertx;
  private final NotificationRepository repository;
  private final KafkaConsumer<String, String> consumer;
  private final List<String> topics;
  private final Duration pollTimeout;
  private final Runnable onStored;
  private volatile boolean stopped;

  EventIntake(Vertx vertx, JsonObject config, String groupId, List<String> topics, long pollTimeoutMs,
              NotificationRepository repository, Runnable onStored) {
    this.vertx = vertx;
    this.repository = repository;
    this.consumer = KafkaSupport.consumer(vertx, config, groupId);
    this.topics = topics;
    this.pollTimeout = Duration.ofMillis(pollTimeoutMs);
    this.onStored = onStored;
  }

  Future<Void> start() {
    consumer.exceptionHandler(err -> LOG.warn("Kafka consumer error", err));
    return consumer.subscribe(new HashSet<>(topics)).onSuccess(v -> poll());
  }

  Future<Void> stop() {
    stopped = true;
    return consumer.close();
  }

  private void poll() {
    if (stopped) {
      return;
    }
    consumer.poll(pollTimeout)
      .compose(this::storeAndCommit)
      .onComplete(ar -> {
        if (stopped) {
          return;
        }
        if (ar.succeeded()) {
          poll();
        } else {
          LOG.warn("Could not take a batch of events; trying again in {} ms", RETRY_PAUSE_MS, ar.cause());
          vertx.setTimer(RETRY_PAUSE_MS, id -> poll());
        }
      });
  }

  private Future<Void> storeAndCommit(KafkaConsumerRecords<String, String> records) {
    if (records.isEmpty()) {
      return Future.succeededFuture();
    }
    List<IncomingEvent> events = new ArrayList<>();
    Map<TopicPartition, Long> first = new HashMap<>();
    Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, String> record = records.recordAt(i);
      TopicPartition partition = new TopicPartition(record.topic(), record.partition());
      first.merge(partition, record.offset(), Math::min);
      next.merge(partition, new OffsetAndMetadata(record.offset() + 1, null),
        (a, b) -> a.getOffset() >= b.getOffset() ? a : b);
      IncomingEvent event = parse(record);
      if (event != null) {
        events.add(event);
      }
    }
    return repository.storeIncoming(events)
      .recover(err -> rewind(first).compose(v -> Future.failedFuture(err)))
      .compose(v -> {
        if (!events.isEmpty()) {
          onStored.run();
        }
        // a failed commit only means these events are read again: the inbox ignores repeats
        return consumer.commit(next).<Void>mapEmpty().recover(err -> {
          LOG.warn("Committing offsets failed; the stored events will be read again", err);
          return Future.succeededFuture();
        });
      });
  }

  private Future<Void> rewind(Map<TopicPartition, Long> first) {
    List<Future<Void>> seeks = new ArrayList<>();
    first.forEach((partition, offset) -> seeks.add(consumer.seek(partition, offset)));
    return Future.join(seeks).mapEmpty();
  }

  /** The event if it notifies a buyer; {@code null} for other types and malformed records. */
  static IncomingEvent parse(String topic, String value) {
    JsonObject envelope;
    try {
      envelope = new JsonObject(value);
    } catch (RuntimeException e) {
      LOG.warn("Skipping a record on {} that is not a JSON event", topic);
      return null;
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
        LOG.warn("Skipping {} event {}: it names no buyer or order", type, eventId);
        return null;
      }
      String occurred = envelope.getString("occurred_at");
      OffsetDateTime occurredAt = occurred == null
        ? OffsetDateTime.now(ZoneOffset.UTC)
        : OffsetDateTime.parse(occurred);
      return new IncomingEvent(eventId, topic, type, template, buyer, orderId, data, occurredAt);
    } catch (IllegalArgumentException | ClassCastException | NullPointerException | DateTimeParseException e) {
      LOG.warn("Skipping a malformed {} event on {}: {}", type, topic, e.toString());
      return null;
    }
  }

  private static IncomingEvent parse(KafkaConsumerRecord<String, String> record) {
    return record.value() == null ? null : parse(record.topic(), record.value());
  }
}
