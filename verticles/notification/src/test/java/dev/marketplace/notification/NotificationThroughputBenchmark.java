package dev.marketplace.notification;

import dev.marketplace.contracts.Topics;
import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.marketplace.notification.NotificationFixture.await;

/**
 * Not part of {@code mvn verify} (the name does not end in Test): run it with
 * {@code scripts/bench-notification.sh}. Publishes {@code bench.events} (default 2000) OrderPaid
 * events for 100 buyers and measures the time until every notification (email to the local
 * outbox + push) is sent.
 */
class NotificationThroughputBenchmark {

  @Test
  void eventsToSentNotifications() {
    int events = Integer.getInteger("bench.events", 2000);
    try (NotificationFixture f = new NotificationFixture(new JsonObject().put("batch_size", 200))) {
      f.deploy();
      List<String> buyers = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        buyers.add(f.user("Buyer " + i, i % 2 == 0 ? "ru" : "en", null));
      }
      Pool pool = PgSupport.pool(f.vertx, f.config, 2);
      long start = System.nanoTime();
      for (int i = 0; i < events; i++) {
        f.publishAsync(Topics.ORDERS_EVENTS, f.orderEvent("OrderPaid", UUID.randomUUID().toString(), buyers.get(i % buyers.size()), null));
      }
      f.flush();
      long published = System.nanoTime();
      long stored = 0;
      long created = 0;
      while (true) {
        JsonObject counts = counts(pool);
        long now = System.nanoTime();
        if (stored == 0 && counts.getLong("inbox") == events) {
          stored = now;
        }
        if (created == 0 && counts.getLong("done") == events) {
          created = now;
        }
        if (counts.getLong("sent") == 2L * events) {
          break;
        }
        if (now - start > 120e9) {
          throw new AssertionError("not all sent: " + counts);
        }
        sleep();
      }
      long done = System.nanoTime();
      double seconds = (done - start) / 1e9;
      System.out.printf("BENCH notification: %d events -> %d notifications; published %.2f s, all in the inbox %.2f s, "
          + "all notifications made %.2f s, all sent %.2f s after the first publish: %.0f events/s end to end%n",
        events, 2 * events, (published - start) / 1e9, (stored - start) / 1e9, (created - start) / 1e9, seconds, events / seconds);
      await(pool.close());
    }
  }

  private static JsonObject counts(Pool pool) {
    var row = await(pool.query("SELECT (SELECT count(*) FROM notification.inbox) AS inbox, "
      + "(SELECT count(*) FROM notification.inbox WHERE status = 'DONE') AS done, "
      + "(SELECT count(*) FROM notification.notifications WHERE status = 'SENT') AS sent").execute()).iterator().next();
    return new JsonObject().put("inbox", row.getLong("inbox")).put("done", row.getLong("done")).put("sent", row.getLong("sent"));
  }

  private static void sleep() {
    try {
      Thread.sleep(25);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
