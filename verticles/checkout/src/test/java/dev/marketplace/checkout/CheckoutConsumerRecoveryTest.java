package dev.marketplace.checkout;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.DeadLetterAddresses;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.checkout.CheckoutAddresses;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.kafka.KafkaSupport;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checkout's {@code payments.events} consumer while its database is unreachable: every captured
 * payment is recorded once after recovery and its saga ends PAID with one commit of its stock;
 * an event that keeps failing is parked and a replay applies it.
 */
class CheckoutConsumerRecoveryTest {
  private Vertx vertx;
  private Pool db;
  private String pgUrl;
  private KafkaProducer<String, String> producer;
  /** Per order id: how often orders was told PAID, per reservation: how often inventory committed. */
  private final Map<String, AtomicInteger> paid = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> commits = new ConcurrentHashMap<>();

  @BeforeEach
  void up() throws Exception {
    vertx = Vertx.vertx();
    JsonObject config = TestInfra.shared().config();
    pgUrl = config.getJsonObject("pg").getString("url");
    config.getJsonObject("checkout").put("step_timeout_ms", 1000).put("payment_timeout_ms", 1000).put("sweep_interval_ms", 200);
    config.getJsonObject("kafka").put("consumer", new JsonObject().put("max_attempts", 3).put("retry_initial_ms", 100).put("retry_max_ms", 1000));
    JsonObject line = new JsonObject().put("product_id", "p1").put("seller_id", "s1").put("title", "Thing").put("quantity", 1)
      .put("unit_price", new JsonObject().put("amount", 500).put("currency", "RUB")).put("price_changed", false);
    serve("cart.checkout-view", body -> new JsonObject().put("cart_id", body.getString("cart_id")).put("currency", "RUB")
      .put("lines", new JsonArray().add(line)).put("total", new JsonObject().put("amount", 500).put("currency", "RUB")));
    serve("cart.clear", body -> new JsonObject());
    serve("orders.create", body -> new JsonObject().put("id", body.getString("order_id")).put("status", "NEW"));
    serve("orders.transition", body -> {
      if ("PAID".equals(body.getString("to"))) {
        paid.computeIfAbsent(body.getString("order_id"), k -> new AtomicInteger()).incrementAndGet();
      }
      return new JsonObject().put("id", body.getString("order_id")).put("status", body.getString("to"));
    });
    serve("orders.get", body -> new JsonObject().put("id", body.getString("order_id")).put("status", "PENDING_PAYMENT"));
    serve("inventory.reserve", body -> new JsonObject().put("reservation_id", body.getString("reservation_id"))
      .put("status", "HELD").put("reserved_until", java.time.Instant.now().plusSeconds(900).toString()));
    serve("inventory.commit", body -> {
      commits.computeIfAbsent(body.getString("reservation_id"), k -> new AtomicInteger()).incrementAndGet();
      return new JsonObject().put("status", "COMMITTED");
    });
    serve("inventory.release", body -> new JsonObject().put("status", "RELEASED"));
    serve(PaymentAddresses.AVAILABILITY, body -> new JsonObject().put("available", true));
    serve(PaymentAddresses.START, body -> new JsonObject().put("payment_id", body.getString("payment_id"))
      .put("status", "PENDING").put("payment_url", "http://bank/3ds/" + body.getString("payment_id")));
    serve(PaymentAddresses.VOID, body -> new JsonObject().put("status", "VOIDED"));
    serve(PaymentAddresses.REFUND, body -> new JsonObject().put("status", "REFUNDED"));
    await(vertx.deployVerticle(new CheckoutVerticle(), new DeploymentOptions().setConfig(config)));
    db = PgSupport.pool(vertx, config, 2);
    producer = KafkaProducer.create(vertx, KafkaSupport.producerConfig(config));
  }

  @AfterEach
  void down() throws Exception {
    TestInfra.shared().reachable(pgUrl);
    producer.close();
    await(vertx.close());
  }

  @Test
  void capturedPaymentsArriveWhileTheDatabaseIsDownAndEachSagaIsPaidOnce() throws Exception {
    List<String> orders = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      orders.add(checkout());
    }
    TestInfra.shared().unreachable(pgUrl);
    for (String order : orders) {
      captured(order);
    }
    Thread.sleep(3000);
    assertThat(paid).isEmpty();

    TestInfra.shared().reachable(pgUrl);
    waitUntil(() -> orders.stream().allMatch(o -> state(o).equals("PAID")), 30_000);
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
    await(db.query("CREATE FUNCTION checkout.refuse_result() RETURNS trigger LANGUAGE plpgsql AS "
      + "$$ BEGIN RAISE EXCEPTION 'this saga cannot take a result'; END $$").execute());
    await(db.query("CREATE TRIGGER refuse_result BEFORE UPDATE ON checkout.sagas FOR EACH ROW WHEN (OLD.id = '" + poison
      + "' AND NEW.payment_result IS DISTINCT FROM OLD.payment_result) EXECUTE FUNCTION checkout.refuse_result()").execute());
    captured(poison);
    captured(healthy);

    waitUntil(() -> state(healthy).equals("PAID") && !parked().isEmpty(), 30_000);
    JsonObject letter = parked().getJsonObject(0);
    assertThat(letter.getString("event_type")).isEqualTo("PaymentCaptured");
    assertThat(letter.getString("last_error")).contains("this saga cannot take a result");
    assertThat(state(poison)).isEqualTo("AWAITING_PAYMENT");

    await(db.query("DROP TRIGGER refuse_result ON checkout.sagas").execute());
    JsonObject replayed = await(Bus.request(vertx, DeadLetterAddresses.replay("checkout"), new JsonObject().put("id", letter.getLong("id")), admin()));
    assertThat(replayed.getString("status")).isEqualTo("REPLAYED");
    waitUntil(() -> state(poison).equals("PAID"), 30_000);
    assertThat(paid.get(poison).get()).isEqualTo(1);
  }

  // ------------------------------------------------------------- helpers

  private void serve(String address, java.util.function.Function<JsonObject, JsonObject> answer) throws Exception {
    await(Bus.serve(vertx, address, msg -> Future.succeededFuture(answer.apply(msg.body()))).completion());
  }

  private String checkout() throws Exception {
    JsonObject reply = await(Bus.request(vertx, CheckoutAddresses.START, new JsonObject().put("cart_id", UUID.randomUUID().toString())
      .put("payment_method", "card").put("idempotency_key", UUID.randomUUID().toString()),
      Bus.options(10_000).addHeader(BusHeaders.USER_ID, "buyer-1")));
    assertThat(reply.getString("status")).isEqualTo("PENDING_PAYMENT");
    return reply.getString("order_id");
  }

  private void captured(String orderId) throws Exception {
    EventEnvelope event = EventEnvelope.create("PaymentCaptured", orderId, new JsonObject().put("order_id", orderId).put("status", "CAPTURED"));
    await(producer.send(KafkaProducerRecord.create(Topics.PAYMENTS_EVENTS, orderId, event.toJson().encode())));
  }

  private String state(String orderId) {
    try {
      return await(db.preparedQuery("SELECT state FROM checkout.sagas WHERE id = $1").execute(Tuple.of(UUID.fromString(orderId))))
        .iterator().next().getString(0);
    } catch (Exception e) {
      return "UNKNOWN: " + e;
    }
  }

  private String reservation(String orderId) throws Exception {
    return await(db.preparedQuery("SELECT reservation_id FROM checkout.sagas WHERE id = $1").execute(Tuple.of(UUID.fromString(orderId))))
      .iterator().next().getUUID(0).toString();
  }

  private JsonArray parked() {
    try {
      return await(Bus.request(vertx, DeadLetterAddresses.list("checkout"), new JsonObject().put("status", "PARKED"), admin())).getJsonArray("items");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static DeliveryOptions admin() {
    return new DeliveryOptions().setSendTimeout(10_000).addHeader(BusHeaders.USER_ID, "admin-1").addHeader(BusHeaders.ROLES, "admin");
  }

  private static void waitUntil(BooleanSupplier condition, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("condition not met within " + timeoutMs + " ms");
      }
      Thread.sleep(100);
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
