package dev.marketplace.platform.kafka;

import dev.marketplace.contracts.DeadLetterAddresses;
import dev.marketplace.contracts.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The one way a component consumes Kafka: at-least-once, in order per partition, never past a
 * record that was not applied.
 *
 * <p>Each poll's records are grouped by partition; partitions run side by side, the records of one
 * partition one after another (or as one batch, see {@link Builder#batchHandler}). When a record
 * fails, its partition stops there: the offsets committed are those of the first unprocessed
 * record of each partition (so no later commit can move past it), the consumer seeks that
 * partition back to it, and the loop polls again after a backoff (doubling from
 * {@code retry_initial_ms} to {@code retry_max_ms}). A record whose handling fails
 * {@code max_attempts} times with a non-transient error is parked in the component's
 * {@link DeadLetters} table and the partition goes on; if parking fails too (the database is
 * down) the record is retried like any other. Transient failures (a neighbour that does not answer
 * or is not there, a refused connection) never park: they are retried until they pass.
 *
 * <p>Handlers must be idempotent by event id: after a crash or a lost commit a record is
 * delivered again, and a replayed dead letter may have been applied meanwhile.
 *
 * <p>Settings (section {@code kafka.consumer}, each overridable by the builder): {@code max_attempts}
 * (5), {@code retry_initial_ms} (200), {@code retry_max_ms} (10000), {@code poll_timeout_ms} (500),
 * {@code session_timeout_ms} (10000), {@code max_poll_records} (500).
 *
 * <pre>{@code
 * loop = ConsumeLoop.builder(vertx, config(), "payment." + database, List.of(Topics.ORDERS_EVENTS))
 *   .deadLetters(new DeadLetters(pool, name()))
 *   .handler(record -> onOrderEvent(record.envelope()))
 *   .build();
 * serve(DeadLetterAddresses.list(name()), loop::handleDeadLetterList);
 * serve(DeadLetterAddresses.replay(name()), loop::handleDeadLetterReplay);
 * return loop.start();     // stop(): loop.stop()
 * }</pre>
 * A {@code ComponentVerticle} does all of that for you, for one loop or several:
 * {@code return consume(ConsumeLoop.builder(...).handler(...));} in {@code startComponent()}.
 */
public final class ConsumeLoop {
  private static final Logger LOG = LoggerFactory.getLogger(ConsumeLoop.class);
  private static final long CLOSE_WAIT_MS = 5000;

  private final Vertx vertx;
  private final String name;
  private final Map<String, String> consumerConfig;
  private final List<String> topics;
  private final Function<List<ConsumedRecord>, Future<Void>> batchHandler;
  private final Function<ConsumedRecord, Future<Void>> handler;
  private final DeadLetters deadLetters;
  private final Predicate<Throwable> transientFailure;
  private final int maxAttempts;
  private final long retryInitialMs;
  private final long retryMaxMs;
  private final Duration pollTimeout;
  private final Runnable afterBatch;

  /** Failures per record (by topic/partition@offset) still waiting to pass; at most one per partition. */
  private final Map<String, Integer> attempts = new HashMap<>();
  private KafkaConsumer<String, String> consumer;
  private boolean running;
  private int failuresInARow;
  private long retryTimer = -1;
  private Promise<Void> cycleDone;
  private long applied;
  private long parked;

  private ConsumeLoop(Builder b) {
    this.vertx = b.vertx;
    this.name = b.name;
    this.topics = List.copyOf(b.topics);
    this.handler = b.handler;
    this.batchHandler = b.batchHandler;
    this.deadLetters = b.deadLetters;
    this.transientFailure = b.transientFailure;
    JsonObject settings = b.config.getJsonObject("kafka", new JsonObject()).getJsonObject("consumer", new JsonObject());
    this.maxAttempts = b.maxAttempts != null ? b.maxAttempts : settings.getInteger("max_attempts", 5);
    this.retryInitialMs = b.retryInitialMs != null ? b.retryInitialMs : settings.getLong("retry_initial_ms", 200L);
    this.retryMaxMs = b.retryMaxMs != null ? b.retryMaxMs : settings.getLong("retry_max_ms", 10_000L);
    this.pollTimeout = Duration.ofMillis(settings.getLong("poll_timeout_ms", 500L));
    this.afterBatch = b.afterBatch;
    Map<String, String> props = new HashMap<>(KafkaSupport.consumerConfig(b.config, b.groupId));
    // a node that died is noticed in seconds, so its partitions move to a live node quickly
    props.put("session.timeout.ms", String.valueOf(settings.getInteger("session_timeout_ms", 10_000)));
    props.put("heartbeat.interval.ms", String.valueOf(Math.max(100, settings.getInteger("session_timeout_ms", 10_000) / 10)));
    props.put("max.poll.records", String.valueOf(settings.getInteger("max_poll_records", 500)));
    props.putAll(b.overrides);
    this.consumerConfig = props;
  }

  public static Builder builder(Vertx vertx, JsonObject config, String groupId, List<String> topics) {
    return new Builder(vertx, config, groupId, topics);
  }

  /**
   * Creates the consumer (off the event loop: the client's constructor blocks), makes sure the
   * topics exist, subscribes and starts polling. Call from the owning verticle's context.
   */
  public Future<Void> start() {
    running = true;
    return vertx.<KafkaConsumer<String, String>>executeBlocking(() -> KafkaConsumer.create(vertx, consumerConfig))
      .compose(created -> {
        consumer = created;
        consumer.exceptionHandler(err -> LOG.warn("Consumer {}: {}", name, err.toString()));
        return KafkaSupport.ensureTopics(vertx, topicsConfig());
      })
      .compose(v -> consumer.subscribe(new HashSet<>(topics)))
      .onSuccess(v -> poll());
  }

  /** Stops after the cycle in progress (its offsets committed), then closes the consumer. */
  public Future<Void> stop() {
    running = false;
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
    if (consumer == null) {
      return Future.succeededFuture();
    }
    Future<Void> idle = cycleDone == null ? Future.succeededFuture() : cycleDone.future();
    return idle.transform(x -> consumer.close())
      // a consumer may take its full session to leave a busy group; offsets are committed already
      .timeout(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS)
      .recover(err -> {
        LOG.warn("Consumer {} did not close within {} ms; leaving it to finish on its own", name, CLOSE_WAIT_MS);
        return Future.succeededFuture();
      });
  }

  public String name() {
    return name;
  }

  /** Records applied (handled with success) since start; for tests and metrics. */
  public long applied() {
    return applied;
  }

  /** Records parked since start. */
  public long parked() {
    return parked;
  }

  public DeadLetters deadLetters() {
    return deadLetters;
  }

  /** Applies one record with this loop's handler, as a replay does. */
  public Future<Void> apply(ConsumedRecord record) {
    try {
      return handler != null ? handler.apply(record) : batchHandler.apply(List.of(record));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Bus handler for {@link DeadLetterAddresses#list}. */
  public Future<JsonObject> handleDeadLetterList(io.vertx.core.eventbus.Message<JsonObject> msg) {
    return requireDeadLetters().handleList(msg);
  }

  /** Bus handler for {@link DeadLetterAddresses#replay}. */
  public Future<JsonObject> handleDeadLetterReplay(io.vertx.core.eventbus.Message<JsonObject> msg) {
    return requireDeadLetters().handleReplay(msg, consumer -> name.equals(consumer) ? this::apply : null);
  }

  private DeadLetters requireDeadLetters() {
    if (deadLetters == null) {
      throw ErrorCode.NOT_FOUND.failure("This consumer keeps no dead letters.");
    }
    return deadLetters;
  }

  private JsonObject topicsConfig() {
    return new JsonObject().put("kafka", new JsonObject().put("bootstrap_servers", consumerConfig.get("bootstrap.servers")));
  }

  // ------------------------------------------------------------- the loop

  private void poll() {
    if (!running) {
      return;
    }
    cycleDone = Promise.promise();
    Promise<Void> done = cycleDone;
    consumer.poll(pollTimeout)
      .compose(this::handleBatch)
      .onComplete(ar -> {
        done.tryComplete();
        if (!running) {
          return;
        }
        boolean failed = ar.failed() || ar.result();
        if (ar.failed()) {
          LOG.warn("Consumer {}: a cycle failed: {}", name, ar.cause().toString());
        }
        if (failed) {
          failuresInARow++;
          long delay = Math.min(retryMaxMs, retryInitialMs << Math.min(20, failuresInARow - 1));
          retryTimer = vertx.setTimer(delay, id -> {
            retryTimer = -1;
            poll();
          });
        } else {
          failuresInARow = 0;
          vertx.runOnContext(v -> poll());
        }
      });
  }

  /** Handles one poll's records; {@code true} when some partition stopped at a failed record. */
  private Future<Boolean> handleBatch(KafkaConsumerRecords<String, String> records) {
    if (records.isEmpty()) {
      return Future.succeededFuture(false);
    }
    Map<TopicPartition, List<ConsumedRecord>> byPartition = new LinkedHashMap<>();
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, String> record = records.recordAt(i);
      byPartition.computeIfAbsent(new TopicPartition(record.topic(), record.partition()), k -> new ArrayList<>())
        .add(ConsumedRecord.of(record));
    }
    Map<TopicPartition, Future<PartitionOutcome>> outcomes = new LinkedHashMap<>();
    byPartition.forEach((partition, list) -> outcomes.put(partition, handlePartition(list)));
    return Future.join(new ArrayList<>(outcomes.values())).transform(x -> {
      Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
      Map<TopicPartition, Long> rewinds = new HashMap<>();
      outcomes.forEach((partition, future) -> {
        // handlePartition never fails: a failure is an outcome with the offset to go back to
        PartitionOutcome outcome = future.result();
        if (outcome.nextOffset() > byPartition.get(partition).get(0).offset()) {
          commits.put(partition, new OffsetAndMetadata(outcome.nextOffset(), null));
        }
        if (outcome.failed()) {
          rewinds.put(partition, outcome.nextOffset());
        }
      });
      if (afterBatch != null && !commits.isEmpty()) {
        afterBatch.run();
      }
      // seek first: a poll may never run past a failed record, whatever happens to the commit
      List<Future<Void>> seeks = new ArrayList<>();
      rewinds.forEach((partition, offset) -> seeks.add(consumer.seek(partition, offset)));
      return Future.all(seeks)
        .compose(v -> commits.isEmpty() ? Future.<Void>succeededFuture() : consumer.commit(commits).<Void>mapEmpty()
          // a lost commit only means these records are read again: handlers ignore repeats
          .recover(err -> {
            LOG.warn("Consumer {}: committing offsets failed; the records will be read again: {}", name, err.toString());
            return Future.succeededFuture();
          }))
        .map(v -> !rewinds.isEmpty());
    });
  }

  private record PartitionOutcome(long nextOffset, boolean failed) {
  }

  /** Applies a partition's records in order; stops at the first that fails (unless it is parked). */
  private Future<PartitionOutcome> handlePartition(List<ConsumedRecord> records) {
    if (batchHandler != null && records.size() > 1) {
      Future<Void> all;
      try {
        all = batchHandler.apply(records);
      } catch (RuntimeException e) {
        all = Future.failedFuture(e);
      }
      return all.transform(ar -> {
        if (ar.succeeded()) {
          applied += records.size();
          records.forEach(r -> attempts.remove(key(r)));
          return Future.succeededFuture(new PartitionOutcome(records.get(records.size() - 1).offset() + 1, false));
        }
        // find the record at fault: one at a time, each with its own attempts
        return oneByOne(records, 0);
      });
    }
    return oneByOne(records, 0);
  }

  private Future<PartitionOutcome> oneByOne(List<ConsumedRecord> records, int index) {
    if (index == records.size()) {
      return Future.succeededFuture(new PartitionOutcome(records.get(records.size() - 1).offset() + 1, false));
    }
    ConsumedRecord record = records.get(index);
    return apply(record).transform(ar -> {
      if (ar.succeeded()) {
        applied++;
        attempts.remove(key(record));
        return oneByOne(records, index + 1);
      }
      return failed(record, ar.cause()).compose(goOn -> goOn
        ? oneByOne(records, index + 1)
        : Future.succeededFuture(new PartitionOutcome(record.offset(), true)));
    });
  }

  /** Counts the failure; {@code true} when the record was parked and the partition may go on. */
  private Future<Boolean> failed(ConsumedRecord record, Throwable cause) {
    if (transientFailure.test(cause)) {
      LOG.info("Consumer {}: {} failed for now and will be retried: {}", name, record, cause.toString());
      return Future.succeededFuture(false);
    }
    int count = attempts.merge(key(record), 1, Integer::sum);
    if (count < maxAttempts || deadLetters == null) {
      LOG.warn("Consumer {}: {} failed (attempt {} of {}); it will be retried: {}", name, record, count, maxAttempts, cause.toString());
      return Future.succeededFuture(false);
    }
    return deadLetters.park(name, record, count, cause).transform(ar -> {
      if (ar.failed()) {
        LOG.error("Consumer {}: {} failed {} times and could not be parked; it will be retried: {}", name, record, count,
          ar.cause().toString());
        return Future.succeededFuture(false);
      }
      attempts.remove(key(record));
      parked++;
      LOG.error("Consumer {}: {} failed {} times and is parked as dead letter {} of {} (replay: {}): {}", name, record, count,
        ar.result(), deadLetters.component(), DeadLetterAddresses.replay(deadLetters.component()), cause.toString());
      return Future.succeededFuture(true);
    });
  }

  private static String key(ConsumedRecord record) {
    return record.topic() + "/" + record.partition() + "@" + record.offset();
  }

  /**
   * The default test for failures that say nothing about the record: a bus request that timed out
   * or found nobody, a TIMEOUT or SERVICE_UNAVAILABLE answer, a refused or closed connection, a
   * database shutting down or starting up (SQLSTATE 57P01-57P03, class 08).
   */
  public static boolean isTransient(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ReplyException re) {
        if (re.failureType() == ReplyFailure.TIMEOUT || re.failureType() == ReplyFailure.NO_HANDLERS) {
          return true;
        }
        ErrorCode code = ErrorCode.fromCode(re.failureCode());
        if (code == ErrorCode.TIMEOUT || code == ErrorCode.SERVICE_UNAVAILABLE) {
          return true;
        }
      }
      if (dev.marketplace.platform.bus.TransientFailures.databaseUnavailable(t)) {
        return true;
      }
      if (t instanceof ConnectException || t instanceof TimeoutException
        || t instanceof io.netty.channel.ConnectTimeoutException
        || t.getClass().getName().endsWith("ClosedConnectionException")
        || t.getClass().getName().endsWith("NoStackTraceTimeoutException")) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** How to build a loop; a handler (per record, or per batch of one partition) is required. */
  public static final class Builder {
    private final Vertx vertx;
    private final JsonObject config;
    private final String groupId;
    private final List<String> topics;
    private String name;
    private Function<ConsumedRecord, Future<Void>> handler;
    private Function<List<ConsumedRecord>, Future<Void>> batchHandler;
    private DeadLetters deadLetters;
    private Predicate<Throwable> transientFailure = ConsumeLoop::isTransient;
    private Integer maxAttempts;
    private Long retryInitialMs;
    private Long retryMaxMs;
    private Runnable afterBatch;
    private final Map<String, String> overrides = new HashMap<>();

    private Builder(Vertx vertx, JsonObject config, String groupId, List<String> topics) {
      this.vertx = Objects.requireNonNull(vertx);
      this.config = Objects.requireNonNull(config);
      this.groupId = Objects.requireNonNull(groupId);
      this.topics = Objects.requireNonNull(topics);
      this.name = groupId;
    }

    /** The name in logs and in the dead-letter table's {@code consumer} column (default: the group id). */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** Applies one record; fails to have it retried (and at last parked). */
    public Builder handler(Function<ConsumedRecord, Future<Void>> handler) {
      this.handler = handler;
      return this;
    }

    /**
     * Applies several records of one partition at once, all or nothing (one transaction, say).
     * When a batch fails, its records are tried one at a time (as a batch of one) to find the one
     * at fault. Replays also come as a batch of one. Used only when no {@link #handler} is set.
     */
    public Builder batchHandler(Function<List<ConsumedRecord>, Future<Void>> batchHandler) {
      this.batchHandler = batchHandler;
      return this;
    }

    /** Where records that keep failing are parked; without it they are retried for ever. */
    public Builder deadLetters(DeadLetters deadLetters) {
      this.deadLetters = deadLetters;
      return this;
    }

    /** Which failures are retried without counting as attempts (default {@link ConsumeLoop#isTransient}). */
    public Builder transientFailure(Predicate<Throwable> transientFailure) {
      this.transientFailure = transientFailure;
      return this;
    }

    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = Math.max(1, maxAttempts);
      return this;
    }

    public Builder retryBackoff(long initialMs, long maxMs) {
      this.retryInitialMs = Math.max(1, initialMs);
      this.retryMaxMs = Math.max(this.retryInitialMs, maxMs);
      return this;
    }

    /** Runs after every cycle that applied records (before the commit): e.g. kick a job. */
    public Builder afterBatch(Runnable afterBatch) {
      this.afterBatch = afterBatch;
      return this;
    }

    /** A Kafka consumer property of this loop's own (e.g. {@code max.poll.records}). */
    public Builder consumerProperty(String key, String value) {
      overrides.put(key, value);
      return this;
    }

    public ConsumeLoop build() {
      if (handler == null && batchHandler == null) {
        throw new IllegalStateException("A consume loop needs a handler");
      }
      return new ConsumeLoop(this);
    }
  }
}
