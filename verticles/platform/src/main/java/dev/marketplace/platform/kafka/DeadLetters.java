package dev.marketplace.platform.kafka;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.platform.bus.Caller;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The dead-letter table of one component ({@code <schema>.dead_letters}, created by that
 * component's own Flyway migration): records a {@link ConsumeLoop} could not apply after its
 * attempts. They stay until an admin replays them; nothing is ever dropped in silence.
 */
public final class DeadLetters {
  private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]*");
  private static final String COLUMNS = "id, consumer, topic, partition, record_offset, record_key, payload, event_id, event_type, "
    + "attempts, last_error, status, parked_at, replayed_at, replay_error";

  private final Pool pool;
  private final String component;
  private final String park;
  private final String list;
  private final String get;
  private final String replayed;
  private final String replayFailed;
  private final String deleteReplayed;

  /** @param schema the owning component's schema (a constant, never user input) */
  public DeadLetters(Pool pool, String schema) {
    if (!SCHEMA_NAME.matcher(schema).matches()) {
      throw new IllegalArgumentException("Not a schema name: " + schema);
    }
    this.pool = pool;
    this.component = schema;
    String table = schema + ".dead_letters";
    // a record parked again (its commit was lost and it failed once more) is the same row
    this.park = "INSERT INTO " + table + " (consumer, topic, partition, record_offset, record_key, payload, event_id, event_type, attempts, last_error) "
      + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (consumer, topic, partition, record_offset) DO UPDATE SET "
      + "attempts = " + table + ".attempts + EXCLUDED.attempts, last_error = EXCLUDED.last_error, status = 'PARKED', parked_at = now() RETURNING id";
    this.list = "SELECT " + COLUMNS + " FROM " + table + " WHERE ($1::text IS NULL OR status = $1) ORDER BY id DESC LIMIT $2";
    this.get = "SELECT " + COLUMNS + " FROM " + table + " WHERE id = $1";
    this.replayed = "UPDATE " + table + " SET status = 'REPLAYED', replayed_at = now(), replay_error = NULL WHERE id = $1 AND status = 'PARKED' RETURNING " + COLUMNS;
    this.replayFailed = "UPDATE " + table + " SET replay_error = $2 WHERE id = $1";
    this.deleteReplayed = "DELETE FROM " + table + " WHERE id IN (SELECT id FROM " + table
      + " WHERE status = 'REPLAYED' AND replayed_at < now() - ($1::bigint * interval '1 millisecond') LIMIT $2)";
  }

  public String component() {
    return component;
  }

  /** Stores a record that keeps failing; returns its id. */
  public Future<Long> park(String consumer, ConsumedRecord record, int attempts, Throwable cause) {
    UUID eventId = null;
    String type = null;
    try {
      JsonObject value = new JsonObject(record.value());
      eventId = JsonValidator.parseUuid(value.getValue("event_id"));
      type = value.getValue("type") instanceof String s ? s : null;
    } catch (RuntimeException notAnEvent) {
      // parked as it is: the raw value is what an admin needs to see
    }
    String error = String.valueOf(cause);
    return pool.preparedQuery(park).execute(Tuple.from(new Object[] {consumer, record.topic(), record.partition(), record.offset(),
        record.key(), record.value(), eventId, type, attempts, error.length() > 2000 ? error.substring(0, 2000) : error}))
      .map(rows -> rows.iterator().next().getLong("id"));
  }

  public Future<JsonArray> list(String status, int limit) {
    return pool.preparedQuery(list).execute(Tuple.of(status, limit)).map(rows -> {
      JsonArray items = new JsonArray();
      rows.forEach(row -> items.add(toJson(row)));
      return items;
    });
  }

  /**
   * Replays one parked record through the handler of the loop that parked it (by its
   * {@code consumer} name, from {@code handlers}); marks it
   * REPLAYED when the handler succeeds, records the error and fails when it does not.
   */
  public Future<JsonObject> replay(long id, Function<String, Function<ConsumedRecord, Future<Void>>> handlers) {
    return pool.preparedQuery(get).execute(Tuple.of(id)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(ErrorCode.NOT_FOUND.failure("No dead letter " + id + " in " + component + "."));
      }
      Row row = rows.iterator().next();
      if (!"PARKED".equals(row.getString("status"))) {
        return Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure("Dead letter " + id + " was replayed already."));
      }
      Function<ConsumedRecord, Future<Void>> handler = handlers.apply(row.getString("consumer"));
      if (handler == null) {
        return Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure("No consumer " + row.getString("consumer") + " runs in " + component + " now."));
      }
      ConsumedRecord record = new ConsumedRecord(row.getString("topic"), row.getInteger("partition"), row.getLong("record_offset"),
        row.getString("record_key"), row.getString("payload"));
      Future<Void> applied;
      try {
        applied = handler.apply(record);
      } catch (RuntimeException e) {
        applied = Future.failedFuture(e);
      }
      return applied.transform(ar -> {
        if (ar.succeeded()) {
          return pool.preparedQuery(replayed).execute(Tuple.of(id)).compose(updated -> updated.size() == 0
            ? Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure("Dead letter " + id + " was replayed already."))
            : Future.succeededFuture(toJson(updated.iterator().next())));
        }
        String error = String.valueOf(ar.cause());
        return pool.preparedQuery(replayFailed).execute(Tuple.of(id, error.length() > 2000 ? error.substring(0, 2000) : error))
          .transform(x -> Future.failedFuture(ErrorCode.CONFLICT.failure("Replaying dead letter " + id + " failed again: "
            + ar.cause().getClass().getSimpleName() + "; it stays parked.")));
      });
    });
  }

  /** Retention: deletes up to {@code limit} letters replayed more than {@code olderThanMs} ago. */
  public Future<Integer> purgeReplayed(long olderThanMs, int limit) {
    return pool.preparedQuery(deleteReplayed).execute(Tuple.of(olderThanMs, limit)).map(rows -> rows.rowCount());
  }

  /** Bus handler of {@code <component>.dead_letters.list} (admin only). */
  public Future<JsonObject> handleList(Message<JsonObject> msg) {
    Caller.of(msg).requireRole("admin");
    JsonValidator v = JsonValidator.of(msg.body()).allowOnly("status", "limit");
    String status = v.optionalEnum("status", Set.of("PARKED", "REPLAYED"));
    Long limit = v.optionalLong("limit", 1, 500);
    v.throwIfInvalid();
    return list(status, limit == null ? 100 : limit.intValue()).map(items -> new JsonObject().put("items", items));
  }

  /** Bus handler of {@code <component>.dead_letters.replay} (admin only). */
  public Future<JsonObject> handleReplay(Message<JsonObject> msg, Function<String, Function<ConsumedRecord, Future<Void>>> handlers) {
    Caller.of(msg).requireRole("admin");
    JsonValidator v = JsonValidator.of(msg.body()).allowOnly("id");
    Long id = v.requiredLong("id", 1, Long.MAX_VALUE);
    v.throwIfInvalid();
    return replay(id, handlers);
  }

  private JsonObject toJson(Row row) {
    return new JsonObject()
      .put("id", row.getLong("id"))
      .put("component", component)
      .put("consumer", row.getString("consumer"))
      .put("topic", row.getString("topic"))
      .put("partition", row.getInteger("partition"))
      .put("offset", row.getLong("record_offset"))
      .put("key", row.getString("record_key"))
      .put("event_id", row.getUUID("event_id") == null ? null : row.getUUID("event_id").toString())
      .put("event_type", row.getString("event_type"))
      .put("attempts", row.getInteger("attempts"))
      .put("last_error", row.getString("last_error"))
      .put("status", row.getString("status"))
      .put("parked_at", text(row.getOffsetDateTime("parked_at")))
      .put("replayed_at", text(row.getOffsetDateTime("replayed_at")))
      .put("replay_error", row.getString("replay_error"))
      .put("payload", row.getString("payload"));
  }

  private static String text(OffsetDateTime at) {
    return at == null ? null : at.toInstant().toString();
  }
}
