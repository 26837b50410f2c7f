package dev.marketplace.payment;

import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.bank.BankApi;
import dev.marketplace.contracts.orders.OrdersAddresses;
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
 * Payment's {@code orders.events} consumer when its database or its neighbour (orders) is gone:
 * every cancelled order is refunded once after recovery, the refund notice reaches orders once
 * orders is back, and an event that keeps failing is parked and applied by a replay.
 */
@ExtendWith(VertxExtension.class)
// two waits of up to 30 s each and a few seconds of pauses
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class PaymentConsumerRecoveryTest {
  private static final String SECRET = "payment-recovery-secret";
  private ConsumerRecoveryFixture fixture;
  private Vertx vertx;
  private ScriptedBank bank;
  /** Orders' side: how many times each order moved to REFUNDED (the real one takes a repeat as a no-op). */
  private final Map<String, AtomicInteger> refundedOrders = new ConcurrentHashMap<>();

  @BeforeEach
  void up(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    ConsumerRecoveryFixture.create(vertx, "payment", config -> {
      config.getJsonObject("bank").put("shared_secret", SECRET);
      config.put("bus", new JsonObject().put("timeout_ms", 1000));
    }).compose(created -> {
      fixture = created;
      return ScriptedBank.start(vertx, ScriptedBank.Rules.LENIENT);
    }).compose(started -> {
      bank = started;
      // the bank's port is known only now: the config is the fixture's, still undeployed
      fixture.config().getJsonObject("payment").put("bank_url", bank.url())
        .put("bank_timeout_ms", 1000).put("poll_interval_ms", 200).put("refund_retry_ms", 300);
      return fixture.deploy(new PaymentVerticle());
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void down(VertxTestContext ctx) {
    (fixture == null ? Future.<Void>succeededFuture() : fixture.close()).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void cancelledOrdersAreRefundedOnceAfterTheDatabaseAndOrdersComeBack(VertxTestContext ctx) {
    InOrder.run(Collections.<Supplier<Future<String>>>nCopies(4, () -> capturedOrder(ctx))).compose(orders ->
      // orders is not running and payment's database is unreachable while the cancellations arrive
      fixture.databaseDown()
        .compose(v -> InOrder.each(orders, this::cancel))
        .compose(v -> vertx.timer(3000))
        .map(t -> ctx.verify(() -> assertThat(bank.refunds).isEmpty()))
        .compose(v -> fixture.databaseUp())
        .compose(v -> Eventually.until(vertx, "every payment is refunded", 30_000,
          () -> Eventually.forAll(orders, o -> status(o).map("REFUNDED"::equals))))
        .compose(v -> InOrder.each(orders, order -> events(order, "PaymentRefunded").compose(refunded -> noticeDue(order).map(due -> ctx.verify(() -> {
          String bankId = "bank-" + paymentOf(order);
          assertThat(bank.refunds.get(bankId).get()).as("refunds at the bank for " + order).isEqualTo(1);
          assertThat(refunded).isEqualTo(1);
          assertThat(due).as("orders has not answered yet").isTrue();
        })))))
        // orders comes back: the persisted notices reach it
        .compose(v -> Bus.serve(vertx, OrdersAddresses.TRANSITION, msg -> {
          refundedOrders.computeIfAbsent(msg.body().getString("order_id"), k -> new AtomicInteger()).incrementAndGet();
          return Future.succeededFuture(new JsonObject().put("status", msg.body().getString("to")));
        }).completion())
        .compose(v -> Eventually.until(vertx, "every refund notice reached orders", 30_000,
          () -> Eventually.forAll(orders, o -> noticeDue(o).map(due -> !due))))
        .map(v -> ctx.verify(() -> {
          for (String order : orders) {
            assertThat(refundedOrders.get(order).get()).isEqualTo(1);
          }
        }))
        // the events read again after all this change nothing
        .compose(v -> cancel(orders.get(0)))
        .compose(v -> vertx.timer(1500))
        .compose(t -> events(orders.get(0), "PaymentRefunded"))
        .map(refunded -> ctx.verify(() -> {
          assertThat(bank.refunds.get("bank-" + paymentOf(orders.get(0))).get()).isEqualTo(1);
          assertThat(refunded).isEqualTo(1);
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anEventThatKeepsFailingIsParkedThenAReplayAppliesIt(VertxTestContext ctx) {
    Bus.serve(vertx, OrdersAddresses.TRANSITION,
        msg -> Future.succeededFuture(new JsonObject().put("status", msg.body().getString("to")))).completion()
      .compose(v -> InOrder.run(() -> capturedOrder(ctx), () -> capturedOrder(ctx)))
      .compose(two -> {
        String poison = two.get(0);
        String healthy = two.get(1);
        // a bug in this one order's data: every change of its intent is refused by the database
        return fixture.db().query("CREATE FUNCTION payment.refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
            + "$$ BEGIN RAISE EXCEPTION 'this intent cannot change'; END $$").execute()
          .compose(r -> fixture.db().query("CREATE TRIGGER refuse_change BEFORE UPDATE ON payment.intents FOR EACH ROW WHEN (OLD.order_id = '"
            + poison + "') EXECUTE FUNCTION payment.refuse_change()").execute())
          .compose(r -> cancel(poison))
          .compose(v -> cancel(healthy))
          .compose(v -> Eventually.until(vertx, "the healthy payment is refunded and the poison event parked", 30_000,
            () -> status(healthy).compose(status -> fixture.parked().map(parked -> status.equals("REFUNDED") && !parked.isEmpty()))))
          .compose(v -> fixture.parked())
          .compose(parked -> status(poison).map(status -> {
            ctx.verify(() -> {
              assertThat(parked).hasSize(1);
              JsonObject letter = parked.getJsonObject(0);
              assertThat(letter.getString("event_type")).isEqualTo("OrderCancelled");
              assertThat(letter.getString("key")).isEqualTo(poison);
              assertThat(letter.getInteger("attempts")).isEqualTo(3);
              assertThat(letter.getString("last_error")).contains("this intent cannot change");
              assertThat(status).isEqualTo("CAPTURED");
            });
            return parked.getJsonObject(0);
          }))
          .compose(letter -> fixture.db().query("DROP TRIGGER refuse_change ON payment.intents").execute()
            .compose(r -> fixture.replay(letter.getLong("id"))))
          .compose(replayed -> status(poison).compose(status -> events(poison, "PaymentRefunded").map(refunded -> ctx.verify(() -> {
            assertThat(replayed.getString("status")).isEqualTo("REPLAYED");
            assertThat(status).isEqualTo("REFUNDED");
            assertThat(bank.refunds.get("bank-" + paymentOf(poison)).get()).isEqualTo(1);
            assertThat(refunded).isEqualTo(1);
          }))));
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  // ------------------------------------------------------------- helpers

  private final Map<String, String> payments = new ConcurrentHashMap<>();

  /** A payment started and captured at the bank; its order id. */
  private Future<String> capturedOrder(VertxTestContext ctx) {
    String paymentId = UUID.randomUUID().toString();
    String orderId = UUID.randomUUID().toString();
    payments.put(orderId, paymentId);
    JsonObject callback = PaymentFixture.signedCallback(SECRET, "bank-" + paymentId, paymentId, BankApi.CAPTURED, orderId, 2500, "RUB");
    return Bus.request(vertx, PaymentAddresses.START, PaymentFixture.startBody(paymentId, orderId), 10_000)
      .compose(started -> Bus.request(vertx, PaymentAddresses.CALLBACK, callback, 10_000))
      .map(answer -> {
        ctx.verify(() -> assertThat(answer.getString("status")).isEqualTo("CAPTURED"));
        return orderId;
      });
  }

  private String paymentOf(String orderId) {
    return payments.get(orderId);
  }

  private Future<Void> cancel(String orderId) {
    EventEnvelope cancelled = EventEnvelope.create("OrderCancelled", orderId,
      new JsonObject().put("order_id", orderId).put("status", "CANCELLED").put("reason", "BUYER_CANCELLED"));
    return fixture.publish(Topics.ORDERS_EVENTS, orderId, cancelled);
  }

  private Future<String> status(String orderId) {
    return PaymentFixture.status(fixture.db(), orderId);
  }

  private Future<Boolean> noticeDue(String orderId) {
    return fixture.db().preparedQuery("SELECT refund_notice_due FROM payment.intents WHERE order_id = $1").execute(Tuple.of(UUID.fromString(orderId)))
      .map(rows -> rows.iterator().next().getBoolean(0));
  }

  private Future<Long> events(String orderId, String type) {
    return PaymentFixture.events(fixture.db(), orderId, type);
  }
}
