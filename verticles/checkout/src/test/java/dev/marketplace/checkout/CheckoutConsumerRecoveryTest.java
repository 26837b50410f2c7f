package dev.marketplace.checkout;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.checkout.CheckoutAddresses;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.testing.ConsumerRecoveryFixture;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.InOrder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checkout's {@code payments.events} consumer while its database is unreachable: every captured
 * payment is recorded once after recovery and its saga ends PAID with one commit of its stock;
 * an event that keeps failing is parked and a replay applies it.
 */
@ExtendWith(VertxExtension.class)
// waits of up to 30 s each and a few seconds of pauses
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class CheckoutConsumerRecoveryTest {
  private ConsumerRecoveryFixture fixture;
  private Vertx vertx;
  /** Per order id: how often orders was told PAID, per reservation: how often inventory committed. */
  private final Map<String, AtomicInteger> paid = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> commits = new ConcurrentHashMap<>();

  @BeforeEach
  void up(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    JsonObject line = new JsonObject().put("product_id", "p1").put("seller_id", "s1").put("title", "Thing").put("quantity", 1)
      .put("unit_price", new JsonObject().put("amount", 500).put("currency", "RUB")).put("price_changed", false);
    ConsumerRecoveryFixture.create(vertx, "checkout", config ->
      config.getJsonObject("checkout").put("step_timeout_ms", 1000).put("payment_timeout_ms", 1000).put("sweep_interval_ms", 200))
      .compose(created -> {
        fixture = created;
        return Future.all(List.of(
          fixture.serve("cart.checkout-view", body -> new JsonObject().put("cart_id", body.getString("cart_id")).put("currency", "RUB")
            .put("lines", new JsonArray().add(line)).put("total", new JsonObject().put("amount", 500).put("currency", "RUB"))),
          fixture.serve("cart.clear", body -> new JsonObject()),
          fixture.serve("orders.create", body -> new JsonObject().put("id", body.getString("order_id")).put("status", "NEW")),
          fixture.serve("orders.transition", body -> {
            if ("PAID".equals(body.getString("to"))) {
              paid.computeIfAbsent(body.getString("order_id"), k -> new AtomicInteger()).incrementAndGet();
            }
            return new JsonObject().put("id", body.getString("order_id")).put("status", body.getString("to"));
          }),
          fixture.serve("orders.get", body -> new JsonObject().put("id", body.getString("order_id")).put("status", "PENDING_PAYMENT")),
          fixture.serve("inventory.reserve", body -> new JsonObject().put("reservation_id", body.getString("reservation_id"))
            .put("status", "HELD").put("reserved_until", Instant.now().plusSeconds(900).toString())),
          fixture.serve("inventory.commit", body -> {
            commits.computeIfAbsent(body.getString("reservation_id"), k -> new AtomicInteger()).incrementAndGet();
            return new JsonObject().put("status", "COMMITTED");
          }),
          fixture.serve("inventory.release", body -> new JsonObject().put("status", "RELEASED")),
          fixture.serve(PaymentAddresses.AVAILABILITY, body -> new JsonObject().put("available", true)),
          fixture.serve(PaymentAddresses.START, body -> new JsonObject().put("payment_id", body.getString("payment_id"))
            .put("status", "PENDING").put("payment_url", "http://bank/3ds/" + body.getString("payment_id"))),
          fixture.serve(PaymentAddresses.VOID, body -> new JsonObject().put("status", "VOIDED")),
          fixture.serve(PaymentAddresses.REFUND, body -> new JsonObject().put("status", "REFUNDED"))));
      })
      .compose(all -> fixture.deploy(new CheckoutVerticle()))
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void down(VertxTestContext ctx) {
    (fixture == null ? Future.<Void>succeededFuture() : fixture.close()).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void capturedPaymentsArriveWhileTheDatabaseIsDownAndEachSagaIsPaidOnce(VertxTestContext ctx) {
    InOrder.run(Collections.<Supplier<Future<String>>>nCopies(4, () -> checkout(ctx))).compose(orders -> fixture.databaseDown()
        .compose(v -> InOrder.each(orders, this::captured))
        .compose(v -> vertx.timer(3000))
        .map(t -> ctx.verify(() -> assertThat(paid).isEmpty()))
        .compose(v -> fixture.databaseUp())
        .compose(v -> Eventually.until(vertx, "every saga is PAID", 30_000, () -> Eventually.forAll(orders, o -> state(o).map("PAID"::equals))))
        .compose(v -> InOrder.each(orders, order -> reservation(order).map(reservation -> ctx.verify(() -> {
          assertThat(paid.get(order).get()).as("orders told PAID for " + order).isEqualTo(1);
          assertThat(commits.get(reservation).get()).as("stock committed for " + order).isEqualTo(1);
        }))))
        // the same events again (a redelivery) change nothing
        .compose(v -> captured(orders.get(0)))
        .compose(v -> vertx.timer(1500))
        .compose(t -> reservation(orders.get(0)))
        .map(reservation -> ctx.verify(() -> {
          assertThat(paid.get(orders.get(0)).get()).isEqualTo(1);
          assertThat(commits.get(reservation).get()).isEqualTo(1);
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anEventThatKeepsFailingIsParkedThenAReplayAppliesIt(VertxTestContext ctx) {
    InOrder.run(() -> checkout(ctx), () -> checkout(ctx)).compose(two -> {
      String poison = two.get(0);
      String healthy = two.get(1);
      return fixture.db().query("CREATE FUNCTION checkout.refuse_result() RETURNS trigger LANGUAGE plpgsql AS "
          + "$$ BEGIN RAISE EXCEPTION 'this saga cannot take a result'; END $$").execute()
        .compose(r -> fixture.db().query("CREATE TRIGGER refuse_result BEFORE UPDATE ON checkout.sagas FOR EACH ROW WHEN (OLD.id = '" + poison
          + "' AND NEW.payment_result IS DISTINCT FROM OLD.payment_result) EXECUTE FUNCTION checkout.refuse_result()").execute())
        .compose(r -> captured(poison))
        .compose(v -> captured(healthy))
        .compose(v -> Eventually.until(vertx, "the healthy saga is PAID and the poison event parked", 30_000,
          () -> state(healthy).compose(state -> fixture.parked().map(parked -> state.equals("PAID") && !parked.isEmpty()))))
        .compose(v -> fixture.parked())
        .compose(parked -> state(poison).map(state -> {
          JsonObject letter = parked.getJsonObject(0);
          ctx.verify(() -> {
            assertThat(letter.getString("event_type")).isEqualTo("PaymentCaptured");
            assertThat(letter.getString("last_error")).contains("this saga cannot take a result");
            assertThat(state).isEqualTo("AWAITING_PAYMENT");
          });
          return letter;
        }))
        .compose(letter -> fixture.db().query("DROP TRIGGER refuse_result ON checkout.sagas").execute()
          .compose(r -> fixture.replay(letter.getLong("id"))))
        .map(replayed -> ctx.verify(() -> assertThat(replayed.getString("status")).isEqualTo("REPLAYED")))
        .compose(v -> Eventually.until(vertx, "the replayed saga is PAID", 30_000, () -> state(poison).map("PAID"::equals)))
        .map(v -> ctx.verify(() -> assertThat(paid.get(poison).get()).isEqualTo(1)));
    }).onComplete(ctx.succeedingThenComplete());
  }

  // ------------------------------------------------------------- helpers

  /** A checkout as buyer-1, waiting for its payment; its order id. */
  private Future<String> checkout(VertxTestContext ctx) {
    return Bus.request(vertx, CheckoutAddresses.START, new JsonObject().put("cart_id", UUID.randomUUID().toString())
        .put("payment_method", "card").put("idempotency_key", UUID.randomUUID().toString()),
      Bus.options(10_000).addHeader(BusHeaders.USER_ID, "buyer-1"))
      .map(reply -> {
        ctx.verify(() -> assertThat(reply.getString("status")).isEqualTo("PENDING_PAYMENT"));
        return reply.getString("order_id");
      });
  }

  private Future<Void> captured(String orderId) {
    return fixture.publish(Topics.PAYMENTS_EVENTS, orderId,
      EventEnvelope.create("PaymentCaptured", orderId, new JsonObject().put("order_id", orderId).put("status", "CAPTURED")));
  }

  private Future<String> state(String orderId) {
    return fixture.db().preparedQuery("SELECT state FROM checkout.sagas WHERE id = $1").execute(Tuple.of(UUID.fromString(orderId)))
      .map(rows -> rows.iterator().next().getString(0));
  }

  private Future<String> reservation(String orderId) {
    return fixture.db().preparedQuery("SELECT reservation_id FROM checkout.sagas WHERE id = $1").execute(Tuple.of(UUID.fromString(orderId)))
      .map(rows -> rows.iterator().next().getUUID(0).toString());
  }
}
