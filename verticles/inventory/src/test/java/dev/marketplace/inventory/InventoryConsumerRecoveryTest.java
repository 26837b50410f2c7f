package dev.marketplace.inventory;

import dev.marketplace.contracts.DeadLetterAddresses;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.platform.kafka.KafkaSupport;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.InOrder;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static dev.marketplace.inventory.InventoryTestSupport.reserveBody;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inventory's {@code orders.events} consumer while its database is unreachable: every cancelled
 * order's stock comes back once after recovery; an event that keeps failing is parked and a replay
 * applies it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class InventoryConsumerRecoveryTest {
  private static final String SELLER = UUID.randomUUID().toString();
  private InventoryTestSupport inv;
  private KafkaProducer<String, String> producer;
  private String pgUrl;

  @BeforeEach
  void up(VertxTestContext ctx) {
    inv = new InventoryTestSupport(config -> config.getJsonObject("kafka")
      .put("consumer", new JsonObject().put("max_attempts", 3).put("retry_initial_ms", 100).put("retry_max_ms", 1000)));
    inv.start().onComplete(ctx.succeeding(v -> {
      pgUrl = inv.config.getJsonObject("pg").getString("url");
      producer = KafkaProducer.create(inv.vertx, KafkaSupport.producerConfig(inv.config));
      ctx.completeNow();
    }));
  }

  @AfterEach
  void down(VertxTestContext ctx) {
    // a failed test may have left the database down
    if (pgUrl != null) {
      TestInfra.shared().reachable(pgUrl);
    }
    Future<Void> closed = producer == null ? Future.succeededFuture() : producer.close();
    // stopped outside the producer's chain: that chain's context ends with inventory's Vert.x
    closed.onComplete(producerClosed -> inv.stop().onComplete(ctx.succeeding(stopped -> {
      if (producerClosed.failed()) {
        ctx.failNow(producerClosed.cause());
      } else {
        ctx.completeNow();
      }
    })));
  }

  /** Switches the database on or off off the event loop (TestInfra administers it over JDBC). */
  private Future<Void> databaseReachable(boolean reachable) {
    return inv.vertx.executeBlocking(() -> {
      if (reachable) {
        TestInfra.shared().reachable(pgUrl);
      } else {
        TestInfra.shared().unreachable(pgUrl);
      }
      return null;
    });
  }

  @Test
  void cancellationsThatArriveWhileTheDatabaseIsDownGiveTheStockBackOnce(VertxTestContext ctx) {
    List<UUID> orders = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      orders.add(UUID.randomUUID());
    }
    List<EventEnvelope> events = new ArrayList<>();
    inv.newProduct(SELLER, 10).compose(product -> InOrder.run(orders.stream().<Supplier<Future<JsonObject>>>map(order -> () ->
          inv.request("inventory.reserve", reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 2).put("order_id", order.toString()),
            null, null)).toList())
        .compose(held -> inv.availableOf(product))
        .compose(available -> {
          ctx.verify(() -> assertThat(available).isEqualTo(2));
          return databaseReachable(false);
        })
        .compose(down -> InOrder.run(orders.stream().<Supplier<Future<EventEnvelope>>>map(order -> () -> cancel(order)).toList()))
        .compose(sent -> {
          events.addAll(sent);
          // the consumer meets the outage for a while before the database comes back
          return inv.vertx.timer(3000);
        })
        .compose(t -> databaseReachable(true))
        .compose(up -> Eventually.until(inv.vertx, "all 10 units available again", 30_000, () -> inv.availableOf(product).map(n -> n == 10)))
        .compose(v -> InOrder.run(events.stream().<Supplier<Future<Long>>>map(event -> () ->
          inv.rows("SELECT count(*) FROM inventory.consumed_event WHERE event_id = $1", event.eventId()).map(rows -> rows.get(0).getLong(0)))
          .toList()))
        .compose(consumed -> inv.rows("SELECT count(*) FROM inventory.reservation WHERE order_id = ANY($1) AND status = 'RELEASED'",
            (Object) orders.toArray(new UUID[0]))
          .map(released -> ctx.verify(() -> {
            assertThat(consumed).as("each event consumed once").containsOnly(1L).hasSize(4);
            assertThat(released.get(0).getLong(0)).isEqualTo(4L);
          }))))
      .compose(v -> inv.invariant())
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anEventThatKeepsFailingIsParkedThenAReplayAppliesIt(VertxTestContext ctx) {
    UUID poison = UUID.randomUUID();
    UUID healthy = UUID.randomUUID();
    EventEnvelope[] poisonEvent = new EventEnvelope[1];
    inv.newProduct(SELLER, 5).compose(product -> inv.request("inventory.reserve",
          reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 2).put("order_id", poison.toString()), null, null)
        .compose(v -> inv.request("inventory.reserve",
          reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 1).put("order_id", healthy.toString()), null, null))
        .compose(v -> inv.rows("CREATE FUNCTION inventory.refuse_cancel() RETURNS trigger LANGUAGE plpgsql AS "
          + "$$ BEGIN RAISE EXCEPTION 'this order cannot be cancelled'; END $$"))
        .compose(v -> inv.rows("CREATE TRIGGER refuse_cancel BEFORE INSERT ON inventory.cancelled_order FOR EACH ROW WHEN (NEW.order_id = '"
          + poison + "') EXECUTE FUNCTION inventory.refuse_cancel()"))
        .compose(v -> cancel(poison))
        .compose(event -> {
          poisonEvent[0] = event;
          return cancel(healthy);
        })
        .compose(v -> Eventually.until(inv.vertx, "the healthy cancellation applied and the poison one parked", 30_000,
          () -> inv.availableOf(product).compose(n -> n != 3 ? Future.succeededFuture(false) : parked().map(items -> !items.isEmpty()))))
        .compose(v -> parked())
        .map(items -> {
          JsonObject letter = items.getJsonObject(0);
          ctx.verify(() -> {
            assertThat(letter.getString("event_id")).isEqualTo(poisonEvent[0].eventId().toString());
            assertThat(letter.getString("last_error")).contains("this order cannot be cancelled");
          });
          return letter;
        })
        .compose(letter -> inv.rows("DROP TRIGGER refuse_cancel ON inventory.cancelled_order")
          .compose(v -> inv.request(DeadLetterAddresses.replay("inventory"), new JsonObject().put("id", letter.getLong("id")), "admin-1", "admin")))
        .compose(replayed -> inv.availableOf(product).map(available -> ctx.verify(() -> {
          assertThat(replayed.getString("status")).isEqualTo("REPLAYED");
          assertThat(available).isEqualTo(5);
        }))))
      .compose(v -> inv.invariant())
      .onComplete(ctx.succeedingThenComplete());
  }

  private Future<JsonArray> parked() {
    return inv.request(DeadLetterAddresses.list("inventory"), new JsonObject().put("status", "PARKED"), "admin-1", "admin")
      .map(reply -> reply.getJsonArray("items"));
  }

  private Future<EventEnvelope> cancel(UUID orderId) {
    EventEnvelope cancelled = EventEnvelope.create("OrderCancelled", orderId.toString(),
      new JsonObject().put("order_id", orderId.toString()).put("status", "CANCELLED").put("reason", "BUYER_CANCELLED"));
    return producer.send(KafkaProducerRecord.create(Topics.ORDERS_EVENTS, orderId.toString(), cancelled.toJson().encode())).map(cancelled);
  }
}
