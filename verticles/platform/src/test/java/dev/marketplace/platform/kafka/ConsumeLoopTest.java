package dev.marketplace.platform.kafka;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.DeadLetterAddresses;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The consume loop against the real broker and PostgreSQL: nothing skipped, nothing applied twice, poison parked. */
class ConsumeLoopTest {
  private static final String SCHEMA = "consumetest";

  private Vertx vertx;
  private Context context;
  private JsonObject config;
  private Pool pool;
  private DeadLetters deadLetters;
  private String topic;
  private String group;
  private KafkaProducer<String, String> producer;
  private final List<ConsumeLoop> loops = new ArrayList<>();
  /** Event ids in the order they were applied (a handler's effect; idempotent by event id). */
  private final List<String> applied = new CopyOnWriteArrayList<>();
  private final Set<String> appliedOnce = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    config = TestInfra.shared().config();
    config.getJsonObject("kafka").put("consumer", new JsonObject().put("max_attempts", 3).put("retry_initial_ms", 50).put("retry_max_ms", 200));
    await(PgSupport.migrate(vertx, config, SCHEMA));
    pool = PgSupport.pool(vertx, config, 4);
    deadLetters = new DeadLetters(pool, SCHEMA);
    topic = "consume-test-" + UUID.randomUUID();
    group = "consume-test-" + UUID.randomUUID();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestInfra.shared().bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(20, TimeUnit.SECONDS);
    }
    producer = new KafkaProducer<>(Map.of("bootstrap.servers", TestInfra.shared().bootstrapServers(), "acks", "all"),
      new StringSerializer(), new StringSerializer());
  }

  @AfterEach
  void tearDown() throws Exception {
    for (ConsumeLoop loop : loops) {
      await(onContext(loop::stop));
    }
    producer.close();
    await(pool.close());
    await(vertx.close());
  }

  @Test
  void aFailedRecordIsRetriedInOrderAndNothingAfterItIsCommittedPastIt() throws Exception {
    // one key: one partition, in order; the second event fails twice (below max_attempts) then passes
    List<String> ids = send("k", 5);
    String flaky = ids.get(1);
    AtomicInteger failuresLeft = new AtomicInteger(2);
    start(loop(record -> {
      String id = record.envelope().eventId().toString();
      if (id.equals(flaky) && failuresLeft.getAndDecrement() > 0) {
        return Future.failedFuture(new IllegalStateException("the database said no"));
      }
      return apply(id);
    }));

    waitUntil(() -> applied.size() == 5, 20_000);
    assertThat(applied).containsExactlyElementsOf(ids);
    assertThat(calls.get(flaky).get()).isEqualTo(3);
    assertThat(calls.get(ids.get(2)).get()).as("a later record waits for the failed one").isEqualTo(1);
    assertThat(await(deadLetters.list(null, 10))).isEmpty();
  }

  @Test
  void aStoppedLoopLeavesItsOffsetAtTheFailedRecordSoTheNextConsumerAppliesIt() throws Exception {
    List<String> ids = send("k", 4);
    String stuck = ids.get(2);
    // a neighbour that is not there: transient, never parked, retried until the loop stops
    ConsumeLoop first = loop(record -> {
      String id = record.envelope().eventId().toString();
      return id.equals(stuck)
        ? Future.failedFuture(new ReplyException(ReplyFailure.NO_HANDLERS, "no handlers for orders.transition"))
        : apply(id);
    });
    start(first);
    waitUntil(() -> calls.containsKey(stuck) && calls.get(stuck).get() >= 4, 20_000);
    await(onContext(first::stop));
    loops.remove(first);
    assertThat(applied).containsExactlyElementsOf(ids.subList(0, 2));
    assertThat(await(deadLetters.list(null, 10))).as("transient failures are never parked").isEmpty();

    // a new consumer of the group starts at the failed record, not after it
    start(loop(record -> apply(record.envelope().eventId().toString())));
    waitUntil(() -> applied.size() == 4, 20_000);
    assertThat(applied).containsExactlyElementsOf(ids);
  }

  @Test
  void aPoisonRecordIsParkedAfterItsAttemptsTheRestGoesOnAndReplayAppliesIt() throws Exception {
    List<String> ids = send("k", 3);
    String poison = ids.get(1);
    AtomicInteger fixed = new AtomicInteger();
    ConsumeLoop loop = loop(record -> {
      String id = record.envelope().eventId().toString();
      if (id.equals(poison) && fixed.get() == 0) {
        return Future.failedFuture(new IllegalArgumentException("cannot apply " + id));
      }
      return apply(id);
    });
    start(loop);
    String list = DeadLetterAddresses.list(SCHEMA);
    String replay = DeadLetterAddresses.replay(SCHEMA);
    await(onContext(() -> Future.all(
      Bus.serve(vertx, list, loop::handleDeadLetterList).completion(),
      Bus.serve(vertx, replay, loop::handleDeadLetterReplay).completion()).mapEmpty()));

    waitUntil(() -> applied.size() == 2, 20_000);
    assertThat(applied).containsExactly(ids.get(0), ids.get(2));
    assertThat(calls.get(poison).get()).isEqualTo(3);
    JsonArray items = await(Bus.request(vertx, list, new JsonObject(), admin())).getJsonArray("items");
    assertThat(items).hasSize(1);
    JsonObject letter = items.getJsonObject(0);
    assertThat(letter.getString("event_id")).isEqualTo(poison);
    assertThat(letter.getString("status")).isEqualTo("PARKED");
    assertThat(letter.getInteger("attempts")).isEqualTo(3);
    assertThat(letter.getString("last_error")).contains("cannot apply");
    assertThat(letter.getString("topic")).isEqualTo(topic);

    // only admins see or replay dead letters
    assertThat(failure(list, new JsonObject(), new DeliveryOptions().addHeader(BusHeaders.USER_ID, "u1").addHeader(BusHeaders.ROLES, "buyer")))
      .isEqualTo(ErrorCode.FORBIDDEN);
    assertThat(failure(list, new JsonObject(), new DeliveryOptions())).isEqualTo(ErrorCode.UNAUTHORIZED);
    JsonObject byId = new JsonObject().put("id", letter.getLong("id"));
    // still broken: the replay fails, the letter stays parked with the error
    assertThat(failure(replay, byId, admin())).isEqualTo(ErrorCode.CONFLICT);
    assertThat(await(deadLetters.list("PARKED", 10)).getJsonObject(0).getString("replay_error")).contains("cannot apply");

    fixed.set(1);
    JsonObject replayed = await(Bus.request(vertx, replay, byId, admin()));
    assertThat(replayed.getString("status")).isEqualTo("REPLAYED");
    assertThat(applied).containsExactly(ids.get(0), ids.get(2), poison);
    assertThat(failure(replay, byId, admin())).isEqualTo(ErrorCode.ILLEGAL_STATE);
    assertThat(failure(replay, new JsonObject().put("id", 999_999), admin())).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(failure(replay, new JsonObject().put("id", "x"), admin())).isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(applied).hasSize(3);
  }

  @Test
  void aBatchHandlerThatFailsFindsTheRecordAtFaultOneByOne() throws Exception {
    List<String> ids = send("k", 6);
    String poison = ids.get(3);
    AtomicInteger batches = new AtomicInteger();
    start(ConsumeLoop.builder(vertx, config, group, List.of(topic)).deadLetters(deadLetters)
      .batchHandler(records -> {
        batches.incrementAndGet();
        List<String> batch = new ArrayList<>();
        for (ConsumedRecord record : records) {
          String id = record.envelope().eventId().toString();
          if (id.equals(poison)) {
            return Future.failedFuture(new IllegalArgumentException("poison"));
          }
          batch.add(id);
        }
        // all or nothing, like one transaction
        return Future.join(batch.stream().map(this::apply).toList()).mapEmpty();
      }).build());
    waitUntil(() -> applied.size() == 5, 20_000);
    assertThat(applied).containsExactlyInAnyOrderElementsOf(ids.stream().filter(id -> !id.equals(poison)).toList());
    assertThat(applied.subList(0, 3)).containsExactlyElementsOf(ids.subList(0, 3));
    assertThat(await(deadLetters.list("PARKED", 10))).hasSize(1);
    assertThat(await(deadLetters.list("PARKED", 10)).getJsonObject(0).getString("event_id")).isEqualTo(poison);
  }

  @Test
  void anUnreadableRecordIsParkedNotSkipped() throws Exception {
    producer.send(new ProducerRecord<>(topic, "k", "not an event")).get(10, TimeUnit.SECONDS);
    List<String> ids = send("k", 1);
    start(loop(record -> apply(record.envelope().eventId().toString())));
    waitUntil(() -> applied.size() == 1, 20_000);
    waitUntil(() -> !await(deadLetters.list("PARKED", 10)).isEmpty(), 20_000);
    JsonObject letter = await(deadLetters.list("PARKED", 10)).getJsonObject(0);
    assertThat(letter.getString("payload")).isEqualTo("not an event");
    assertThat(letter.getString("event_id")).isNull();
    assertThat(applied).containsExactlyElementsOf(ids);
  }

  // ------------------------------------------------------------- helpers

  private ConsumeLoop loop(java.util.function.Function<ConsumedRecord, Future<Void>> handler) {
    return ConsumeLoop.builder(vertx, config, group, List.of(topic)).deadLetters(deadLetters)
      .handler(record -> {
        try {
          calls.computeIfAbsent(record.envelope().eventId().toString(), k -> new AtomicInteger()).incrementAndGet();
        } catch (RuntimeException unreadable) {
          // counted by nobody: the handler fails on it as well
        }
        return handler.apply(record);
      }).build();
  }

  private Future<Void> apply(String eventId) {
    if (appliedOnce.add(eventId)) {
      applied.add(eventId);
    }
    return Future.succeededFuture();
  }

  private void start(ConsumeLoop loop) throws Exception {
    loops.add(loop);
    await(onContext(loop::start));
  }

  private <T> Future<T> onContext(java.util.function.Supplier<Future<T>> action) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(promise));
    return promise.future();
  }

  private List<String> send(String key, int n) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      EventEnvelope event = EventEnvelope.create("TestHappened", key, new JsonObject().put("i", i));
      producer.send(new ProducerRecord<>(topic, key, event.toJson().encode())).get(10, TimeUnit.SECONDS);
      ids.add(event.eventId().toString());
    }
    return Collections.unmodifiableList(ids);
  }

  private static DeliveryOptions admin() {
    return new DeliveryOptions().setSendTimeout(10_000).addHeader(BusHeaders.USER_ID, "admin-1").addHeader(BusHeaders.ROLES, "admin");
  }

  private ErrorCode failure(String address, JsonObject body, DeliveryOptions options) throws Exception {
    try {
      await(Bus.request(vertx, address, body, options.setSendTimeout(10_000)));
    } catch (java.util.concurrent.ExecutionException e) {
      return ServiceFailure.from(e.getCause()).code();
    }
    throw new AssertionError(address + " succeeded");
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static void waitUntil(ThrowingCondition condition, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.holds()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("condition not met within " + timeoutMs + " ms");
      }
      Thread.sleep(50);
    }
  }

  @FunctionalInterface
  private interface ThrowingCondition {
    boolean holds() throws Exception;
  }
}
