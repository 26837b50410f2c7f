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
import java.util.function.Function;

import static dev.marketplace.app.TwoNodeClusterTest.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three clustered nodes (Hazelcast on loopback, a cluster name of their own): node A stands in for
 * cart, orders, inventory and payment and sends the buyer's checkout as the gateway does; node B
 * drives the saga and dies in the middle of it (its reservation in flight); node C, with the
 * shipped lease ({@code checkout.lease_ms}), takes the saga over and finishes it, and the buyer's
 * repeated request gets the answer within a few seconds of B's death.
 */
class SagaTakeoverClusterTest {
  private Vertx nodeA;
  private Vertx nodeB;
  private Vertx nodeC;
  private JsonObject config;
  private Pool db;
  private final Map<String, Integer> reserveCalls = new ConcurrentHashMap<>();
  private final Promise<Void> firstReserveReached = Promise.promise();

  @BeforeEach
  void formCluster() throws Exception {
    String clusterName = "takeover-" + UUID.randomUUID();
    List<String> members = List.of("127.0.0.1:5701-5720");
    List<Vertx> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(await(ClusterSupport.clusteredVertx(new VertxOptions(),
        ClusterSupport.hazelcastConfig("127.0.0.1", 0, members, clusterName), "127.0.0.1")));
    }
    nodeA = nodes.get(0);
    nodeB = nodes.get(1);
    nodeC = nodes.get(2);
    config = TestInfra.shared().config();
    await(PgSupport.migrate(nodeA, config, "checkout"));
    db = PgSupport.pool(nodeA, config, 2);
    registerNeighboursOnA();
  }

  @AfterEach
  void leaveCluster() throws Exception {
    await(Future.join(nodeA.close(), nodeB == null ? Future.succeededFuture() : nodeB.close(), nodeC.close()));
  }

  private void registerNeighboursOnA() throws Exception {
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
    await(Future.all(registered));
  }

  @Test
  void aSagaWhoseNodeDiesMidStepIsFinishedByAnotherNodeAndTheBuyersRetryIsAnsweredWithinSeconds() throws Exception {
    await(Marketplace.deploy(nodeB, config, "checkout"));
    String buyer = "buyer-" + UUID.randomUUID();
    JsonObject request = new JsonObject().put("cart_id", UUID.randomUUID().toString()).put("payment_method", "card")
      .put("idempotency_key", UUID.randomUUID().toString());
    // as the gateway sends it: attempts of checkout.request_attempt_timeout_ms within the request's budget
    Future<JsonObject> answer = RetryingRequest.request(nodeA, CheckoutAddresses.START, request,
      Bus.options(30_000).addHeader(BusHeaders.USER_ID, buyer), 4_000, 30_000);

    firstReserveReached.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    await(Marketplace.deploy(nodeC, config, "checkout"));
    await(nodeB.close()); // B goes with the saga in hand: its lease is no longer renewed
    nodeB = null;
    long died = System.nanoTime();

    JsonObject reply = answer.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    long answeredMs = (System.nanoTime() - died) / 1_000_000;

    assertThat(reply.getString("status")).isEqualTo("PENDING_PAYMENT");
    assertThat(answeredMs).as("answered %d ms after the driving node died", answeredMs).isLessThan(9_000);
    UUID sagaId = UUID.fromString(reply.getString("order_id"));
    assertThat(reserveCalls.get(sagaId.toString())).isEqualTo(2);
    var drivers = await(db.preparedQuery("SELECT count(DISTINCT node) FROM checkout.saga_log WHERE saga_id = $1 AND node IS NOT NULL")
      .execute(Tuple.of(sagaId)));
    assertThat(drivers.iterator().next().getLong(0)).as("B began the log, C finished it").isEqualTo(2L);
  }
}
