package dev.marketplace.checkout;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.checkout.CheckoutAddresses;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.contracts.sales.SalesAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
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
 * The saga lease is short ({@code lease_ms}) and renewed by its live owner: a step that outlasts
 * the lease is not taken over by another instance, while a saga whose owner stopped renewing
 * (a dead node) is taken over and finished about a lease later.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class SagaLeaseRenewalTest {
  private static final long LEASE_MS = 400;
  private Vertx vertx;
  private Pool db;
  private JsonObject config;
  private final ScriptedNeighbours neighbours = ScriptedNeighbours.happy(() -> "p1", 1);
  private final Map<String, Function<JsonObject, Future<JsonObject>>> script = neighbours.script;
  /** address + order id of every call the neighbours received. */
  private final List<String> calls = neighbours.calls;

  @BeforeEach
  void up(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    config = TestInfra.shared().config();
    config.getJsonObject("checkout").put("lease_ms", LEASE_MS).put("sweep_interval_ms", 100)
      .put("step_timeout_ms", 5_000).put("payment_timeout_ms", 5_000);
    // the saga never gets past the payment here
    for (String unused : List.of("cart.clear", "inventory.commit", PaymentAddresses.REFUND, SalesAddresses.ADMIT)) {
      script.remove(unused);
    }
    neighbours.serve(vertx, ScriptedNeighbours.ADDRESS_ORDER)
      .compose(v -> PgSupport.migrate(vertx, config, "checkout"))
      .onComplete(ctx.succeeding(v -> {
        db = PgSupport.pool(vertx, config, 2);
        ctx.completeNow();
      }));
  }

  private Future<String> deployCheckout() {
    return vertx.deployVerticle(new CheckoutVerticle(), new DeploymentOptions().setConfig(config));
  }

  private long callsOf(String address, String orderId) {
    return calls.stream().filter((address + " " + orderId)::equals).count();
  }

  @Test
  void aStepLongerThanTheLeaseKeepsItsOwnerAndIsNotDrivenTwice(VertxTestContext ctx) {
    // the reservation takes three leases (under one attempt's timeout, SagaDriver.ATTEMPT_TIMEOUT_MS)
    script.put("inventory.reserve", body -> vertx.timer(3 * LEASE_MS).map(t -> new JsonObject().put("status", "HELD")
      .put("reserved_until", java.time.Instant.now().plusSeconds(900).toString())));
    var options = Bus.options(15_000).addHeader(BusHeaders.USER_ID, "buyer-renewal");

    deployCheckout()
      .compose(id -> deployCheckout()) // a second instance sweeping for sagas whose lease ran out
      .compose(id -> Bus.request(vertx, CheckoutAddresses.START, new JsonObject().put("cart_id", UUID.randomUUID().toString())
        .put("payment_method", "card").put("idempotency_key", UUID.randomUUID().toString()), options))
      .compose(reply -> {
        String orderId = reply.getString("order_id");
        ctx.verify(() -> {
          assertThat(reply.getString("status")).isEqualTo("PENDING_PAYMENT");
          assertThat(callsOf("inventory.reserve", orderId)).isEqualTo(1);
          assertThat(callsOf(PaymentAddresses.START, orderId)).isEqualTo(1);
        });
        return db.preparedQuery("SELECT count(DISTINCT node) FROM checkout.saga_log WHERE saga_id = $1 AND node IS NOT NULL")
          .execute(Tuple.of(UUID.fromString(orderId)));
      })
      .map(drivers -> ctx.verify(() -> assertThat(drivers.iterator().next().getLong(0)).as("one driver wrote the whole log").isEqualTo(1L)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aSagaWhoseOwnerStoppedRenewingIsFinishedByAnotherInstanceAboutALeaseLater(VertxTestContext ctx) {
    SagaRepository dead = new SagaRepository(db, LEASE_MS);
    UUID sagaId = UUID.randomUUID();
    long[] written = new long[1];
    // a node wrote the saga's first row and died: its lease runs out LEASE_MS after that write
    dead.insert(sagaId, "buyer-" + sagaId, "k", "h", UUID.randomUUID(), "card", "dead-node")
      .compose(v -> {
        written[0] = System.nanoTime();
        return deployCheckout();
      })
      .compose(id -> Eventually.until(vertx, "another instance took the saga over and finished it", 10_000,
        () -> dead.byId(sagaId).map(saga -> saga.orElseThrow().state().name().equals("AWAITING_PAYMENT"))))
      .map(v -> ctx.verify(() -> {
        long tookMs = (System.nanoTime() - written[0]) / 1_000_000;
        // the lease, a sweep and the steps: well under the 30 s a long lease would have made the buyer wait
        assertThat(tookMs).as("taken over and finished %d ms after the dead node's last write", tookMs).isLessThan(5_000);
        assertThat(callsOf("inventory.reserve", sagaId.toString())).isEqualTo(1);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }
}
