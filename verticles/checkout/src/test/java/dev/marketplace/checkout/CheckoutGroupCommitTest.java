package dev.marketplace.checkout;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.checkout.CheckoutAddresses;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.Outcomes;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Saga inserts and steps of concurrent checkouts share statements (group commit): each checkout
 * still gets its own answer, a failing one fails alone, and concurrent requests with one
 * Idempotency-Key still make one saga and one order. Neighbours are stand-ins that answer at once.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class CheckoutGroupCommitTest {
  private static final String USER = "buyer-gc";
  private Vertx vertx;
  private Pool db;
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private final Set<String> missingCarts = ConcurrentHashMap.newKeySet();

  @BeforeEach
  void up(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("checkout").put("batch_max", 64).put("batch_parallelism", 1).put("sweep_interval_ms", 100);
    Future.all(List.of(
      serve("cart.checkout-view", body -> missingCarts.contains(body.getString("cart_id"))
        ? Future.failedFuture(ErrorCode.NOT_FOUND.failure("No such cart."))
        : Future.succeededFuture(new JsonObject().put("cart_id", body.getString("cart_id")).put("currency", "RUB")
          .put("lines", new JsonArray().add(new JsonObject().put("product_id", "p1").put("seller_id", "s1").put("title", "Thing")
            .put("quantity", 1).put("unit_price", new JsonObject().put("amount", 700).put("currency", "RUB"))))
          .put("total", new JsonObject().put("amount", 700).put("currency", "RUB")))),
      serve("cart.clear", body -> Future.succeededFuture(new JsonObject())),
      serve("orders.create", body -> Future.succeededFuture(new JsonObject().put("id", body.getString("order_id")).put("status", "NEW")
        .put("total", new JsonObject().put("amount", 700).put("currency", "RUB")))),
      serve("orders.transition", body -> Future.succeededFuture(new JsonObject().put("id", body.getString("order_id"))
        .put("status", body.getString("to")))),
      serve("inventory.reserve", body -> Future.succeededFuture(new JsonObject().put("reservation_id", body.getString("reservation_id"))
        .put("status", "HELD").put("reserved_until", java.time.Instant.now().plusSeconds(900).toString()))),
      serve("inventory.commit", body -> Future.succeededFuture(new JsonObject().put("status", "COMMITTED"))),
      serve(PaymentAddresses.AVAILABILITY, body -> Future.succeededFuture(new JsonObject().put("available", true))),
      serve(PaymentAddresses.START, body -> Future.succeededFuture(new JsonObject().put("payment_id", body.getString("payment_id"))
        .put("status", "PENDING").put("payment_url", "http://bank/3ds/" + body.getString("payment_id"))))))
      .compose(all -> vertx.deployVerticle(new CheckoutVerticle(), new DeploymentOptions().setConfig(config)))
      .onComplete(ctx.succeeding(id -> {
        db = PgSupport.pool(vertx, config, 2);
        ctx.completeNow();
      }));
  }

  /** A stand-in neighbour that counts its calls; reachable when the future completes. */
  private Future<Void> serve(String address, Function<JsonObject, Future<JsonObject>> answer) {
    return Bus.serve(vertx, address, msg -> {
      counts.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
      return answer.apply(msg.body());
    }).completion();
  }

  private Future<JsonObject> start(String cartId, String key) {
    var options = Bus.options(20_000).addHeader(BusHeaders.USER_ID, USER);
    return Bus.request(vertx, CheckoutAddresses.START,
      new JsonObject().put("cart_id", cartId).put("payment_method", "card").put("idempotency_key", key), options);
  }

  private Future<Long> count(String sql, Object... args) {
    return db.preparedQuery(sql).execute(Tuple.from(args)).map(rows -> rows.iterator().next().getLong(0));
  }

  /** The saga's logged states, in the order they were logged. */
  private Future<List<String>> log(String order) {
    return db.preparedQuery("SELECT state FROM checkout.saga_log WHERE saga_id = $1 ORDER BY id").execute(Tuple.of(UUID.fromString(order)))
      .map(rows -> {
        List<String> states = new ArrayList<>();
        rows.forEach(row -> states.add(row.getString("state")));
        return states;
      });
  }

  @Test
  void concurrentCheckoutsEachGetTheirOwnOrderAndOneWithAMissingCartFailsAlone(VertxTestContext ctx) {
    String missing = UUID.randomUUID().toString();
    missingCarts.add(missing);
    List<Future<JsonObject>> replies = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      replies.add(start(i == 17 ? missing : UUID.randomUUID().toString(), "gc-" + UUID.randomUUID()));
    }
    Set<String> orders = new HashSet<>();
    // every reply settled, failed or not
    Future.join(replies).transform(ar -> Future.succeededFuture())
      .map(v -> ctx.verify(() -> {
        for (int i = 0; i < replies.size(); i++) {
          Future<JsonObject> reply = replies.get(i);
          if (i == 17) {
            assertThat(ServiceFailure.from(reply.cause()).code()).isEqualTo(ErrorCode.NOT_FOUND);
            continue;
          }
          assertThat(reply.succeeded()).as("checkout %d: %s", i, reply.cause()).isTrue();
          assertThat(reply.result().getString("status")).isEqualTo("PENDING_PAYMENT");
          orders.add(reply.result().getString("order_id"));
        }
        assertThat(orders).hasSize(59);
        assertThat(counts.get("orders.create").get()).isEqualTo(59);
      }))
      // every saga logged every step once, in order
      .compose(v -> {
        Future<Void> chain = Future.succeededFuture();
        for (String order : orders) {
          chain = chain.compose(x -> log(order)).map(states -> {
            ctx.verify(() -> assertThat(states)
              .containsExactly("STARTED", "CART_LOADED", "ORDER_CREATED", "RESERVED", "PAYMENT_STARTING", "AWAITING_PAYMENT"));
            return null;
          });
        }
        return chain;
      })
      // waiting for the money, nobody holds them
      .compose(v -> count("SELECT count(*) FROM checkout.sagas WHERE user_id = $1 AND state = 'AWAITING_PAYMENT' AND lease_owner IS NULL", USER))
      .compose(awaiting -> count("SELECT count(*) FROM checkout.sagas WHERE user_id = $1 AND state = 'CANCELLED'", USER)
        .map(cancelled -> ctx.verify(() -> {
          assertThat(awaiting).isEqualTo(59);
          assertThat(cancelled).isEqualTo(1);
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void concurrentRequestsWithOneKeyMakeOneSagaAndOneOrderAndAllGetItsAnswer(VertxTestContext ctx) {
    String cart = UUID.randomUUID().toString();
    List<Future<JsonObject>> replies = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      replies.add(start(cart, "same-key"));
    }
    Future.join(replies).transform(ar -> Future.succeededFuture())
      .map(v -> ctx.verify(() -> {
        Set<String> orders = new HashSet<>();
        replies.forEach(r -> {
          assertThat(r.succeeded()).as("%s", r.cause()).isTrue();
          orders.add(r.result().getString("order_id"));
        });
        assertThat(orders).hasSize(1);
        assertThat(counts.get("orders.create").get()).isEqualTo(1);
      }))
      .compose(v -> count("SELECT count(*) FROM checkout.sagas WHERE user_id = $1 AND idempotency_key = 'same-key'", USER))
      .map(sagas -> ctx.verify(() -> assertThat(sagas).isEqualTo(1)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aPaymentResultOverTheBusDrivesTheSagaToPaidAtOnceAndAgainChangesNothing(VertxTestContext ctx) {
    start(UUID.randomUUID().toString(), "paid-key").compose(started -> {
      String orderId = started.getString("order_id");
      JsonObject result = new JsonObject().put("order_id", orderId).put("result", "CAPTURED");
      return Bus.request(vertx, CheckoutAddresses.PAYMENT_RESULT, result, 5_000)
        .map(answer -> ctx.verify(() -> assertThat(answer.getBoolean("recorded")).isTrue()))
        .compose(v -> Eventually.until(vertx, "PAID in time", 10_000,
          () -> count("SELECT count(*) FROM checkout.sagas WHERE id = $1 AND state = 'PAID'", UUID.fromString(orderId)).map(n -> n != 0)))
        .map(v -> ctx.verify(() -> assertThat(counts.get("inventory.commit").get()).isEqualTo(1)))
        .compose(v -> Bus.request(vertx, CheckoutAddresses.PAYMENT_RESULT, result, 5_000))
        .map(again -> ctx.verify(() -> {
          assertThat(again.getBoolean("recorded")).isFalse();
          assertThat(counts.get("inventory.commit").get()).isEqualTo(1);
        }))
        .compose(v -> Outcomes.refusal(Bus.request(vertx, CheckoutAddresses.PAYMENT_RESULT,
          new JsonObject().put("order_id", orderId).put("result", "MAYBE"), 5_000)))
        .map(refusal -> ctx.verify(() -> assertThat(refusal.code()).isEqualTo(ErrorCode.VALIDATION_FAILED)));
    }).onComplete(ctx.succeedingThenComplete());
  }
}
