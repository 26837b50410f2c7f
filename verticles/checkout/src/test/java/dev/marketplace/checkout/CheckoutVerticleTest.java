package dev.marketplace.checkout;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.checkout.CheckoutAddresses;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.contracts.sales.SalesAddresses;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checkout saga over the bus on real PostgreSQL and Kafka, with scripted neighbours: each
 * cart, orders, inventory and payment address answers what the test says and records its calls.
 * (The whole chain with the real payment and bank runs in the app module's Checkout*E2ETest.)
 */
class CheckoutVerticleTest {
  private static final String USER = "buyer-1";
  private Vertx vertx;
  private Pool db;
  private final ScriptedNeighbours neighbours = ScriptedNeighbours.happy(() -> "p1", 2);
  private final Map<String, Function<JsonObject, Future<JsonObject>>> script = neighbours.script;
  private final List<String> calls = neighbours.calls;

  @BeforeEach
  void up() throws Exception {
    vertx = Vertx.vertx();
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("checkout").put("step_timeout_ms", 500).put("payment_timeout_ms", 500).put("sweep_interval_ms", 100);
    // the sales waiting room is the gate test's
    script.remove(SalesAddresses.ADMIT);
    await(neighbours.serve(vertx, ScriptedNeighbours.ADDRESS_TO_REASON));
    await(vertx.deployVerticle(new CheckoutVerticle(), new DeploymentOptions().setConfig(config)));
    db = PgSupport.pool(vertx, config, 2);
  }

  @AfterEach
  void down() throws Exception {
    await(vertx.close());
  }

  private JsonObject checkout(String user, String cartId, String key) throws Exception {
    var options = Bus.options(10_000);
    if (user != null) {
      options.addHeader(BusHeaders.USER_ID, user);
    }
    return await(Bus.request(vertx, CheckoutAddresses.START,
      new JsonObject().put("cart_id", cartId).put("payment_method", "card").put("idempotency_key", key), options));
  }

  private ServiceFailure failedCheckout(String user, String cartId, String key) {
    try {
      checkout(user, cartId, key);
    } catch (Exception e) {
      return ServiceFailure.from(e.getCause());
    }
    throw new AssertionError("the checkout succeeded");
  }

  @Test
  void aCheckoutRunsEveryStepInOrderAndAnswersThePaymentUrl() throws Exception {
    JsonObject reply = checkout(USER, UUID.randomUUID().toString(), "k1");

    assertThat(reply.getString("status")).isEqualTo("PENDING_PAYMENT");
    assertThat(reply.getString("payment_url")).startsWith("http://bank/3ds/");
    assertThat(reply.getString("reserved_until")).isNotNull();
    assertThat(calls).containsExactly("cart.checkout-view", PaymentAddresses.AVAILABILITY, "orders.create", "inventory.reserve",
      "orders.transition:RESERVED", "orders.transition:PENDING_PAYMENT", PaymentAddresses.START);
    var log = await(db.query("SELECT state FROM checkout.saga_log ORDER BY id").execute());
    List<String> states = new java.util.ArrayList<>();
    log.forEach(row -> states.add(row.getString("state")));
    assertThat(states).containsExactly("STARTED", "CART_LOADED", "ORDER_CREATED", "RESERVED", "PAYMENT_STARTING", "AWAITING_PAYMENT");
  }

  @Test
  void cartAnswersEndTheCheckoutWithoutMakingAnOrder() throws Exception {
    script.put("cart.checkout-view", body -> Future.failedFuture(
      ErrorCode.PRICE_CHANGED.failure("Prices changed.", new JsonObject().put("product_ids", new JsonArray().add("p1")))));

    ServiceFailure failure = failedCheckout(USER, UUID.randomUUID().toString(), "k2");

    assertThat(failure.code()).isEqualTo(ErrorCode.PRICE_CHANGED);
    assertThat(failure.extra().getJsonArray("product_ids")).containsExactly("p1");
    assertThat(failure.extra().containsKey("order_id")).isFalse();
    assertThat(calls).containsExactly("cart.checkout-view");
  }

  @Test
  void aReserveThatTimesOutIsReleasedAndTheOrderCancelled() throws Exception {
    script.put("inventory.reserve", body -> Promise.<JsonObject>promise().future());

    ServiceFailure failure = failedCheckout(USER, UUID.randomUUID().toString(), "k3");

    assertThat(failure.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
    assertThat(failure.extra().getString("order_id")).isNotNull();
    // no payment was asked for, so none is voided; the release leaves a tombstone for the late reserve
    assertThat(calls).containsExactly("cart.checkout-view", PaymentAddresses.AVAILABILITY, "orders.create", "inventory.reserve",
      "inventory.release/CHECKOUT_FAILED", "orders.transition:CANCELLED/CHECKOUT_FAILED");
  }

  @Test
  void outOfStockCancelsWithTheDocumentedReasonAndAnOrderThatRefusesItIsCancelledWithoutOne() throws Exception {
    script.put("inventory.reserve", body -> Future.failedFuture(
      ErrorCode.OUT_OF_STOCK.failure("None left.", new JsonObject().put("product_ids", new JsonArray().add("p1")))));
    script.put("orders.transition", body -> body.containsKey("reason") && !body.getString("reason").equals("OUT_OF_STOCK")
      ? Future.failedFuture(ServiceFailure.invalidField("reason", "unknown"))
      : Future.succeededFuture(new JsonObject().put("status", body.getString("to"))));

    ServiceFailure failure = failedCheckout(USER, UUID.randomUUID().toString(), "k4");
    assertThat(failure.code()).isEqualTo(ErrorCode.OUT_OF_STOCK);
    assertThat(calls).endsWith("inventory.release/OUT_OF_STOCK", "orders.transition:CANCELLED/OUT_OF_STOCK");

    calls.clear();
    script.put("inventory.reserve", body -> Promise.<JsonObject>promise().future());
    failedCheckout(USER, UUID.randomUUID().toString(), "k5");
    assertThat(calls).endsWith("orders.transition:CANCELLED/CHECKOUT_FAILED", "orders.transition:CANCELLED");
  }

  @Test
  void aFailedPaymentStartIsVoidedReleasedAndCancelledAsPaymentUnavailable() throws Exception {
    script.put(PaymentAddresses.AVAILABILITY, body -> Future.succeededFuture(new JsonObject().put("available", true)));
    script.put(PaymentAddresses.START, body -> Future.failedFuture(ErrorCode.PAYMENT_UNAVAILABLE.failure("Bank down.")));

    ServiceFailure failure = failedCheckout(USER, UUID.randomUUID().toString(), "k6");

    assertThat(failure.code()).isEqualTo(ErrorCode.PAYMENT_UNAVAILABLE);
    assertThat(calls).endsWith(PaymentAddresses.START, PaymentAddresses.VOID,
      "inventory.release/PAYMENT_TIMEOUT", "orders.transition:CANCELLED/PAYMENT_TIMEOUT");
  }

  @Test
  void aRepeatOfARefusedCheckoutIsAnsweredOnlyOnceItsCompensationHasEnded() throws Exception {
    script.put(PaymentAddresses.START, body -> Future.failedFuture(ErrorCode.PAYMENT_UNAVAILABLE.failure("Bank down.")));
    // the order's cancel, the compensation's last call, is slow
    script.put("orders.transition", body -> "CANCELLED".equals(body.getString("to"))
      ? vertx.timer(400).map(t -> new JsonObject().put("status", "CANCELLED"))
      : Future.succeededFuture(new JsonObject().put("status", body.getString("to"))));
    String cart = UUID.randomUUID().toString();
    var options = Bus.options(10_000).addHeader(BusHeaders.USER_ID, USER);
    JsonObject request = new JsonObject().put("cart_id", cart).put("payment_method", "card").put("idempotency_key", "k11");
    Future<JsonObject> first = Bus.request(vertx, CheckoutAddresses.START, request, options);
    // the buyer's repeat (the gateway's retry) arrives while the saga compensates
    while (!calls.contains(PaymentAddresses.VOID)) {
      Thread.sleep(5);
    }
    Future<JsonObject> repeat = Bus.request(vertx, CheckoutAddresses.START, request, options);

    ServiceFailure answer = ServiceFailure.from(repeat.toCompletionStage().toCompletableFuture().handle((ok, err) -> err).get(10, TimeUnit.SECONDS));
    var state = await(db.preparedQuery("SELECT state FROM checkout.sagas WHERE user_id = $1 AND idempotency_key = 'k11'")
      .execute(io.vertx.sqlclient.Tuple.of(USER)));

    assertThat(answer.code()).isEqualTo(ErrorCode.PAYMENT_UNAVAILABLE);
    assertThat(state.iterator().next().getString("state")).as("the refusal says the order is cancelled: it is").isEqualTo("CANCELLED");
    assertThat(ServiceFailure.from(first.toCompletionStage().toCompletableFuture().handle((ok, err) -> err).get(10, TimeUnit.SECONDS)).code())
      .isEqualTo(ErrorCode.PAYMENT_UNAVAILABLE);
  }

  @Test
  void aStepRepeatedAfterACrashAcceptsAnOrderThatIsAlreadyFurtherOn() throws Exception {
    // the order already went RESERVED -> PENDING_PAYMENT before the node died; RESERVED is now illegal
    script.put("orders.transition", body -> "RESERVED".equals(body.getString("to"))
      ? Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure("PENDING_PAYMENT cannot go to RESERVED"))
      : Future.succeededFuture(new JsonObject().put("status", body.getString("to"))));
    script.put("orders.get", body -> Future.succeededFuture(new JsonObject().put("status", "PENDING_PAYMENT")));

    assertThat(checkout(USER, UUID.randomUUID().toString(), "k8").getString("status")).isEqualTo("PENDING_PAYMENT");

    // but an order the buyer cancelled meanwhile ends the checkout, releasing the stock
    calls.clear();
    script.put("orders.get", body -> Future.succeededFuture(new JsonObject().put("status", "CANCELLED")));
    ServiceFailure failure = failedCheckout(USER, UUID.randomUUID().toString(), "k9");
    assertThat(failure.code()).isEqualTo(ErrorCode.CONFLICT);
    assertThat(calls).contains("inventory.release/BUYER_CANCELLED").doesNotContain(PaymentAddresses.START);
  }

  @Test
  void anOpenCircuitToTheBankFailsTheCheckoutBeforeAnyOrderOrStockExists() throws Exception {
    script.put(PaymentAddresses.AVAILABILITY, body -> Future.succeededFuture(new JsonObject().put("available", false).put("circuit", "OPEN")));

    ServiceFailure failure = failedCheckout(USER, UUID.randomUUID().toString(), "k10");

    assertThat(failure.code()).isEqualTo(ErrorCode.PAYMENT_UNAVAILABLE);
    assertThat(failure.extra().containsKey("order_id")).isFalse();
    assertThat(calls).containsExactly("cart.checkout-view", PaymentAddresses.AVAILABILITY);
  }

  @Test
  void requestsAreValidatedAndNeedAUser() {
    assertThat(failedCheckout(null, UUID.randomUUID().toString(), "k7").code()).isEqualTo(ErrorCode.UNAUTHORIZED);
    assertThat(failedCheckout(USER, "not-a-uuid", "k7").code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(calls).isEmpty();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
