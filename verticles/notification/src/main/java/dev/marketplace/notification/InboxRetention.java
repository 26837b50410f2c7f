package dev.marketplace.notification;

import dev.marketplace.platform.jobs.RetentionJob;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.util.List;

/**
 * Purges handled inbox rows (the ids of consumed events) after {@code retention.consumed_events}
 * (14 days, longer than the topics keep events). The notifications themselves are the users'
 * history and stay; they also keep an event from notifying twice (unique per event and channel).
 */
final class InboxRetention {
  private static final String DELETE_HANDLED = """
    DELETE FROM notification.inbox WHERE event_id IN (
      SELECT event_id FROM notification.inbox
      WHERE status <> 'PENDING' AND received_at < now() - $1::bigint * interval '1 millisecond'
      LIMIT $2::bigint FOR UPDATE SKIP LOCKED)""";

  private InboxRetention() {
  }

  static List<RetentionJob.Purge> purges(Pool pool, JsonObject config) {
    return List.of(new RetentionJob.Purge("handled inbox events", RetentionJob.age(config, "consumed_events", Duration.ofDays(14)),
      (olderThanMs, limit) -> pool.preparedQuery(DELETE_HANDLED).execute(Tuple.of(olderThanMs, (long) limit)).map(rows -> rows.rowCount())));
  }
}
