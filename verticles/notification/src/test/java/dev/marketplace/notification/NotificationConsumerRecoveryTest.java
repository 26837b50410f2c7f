package dev.marketplace.notification;

import dev.marketplace.contracts.DeadLetterAddresses;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.marketplace.notification.NotificationFixture.await;
import static dev.marketplace.notification.NotificationFixture.settle;
import static dev.marketplace.notification.NotificationFixture.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Notification's consumer while its database is unreachable: every event notifies once after
 * recovery; a record that keeps failing is parked, a malformed one too, and a replay applies the
 * one whose cause is gone.
 */
class NotificationConsumerRecoveryTest {

  private static NotificationFixture fixture() {
    NotificationFixture f = new NotificationFixture(new JsonObject());
    f.config.getJsonObject("kafka").put("consumer", new JsonObject().put("max_attempts", 3).put("retry_initial_ms", 100).put("retry_max_ms", 1000));
    return f.deploy();
  }

  @Test
  void eventsThatArriveWhileTheDatabaseIsDownNotifyOnceEachAfterwards() {
    try (NotificationFixture f = fixture()) {
      String pgUrl = f.config.getJsonObject("pg").getString("url");
      String buyer = f.user("Anna", "en", null);
      List<String> orders = new ArrayList<>();
      TestInfra.shared().unreachable(pgUrl);
      try {
        for (int i = 0; i < 4; i++) {
          String order = UUID.randomUUID().toString();
          orders.add(order);
          f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderPaid", order, buyer, null));
        }
        settle();
        settle();
      } finally {
        TestInfra.shared().reachable(pgUrl);
      }
      waitUntil("a push per paid order", () -> f.history(buyer, "push").size() == 4);
      // the same events again change nothing
      f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderPaid", orders.get(0), buyer, null));
      settle();
      settle();
      List<JsonObject> pushes = f.history(buyer, "push");
      assertThat(pushes).hasSize(4);
      assertThat(pushes).extracting(n -> n.getString("order_id")).containsExactlyInAnyOrderElementsOf(orders);
      assertThat(f.history(buyer, "email")).hasSize(4);
    }
  }

  @Test
  void aRecordThatKeepsFailingIsParkedAndAReplayAppliesItOnceItsCauseIsGone() {
    try (NotificationFixture f = fixture()) {
      Pool db = PgSupport.pool(f.vertx, f.config, 1);
      String buyer = f.user("Boris", "en", null);
      String poison = UUID.randomUUID().toString();
      String healthy = UUID.randomUUID().toString();
      await(db.query("CREATE FUNCTION notification.refuse_event() RETURNS trigger LANGUAGE plpgsql AS "
        + "$$ BEGIN RAISE EXCEPTION 'this event cannot be stored'; END $$").execute());
      await(db.query("CREATE TRIGGER refuse_event BEFORE INSERT ON notification.inbox FOR EACH ROW WHEN (NEW.order_id = '"
        + poison + "') EXECUTE FUNCTION notification.refuse_event()").execute());
      EventEnvelope poisonEvent = f.orderEvent("OrderPaid", poison, buyer, null);
      f.publish(Topics.ORDERS_EVENTS, poisonEvent);
      f.publishRaw(Topics.ORDERS_EVENTS, healthy, "{not an event");
      f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderPaid", healthy, buyer, null));

      waitUntil("the healthy order notifies and two records are parked",
        () -> f.history(buyer, "push").size() == 1 && parked(f).size() == 2);
      JsonArray parked = parked(f);
      JsonObject stored = null;
      JsonObject malformed = null;
      for (int i = 0; i < parked.size(); i++) {
        JsonObject letter = parked.getJsonObject(i);
        if (poisonEvent.eventId().toString().equals(letter.getString("event_id"))) {
          stored = letter;
        } else {
          malformed = letter;
        }
      }
      assertThat(stored).isNotNull();
      assertThat(stored.getString("last_error")).contains("this event cannot be stored");
      assertThat(malformed).isNotNull();
      assertThat(malformed.getString("payload")).isEqualTo("{not an event");

      await(db.query("DROP TRIGGER refuse_event ON notification.inbox").execute());
      JsonObject replayed = await(f.ask(DeadLetterAddresses.replay("notification"), new JsonObject().put("id", stored.getLong("id")), "admin-1", "admin"));
      assertThat(replayed.getString("status")).isEqualTo("REPLAYED");
      waitUntil("the replayed event notifies", () -> f.history(buyer, "push").size() == 2);
      // the malformed record stays parked: its replay fails again and says so
      Throwable again = null;
      try {
        await(f.ask(DeadLetterAddresses.replay("notification"), new JsonObject().put("id", malformed.getLong("id")), "admin-1", "admin"));
      } catch (RuntimeException e) {
        again = e;
      }
      assertThat(again).isNotNull();
      assertThat(parked(f)).hasSize(1);
      settle();
      assertThat(f.history(buyer, "push")).hasSize(2);
      await(db.close());
    }
  }

  private static JsonArray parked(NotificationFixture f) {
    return await(f.ask(DeadLetterAddresses.list("notification"), new JsonObject().put("status", "PARKED"), "admin-1", "admin")).getJsonArray("items");
  }
}
