package dev.marketplace.payment;

import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.bank.BankApi;
import dev.marketplace.contracts.orders.OrdersAddresses;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.testing.Await;
import dev.marketplace.platform.testing.ConsumerRecoveryFixture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Payment's {@code orders.events} consumer when its database or its neighbour (orders) is gone:
 * every cancelled order is refunded once after recovery, the refund notice reaches orders once
 * orders is back, and an event that keeps failing is parked and applied by a replay.
 */
class PaymentConsumerRecoveryTest {
  private static final String SECRET = "payment-recovery-secret";
  private ConsumerRecoveryFixture fixture;
  private Vertx vertx;
  private ScriptedBank bank;
  /** Orders' side: how many times each order moved to REFUNDED (the real one takes a repeat as a no-op). */
  private final Map<String, AtomicInteger> refundedOrders = new ConcurrentHashMap<>();

  @BeforeEach
  void up() throws Exception {
    fixture = ConsumerRecoveryFixture.create("payment", config -> {
      config.getJsonObject("bank").put("shared_secret", SECRET);
      config.put("bus", new JsonObject().put("timeout_ms", 1000));
    });
    vertx = fixture.vertx();
    bank = Await.result(ScriptedBank.start(vertx, ScriptedBank.Rules.LENIENT));
    // the bank's port is known only now: the config is the fixture's, still undeployed
    fixture.config().getJsonObject("payment").put("bank_url", bank.url())
      .put("bank_timeout_ms", 1000).put("poll_interval_ms", 200).put("refund_retry_ms", 300);
    fixture.deploy(new PaymentVerticle());
  }

  @AfterEach
  void down() throws Exception {
    fixture.close();
  }

  @Test
  void cancelledOrdersAreRefundedOnceAfterTheDatabaseAndOrdersComeBack() throws Exception {
    List<String> orders = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      orders.add(capturedOrder());
    }

    // orders is not running and payment's database is unreachable while the cancellations arrive
    fixture.databaseDown();
    for (String order : orders) {
      cancel(order);
    }
    Thread.sleep(3000);
    assertThat(bank.refunds).isEmpty();

    fixture.databaseUp();
    Await.until("every payment is refunded", Duration.ofSeconds(30), () -> orders.stream().allMatch(o -> status(o).equals("REFUNDED")));
    for (String order : orders) {
      String bankId = "bank-" + paymentOf(order);
      assertThat(bank.refunds.get(bankId).get()).as("refunds at the bank for " + order).isEqualTo(1);
      assertThat(events(order, "PaymentRefunded")).isEqualTo(1);
      assertThat(noticeDue(order)).as("orders has not answered yet").isTrue();
    }

    // orders comes back: the persisted notices reach it
    MessageConsumer<JsonObject> ordersUp = Bus.serve(vertx, OrdersAddresses.TRANSITION, msg -> {
      refundedOrders.computeIfAbsent(msg.body().getString("order_id"), k -> new AtomicInteger()).incrementAndGet();
      return Future.succeededFuture(new JsonObject().put("status", msg.body().getString("to")));
    });
    Await.result(ordersUp.completion());
    Await.until("every refund notice reached orders", Duration.ofSeconds(30), () -> orders.stream().noneMatch(this::noticeDue));
    for (String order : orders) {
      assertThat(refundedOrders.get(order).get()).isEqualTo(1);
    }
    // the events read again after all this change nothing
    cancel(orders.get(0));
    Thread.sleep(1500);
    assertThat(bank.refunds.get("bank-" + paymentOf(orders.get(0))).get()).isEqualTo(1);
    assertThat(events(orders.get(0), "PaymentRefunded")).isEqualTo(1);
  }

  @Test
  void anEventThatKeepsFailingIsParkedThenAReplayAppliesIt() throws Exception {
    Await.result(Bus.serve(vertx, OrdersAddresses.TRANSITION,
      msg -> Future.succeededFuture(new JsonObject().put("status", msg.body().getString("to")))).completion());
    String poison = capturedOrder();
    String healthy = capturedOrder();
    // a bug in this one order's data: every change of its intent is refused by the database
    Await.result(fixture.db().query("CREATE FUNCTION payment.refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
      + "$$ BEGIN RAISE EXCEPTION 'this intent cannot change'; END $$").execute());
    Await.result(fixture.db().query("CREATE TRIGGER refuse_change BEFORE UPDATE ON payment.intents FOR EACH ROW WHEN (OLD.order_id = '"
      + poison + "') EXECUTE FUNCTION payment.refuse_change()").execute());
    cancel(poison);
    cancel(healthy);

    Await.until("the healthy payment is refunded and the poison event parked", Duration.ofSeconds(30), () -> status(healthy).equals("REFUNDED") && !fixture.parked().isEmpty());
    JsonArray parked = fixture.parked();
    assertThat(parked).hasSize(1);
    JsonObject letter = parked.getJsonObject(0);
    assertThat(letter.getString("event_type")).isEqualTo("OrderCancelled");
    assertThat(letter.getString("key")).isEqualTo(poison);
    assertThat(letter.getInteger("attempts")).isEqualTo(3);
    assertThat(letter.getString("last_error")).contains("this intent cannot change");
    assertThat(status(poison)).isEqualTo("CAPTURED");

    Await.result(fixture.db().query("DROP TRIGGER refuse_change ON payment.intents").execute());
    JsonObject replayed = fixture.replay(letter.getLong("id"));
    assertThat(replayed.getString("status")).isEqualTo("REPLAYED");
    assertThat(status(poison)).isEqualTo("REFUNDED");
    assertThat(bank.refunds.get("bank-" + paymentOf(poison)).get()).isEqualTo(1);
    assertThat(events(poison, "PaymentRefunded")).isEqualTo(1);
  }

  // ------------------------------------------------------------- helpers

  private final Map<String, String> payments = new ConcurrentHashMap<>();

  private String capturedOrder() throws Exception {
    String paymentId = UUID.randomUUID().toString();
    String orderId = UUID.randomUUID().toString();
    payments.put(orderId, paymentId);
    Await.result(Bus.request(vertx, PaymentAddresses.START, PaymentFixture.startBody(paymentId, orderId), 10_000));
    JsonObject callback = PaymentFixture.signedCallback(SECRET, "bank-" + paymentId, paymentId, BankApi.CAPTURED, orderId, 2500, "RUB");
    assertThat(Await.result(Bus.request(vertx, PaymentAddresses.CALLBACK, callback, 10_000)).getString("status")).isEqualTo("CAPTURED");
    return orderId;
  }

  private String paymentOf(String orderId) {
    return payments.get(orderId);
  }

  private void cancel(String orderId) throws Exception {
    EventEnvelope cancelled = EventEnvelope.create("OrderCancelled", orderId,
      new JsonObject().put("order_id", orderId).put("status", "CANCELLED").put("reason", "BUYER_CANCELLED"));
    fixture.publish(Topics.ORDERS_EVENTS, orderId, cancelled);
  }

  private String status(String orderId) {
    try {
      return Await.result(PaymentFixture.status(fixture.db(), orderId));
    } catch (Exception e) {
      return "UNKNOWN: " + e;
    }
  }

  private boolean noticeDue(String orderId) {
    try {
      return Await.result(fixture.db().preparedQuery("SELECT refund_notice_due FROM payment.intents WHERE order_id = $1").execute(Tuple.of(UUID.fromString(orderId))))
        .iterator().next().getBoolean(0);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private long events(String orderId, String type) throws Exception {
    return Await.result(PaymentFixture.events(fixture.db(), orderId, type));
  }
}
