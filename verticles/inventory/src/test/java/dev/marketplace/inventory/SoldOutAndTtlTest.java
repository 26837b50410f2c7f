package dev.marketplace.inventory;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.inventory.InventoryAddresses;
import dev.marketplace.platform.stock.SoldOutView;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.InOrder;
import dev.marketplace.platform.testing.Outcomes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static dev.marketplace.inventory.InventoryTestSupport.reserveBody;
import static org.assertj.core.api.Assertions.assertThat;

/** Big sales: the sold-out set every node learns, and per-product caps on the reservation TTL. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class SoldOutAndTtlTest {
  @RegisterExtension
  static final InventoryTestSupport inv = new InventoryTestSupport(config -> { });
  private static SoldOutView view;

  /** After the extension's {@code beforeAll}: inventory is up, the view listens on its Vert.x (closed with it). */
  @BeforeAll
  static void listen(VertxTestContext ctx) {
    view = new SoldOutView(3_000);
    view.start(inv.vertx).onComplete(ctx.succeedingThenComplete());
  }

  /** Waits for the condition and answers how long it took, in ms; fails after {@code limitMs}. */
  private static Future<Long> within(long limitMs, String what, BooleanSupplier condition) {
    long start = System.nanoTime();
    return Eventually.untilTrue(inv.vertx, what, limitMs, condition).map(v -> (System.nanoTime() - start) / 1_000_000);
  }

  private static Future<JsonObject> reserve(JsonObject body) {
    return inv.request(InventoryAddresses.RESERVE, body, null, null);
  }

  @Test
  void aSoldOutProductIsFlaggedWithinASecondAndAnExpiryClearsTheFlagWithinASecond(VertxTestContext ctx) {
    UUID reservation = UUID.randomUUID();
    inv.newProduct("seller-so", 2).compose(product -> within(1_500, "a fresh view without the new product",
          () -> view.snapshot() != null && !view.isSoldOut(product.toString()))
        .map(v -> ctx.verify(() -> assertThat(view.isSoldOut(product.toString())).isFalse()))
        .compose(v -> reserve(reserveBody(reservation, UUID.randomUUID(), product, 2).put("ttl_seconds", 1)))
        .compose(held -> within(1_000, "the product flagged sold out", () -> view.isSoldOut(product.toString())))
        .map(flagged -> ctx.verify(() -> assertThat(flagged).isLessThan(1_000)))
        // the expiry job gives the units back: the flag goes within a second of that commit
        .compose(v -> Eventually.until(inv.vertx, "the reservation expired", 5_000,
          () -> inv.rows("SELECT status FROM inventory.reservation WHERE id = $1", reservation).map(rows -> "EXPIRED".equals(rows.get(0).getString("status")))))
        .compose(v -> within(1_000, "the flag cleared", () -> !view.isSoldOut(product.toString())))
        .map(cleared -> ctx.verify(() -> assertThat(cleared).isLessThan(1_000)))
        // and a buyer can win the units again
        .compose(v -> reserve(reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 2)))
        .map(again -> ctx.verify(() -> assertThat(again.getString("status")).isEqualTo("HELD")))
        .compose(v -> within(1_000, "the product flagged sold out again", () -> view.isSoldOut(product.toString()))))
      .compose(v -> inv.invariant())
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void newStockClearsTheFlag(VertxTestContext ctx) {
    inv.newProduct("seller-so2", 1).compose(product -> reserve(reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 1))
        .compose(held -> within(1_000, "the product flagged sold out", () -> view.isSoldOut(product.toString())))
        .compose(v -> inv.request(InventoryAddresses.SET_STOCK,
          new JsonObject().put("product_id", product.toString()).put("warehouse", "main").put("quantity", 5), "seller-so2", "seller"))
        .compose(set -> within(1_000, "the flag cleared by new stock", () -> !view.isSoldOut(product.toString()))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aStaleViewRefusesNothing(Vertx vertx, VertxTestContext ctx) {
    SoldOutView silent = new SoldOutView(50);
    silent.apply(new JsonObject().put("full", true).put("sold_out", new JsonArray().add("p1")));
    ctx.verify(() -> assertThat(silent.isSoldOut("p1")).isTrue());
    // no snapshot for longer than the view's 50 ms: stale
    vertx.timer(120)
      .map(t -> ctx.verify(() -> {
        assertThat(silent.isSoldOut("p1")).isFalse();
        assertThat(silent.soldOutAmong(List.of("p1"))).isEmpty();
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aProductsReservationTtlCapShortensItsReservations(VertxTestContext ctx) {
    InOrder.run(() -> inv.newProduct("seller-ttl", 10), () -> inv.newProduct("seller-ttl", 10)).compose(products -> {
        UUID product = products.get(0);
        UUID other = products.get(1);
        return inv.request(InventoryAddresses.SET_RESERVATION_TTL,
            new JsonObject().put("product_id", product.toString()).put("ttl_seconds", 300), "seller-ttl", "seller")
          .map(set -> ctx.verify(() -> assertThat(set.getInteger("ttl_seconds")).isEqualTo(300)))
          .compose(v -> reserve(reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 1, other, 1).put("ttl_seconds", 900)))
          .map(capped -> ctx.verify(() -> {
            long seconds = Instant.parse(capped.getString("reserved_until")).getEpochSecond() - Instant.now().getEpochSecond();
            assertThat(seconds).isBetween(290L, 301L);
          }))
          .compose(v -> reserve(reserveBody(UUID.randomUUID(), UUID.randomUUID(), other, 1).put("ttl_seconds", 900)))
          .map(uncapped -> ctx.verify(() ->
            assertThat(Instant.parse(uncapped.getString("reserved_until")).getEpochSecond() - Instant.now().getEpochSecond()).isGreaterThan(880L)))
          .compose(v -> inv.request(InventoryAddresses.SET_RESERVATION_TTL,
            new JsonObject().put("product_id", product.toString()).putNull("ttl_seconds"), "seller-ttl", "seller"))
          .compose(cleared -> reserve(reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 1).put("ttl_seconds", 900)))
          .map(back -> ctx.verify(() ->
            assertThat(Instant.parse(back.getString("reserved_until")).getEpochSecond() - Instant.now().getEpochSecond()).isGreaterThan(880L)));
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void onlyTheSellerSetsATtlCapAndWithinBounds(VertxTestContext ctx) {
    inv.newProduct("seller-ttl2", 1).compose(product -> InOrder.run(
          () -> Outcomes.refusal(inv.request(InventoryAddresses.SET_RESERVATION_TTL,
            new JsonObject().put("product_id", product.toString()).put("ttl_seconds", 300), "someone-else", "seller")).map(ServiceFailure::code),
          () -> Outcomes.refusal(inv.request(InventoryAddresses.SET_RESERVATION_TTL,
            new JsonObject().put("product_id", product.toString()).put("ttl_seconds", 10), "seller-ttl2", "seller")).map(ServiceFailure::code),
          () -> Outcomes.refusal(inv.request(InventoryAddresses.SET_RESERVATION_TTL,
            new JsonObject().put("product_id", product.toString()).put("ttl_seconds", 300), "a-buyer", "buyer")).map(ServiceFailure::code)))
      .map(refusals -> ctx.verify(() -> assertThat(refusals).as("another seller's, a cap below the bounds, a buyer's")
        .containsExactly(ErrorCode.NOT_FOUND, ErrorCode.VALIDATION_FAILED, ErrorCode.FORBIDDEN)))
      .onComplete(ctx.succeedingThenComplete());
  }
}
