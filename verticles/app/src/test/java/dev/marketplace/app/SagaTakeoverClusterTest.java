package dev.marketplace.app;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.checkout.CheckoutAddresses;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.bus.RetryingRequest;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three clustered nodes (Hazelcast on loopback, a cluster name of their own): node A stands in for
 * cart, orders, inventory and payment and sends the buyer's checkout as the gateway does; node B
 * drives the saga and dies in the middle of it (its reservation in flight); node C, with the
 * shipped lease ({@code checkout.lease_ms}), takes the saga over and finishes it, and the buyer's
 * repeated request gets the answer within a few seconds of B's death.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class SagaTakeoverClusterTest {
  private Vertx nodeA;
  private Vertx nodeB;
  private Vertx nodeC;
  private JsonObject config;
  private Pool db;
  private final Map<String, Integer> reserveCalls = new ConcurrentHashMap<>();
  private final Promise<Void> firstReserveReached = Promise.promise();

  @BeforeEach
  void formCluster(VertxTestContext ctx) {
    String clusterName = "takeover-" + UUID.randomUUID();
    List<String> members = List.of("127.0.0.1:5701-5720");
    List<Vertx> nodes = new ArrayList<>();
    // one node after the other, as before: each joins the members already there
    Future<Void> joined = Future.succeededFuture();
    for (int i = 0; i < 3; i++) {
      joined = joined.compose(v -> ClusterSupport.clusteredVertx(new VertxOptions(),
        ClusterSupport.hazelcastConfig("127.0.0.1", 0, members, clusterName), "127.0.0.1")).map(node -> {
          nodes.add(node);
          return null;
        });
    }
    joined.compose(v -> {
        nodeA = nodes.get(0);
        nodeB = nodes.get(1);
        nodeC = nodes.get(2);
        config = TestInfra.shared().config();
        return PgSupport.migrate(nodeA, config, "checkout");
      })
      .compose(v -> {
        db = PgSupport.pool(nodeA, config, 2);
        return registerNeighboursOnA();
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void leaveCluster(VertxTestContext ctx) {
    Future.join(close(nodeA), close(nodeB), close(nodeC)).onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> close(Vertx node) {
    return node == null ? Future.succeededFuture() : node.close();
  }

  private Future<Void> registerNeighboursOnA() {
    JsonObject line = new JsonObject().put("product_id", UUID.randomUUID().toString()).put("seller_id", "s1").put("title", "Thing")
      .put("quantity", 1).put("unit_price", new JsonObject().put("amount", 700).put("currency", "RUB")).put("price_changed", false);
    Map<String, Function<JsonObject, Future<JsonObject>>> answers = Map.of(
      "cart.checkout-view", body -> Future.succeededFuture(new JsonObject().put("cart_id", body.getString("cart_id")).put("currency", "RUB")
        .put("lines", new JsonArray().add(line)).put("total", new JsonObject().put("amount", 700).put("currency", "RUB"))),
      "orders.create", body -> Future.succeededFuture(new JsonObject().put("id", body.getString("order_id")).put("status", "NEW")),
      "orders.transition", body -> Future.succeededFuture(new JsonObject().put("status", body.getString("to"))),
      "orders.get", body -> Future.succeededFuture(new JsonObject().put("status", "NEW")),
      // the first reservation stays in flight: its node dies with it
      "inventory.reserve", body -> reserveCalls.merge(body.getString("order_id"), 1, Integer::sum) == 1
        ? Future.<JsonObject>future(p -> firstReserveReached.tryComplete())
        : Future.succeededFuture(new JsonObject().put("status", "HELD").put("reserved_until", java.time.Instant.now().plusSeconds(900).toString())),
      "inventory.release", body -> Future.succeededFuture(new JsonObject().put("status", "RELEASED")),
      PaymentAddresses.AVAILABILITY, body -> Future.succeededFuture(new JsonObject().put("available", true)),
      PaymentAddresses.START, body -> Future.succeededFuture(new JsonObject().put("status", "PENDING")
        .put("payment_url", "http://bank/3ds/" + body.getString("payment_id"))),
      PaymentAddresses.VOID, body -> Future.succeededFuture(new JsonObject().put("status", "VOIDED")));
    List<Future<Void>> registered = new ArrayList<>();
    answers.forEach((address, answer) -> registered.add(Bus.serve(nodeA, address, msg -> answer.apply(msg.body())).completion()));
    return Future.all(registered).mapEmpty();
  }

  @Test
  void aSagaWhoseNodeDiesMidStepIsFinishedByAnotherNodeAndTheBuyersRetryIsAnsweredWithinSeconds(VertxTestContext ctx) {
    String buyer = "buyer-" + UUID.randomUUID();
    JsonObject request = new JsonObject().put("cart_id", UUID.randomUUID().toString()).put("payment_method", "card")
      .put("idempotency_key", UUID.randomUUID().toString());
    long[] died = new long[1];
    Marketplace.deploy(nodeB, config, "checkout")
      .compose(checkoutOnB -> {
        // as the gateway sends it: attempts of checkout.request_attempt_timeout_ms within the request's budget
        Future<JsonObject> answer = RetryingRequest.request(nodeA, CheckoutAddresses.START, request,
          Bus.options(30_000).addHeader(BusHeaders.USER_ID, buyer), 4_000, 30_000);
        return firstReserveReached.future().timeout(30, TimeUnit.SECONDS)
          .compose(reached -> Marketplace.deploy(nodeC, config, "checkout"))
          .compose(checkoutOnC -> {
            Vertx driving = nodeB;
            nodeB = null;
            return driving.close(); // B goes with the saga in hand: its lease is no longer renewed
          })
          .compose(closed -> {
            died[0] = System.nanoTime();
            return answer.timeout(30, TimeUnit.SECONDS);
          });
      })
      .compose(reply -> {
        long answeredMs = (System.nanoTime() - died[0]) / 1_000_000;
        UUID sagaId = UUID.fromString(reply.getString("order_id"));
        ctx.verify(() -> {
          assertThat(reply.getString("status")).isEqualTo("PENDING_PAYMENT");
          assertThat(answeredMs).as("answered %d ms after the driving node died", answeredMs).isLessThan(9_000);
          assertThat(reserveCalls.get(sagaId.toString())).isEqualTo(2);
        });
        return db.preparedQuery("SELECT count(DISTINCT node) FROM checkout.saga_log WHERE saga_id = $1 AND node IS NOT NULL")
          .execute(Tuple.of(sagaId));
      })
      .map(drivers -> ctx.verify(() ->
        assertThat(drivers.iterator().next().getLong(0)).as("B began the log, C finished it").isEqualTo(2L)))
      .onComplete(ctx.succeedingThenComplete());
  }
}
