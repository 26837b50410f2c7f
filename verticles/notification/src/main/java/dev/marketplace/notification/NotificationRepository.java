package dev.marketplace.notification;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Every statement of the notification schema. */
final class NotificationRepository {

  private static final String INSERT_INBOX =
    "INSERT INTO notification.inbox (event_id, topic, event_type, template, user_id, order_id, data, occurred_at) "
      + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING";

  /** Takes due events for a lease, so that another node's job leaves them alone meanwhile. */
  private static final String CLAIM_INBOX =
    "UPDATE notification.inbox SET next_attempt_at = now() + ($2::bigint * interval '1 millisecond') "
      + "WHERE event_id IN (SELECT event_id FROM notification.inbox WHERE status = 'PENDING' AND next_attempt_at <= now() "
      + "ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED) "
      + "RETURNING event_id, seq, event_type, template, user_id, order_id, data, attempts";

  private static final String FINISH_INBOX =
    "UPDATE notification.inbox SET status = $2, attempts = attempts + 1, last_error = $3 WHERE event_id = $1";

  private static final String RETRY_INBOX =
    "UPDATE notification.inbox SET attempts = attempts + 1, next_attempt_at = now() + ($2::bigint * interval '1 millisecond'), "
      + "last_error = $3 WHERE event_id = $1";

  /** Both unique keys (event + channel, order + template + channel) make a repeat a no-op. */
  private static final String INSERT_NOTIFICATION =
    "INSERT INTO notification.notifications (id, event_id, event_type, template, user_id, order_id, channel, language, recipient, subject, body) "
      + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING";

  private static final String COLUMNS =
    "id, seq, event_id, event_type, template, user_id, order_id, channel, language, recipient, subject, body, status, "
      + "attempts, delivered_via, last_error, created_at, sent_at, parked_at";

  private static final String CLAIM_DELIVERIES =
    "UPDATE notification.notifications SET claim_token = $3, next_attempt_at = now() + ($4::bigint * interval '1 millisecond') "
      + "WHERE id IN (SELECT id FROM notification.notifications WHERE status = 'PENDING' AND channel = $1 AND next_attempt_at <= now() "
      + "ORDER BY next_attempt_at, seq LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING " + COLUMNS;

  /** Only the holder of the claim may settle a delivery: a job whose lease ran out changes nothing. */
  private static final String MARK_SENT =
    "UPDATE notification.notifications SET status = 'SENT', attempts = attempts + 1, sent_at = now(), delivered_via = $3, "
      + "last_error = NULL, claim_token = NULL WHERE id = $1 AND claim_token = $2";

  private static final String MARK_FAILED =
    "UPDATE notification.notifications SET attempts = attempts + 1, last_error = $3, claim_token = NULL, "
      + "status = CASE WHEN attempts + 1 >= $4 THEN 'PARKED' ELSE 'PENDING' END, "
      + "parked_at = CASE WHEN attempts + 1 >= $4 THEN now() ELSE NULL END, "
      + "next_attempt_at = now() + ($5::bigint * interval '1 millisecond') "
      + "WHERE id = $1 AND claim_token = $2 RETURNING status, attempts";

  private static final String LIST_FOR_USER =
    "SELECT " + COLUMNS + " FROM notification.notifications WHERE user_id = $1 AND ($2::bigint IS NULL OR seq < $2) "
      + "AND ($3::text IS NULL OR channel = $3) ORDER BY seq DESC LIMIT $4";

  private static final String LIST_PARKED =
    "SELECT " + COLUMNS + " FROM notification.notifications WHERE status = 'PARKED' ORDER BY parked_at DESC, seq DESC LIMIT $1";

  private static final String REPLAY =
    "UPDATE notification.notifications SET status = 'PENDING', attempts = 0, next_attempt_at = now(), parked_at = NULL, claim_token = NULL "
      + "WHERE id = $1 AND status = 'PARKED' RETURNING " + COLUMNS;

  private static final String GET = "SELECT " + COLUMNS + " FROM notification.notifications WHERE id = $1";

  private static final String GET_PREFERENCES = "SELECT language, email, sms, push FROM notification.preferences WHERE user_id = $1";

  private static final String PUT_PREFERENCES =
    "INSERT INTO notification.preferences (user_id, language, email, sms, push) VALUES ($1, $2, $3, $4, $5) "
      + "ON CONFLICT (user_id) DO UPDATE SET language = $2, email = $3, sms = $4, push = $5, updated_at = now()";

  /** An event waiting to become notifications. */
  record InboxEvent(UUID eventId, long seq, String eventType, String template, String userId, String orderId,
                    JsonObject data, int attempts) {
  }

  /** A new event as read from Kafka. */
  record IncomingEvent(UUID eventId, String topic, String eventType, String template, String userId, String orderId,
                       JsonObject data, OffsetDateTime occurredAt) {
  }

  /** One message to one channel, ready to store. */
  record NewNotification(InboxEvent event, String channel, String language, String recipient, String subject, String body) {
  }

  private final Pool pool;

  NotificationRepository(Pool pool) {
    this.pool = pool;
  }

  Pool pool() {
    return pool;
  }

  Future<Void> storeIncoming(List<IncomingEvent> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> batch = new ArrayList<>();
    for (IncomingEvent e : events) {
      batch.add(Tuple.of(e.eventId(), e.topic(), e.eventType(), e.template(), e.userId(), e.orderId())
        .addValue(e.data()).addValue(e.occurredAt()));
    }
    return pool.withTransaction(conn -> conn.preparedQuery(INSERT_INBOX).executeBatch(batch)).mapEmpty();
  }

  Future<List<InboxEvent>> claimInbox(int limit, long leaseMs) {
    return pool.preparedQuery(CLAIM_INBOX).execute(Tuple.of(limit, leaseMs)).map(rows -> {
      List<InboxEvent> events = new ArrayList<>();
      for (Row row : rows) {
        events.add(new InboxEvent(row.getUUID("event_id"), row.getLong("seq"), row.getString("event_type"),
          row.getString("template"), row.getString("user_id"), row.getString("order_id"),
          (JsonObject) row.getValue("data"), row.getInteger("attempts")));
      }
      events.sort((a, b) -> Long.compare(a.seq(), b.seq()));
      return events;
    });
  }

  /** Stores the event's notifications and closes the event, in one transaction. */
  Future<Integer> completeInbox(InboxEvent event, List<NewNotification> notifications) {
    return pool.withTransaction(conn -> insertNotifications(conn, notifications)
      .compose(created -> conn.preparedQuery(FINISH_INBOX).execute(Tuple.of(event.eventId(), "DONE", null))
        .map(created)));
  }

  private Future<Integer> insertNotifications(SqlClient conn, List<NewNotification> notifications) {
    if (notifications.isEmpty()) {
      return Future.succeededFuture(0);
    }
    List<Tuple> batch = new ArrayList<>();
    for (NewNotification n : notifications) {
      InboxEvent e = n.event();
      batch.add(Tuple.of(UUID.randomUUID(), e.eventId(), e.eventType(), e.template(), e.userId(), e.orderId())
        .addValue(n.channel()).addValue(n.language()).addValue(n.recipient()).addValue(n.subject()).addValue(n.body()));
    }
    return conn.preparedQuery(INSERT_NOTIFICATION).executeBatch(batch).map(NotificationRepository::totalRowCount);
  }

  private static int totalRowCount(RowSet<Row> rows) {
    int count = 0;
    for (RowSet<Row> r = rows; r != null; r = r.next()) {
      count += r.rowCount();
    }
    return count;
  }

  Future<Void> finishInbox(UUID eventId, String status, String error) {
    return pool.preparedQuery(FINISH_INBOX).execute(Tuple.of(eventId, status, error)).mapEmpty();
  }

  Future<Void> retryInbox(UUID eventId, long delayMs, String error) {
    return pool.preparedQuery(RETRY_INBOX).execute(Tuple.of(eventId, delayMs, error)).mapEmpty();
  }

  Future<List<JsonObject>> claimDeliveries(String channel, int limit, UUID claimToken, long leaseMs) {
    return pool.preparedQuery(CLAIM_DELIVERIES).execute(Tuple.of(channel, limit, claimToken, leaseMs))
      .map(NotificationRepository::adminJson);
  }

  Future<Boolean> markSent(UUID id, UUID claimToken, String deliveredVia) {
    return pool.preparedQuery(MARK_SENT).execute(Tuple.of(id, claimToken, deliveredVia)).map(rows -> rows.rowCount() == 1);
  }

  /** @return the status after the failure: PENDING (retried later) or PARKED; empty if the claim was lost */
  Future<Optional<String>> markFailed(UUID id, UUID claimToken, String error, int maxAttempts, long retryDelayMs) {
    return pool.preparedQuery(MARK_FAILED).execute(Tuple.of(id, claimToken, error, maxAttempts, retryDelayMs))
      .map(rows -> rows.rowCount() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString("status")));
  }

  Future<List<JsonObject>> listForUser(String userId, Long beforeSeq, String channel, int limit) {
    return pool.preparedQuery(LIST_FOR_USER).execute(Tuple.of(userId, beforeSeq, channel, limit))
      .map(NotificationRepository::userJson);
  }

  Future<List<JsonObject>> listParked(int limit) {
    return pool.preparedQuery(LIST_PARKED).execute(Tuple.of(limit)).map(NotificationRepository::adminJson);
  }

  /** @return the replayed notification; empty when no parked notification has that id */
  Future<Optional<JsonObject>> replay(UUID id) {
    return pool.preparedQuery(REPLAY).execute(Tuple.of(id))
      .map(rows -> adminJson(rows).stream().findFirst());
  }

  Future<Optional<JsonObject>> get(UUID id) {
    return pool.preparedQuery(GET).execute(Tuple.of(id)).map(rows -> adminJson(rows).stream().findFirst());
  }

  /** @return {@code {language, channels:{email, sms, push}}}, empty when the user never saved any */
  Future<Optional<JsonObject>> preferences(String userId) {
    return pool.preparedQuery(GET_PREFERENCES).execute(Tuple.of(userId)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      return Optional.of(Preferences.json(row.getString("language"), row.getBoolean("email"), row.getBoolean("sms"), row.getBoolean("push")));
    });
  }

  Future<Void> savePreferences(String userId, String language, boolean email, boolean sms, boolean push) {
    return pool.preparedQuery(PUT_PREFERENCES).execute(Tuple.of(userId, language, email, sms, push)).mapEmpty();
  }

  /** What the user may see of their own notifications (no internal error text). */
  private static List<JsonObject> userJson(RowSet<Row> rows) {
    List<JsonObject> items = new ArrayList<>();
    for (Row row : rows) {
      items.add(baseJson(row));
    }
    return items;
  }

  private static List<JsonObject> adminJson(RowSet<Row> rows) {
    List<JsonObject> items = new ArrayList<>();
    for (Row row : rows) {
      items.add(baseJson(row)
        .put("user_id", row.getString("user_id"))
        .put("last_error", row.getString("last_error"))
        .put("parked_at", instant(row.getOffsetDateTime("parked_at"))));
    }
    return items;
  }

  private static JsonObject baseJson(Row row) {
    return new JsonObject()
      .put("id", row.getUUID("id").toString())
      .put("seq", row.getLong("seq"))
      .put("event_id", row.getUUID("event_id").toString())
      .put("event_type", row.getString("event_type"))
      .put("template", row.getString("template"))
      .put("order_id", row.getString("order_id"))
      .put("channel", row.getString("channel"))
      .put("language", row.getString("language"))
      .put("recipient", row.getString("recipient"))
      .put("subject", row.getString("subject"))
      .put("body", row.getString("body"))
      .put("status", row.getString("status"))
      .put("attempts", row.getInteger("attempts"))
      .put("delivered_via", row.getString("delivered_via"))
      .put("created_at", instant(row.getOffsetDateTime("created_at")))
      .put("sent_at", instant(row.getOffsetDateTime("sent_at")));
  }

  private static String instant(OffsetDateTime at) {
    return at == null ? null : at.toInstant().toString();
  }
}
