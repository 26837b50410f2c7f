package dev.marketplace.notification;

import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Handled inbox rows (consumed event ids) go after retention.consumed_events; pending ones and notifications stay. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class InboxRetentionTest {

  @Test
  void oldHandledInboxRowsArePurgedPendingOnesStay(Vertx vertx, VertxTestContext ctx) {
    NotificationFixture f = new NotificationFixture(vertx, new JsonObject());
    f.config.put("retention", new JsonObject().put("consumed_events", "PT1H").put("interval_ms", 200));
    UUID oldDone = UUID.randomUUID();
    UUID oldNobody = UUID.randomUUID();
    UUID recentDone = UUID.randomUUID();
    UUID oldPending = UUID.randomUUID();
    Pool db = PgSupport.pool(vertx, f.config, 1);
    f.start()
      .compose(v -> f.deploy())
      .compose(v -> inbox(db, oldDone, "DONE", "2 hours"))
      .compose(v -> inbox(db, oldNobody, "NO_RECIPIENT", "3 hours"))
      .compose(v -> inbox(db, recentDone, "DONE", "1 minute"))
      .compose(v -> inbox(db, oldPending, "PENDING", "2 hours"))
      .compose(v -> f.until("old handled rows are purged",
        () -> exists(db, oldDone).compose(done -> exists(db, oldNobody).map(nobody -> !done && !nobody))))
      .compose(v -> exists(db, recentDone).compose(recent -> exists(db, oldPending).map(pending -> ctx.verify(() -> {
        assertThat(recent).isTrue();
        assertThat(pending).isTrue();
      }))))
      .eventually(db::close)
      .eventually(f::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> inbox(Pool db, UUID id, String status, String age) {
    // a pending row is due only tomorrow, so the inbox job leaves it alone during the test
    return db.preparedQuery("INSERT INTO notification.inbox (event_id, topic, event_type, template, user_id, order_id, data, occurred_at, "
        + "received_at, status, next_attempt_at) VALUES ($1, 't', 'OrderPaid', 'paid', 'u', 'o', '{}'::jsonb, now(), now() - $2::text::interval, $3, "
        + "now() + interval '1 day')")
      .execute(Tuple.of(id, age, status)).mapEmpty();
  }

  private static Future<Boolean> exists(Pool db, UUID id) {
    return db.preparedQuery("SELECT count(*) FROM notification.inbox WHERE event_id = $1").execute(Tuple.of(id))
      .map(rows -> rows.iterator().next().getLong(0) == 1);
  }
}
