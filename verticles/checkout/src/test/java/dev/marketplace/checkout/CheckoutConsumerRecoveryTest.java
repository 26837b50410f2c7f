package dev.marketplace.checkout;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.checkout.CheckoutAddresses;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.testing.Await;
import dev.marketplace.platform.testing.ConsumerRecoveryFixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checkout's {@code payments.events} consumer while its database is unreachable: every captured
 * payment is recorded once after recovery and its saga ends PAID with one commit of its stock;
 * an event that keeps failing is parked and a replay applies it.
 */
class CheckoutConsumerRecoveryTest {
  private ConsumerRecoveryFixture fixture;
  /** Per order id: how often orders was told PAID, per reservation: how often inventory committed. */
  private final Map<String, AtomicInteger> paid = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> commits = new ConcurrentHashMap<>();

  @BeforeEach
  void up() throws Exception {
    fixture = ConsumerRecoveryFixture.create("checkout", config ->
      config.getJsonObject("checkout").put("step_timeout_ms", 1000).put("payment_timeout_ms", 1000).put("sweep_interval_ms", 200));
    JsonObject line = new JsonObject().put("product_id", "p1").put("seller_id", "s1").put("title", "Thing").put("quantity", 1)
      .put("unit_price", new JsonObject().put("amount", 500).put("currency", "RUB")).put("price_changed", false);
    fixture.serve("cart.checkout-view", body -> new JsonObject().put("cart_id", body.getString("cart_id")).put("currency", "RUB")
      .put("lines", new JsonArray().add(line)).put("total", new JsonObject().put("amount", 500).put("currency", "RUB")));
    fixture.serve("cart.clear", body -> new JsonObject());
    fixture.serve("orders.create", body -> new JsonObject().put("id", body.getString("order_id")).put("status", "NEW"));
    fixture.serve("orders.transition", body -> {
      if ("PAID".equals(body.getString("to"))) {
        paid.computeIfAbsent(body.getString("order_id"), k -> new AtomicInteger()).incrementAndGet();
      }
      return new JsonObject().put("id", body.getString("order_id")).put("status", body.getString("to"));
    });
    fixture.serve("orders.get", body -> new JsonObject().put("id", body.getString("order_id")).put("status", "PENDING_PAYMENT"));
    fixture.serve("inventory.reserve", body -> new JsonObject().put("reservation_id", body.getString("reservation_id"))
      .put("status", "HELD").put("reserved_until", Instant.now().plusSeconds(900).toString()));
    fixture.serve("inventory.commit", body -> {
      commits.computeIfAbsent(body.getString("reservation_id"), k -> new AtomicInteger()).incrementAndGet();
      return new JsonObject().put("status", "COMMITTED");
    });
    fixture.serve("inventory.release", body -> new JsonObject().put("status", "RELEASED"));
    fixture.serve(PaymentAddresses.AVAILABILITY, body -> new JsonObject().put("available", true));
    fixture.serve(PaymentAddresses.START, body -> new JsonObject().put("payment_id", body.getString("payment_id"))
      .put("status", "PENDING").put("payment_url", "http://bank/3ds/" + body.getString("payment_id")));
    fixture.serve(PaymentAddresses.VOID, body -> new JsonObject().put("status", "VOIDED"));
    fixture.serve(PaymentAddresses.REFUND, body -> new JsonObject().put("status", "REFUNDED"));
    fixture.deploy(new CheckoutVerticle());
  }

  @AfterEach
  void down() throws Exception {
    fixture.close();
  }

  @Test
  void capturedPaymentsArriveWhileTheDatabaseIsDownAndEachSagaIsPaidOnce() throws Exception {
    List<String> orders = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      orders.add(checkout());
    }
    fixture.databaseDown();
    for (String order : orders) {
      captured(order);
    }
    Thread.sleep(3000);
    assertThat(paid).isEmpty();

    fixture.databaseUp();
    Await.until("every saga is PAID", Duration.ofSeconds(30), () -> orders.stream().allMatch(o -> state(o).equals("PAID")));
    for (String order : orders) {
      assertThat(paid.get(order).get()).as("orders told PAID for " + order).isEqualTo(1);
      assertThat(commits.get(reservation(order)).get()).as("stock committed for " + order).isEqualTo(1);
    }
    // the same events again (a redelivery) change nothing
    captured(orders.get(0));
    Thread.sleep(1500);
    assertThat(paid.get(orders.get(0)).get()).isEqualTo(1);
    assertThat(commits.get(reservation(orders.get(0))).get()).isEqualTo(1);
  }

  @Test
  void anEventThatKeepsFailingIsParkedThenAReplayAppliesIt() throws Exception {
    String poison = checkout();
    String healthy = checkout();
    Await.result(fixture.db().query("CREATE FUNCTION checkout.refuse_result() RETURNS trigger LANGUAGE plpgsql AS "
      + "$$ BEGIN RAISE EXCEPTION 'this saga cannot take a result'; END $$").execute());
    Await.result(fixture.db().query("CREATE TRIGGER refuse_result BEFORE UPDATE ON checkout.sagas FOR EACH ROW WHEN (OLD.id = '" + poison
      + "' AND NEW.payment_result IS DISTINCT FROM OLD.payment_result) EXECUTE FUNCTION checkout.refuse_result()").execute());
    captured(poison);
    captured(healthy);

    Await.until("the healthy saga is PAID and the poison event parked", Duration.ofSeconds(30), () -> state(healthy).equals("PAID") && !fixture.parked().isEmpty());
    JsonObject letter = fixture.parked().getJsonObject(0);
    assertThat(letter.getString("event_type")).isEqualTo("PaymentCaptured");
    assertThat(letter.getString("last_error")).contains("this saga cannot take a result");
    assertThat(state(poison)).isEqualTo("AWAITING_PAYMENT");

    Await.result(fixture.db().query("DROP TRIGGER refuse_result ON checkout.sagas").execute());
    JsonObject replayed = fixture.replay(letter.getLong("id"));
    assertThat(replayed.getString("status")).isEqualTo("REPLAYED");
    Await.until("the replayed saga is PAID", Duration.ofSeconds(30), () -> state(poison).equals("PAID"));
    assertThat(paid.get(poison).get()).isEqualTo(1);
  }

  // ------------------------------------------------------------- helpers

  private String checkout() throws Exception {
    JsonObject reply = Await.result(Bus.request(fixture.vertx(), CheckoutAddresses.START, new JsonObject().put("cart_id", UUID.randomUUID().toString())
      .put("payment_method", "card").put("idempotency_key", UUID.randomUUID().toString()),
      Bus.options(10_000).addHeader(BusHeaders.USER_ID, "buyer-1")));
    assertThat(reply.getString("status")).isEqualTo("PENDING_PAYMENT");
    return reply.getString("order_id");
  }

  private void captured(String orderId) throws Exception {
    fixture.publish(Topics.PAYMENTS_EVENTS, orderId,
      EventEnvelope.create("PaymentCaptured", orderId, new JsonObject().put("order_id", orderId).put("status", "CAPTURED")));
  }

  private String state(String orderId) {
    try {
      return Await.result(fixture.db().preparedQuery("SELECT state FROM checkout.sagas WHERE id = $1").execute(Tuple.of(UUID.fromString(orderId))))
        .iterator().next().getString(0);
    } catch (Exception e) {
      return "UNKNOWN: " + e;
    }
  }

  private String reservation(String orderId) throws Exception {
    return Await.result(fixture.db().preparedQuery("SELECT reservation_id FROM checkout.sagas WHERE id = $1").execute(Tuple.of(UUID.fromString(orderId))))
      .iterator().next().getUUID(0).toString();
  }
}
