package dev.marketplace.notification;

import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static dev.marketplace.notification.NotificationFixture.await;
import static dev.marketplace.notification.NotificationFixture.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

/** Handled inbox rows (consumed event ids) go after retention.consumed_events; pending ones and notifications stay. */
class InboxRetentionTest {

  @Test
  void oldHandledInboxRowsArePurgedPendingOnesStay() {
    try (NotificationFixture f = new NotificationFixture(new JsonObject())) {
      f.config.put("retention", new JsonObject().put("consumed_events", "PT1H").put("interval_ms", 200));
      f.deploy();
      Pool db = PgSupport.pool(f.vertx, f.config, 1);
      UUID oldDone = inbox(db, "DONE", "2 hours");
      UUID oldNobody = inbox(db, "NO_RECIPIENT", "3 hours");
      UUID recentDone = inbox(db, "DONE", "1 minute");
      UUID oldPending = inbox(db, "PENDING", "2 hours");
      waitUntil("old handled rows are purged", () -> !exists(db, oldDone) && !exists(db, oldNobody));
      assertThat(exists(db, recentDone)).isTrue();
      assertThat(exists(db, oldPending)).isTrue();
      await(db.close());
    }
  }

  private static UUID inbox(Pool db, String status, String age) {
    UUID id = UUID.randomUUID();
    // a pending row is due only tomorrow, so the inbox job leaves it alone during the test
    await(db.preparedQuery("INSERT INTO notification.inbox (event_id, topic, event_type, template, user_id, order_id, data, occurred_at, "
        + "received_at, status, next_attempt_at) VALUES ($1, 't', 'OrderPaid', 'paid', 'u', 'o', '{}'::jsonb, now(), now() - $2::text::interval, $3, "
        + "now() + interval '1 day')")
      .execute(Tuple.of(id, age, status)));
    return id;
  }

  private static boolean exists(Pool db, UUID id) {
    return await(db.preparedQuery("SELECT count(*) FROM notification.inbox WHERE event_id = $1").execute(Tuple.of(id))).iterator().next().getLong(0) == 1;
  }
}
