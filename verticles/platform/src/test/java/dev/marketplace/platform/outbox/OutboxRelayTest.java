package dev.marketplace.platform.outbox;

import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.platform.kafka.KafkaSupport;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.Outcomes;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The relay against a real PostgreSQL and a real Kafka broker. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class OutboxRelayTest {
  private static final String SCHEMA = "relaytest";

  private Vertx vertx;
  private JsonObject config;
  private Pool pool;
  private Outbox outbox;
  private final List<OutboxRelay> relays = new ArrayList<>();

  @BeforeEach
  void setUp(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    config = TestInfra.shared().config();
    config.getJsonObject("outbox").put("poll_interval_ms", 50);
    PgSupport.migrate(vertx, config, SCHEMA).onComplete(ctx.succeeding(v -> {
      pool = PgSupport.pool(vertx, config, 4);
      outbox = new Outbox(SCHEMA);
      ctx.completeNow();
    }));
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    Future<Void> stopped = Future.succeededFuture();
    for (OutboxRelay relay : relays) {
      stopped = stopped.compose(v -> relay.stop());
    }
    stopped.compose(v -> pool.close()).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void publishesACommittedEventOnceAndMarksItsRow(VertxTestContext ctx) {
    appendInTransaction("order-1").compose(event -> start(new OutboxRelay(vertx, pool, config, SCHEMA))
        .compose(relay -> everyRowPublished(20_000))
        .compose(v -> countOnTopic(event.eventId())))
      .onComplete(ctx.succeeding(copies -> ctx.verify(() -> {
        assertThat(copies).isEqualTo(1);
        ctx.completeNow();
      })));
  }

  @Test
  void rolledBackTransactionPublishesNothing(VertxTestContext ctx) {
    EventEnvelope event = EventEnvelope.create("OrderCreated", "order-rollback", new JsonObject());
    Future<Void> rolledBack = pool.withTransaction(tx -> outbox.append(tx, Topics.ORDERS_EVENTS, event)
      .compose(v -> Future.failedFuture(new IllegalStateException("business rule failed"))));
    Outcomes.failure(rolledBack)
      .compose(e -> appendInTransaction("order-after-rollback"))
      .compose(committed -> start(new OutboxRelay(vertx, pool, config, SCHEMA))
        .compose(relay -> everyRowPublished(20_000))
        .compose(v -> countsOnTopic())
        .map(counts -> ctx.verify(() -> {
          assertThat(counts.getOrDefault(committed.eventId(), 0)).isEqualTo(1);
          assertThat(counts.getOrDefault(event.eventId(), 0)).isZero();
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void relayThatDiesBetweenPublishAndMarkIsNotPublishedTwiceByTheNextOne(VertxTestContext ctx) {
    Promise<Void> publishedThenCrashed = Promise.promise();
    AtomicInteger hookCalls = new AtomicInteger();
    // acts out a crash: the Kafka transaction committed, the rows are never marked
    OutboxRelay crashing = new OutboxRelay(vertx, pool, config, SCHEMA, () -> {
      hookCalls.incrementAndGet();
      publishedThenCrashed.tryComplete();
      return Future.failedFuture(new IllegalStateException("simulated crash after publish"));
    });
    OutboxRelay successor = new OutboxRelay(vertx, pool, config, SCHEMA);
    appendInTransaction("order-crash").compose(event -> crashing.start()
        .compose(v -> publishedThenCrashed.future())
        .compose(v -> crashing.stop())
        .compose(v -> unpublishedRows())
        .compose(unpublished -> {
          ctx.verify(() -> {
            assertThat(hookCalls.get()).isEqualTo(1);
            assertThat(unpublished).isEqualTo(1);
          });
          return start(successor);
        })
        .compose(relay -> everyRowPublished(20_000))
        .compose(v -> appendInTransaction("order-later"))
        .compose(later -> {
          successor.kick();
          return everyRowPublished(20_000).compose(v -> countsOnTopic()).map(counts -> {
            ctx.verify(() -> {
              assertThat(counts.getOrDefault(event.eventId(), 0)).isEqualTo(1);
              assertThat(counts.getOrDefault(later.eventId(), 0)).isEqualTo(1);
              assertThat(successor.publishedCount()).isEqualTo(1);
            });
            return counts;
          });
        }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void twoRelaysOnOneSchemaPublishEveryEventExactlyOnce(VertxTestContext ctx) {
    OutboxRelay first = new OutboxRelay(vertx, pool, config, SCHEMA);
    OutboxRelay second = new OutboxRelay(vertx, pool, config, SCHEMA);
    List<EventEnvelope> events = new ArrayList<>();
    start(first).compose(r -> start(second)).compose(r -> {
        Future<EventEnvelope> appended = Future.succeededFuture();
        for (int i = 0; i < 40; i++) {
          String aggregate = "order-" + i;
          appended = appended.compose(x -> appendInTransaction(aggregate)).onSuccess(events::add);
        }
        return appended;
      })
      .compose(x -> everyRowPublished(30_000))
      .compose(v -> countsOnTopic())
      .onComplete(ctx.succeeding(counts -> ctx.verify(() -> {
        assertThat(events).hasSize(40);
        for (EventEnvelope event : events) {
          assertThat(counts.getOrDefault(event.eventId(), 0)).as("copies of %s", event.eventId()).isEqualTo(1);
        }
        assertThat(first.isLeader() ^ second.isLeader()).as("exactly one leader").isTrue();
        assertThat(first.publishedCount() + second.publishedCount()).isEqualTo(40);
        ctx.completeNow();
      })));
  }

  private Future<OutboxRelay> start(OutboxRelay relay) {
    relays.add(relay);
    return relay.start().map(relay);
  }

  private Future<EventEnvelope> appendInTransaction(String aggregateId) {
    EventEnvelope event = EventEnvelope.create("OrderCreated", aggregateId, new JsonObject().put("n", 1));
    return pool.withTransaction(tx -> outbox.append(tx, Topics.ORDERS_EVENTS, event)).map(event);
  }

  private Future<Long> unpublishedRows() {
    return pool.query("SELECT count(*) AS n FROM " + SCHEMA + ".outbox WHERE published_at IS NULL").execute()
      .map(rows -> rows.iterator().next().getLong("n"));
  }

  private Future<Void> everyRowPublished(long timeoutMs) {
    return Eventually.until(vertx, "every outbox row is published", timeoutMs, () -> unpublishedRows().map(n -> n == 0));
  }

  private Future<Integer> countOnTopic(UUID eventId) {
    return countsOnTopic().map(counts -> counts.getOrDefault(eventId, 0));
  }

  /** {@link #readTopic}, off the event loop (a plain Kafka consumer blocks). */
  private Future<Map<UUID, Integer>> countsOnTopic() {
    return vertx.executeBlocking(this::readTopic);
  }

  /** Every committed record of the topic, read from the start, counted by event id. */
  private Map<UUID, Integer> readTopic() {
    Map<String, Object> props = new HashMap<>(KafkaSupport.consumerConfig(config, "unused"));
    props.remove("group.id");
    Map<UUID, Integer> counts = new HashMap<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(Topics.ORDERS_EVENTS)) {
        partitions.add(new TopicPartition(info.topic(), info.partition()));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.currentTimeMillis() + 15_000;
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        assertThat(System.currentTimeMillis()).as("reading the topic in time").isLessThan(deadline);
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          UUID id = EventEnvelope.fromJson(new JsonObject(record.value())).eventId();
          counts.merge(id, 1, Integer::sum);
        }
      }
    }
    return counts;
  }
}
