package dev.marketplace.checkout;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.checkout.CheckoutAddresses;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The saga lease is short ({@code lease_ms}) and renewed by its live owner: a step that outlasts
 * the lease is not taken over by another instance, while a saga whose owner stopped renewing
 * (a dead node) is taken over and finished about a lease later.
 */
class SagaLeaseRenewalTest {
  private static final long LEASE_MS = 400;
  private Vertx vertx;
  private Pool db;
  private JsonObject config;
  private final Map<String, Function<JsonObject, Future<JsonObject>>> script = new ConcurrentHashMap<>();
  /** address + order id of every call the neighbours received. */
  private final List<String> calls = new CopyOnWriteArrayList<>();

  @BeforeEach
  void up() throws Exception {
    vertx = Vertx.vertx();
    config = TestInfra.shared().config();
    config.getJsonObject("checkout").put("lease_ms", LEASE_MS).put("sweep_interval_ms", 100)
      .put("step_timeout_ms", 5_000).put("payment_timeout_ms", 5_000);
    JsonObject line = new JsonObject().put("product_id", "p1").put("seller_id", "s1").put("title", "Thing").put("quantity", 1)
      .put("unit_price", new JsonObject().put("amount", 500).put("currency", "RUB")).put("price_changed", false);
    script.put("cart.checkout-view", body -> Future.succeededFuture(new JsonObject().put("cart_id", body.getString("cart_id"))
      .put("currency", "RUB").put("lines", new JsonArray().add(line)).put("total", new JsonObject().put("amount", 500).put("currency", "RUB"))));
    script.put("orders.create", body -> Future.succeededFuture(new JsonObject().put("id", body.getString("order_id")).put("status", "NEW")));
    script.put("orders.transition", body -> Future.succeededFuture(new JsonObject().put("status", body.getString("to"))));
    script.put("orders.get", body -> Future.succeededFuture(new JsonObject().put("status", "NEW")));
    script.put("inventory.reserve", body -> Future.succeededFuture(new JsonObject().put("status", "HELD")
      .put("reserved_until", java.time.Instant.now().plusSeconds(900).toString())));
    script.put("inventory.release", body -> Future.succeededFuture(new JsonObject().put("status", "RELEASED")));
    script.put(PaymentAddresses.AVAILABILITY, body -> Future.succeededFuture(new JsonObject().put("available", true)));
    script.put(PaymentAddresses.START, body -> Future.succeededFuture(new JsonObject().put("status", "PENDING")
      .put("payment_url", "http://bank/3ds/" + body.getString("payment_id"))));
    script.put(PaymentAddresses.VOID, body -> Future.succeededFuture(new JsonObject().put("status", "VOIDED")));
    for (String address : script.keySet()) {
      Promise<Void> registered = Promise.promise();
      Bus.serve(vertx, address, msg -> {
        calls.add(address + " " + msg.body().getString("order_id"));
        return script.get(address).apply(msg.body());
      }).completion().onComplete(registered);
      await(registered.future());
    }
    await(PgSupport.migrate(vertx, config, "checkout"));
    db = PgSupport.pool(vertx, config, 2);
  }

  @AfterEach
  void down() throws Exception {
    await(vertx.close());
  }

  private void deployCheckout() throws Exception {
    await(vertx.deployVerticle(new CheckoutVerticle(), new DeploymentOptions().setConfig(config)));
  }

  private long callsOf(String address, String orderId) {
    return calls.stream().filter((address + " " + orderId)::equals).count();
  }

  @Test
  void aStepLongerThanTheLeaseKeepsItsOwnerAndIsNotDrivenTwice() throws Exception {
    deployCheckout();
    deployCheckout(); // a second instance sweeping for sagas whose lease ran out
    // the reservation takes three leases (under one attempt's timeout, SagaDriver.ATTEMPT_TIMEOUT_MS)
    script.put("inventory.reserve", body -> vertx.timer(3 * LEASE_MS).map(t -> new JsonObject().put("status", "HELD")
      .put("reserved_until", java.time.Instant.now().plusSeconds(900).toString())));

    var options = Bus.options(15_000).addHeader(BusHeaders.USER_ID, "buyer-renewal");
    JsonObject reply = await(Bus.request(vertx, CheckoutAddresses.START, new JsonObject().put("cart_id", UUID.randomUUID().toString())
      .put("payment_method", "card").put("idempotency_key", UUID.randomUUID().toString()), options));

    String orderId = reply.getString("order_id");
    assertThat(reply.getString("status")).isEqualTo("PENDING_PAYMENT");
    assertThat(callsOf("inventory.reserve", orderId)).isEqualTo(1);
    assertThat(callsOf(PaymentAddresses.START, orderId)).isEqualTo(1);
    var drivers = await(db.preparedQuery("SELECT count(DISTINCT node) FROM checkout.saga_log WHERE saga_id = $1 AND node IS NOT NULL")
      .execute(Tuple.of(UUID.fromString(orderId))));
    assertThat(drivers.iterator().next().getLong(0)).as("one driver wrote the whole log").isEqualTo(1L);
  }

  @Test
  void aSagaWhoseOwnerStoppedRenewingIsFinishedByAnotherInstanceAboutALeaseLater() throws Exception {
    SagaRepository dead = new SagaRepository(db, LEASE_MS);
    UUID sagaId = UUID.randomUUID();
    // a node wrote the saga's first row and died: its lease runs out LEASE_MS after that write
    await(dead.insert(sagaId, "buyer-" + sagaId, "k", "h", UUID.randomUUID(), "card", "dead-node"));
    long written = System.nanoTime();
    deployCheckout();

    long deadline = System.currentTimeMillis() + 10_000;
    String state;
    do {
      Thread.sleep(50);
      state = await(dead.byId(sagaId)).orElseThrow().state().name();
    } while (!state.equals("AWAITING_PAYMENT") && System.currentTimeMillis() < deadline);
    long tookMs = (System.nanoTime() - written) / 1_000_000;

    assertThat(state).isEqualTo("AWAITING_PAYMENT");
    // the lease, a sweep and the steps: well under the 30 s a long lease would have made the buyer wait
    assertThat(tookMs).as("taken over and finished %d ms after the dead node's last write", tookMs).isLessThan(5_000);
    assertThat(callsOf("inventory.reserve", sagaId.toString())).isEqualTo(1);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
