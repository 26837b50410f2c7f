package dev.marketplace.platform.outbox;

import dev.marketplace.contracts.Topics;
import dev.marketplace.platform.kafka.KafkaSupport;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Publishes a schema's outbox to Kafka exactly once.
 *
 * <ul>
 *   <li>One leader per schema: the relay holds a PostgreSQL advisory lock on a dedicated
 *   connection; relays of the same component on other nodes stand by and take over when that
 *   connection dies.</li>
 *   <li>A batch is published in one Kafka transaction together with a record on the compacted
 *   {@link Topics#OUTBOX_WATERMARKS} topic naming the batch's outbox ids; the rows are marked
 *   published after the commit.</li>
 *   <li>A new leader first fences any zombie (same {@code transactional.id}), reads the last
 *   watermark and marks that batch: a relay that died between publish and mark is never
 *   published twice, and one that died before the Kafka commit is aborted and published
 *   again. Consumers read with {@code read_committed}.</li>
 * </ul>
 */
public final class OutboxRelay {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);

  private final Vertx vertx;
  private final Pool pool;
  private final JsonObject config;
  private final String schema;
  private final String relayId;
  private final long lockKey;
  private final long pollIntervalMs;
  private final long lingerMs;
  private final int batchSize;
  private final Supplier<Future<Void>> afterPublishHook;
  private final String selectSql;
  private final String markSql;
  private final String cleanupSql;

  private SqlConnection leaderConnection;
  private KafkaProducer<String, String> producer;
  private boolean running;
  private boolean busy;
  private boolean kicked;
  private long timerId = -1;
  private long lastCleanup;
  private long published;
  /** When the last batch ended (System.nanoTime), for the linger. */
  private long lastBatchEnd;

  public OutboxRelay(Vertx vertx, Pool pool, JsonObject config, String schema) {
    this(vertx, pool, config, schema, Future::succeededFuture);
  }

  /**
   * @param afterPublishHook runs after the Kafka commit and before the rows are marked; a failed
   *                         future stops the batch there (tests use it to act out a crash)
   */
  public OutboxRelay(Vertx vertx, Pool pool, JsonObject config, String schema, Supplier<Future<Void>> afterPublishHook) {
    this.vertx = vertx;
    this.pool = pool;
    this.config = config;
    this.schema = Outbox.checkedSchema(schema);
    String database = config.getJsonObject("pg").getString("url").replaceAll(".*/", "").replaceAll("\\?.*", "");
    // the same database and schema on any node means the same relay: one transactional id, one lock
    this.relayId = "outbox-relay." + database + "." + schema;
    this.lockKey = relayId.hashCode();
    JsonObject outbox = config.getJsonObject("outbox", new JsonObject());
    this.pollIntervalMs = outbox.getLong("poll_interval_ms", 200L);
    this.batchSize = outbox.getInteger("batch_size", 500);
    this.lingerMs = outbox.getLong("linger_ms", 20L);
    long retentionHours = outbox.getLong("retention_hours", 24L);
    this.afterPublishHook = afterPublishHook;
    this.selectSql = "SELECT id, topic, record_key, payload::text AS payload FROM " + schema
      + ".outbox WHERE published_at IS NULL ORDER BY id LIMIT $1";
    this.markSql = "UPDATE " + schema + ".outbox SET published_at = now() WHERE id = ANY($1) AND published_at IS NULL";
    this.cleanupSql = "DELETE FROM " + schema + ".outbox WHERE published_at < now() - make_interval(hours => " + retentionHours + ")";
  }

  public Future<Void> start() {
    running = true;
    schedule(0);
    return Future.succeededFuture();
  }

  /**
   * Publish soon instead of at the next poll (call after committing a transaction with events).
   * Soon means at least {@code outbox.linger_ms} (20) after the previous batch ended: under load
   * the events of that time go out together, in one Kafka transaction, instead of one transaction
   * per committed change; an idle relay publishes at once.
   */
  public void kick() {
    if (!running) {
      return;
    }
    if (busy) {
      kicked = true;
    } else if (timerId < 0 || !lingering) {
      schedule(lingerLeftMs());
      lingering = true;
    }
  }

  private boolean lingering;

  private long lingerLeftMs() {
    long sinceLast = (System.nanoTime() - lastBatchEnd) / 1_000_000;
    return lastBatchEnd == 0 || sinceLast >= lingerMs ? 0 : lingerMs - sinceLast;
  }

  public boolean isLeader() {
    return producer != null;
  }

  /** Rows published by this relay instance so far. */
  public long publishedCount() {
    return published;
  }

  public Future<Void> stop() {
    running = false;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
    return resign();
  }

  private void schedule(long delayMs) {
    if (!running) {
      return;
    }
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    timerId = vertx.setTimer(Math.max(1, delayMs), id -> {
      timerId = -1;
      lingering = false;
      tick();
    });
  }

  private void tick() {
    if (!running || busy) {
      return;
    }
    busy = true;
    kicked = false;
    Future<Integer> work = isLeader() ? publishBatch() : tryLead().map(0);
    work.onComplete(ar -> {
      busy = false;
      lastBatchEnd = System.nanoTime();
      if (ar.failed()) {
        LOG.warn("Outbox relay {} failed; resigning and retrying: {}", relayId, ar.cause().toString());
        resign().onComplete(x -> schedule(pollIntervalMs * 5));
        return;
      }
      if (ar.result() >= batchSize) {
        schedule(0);
      } else if (kicked) {
        schedule(lingerMs);
        lingering = true;
      } else {
        schedule(pollIntervalMs);
      }
    });
  }

  private Future<Void> tryLead() {
    return pool.getConnection().compose(conn -> conn
      .preparedQuery("SELECT pg_try_advisory_lock($1) AS locked").execute(Tuple.of(lockKey))
      .compose(rows -> {
        if (!rows.iterator().next().getBoolean("locked")) {
          return conn.close();
        }
        leaderConnection = conn;
        conn.closeHandler(v -> {
          if (leaderConnection == conn) {
            LOG.warn("Outbox relay {} lost its database connection; resigning", relayId);
            leaderConnection = null;
            closeProducer();
          }
        });
        return becomeLeader();
      }, err -> conn.close().transform(x -> Future.failedFuture(err))));
  }

  private Future<Void> becomeLeader() {
    Map<String, String> props = new HashMap<>(KafkaSupport.producerConfig(config));
    props.put("transactional.id", relayId);
    KafkaProducer<String, String> candidate = KafkaProducer.create(vertx, props);
    return KafkaSupport.ensureTopics(vertx, config)
      // fences any zombie holding the same transactional id and aborts its open transaction
      .compose(v -> candidate.initTransactions())
      .compose(v -> vertx.executeBlocking(this::readLastWatermark))
      .compose(this::markBatch)
      .map(marked -> {
        producer = candidate;
        LOG.info("Outbox relay {} is leader (marked {} rows of a batch published before a restart)", relayId, marked);
        return (Void) null;
      })
      .recover(err -> candidate.close().transform(x -> Future.failedFuture(err)));
  }

  private Future<Integer> publishBatch() {
    SqlConnection conn = leaderConnection;
    if (conn == null) {
      return Future.failedFuture(new IllegalStateException("no leader connection"));
    }
    return conn.preparedQuery(selectSql).execute(Tuple.of(batchSize)).compose(rows -> {
      if (rows.size() == 0) {
        cleanupIfDue(conn);
        return Future.succeededFuture(0);
      }
      List<Long> ids = new ArrayList<>(rows.size());
      List<KafkaProducerRecord<String, String>> records = new ArrayList<>(rows.size() + 1);
      for (Row row : rows) {
        ids.add(row.getLong("id"));
        records.add(KafkaProducerRecord.create(row.getString("topic"), row.getString("record_key"), row.getString("payload")));
      }
      records.add(KafkaProducerRecord.create(Topics.OUTBOX_WATERMARKS, relayId, new JsonArray(new ArrayList<>(ids)).encode()));
      return sendInTransaction(records)
        .compose(v -> afterPublishHook.get())
        .compose(v -> conn.preparedQuery(markSql).execute(Tuple.of(ids.toArray(new Long[0]))))
        .map(done -> {
          published += ids.size();
          return ids.size();
        });
    });
  }

  private Future<Void> sendInTransaction(List<KafkaProducerRecord<String, String>> records) {
    KafkaProducer<String, String> p = producer;
    return p.beginTransaction().compose(v -> {
      List<Future<?>> sends = new ArrayList<>(records.size());
      for (KafkaProducerRecord<String, String> record : records) {
        sends.add(p.send(record));
      }
      return Future.all(sends);
    }).compose(all -> p.commitTransaction(),
      err -> p.abortTransaction().transform(x -> Future.failedFuture(err)));
  }

  /** The ids of the last batch this relay id committed to Kafka, or an empty array. */
  private JsonArray readLastWatermark() {
    Map<String, Object> props = new HashMap<>(KafkaSupport.consumerConfig(config, relayId));
    props.remove("group.id");
    TopicPartition partition = new TopicPartition(Topics.OUTBOX_WATERMARKS, 0);
    try (org.apache.kafka.clients.consumer.KafkaConsumer<String, String> consumer =
           new org.apache.kafka.clients.consumer.KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      long deadline = System.currentTimeMillis() + 15_000;
      String last = null;
      while (consumer.position(partition) < end) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("Timed out reading " + Topics.OUTBOX_WATERMARKS);
        }
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          if (relayId.equals(record.key())) {
            last = record.value();
          }
        }
      }
      return last == null ? new JsonArray() : new JsonArray(last);
    }
  }

  private Future<Integer> markBatch(JsonArray ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(0);
    }
    Long[] array = ids.stream().map(id -> ((Number) id).longValue()).toArray(Long[]::new);
    return leaderConnection.preparedQuery(markSql).execute(Tuple.of(array)).map(rows -> rows.rowCount());
  }

  private void cleanupIfDue(SqlConnection conn) {
    long now = System.currentTimeMillis();
    if (now - lastCleanup < 60_000) {
      return;
    }
    lastCleanup = now;
    conn.query(cleanupSql).execute().onFailure(err -> LOG.warn("Outbox cleanup of {} failed: {}", schema, err.toString()));
  }

  private Future<Void> resign() {
    Future<Void> closed = closeProducer();
    SqlConnection conn = leaderConnection;
    leaderConnection = null;
    if (conn == null) {
      return closed;
    }
    // closing the session releases the advisory lock
    return Future.join(closed, conn.close()).mapEmpty();
  }

  private Future<Void> closeProducer() {
    KafkaProducer<String, String> p = producer;
    producer = null;
    if (p == null) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    p.close(2_000).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("Closing the producer of {} failed: {}", relayId, ar.cause().toString());
      }
      promise.complete();
    });
    return promise.future();
  }
}
