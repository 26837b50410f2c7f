package dev.marketplace.notification;

import dev.marketplace.contracts.DeadLetterAddresses;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.InOrder;
import dev.marketplace.platform.testing.Outcomes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Notification's consumer while its database is unreachable: every event notifies once after
 * recovery; a record that keeps failing is parked, a malformed one too, and a replay applies the
 * one whose cause is gone.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class NotificationConsumerRecoveryTest {

  private static NotificationFixture fixture(Vertx vertx) {
    NotificationFixture f = new NotificationFixture(vertx, new JsonObject());
    f.config.getJsonObject("kafka").put("consumer", new JsonObject().put("max_attempts", 3).put("retry_initial_ms", 100).put("retry_max_ms", 1000));
    return f;
  }

  @Test
  void eventsThatArriveWhileTheDatabaseIsDownNotifyOnceEachAfterwards(Vertx vertx, VertxTestContext ctx) {
    NotificationFixture f = fixture(vertx);
    String buyer = f.user("Anna", "en", null);
    List<String> orders = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      orders.add(UUID.randomUUID().toString());
    }
    f.start()
      .compose(v -> f.deploy())
      .compose(v -> f.databaseDown()
        .compose(x -> InOrder.each(orders, order -> f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderPaid", order, buyer, null))))
        .compose(x -> f.settle())
        .compose(x -> f.settle())
        .eventually(f::databaseUp))
      .compose(v -> f.until("a push per paid order", () -> f.history(buyer, "push").map(pushes -> pushes.size() == 4)))
      // the same events again change nothing
      .compose(v -> f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderPaid", orders.get(0), buyer, null)))
      .compose(v -> f.settle())
      .compose(v -> f.settle())
      .compose(v -> f.history(buyer, "push"))
      .compose(pushes -> f.history(buyer, "email").map(emails -> ctx.verify(() -> {
        assertThat(pushes).hasSize(4);
        assertThat(pushes).extracting(n -> n.getString("order_id")).containsExactlyInAnyOrderElementsOf(orders);
        assertThat(emails).hasSize(4);
      })))
      .eventually(f::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aRecordThatKeepsFailingIsParkedAndAReplayAppliesItOnceItsCauseIsGone(Vertx vertx, VertxTestContext ctx) {
    NotificationFixture f = fixture(vertx);
    Pool db = PgSupport.pool(vertx, f.config, 1);
    String buyer = f.user("Boris", "en", null);
    String poison = UUID.randomUUID().toString();
    String healthy = UUID.randomUUID().toString();
    EventEnvelope poisonEvent = f.orderEvent("OrderPaid", poison, buyer, null);
    JsonObject[] letters = new JsonObject[2];
    f.start()
      .compose(v -> f.deploy())
      .compose(v -> db.query("CREATE FUNCTION notification.refuse_event() RETURNS trigger LANGUAGE plpgsql AS "
        + "$$ BEGIN RAISE EXCEPTION 'this event cannot be stored'; END $$").execute())
      .compose(v -> db.query("CREATE TRIGGER refuse_event BEFORE INSERT ON notification.inbox FOR EACH ROW WHEN (NEW.order_id = '"
        + poison + "') EXECUTE FUNCTION notification.refuse_event()").execute())
      .compose(v -> f.publish(Topics.ORDERS_EVENTS, poisonEvent))
      .compose(v -> f.publishRaw(Topics.ORDERS_EVENTS, healthy, "{not an event"))
      .compose(v -> f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderPaid", healthy, buyer, null)))
      .compose(v -> f.until("the healthy order notifies and two records are parked",
        () -> f.history(buyer, "push").compose(pushes -> parked(f).map(parked -> pushes.size() == 1 && parked.size() == 2))))
      .compose(v -> parked(f))
      .map(parked -> ctx.verify(() -> {
        for (int i = 0; i < parked.size(); i++) {
          JsonObject letter = parked.getJsonObject(i);
          if (poisonEvent.eventId().toString().equals(letter.getString("event_id"))) {
            letters[0] = letter;
          } else {
            letters[1] = letter;
          }
        }
        JsonObject stored = letters[0];
        JsonObject malformed = letters[1];
        assertThat(stored).isNotNull();
        assertThat(stored.getString("last_error")).contains("this event cannot be stored");
        assertThat(malformed).isNotNull();
        assertThat(malformed.getString("payload")).isEqualTo("{not an event");
      }))
      .compose(v -> db.query("DROP TRIGGER refuse_event ON notification.inbox").execute())
      .compose(v -> f.ask(DeadLetterAddresses.replay("notification"), new JsonObject().put("id", letters[0].getLong("id")), "admin-1", "admin"))
      .map(replayed -> ctx.verify(() -> assertThat(replayed.getString("status")).isEqualTo("REPLAYED")))
      .compose(v -> f.until("the replayed event notifies", () -> f.history(buyer, "push").map(pushes -> pushes.size() == 2)))
      // the malformed record stays parked: its replay fails again and says so
      .compose(v -> Outcomes.failure(f.ask(DeadLetterAddresses.replay("notification"),
        new JsonObject().put("id", letters[1].getLong("id")), "admin-1", "admin")))
      .compose(again -> parked(f).map(parked -> ctx.verify(() -> {
        assertThat(again).isNotNull();
        assertThat(parked).hasSize(1);
      })))
      .compose(v -> f.settle())
      .compose(v -> f.history(buyer, "push"))
      .map(pushes -> ctx.verify(() -> assertThat(pushes).hasSize(2)))
      .eventually(db::close)
      .eventually(f::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<JsonArray> parked(NotificationFixture f) {
    return f.ask(DeadLetterAddresses.list("notification"), new JsonObject().put("status", "PARKED"), "admin-1", "admin")
      .map(reply -> reply.getJsonArray("items"));
  }
}
