package dev.marketplace.platform.kafka;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.DeadLetterAddresses;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.Outcomes;
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
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

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
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
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
  void setUp(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    context = vertx.getOrCreateContext();
    config = TestInfra.shared().config();
    config.getJsonObject("kafka").put("consumer", new JsonObject().put("max_attempts", 3).put("retry_initial_ms", 50).put("retry_max_ms", 200));
    topic = "consume-test-" + UUID.randomUUID();
    group = "consume-test-" + UUID.randomUUID();
    PgSupport.migrate(vertx, config, SCHEMA)
      .compose(v -> vertx.<Void>executeBlocking(() -> {
        // the plain Kafka clients block: off the event loop
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestInfra.shared().bootstrapServers()))) {
          admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", TestInfra.shared().bootstrapServers(), "acks", "all"),
          new StringSerializer(), new StringSerializer());
        return null;
      }))
      .onComplete(ctx.succeeding(v -> {
        pool = PgSupport.pool(vertx, config, 4);
        deadLetters = new DeadLetters(pool, SCHEMA);
        ctx.completeNow();
      }));
  }

  @AfterEach
  void tearDown(VertxTestContext ctx) {
    Future<Void> stopped = Future.succeededFuture();
    for (ConsumeLoop loop : loops) {
      stopped = stopped.compose(v -> onContext(loop::stop));
    }
    stopped
      .compose(v -> vertx.<Void>executeBlocking(() -> {
        if (producer != null) {
          producer.close();
        }
        return null;
      }))
      .compose(v -> pool == null ? Future.succeededFuture() : pool.close())
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aFailedRecordIsRetriedInOrderAndNothingAfterItIsCommittedPastIt(VertxTestContext ctx) {
    // one key: one partition, in order; the second event fails twice (below max_attempts) then passes
    AtomicInteger failuresLeft = new AtomicInteger(2);
    send("k", 5).compose(ids -> {
      String flaky = ids.get(1);
      return start(loop(record -> {
          String id = record.envelope().eventId().toString();
          if (id.equals(flaky) && failuresLeft.getAndDecrement() > 0) {
            return Future.failedFuture(new IllegalStateException("the database said no"));
          }
          return apply(id);
        }))
        .compose(v -> appliedCount(5))
        .compose(v -> deadLetters.list(null, 10))
        .map(letters -> ctx.verify(() -> {
          assertThat(applied).containsExactlyElementsOf(ids);
          assertThat(calls.get(flaky).get()).isEqualTo(3);
          assertThat(calls.get(ids.get(2)).get()).as("a later record waits for the failed one").isEqualTo(1);
          assertThat(letters).isEmpty();
        }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aStoppedLoopLeavesItsOffsetAtTheFailedRecordSoTheNextConsumerAppliesIt(VertxTestContext ctx) {
    send("k", 4).compose(ids -> {
      String stuck = ids.get(2);
      // a neighbour that is not there: transient, never parked, retried until the loop stops
      ConsumeLoop first = loop(record -> {
        String id = record.envelope().eventId().toString();
        return id.equals(stuck)
          ? Future.failedFuture(new ReplyException(ReplyFailure.NO_HANDLERS, "no handlers for orders.transition"))
          : apply(id);
      });
      return start(first)
        .compose(v -> Eventually.untilTrue(vertx, "the stuck record was tried four times", 20_000,
          () -> calls.containsKey(stuck) && calls.get(stuck).get() >= 4))
        .compose(v -> onContext(first::stop))
        .compose(v -> {
          loops.remove(first);
          return deadLetters.list(null, 10);
        })
        .compose(letters -> {
          ctx.verify(() -> {
            assertThat(applied).containsExactlyElementsOf(ids.subList(0, 2));
            assertThat(letters).as("transient failures are never parked").isEmpty();
          });
          // a new consumer of the group starts at the failed record, not after it
          return start(loop(record -> apply(record.envelope().eventId().toString())));
        })
        .compose(v -> appliedCount(4))
        .map(v -> ctx.verify(() -> assertThat(applied).containsExactlyElementsOf(ids)));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aPoisonRecordIsParkedAfterItsAttemptsTheRestGoesOnAndReplayAppliesIt(VertxTestContext ctx) {
    AtomicInteger fixed = new AtomicInteger();
    String list = DeadLetterAddresses.list(SCHEMA);
    String replay = DeadLetterAddresses.replay(SCHEMA);
    send("k", 3).compose(ids -> {
      String poison = ids.get(1);
      ConsumeLoop loop = loop(record -> {
        String id = record.envelope().eventId().toString();
        if (id.equals(poison) && fixed.get() == 0) {
          return Future.failedFuture(new IllegalArgumentException("cannot apply " + id));
        }
        return apply(id);
      });
      JsonObject[] byId = new JsonObject[1];
      return start(loop)
        .compose(v -> onContext(() -> Future.all(
          Bus.serve(vertx, list, loop::handleDeadLetterList).completion(),
          Bus.serve(vertx, replay, loop::handleDeadLetterReplay).completion()).mapEmpty()))
        .compose(v -> appliedCount(2))
        .compose(v -> Bus.request(vertx, list, new JsonObject(), admin()))
        .compose(reply -> {
          JsonArray items = reply.getJsonArray("items");
          ctx.verify(() -> {
            assertThat(applied).containsExactly(ids.get(0), ids.get(2));
            assertThat(calls.get(poison).get()).isEqualTo(3);
            assertThat(items).hasSize(1);
            JsonObject letter = items.getJsonObject(0);
            assertThat(letter.getString("event_id")).isEqualTo(poison);
            assertThat(letter.getString("status")).isEqualTo("PARKED");
            assertThat(letter.getInteger("attempts")).isEqualTo(3);
            assertThat(letter.getString("last_error")).contains("cannot apply");
            assertThat(letter.getString("topic")).isEqualTo(topic);
          });
          byId[0] = new JsonObject().put("id", items.getJsonObject(0).getLong("id"));
          // only admins see or replay dead letters; still broken: the replay fails, the letter stays parked with the error
          return Future.all(
            failure(list, new JsonObject(), new DeliveryOptions().addHeader(BusHeaders.USER_ID, "u1").addHeader(BusHeaders.ROLES, "buyer")),
            failure(list, new JsonObject(), new DeliveryOptions()),
            failure(replay, byId[0], admin()));
        })
        .compose(refusals -> {
          ctx.verify(() -> {
            assertThat(refusals.<ErrorCode>resultAt(0)).isEqualTo(ErrorCode.FORBIDDEN);
            assertThat(refusals.<ErrorCode>resultAt(1)).isEqualTo(ErrorCode.UNAUTHORIZED);
            assertThat(refusals.<ErrorCode>resultAt(2)).isEqualTo(ErrorCode.CONFLICT);
          });
          return deadLetters.list("PARKED", 10);
        })
        .compose(parked -> {
          ctx.verify(() -> assertThat(parked.getJsonObject(0).getString("replay_error")).contains("cannot apply"));
          fixed.set(1);
          return Bus.request(vertx, replay, byId[0], admin());
        })
        .compose(replayed -> {
          ctx.verify(() -> {
            assertThat(replayed.getString("status")).isEqualTo("REPLAYED");
            assertThat(applied).containsExactly(ids.get(0), ids.get(2), poison);
          });
          return failure(replay, byId[0], admin())
            .compose(again -> failure(replay, new JsonObject().put("id", 999_999), admin()).map(unknown -> List.of(again, unknown)))
            .compose(two -> failure(replay, new JsonObject().put("id", "x"), admin()).map(bad -> List.of(two.get(0), two.get(1), bad)));
        })
        .map(refusals -> ctx.verify(() -> {
          assertThat(refusals).containsExactly(ErrorCode.ILLEGAL_STATE, ErrorCode.NOT_FOUND, ErrorCode.VALIDATION_FAILED);
          assertThat(applied).hasSize(3);
        }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aBatchHandlerThatFailsFindsTheRecordAtFaultOneByOne(VertxTestContext ctx) {
    AtomicInteger batches = new AtomicInteger();
    send("k", 6).compose(ids -> {
      String poison = ids.get(3);
      return start(ConsumeLoop.builder(vertx, config, group, List.of(topic)).deadLetters(deadLetters)
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
          }).build())
        .compose(v -> appliedCount(5))
        .compose(v -> deadLetters.list("PARKED", 10))
        .map(parked -> ctx.verify(() -> {
          assertThat(applied).containsExactlyInAnyOrderElementsOf(ids.stream().filter(id -> !id.equals(poison)).toList());
          assertThat(applied.subList(0, 3)).containsExactlyElementsOf(ids.subList(0, 3));
          assertThat(parked).hasSize(1);
          assertThat(parked.getJsonObject(0).getString("event_id")).isEqualTo(poison);
        }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anUnreadableRecordIsParkedNotSkipped(VertxTestContext ctx) {
    vertx.<Void>executeBlocking(() -> {
        producer.send(new ProducerRecord<>(topic, "k", "not an event")).get(10, TimeUnit.SECONDS);
        return null;
      })
      .compose(v -> send("k", 1))
      .compose(ids -> start(loop(record -> apply(record.envelope().eventId().toString())))
        .compose(v -> appliedCount(1))
        .compose(v -> Eventually.until(vertx, "the unreadable record is parked", 20_000,
          () -> deadLetters.list("PARKED", 10).map(parked -> !parked.isEmpty())))
        .compose(v -> deadLetters.list("PARKED", 10))
        .map(parked -> ctx.verify(() -> {
          JsonObject letter = parked.getJsonObject(0);
          assertThat(letter.getString("payload")).isEqualTo("not an event");
          assertThat(letter.getString("event_id")).isNull();
          assertThat(applied).containsExactlyElementsOf(ids);
        })))
      .onComplete(ctx.succeedingThenComplete());
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

  private Future<Void> appliedCount(int n) {
    return Eventually.untilTrue(vertx, n + " records applied", 20_000, () -> applied.size() == n);
  }

  private Future<Void> start(ConsumeLoop loop) {
    loops.add(loop);
    return onContext(loop::start);
  }

  private <T> Future<T> onContext(java.util.function.Supplier<Future<T>> action) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(promise));
    return promise.future();
  }

  /** Sends n events under the key, one after the other (the plain producer blocks: off the event loop); their ids in order. */
  private Future<List<String>> send(String key, int n) {
    return vertx.executeBlocking(() -> {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        EventEnvelope event = EventEnvelope.create("TestHappened", key, new JsonObject().put("i", i));
        producer.send(new ProducerRecord<>(topic, key, event.toJson().encode())).get(10, TimeUnit.SECONDS);
        ids.add(event.eventId().toString());
      }
      return Collections.unmodifiableList(ids);
    });
  }

  private static DeliveryOptions admin() {
    return new DeliveryOptions().setSendTimeout(10_000).addHeader(BusHeaders.USER_ID, "admin-1").addHeader(BusHeaders.ROLES, "admin");
  }

  /** The error code of a request that must fail. */
  private Future<ErrorCode> failure(String address, JsonObject body, DeliveryOptions options) {
    return Outcomes.refusal(Bus.request(vertx, address, body, options.setSendTimeout(10_000))).map(ServiceFailure::code);
  }
}
