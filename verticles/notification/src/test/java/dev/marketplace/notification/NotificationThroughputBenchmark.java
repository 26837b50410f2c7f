package dev.marketplace.notification;

import dev.marketplace.contracts.Topics;
import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Not part of {@code mvn verify} (the name does not end in Test): run it with
 * {@code scripts/bench-notification.sh}. Publishes {@code bench.events} (default 2000) OrderPaid
 * events for 100 buyers and measures the time until every notification (email to the local
 * outbox + push) is sent.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class NotificationThroughputBenchmark {
  /** Give up when not all is sent this long after the first publish. */
  private static final long LIMIT_NANOS = 120_000_000_000L;

  @Test
  void eventsToSentNotifications(Vertx vertx, VertxTestContext ctx) {
    int events = Integer.getInteger("bench.events", 2000);
    NotificationFixture f = new NotificationFixture(vertx, new JsonObject().put("batch_size", 200));
    List<String> buyers = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      buyers.add(f.user("Buyer " + i, i % 2 == 0 ? "ru" : "en", null));
    }
    Pool pool = PgSupport.pool(vertx, f.config, 2);
    // start, published, all in the inbox, all notifications made
    long[] marks = new long[4];
    f.start()
      .compose(v -> f.deploy())
      .compose(v -> {
        marks[0] = System.nanoTime();
        for (int i = 0; i < events; i++) {
          f.publishAsync(Topics.ORDERS_EVENTS, f.orderEvent("OrderPaid", UUID.randomUUID().toString(), buyers.get(i % buyers.size()), null));
        }
        return f.flush();
      })
      .compose(v -> {
        marks[1] = System.nanoTime();
        return allSent(vertx, pool, events, marks);
      })
      .map(v -> {
        long done = System.nanoTime();
        double seconds = (done - marks[0]) / 1e9;
        System.out.printf("BENCH notification: %d events -> %d notifications; published %.2f s, all in the inbox %.2f s, "
            + "all notifications made %.2f s, all sent %.2f s after the first publish: %.0f events/s end to end%n",
          events, 2 * events, (marks[1] - marks[0]) / 1e9, (marks[2] - marks[0]) / 1e9, (marks[3] - marks[0]) / 1e9, seconds,
          events / seconds);
        return null;
      })
      .eventually(pool::close)
      .eventually(f::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  /** Polls the counts every 25 ms, noting when the inbox is full and when every notification is made, until all are sent. */
  private static Future<Void> allSent(Vertx vertx, Pool pool, int events, long[] marks) {
    return counts(pool).compose(counts -> {
      long now = System.nanoTime();
      if (marks[2] == 0 && counts.getLong("inbox") == events) {
        marks[2] = now;
      }
      if (marks[3] == 0 && counts.getLong("done") == events) {
        marks[3] = now;
      }
      if (counts.getLong("sent") == 2L * events) {
        return Future.succeededFuture();
      }
      if (now - marks[0] > LIMIT_NANOS) {
        return Future.failedFuture(new AssertionError("not all sent: " + counts));
      }
      return vertx.timer(25).compose(t -> allSent(vertx, pool, events, marks));
    });
  }

  private static Future<JsonObject> counts(Pool pool) {
    return pool.query("SELECT (SELECT count(*) FROM notification.inbox) AS inbox, "
      + "(SELECT count(*) FROM notification.inbox WHERE status = 'DONE') AS done, "
      + "(SELECT count(*) FROM notification.notifications WHERE status = 'SENT') AS sent").execute()
      .map(rows -> rows.iterator().next())
      .map(row -> new JsonObject().put("inbox", row.getLong("inbox")).put("done", row.getLong("done")).put("sent", row.getLong("sent")));
  }
}
