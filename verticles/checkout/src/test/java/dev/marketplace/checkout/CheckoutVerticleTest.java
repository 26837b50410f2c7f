package dev.marketplace.checkout;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.checkout.CheckoutAddresses;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.contracts.sales.SalesAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.Outcomes;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

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
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class CheckoutVerticleTest {
  private static final String USER = "buyer-1";
  private Vertx vertx;
  private Pool db;
  private final ScriptedNeighbours neighbours = ScriptedNeighbours.happy(() -> "p1", 2);
  private final Map<String, Function<JsonObject, Future<JsonObject>>> script = neighbours.script;
  private final List<String> calls = neighbours.calls;

  @BeforeEach
  void up(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("checkout").put("step_timeout_ms", 500).put("payment_timeout_ms", 500).put("sweep_interval_ms", 100);
    // the sales waiting room is the gate test's
    script.remove(SalesAddresses.ADMIT);
    neighbours.serve(vertx, ScriptedNeighbours.ADDRESS_TO_REASON)
      .compose(v -> vertx.deployVerticle(new CheckoutVerticle(), new DeploymentOptions().setConfig(config)))
      .onComplete(ctx.succeeding(id -> {
        db = PgSupport.pool(vertx, config, 2);
        ctx.completeNow();
      }));
  }

  private Future<JsonObject> checkout(String user, String cartId, String key) {
    var options = Bus.options(10_000);
    if (user != null) {
      options.addHeader(BusHeaders.USER_ID, user);
    }
    return Bus.request(vertx, CheckoutAddresses.START,
      new JsonObject().put("cart_id", cartId).put("payment_method", "card").put("idempotency_key", key), options);
  }

  private Future<ServiceFailure> failedCheckout(String user, String cartId, String key) {
    return Outcomes.refusal(checkout(user, cartId, key));
  }

  @Test
  void aCheckoutRunsEveryStepInOrderAndAnswersThePaymentUrl(VertxTestContext ctx) {
    checkout(USER, UUID.randomUUID().toString(), "k1")
      .compose(reply -> db.query("SELECT state FROM checkout.saga_log ORDER BY id").execute().map(log -> ctx.verify(() -> {
        assertThat(reply.getString("status")).isEqualTo("PENDING_PAYMENT");
        assertThat(reply.getString("payment_url")).startsWith("http://bank/3ds/");
        assertThat(reply.getString("reserved_until")).isNotNull();
        assertThat(calls).containsExactly("cart.checkout-view", PaymentAddresses.AVAILABILITY, "orders.create", "inventory.reserve",
          "orders.transition:RESERVED", "orders.transition:PENDING_PAYMENT", PaymentAddresses.START);
        List<String> states = new java.util.ArrayList<>();
        log.forEach(row -> states.add(row.getString("state")));
        assertThat(states).containsExactly("STARTED", "CART_LOADED", "ORDER_CREATED", "RESERVED", "PAYMENT_STARTING", "AWAITING_PAYMENT");
      })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void cartAnswersEndTheCheckoutWithoutMakingAnOrder(VertxTestContext ctx) {
    script.put("cart.checkout-view", body -> Future.failedFuture(
      ErrorCode.PRICE_CHANGED.failure("Prices changed.", new JsonObject().put("product_ids", new JsonArray().add("p1")))));

    failedCheckout(USER, UUID.randomUUID().toString(), "k2")
      .map(failure -> ctx.verify(() -> {
        assertThat(failure.code()).isEqualTo(ErrorCode.PRICE_CHANGED);
        assertThat(failure.extra().getJsonArray("product_ids")).containsExactly("p1");
        assertThat(failure.extra().containsKey("order_id")).isFalse();
        assertThat(calls).containsExactly("cart.checkout-view");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aReserveThatTimesOutIsReleasedAndTheOrderCancelled(VertxTestContext ctx) {
    script.put("inventory.reserve", body -> Promise.<JsonObject>promise().future());

    failedCheckout(USER, UUID.randomUUID().toString(), "k3")
      .map(failure -> ctx.verify(() -> {
        assertThat(failure.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(failure.extra().getString("order_id")).isNotNull();
        // no payment was asked for, so none is voided; the release leaves a tombstone for the late reserve
        assertThat(calls).containsExactly("cart.checkout-view", PaymentAddresses.AVAILABILITY, "orders.create", "inventory.reserve",
          "inventory.release/CHECKOUT_FAILED", "orders.transition:CANCELLED/CHECKOUT_FAILED");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void outOfStockCancelsWithTheDocumentedReasonAndAnOrderThatRefusesItIsCancelledWithoutOne(VertxTestContext ctx) {
    script.put("inventory.reserve", body -> Future.failedFuture(
      ErrorCode.OUT_OF_STOCK.failure("None left.", new JsonObject().put("product_ids", new JsonArray().add("p1")))));
    script.put("orders.transition", body -> body.containsKey("reason") && !body.getString("reason").equals("OUT_OF_STOCK")
      ? Future.failedFuture(ServiceFailure.invalidField("reason", "unknown"))
      : Future.succeededFuture(new JsonObject().put("status", body.getString("to"))));

    failedCheckout(USER, UUID.randomUUID().toString(), "k4")
      .compose(failure -> {
        ctx.verify(() -> {
          assertThat(failure.code()).isEqualTo(ErrorCode.OUT_OF_STOCK);
          assertThat(calls).endsWith("inventory.release/OUT_OF_STOCK", "orders.transition:CANCELLED/OUT_OF_STOCK");
        });
        calls.clear();
        script.put("inventory.reserve", body -> Promise.<JsonObject>promise().future());
        return failedCheckout(USER, UUID.randomUUID().toString(), "k5");
      })
      .map(timedOut -> ctx.verify(() -> assertThat(calls).endsWith("orders.transition:CANCELLED/CHECKOUT_FAILED", "orders.transition:CANCELLED")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aFailedPaymentStartIsVoidedReleasedAndCancelledAsPaymentUnavailable(VertxTestContext ctx) {
    script.put(PaymentAddresses.AVAILABILITY, body -> Future.succeededFuture(new JsonObject().put("available", true)));
    script.put(PaymentAddresses.START, body -> Future.failedFuture(ErrorCode.PAYMENT_UNAVAILABLE.failure("Bank down.")));

    failedCheckout(USER, UUID.randomUUID().toString(), "k6")
      .map(failure -> ctx.verify(() -> {
        assertThat(failure.code()).isEqualTo(ErrorCode.PAYMENT_UNAVAILABLE);
        assertThat(calls).endsWith(PaymentAddresses.START, PaymentAddresses.VOID,
          "inventory.release/PAYMENT_TIMEOUT", "orders.transition:CANCELLED/PAYMENT_TIMEOUT");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aRepeatOfARefusedCheckoutIsAnsweredOnlyOnceItsCompensationHasEnded(VertxTestContext ctx) {
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
    Eventually.untilTrue(vertx, "the saga voids the payment", 10_000, () -> calls.contains(PaymentAddresses.VOID))
      .compose(v -> Outcomes.refusal(Bus.request(vertx, CheckoutAddresses.START, request, options)))
      .compose(answer -> db.preparedQuery("SELECT state FROM checkout.sagas WHERE user_id = $1 AND idempotency_key = 'k11'")
        .execute(io.vertx.sqlclient.Tuple.of(USER))
        .compose(state -> Outcomes.refusal(first).map(firstAnswer -> ctx.verify(() -> {
          assertThat(answer.code()).isEqualTo(ErrorCode.PAYMENT_UNAVAILABLE);
          assertThat(state.iterator().next().getString("state")).as("the refusal says the order is cancelled: it is").isEqualTo("CANCELLED");
          assertThat(firstAnswer.code()).isEqualTo(ErrorCode.PAYMENT_UNAVAILABLE);
        }))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aStepRepeatedAfterACrashAcceptsAnOrderThatIsAlreadyFurtherOn(VertxTestContext ctx) {
    // the order already went RESERVED -> PENDING_PAYMENT before the node died; RESERVED is now illegal
    script.put("orders.transition", body -> "RESERVED".equals(body.getString("to"))
      ? Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure("PENDING_PAYMENT cannot go to RESERVED"))
      : Future.succeededFuture(new JsonObject().put("status", body.getString("to"))));
    script.put("orders.get", body -> Future.succeededFuture(new JsonObject().put("status", "PENDING_PAYMENT")));

    checkout(USER, UUID.randomUUID().toString(), "k8")
      .compose(reply -> {
        ctx.verify(() -> assertThat(reply.getString("status")).isEqualTo("PENDING_PAYMENT"));
        // but an order the buyer cancelled meanwhile ends the checkout, releasing the stock
        calls.clear();
        script.put("orders.get", body -> Future.succeededFuture(new JsonObject().put("status", "CANCELLED")));
        return failedCheckout(USER, UUID.randomUUID().toString(), "k9");
      })
      .map(failure -> ctx.verify(() -> {
        assertThat(failure.code()).isEqualTo(ErrorCode.CONFLICT);
        assertThat(calls).contains("inventory.release/BUYER_CANCELLED").doesNotContain(PaymentAddresses.START);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anOpenCircuitToTheBankFailsTheCheckoutBeforeAnyOrderOrStockExists(VertxTestContext ctx) {
    script.put(PaymentAddresses.AVAILABILITY, body -> Future.succeededFuture(new JsonObject().put("available", false).put("circuit", "OPEN")));

    failedCheckout(USER, UUID.randomUUID().toString(), "k10")
      .map(failure -> ctx.verify(() -> {
        assertThat(failure.code()).isEqualTo(ErrorCode.PAYMENT_UNAVAILABLE);
        assertThat(failure.extra().containsKey("order_id")).isFalse();
        assertThat(calls).containsExactly("cart.checkout-view", PaymentAddresses.AVAILABILITY);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void requestsAreValidatedAndNeedAUser(VertxTestContext ctx) {
    failedCheckout(null, UUID.randomUUID().toString(), "k7")
      .compose(anonymous -> failedCheckout(USER, "not-a-uuid", "k7").map(badCart -> ctx.verify(() -> {
        assertThat(anonymous.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(badCart.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(calls).isEmpty();
      })))
      .onComplete(ctx.succeedingThenComplete());
  }
}
