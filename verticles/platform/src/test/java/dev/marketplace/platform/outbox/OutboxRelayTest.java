package dev.marketplace.platform.outbox;

import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.platform.kafka.KafkaSupport;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The relay against a real PostgreSQL and a real Kafka broker. */
class OutboxRelayTest {
  private static final String SCHEMA = "relaytest";

  private Vertx vertx;
  private JsonObject config;
  private Pool pool;
  private Outbox outbox;
  private final List<OutboxRelay> relays = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    config = TestInfra.shared().config();
    config.getJsonObject("outbox").put("poll_interval_ms", 50);
    await(PgSupport.migrate(vertx, config, SCHEMA));
    pool = PgSupport.pool(vertx, config, 4);
    outbox = new Outbox(SCHEMA);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (OutboxRelay relay : relays) {
      await(relay.stop());
    }
    await(pool.close());
    await(vertx.close());
  }

  @Test
  void publishesACommittedEventOnceAndMarksItsRow() throws Exception {
    EventEnvelope event = appendInTransaction("order-1");
    start(new OutboxRelay(vertx, pool, config, SCHEMA));

    waitUntil(() -> unpublishedRows() == 0, 20_000);
    assertThat(countOnTopic(event.eventId())).isEqualTo(1);
  }

  @Test
  void rolledBackTransactionPublishesNothing() throws Exception {
    EventEnvelope event = EventEnvelope.create("OrderCreated", "order-rollback", new JsonObject());
    Future<Void> rolledBack = pool.withTransaction(tx -> outbox.append(tx, Topics.ORDERS_EVENTS, event)
      .compose(v -> Future.failedFuture(new IllegalStateException("business rule failed"))));
    assertThat(rolledBack.toCompletionStage().toCompletableFuture().handle((v, e) -> e).get(10, TimeUnit.SECONDS)).isNotNull();
    EventEnvelope committed = appendInTransaction("order-after-rollback");
    start(new OutboxRelay(vertx, pool, config, SCHEMA));

    waitUntil(() -> unpublishedRows() == 0, 20_000);
    assertThat(countOnTopic(committed.eventId())).isEqualTo(1);
    assertThat(countOnTopic(event.eventId())).isZero();
  }

  @Test
  void relayThatDiesBetweenPublishAndMarkIsNotPublishedTwiceByTheNextOne() throws Exception {
    EventEnvelope event = appendInTransaction("order-crash");
    Promise<Void> publishedThenCrashed = Promise.promise();
    AtomicInteger hookCalls = new AtomicInteger();
    // acts out a crash: the Kafka transaction committed, the rows are never marked
    OutboxRelay crashing = new OutboxRelay(vertx, pool, config, SCHEMA, () -> {
      hookCalls.incrementAndGet();
      publishedThenCrashed.tryComplete();
      return Future.failedFuture(new IllegalStateException("simulated crash after publish"));
    });
    await(crashing.start());
    await(publishedThenCrashed.future());
    await(crashing.stop());
    assertThat(hookCalls.get()).isEqualTo(1);
    assertThat(unpublishedRows()).isEqualTo(1);

    OutboxRelay successor = start(new OutboxRelay(vertx, pool, config, SCHEMA));
    waitUntil(() -> unpublishedRows() == 0, 20_000);
    EventEnvelope later = appendInTransaction("order-later");
    successor.kick();
    waitUntil(() -> unpublishedRows() == 0, 20_000);

    assertThat(countOnTopic(event.eventId())).isEqualTo(1);
    assertThat(countOnTopic(later.eventId())).isEqualTo(1);
    assertThat(successor.publishedCount()).isEqualTo(1);
  }

  @Test
  void twoRelaysOnOneSchemaPublishEveryEventExactlyOnce() throws Exception {
    OutboxRelay first = start(new OutboxRelay(vertx, pool, config, SCHEMA));
    OutboxRelay second = start(new OutboxRelay(vertx, pool, config, SCHEMA));
    List<EventEnvelope> events = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      events.add(appendInTransaction("order-" + i));
    }
    waitUntil(() -> unpublishedRows() == 0, 30_000);

    Map<UUID, Integer> counts = countsOnTopic();
    for (EventEnvelope event : events) {
      assertThat(counts.getOrDefault(event.eventId(), 0)).as("copies of %s", event.eventId()).isEqualTo(1);
    }
    assertThat(first.isLeader() ^ second.isLeader()).as("exactly one leader").isTrue();
    assertThat(first.publishedCount() + second.publishedCount()).isEqualTo(40);
  }

  private OutboxRelay start(OutboxRelay relay) throws Exception {
    relays.add(relay);
    await(relay.start());
    return relay;
  }

  private EventEnvelope appendInTransaction(String aggregateId) throws Exception {
    EventEnvelope event = EventEnvelope.create("OrderCreated", aggregateId, new JsonObject().put("n", 1));
    await(pool.withTransaction(tx -> outbox.append(tx, Topics.ORDERS_EVENTS, event)));
    return event;
  }

  private long unpublishedRows() {
    try {
      return await(pool.query("SELECT count(*) AS n FROM " + SCHEMA + ".outbox WHERE published_at IS NULL").execute())
        .iterator().next().getLong("n");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private int countOnTopic(UUID eventId) {
    return countsOnTopic().getOrDefault(eventId, 0);
  }

  /** Every committed record of the topic, read from the start, counted by event id. */
  private Map<UUID, Integer> countsOnTopic() {
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

  private static void waitUntil(BooleanSupplier condition, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      assertThat(System.currentTimeMillis()).as("condition met in time").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
