package dev.marketplace.inventory;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.inventory.InventoryAddresses;
import dev.marketplace.platform.stock.SoldOutView;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static dev.marketplace.inventory.InventoryTestSupport.await;
import static dev.marketplace.inventory.InventoryTestSupport.reserveBody;
import static org.assertj.core.api.Assertions.assertThat;

/** Big sales: the sold-out set every node learns, and per-product caps on the reservation TTL. */
class SoldOutAndTtlTest {
  private static InventoryTestSupport inv;
  private static SoldOutView view;

  @BeforeAll
  static void up() {
    inv = InventoryTestSupport.started(config -> { });
    view = new SoldOutView(3_000);
    await(view.start(inv.vertx));
  }

  @AfterAll
  static void down() {
    inv.close();
  }

  /** Waits for the condition and answers how long it took, in ms; fails after {@code limitMs}. */
  private static long within(long limitMs, BooleanSupplier condition) throws InterruptedException {
    long start = System.nanoTime();
    while (!condition.getAsBoolean()) {
      long waited = (System.nanoTime() - start) / 1_000_000;
      assertThat(waited).as("waited for the condition").isLessThan(limitMs);
      Thread.sleep(10);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  void aSoldOutProductIsFlaggedWithinASecondAndAnExpiryClearsTheFlagWithinASecond() throws Exception {
    UUID product = inv.product("seller-so", 2);
    within(1_500, () -> view.snapshot() != null && !view.isSoldOut(product.toString()));
    assertThat(view.isSoldOut(product.toString())).isFalse();

    UUID reservation = UUID.randomUUID();
    inv.call(InventoryAddresses.RESERVE, reserveBody(reservation, UUID.randomUUID(), product, 2).put("ttl_seconds", 1));
    long flagged = within(1_000, () -> view.isSoldOut(product.toString()));
    assertThat(flagged).isLessThan(1_000);

    // the expiry job gives the units back: the flag goes within a second of that commit
    within(5_000, () -> "EXPIRED".equals(inv.query("SELECT status FROM inventory.reservation WHERE id = $1", reservation)
      .get(0).getString("status")));
    long cleared = within(1_000, () -> !view.isSoldOut(product.toString()));
    assertThat(cleared).isLessThan(1_000);

    // and a buyer can win the units again
    JsonObject again = inv.call(InventoryAddresses.RESERVE, reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 2));
    assertThat(again.getString("status")).isEqualTo("HELD");
    within(1_000, () -> view.isSoldOut(product.toString()));
    inv.assertInvariant();
  }

  @Test
  void newStockClearsTheFlag() throws Exception {
    UUID product = inv.product("seller-so2", 1);
    inv.call(InventoryAddresses.RESERVE, reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 1));
    within(1_000, () -> view.isSoldOut(product.toString()));

    inv.callAs("seller-so2", "seller", InventoryAddresses.SET_STOCK,
      new JsonObject().put("product_id", product.toString()).put("warehouse", "main").put("quantity", 5));
    within(1_000, () -> !view.isSoldOut(product.toString()));
  }

  @Test
  void aStaleViewRefusesNothing() {
    SoldOutView silent = new SoldOutView(50);
    silent.apply(new JsonObject().put("full", true).put("sold_out", new io.vertx.core.json.JsonArray().add("p1")));
    assertThat(silent.isSoldOut("p1")).isTrue();
    long until = System.currentTimeMillis() + 120;
    while (System.currentTimeMillis() < until) {
      Thread.onSpinWait();
    }
    assertThat(silent.isSoldOut("p1")).isFalse();
    assertThat(silent.soldOutAmong(java.util.List.of("p1"))).isEmpty();
  }

  @Test
  void aProductsReservationTtlCapShortensItsReservations() {
    UUID product = inv.product("seller-ttl", 10);
    UUID other = inv.product("seller-ttl", 10);
    JsonObject set = inv.callAs("seller-ttl", "seller", InventoryAddresses.SET_RESERVATION_TTL,
      new JsonObject().put("product_id", product.toString()).put("ttl_seconds", 300));
    assertThat(set.getInteger("ttl_seconds")).isEqualTo(300);

    JsonObject capped = inv.call(InventoryAddresses.RESERVE,
      reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 1, other, 1).put("ttl_seconds", 900));
    long seconds = Instant.parse(capped.getString("reserved_until")).getEpochSecond() - Instant.now().getEpochSecond();
    assertThat(seconds).isBetween(290L, 301L);

    JsonObject uncapped = inv.call(InventoryAddresses.RESERVE, reserveBody(UUID.randomUUID(), UUID.randomUUID(), other, 1).put("ttl_seconds", 900));
    assertThat(Instant.parse(uncapped.getString("reserved_until")).getEpochSecond() - Instant.now().getEpochSecond()).isGreaterThan(880L);

    inv.callAs("seller-ttl", "seller", InventoryAddresses.SET_RESERVATION_TTL,
      new JsonObject().put("product_id", product.toString()).putNull("ttl_seconds"));
    JsonObject back = inv.call(InventoryAddresses.RESERVE, reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 1).put("ttl_seconds", 900));
    assertThat(Instant.parse(back.getString("reserved_until")).getEpochSecond() - Instant.now().getEpochSecond()).isGreaterThan(880L);
  }

  @Test
  void onlyTheSellerSetsATtlCapAndWithinBounds() {
    UUID product = inv.product("seller-ttl2", 1);
    assertThat(inv.failure(inv.request(InventoryAddresses.SET_RESERVATION_TTL,
      new JsonObject().put("product_id", product.toString()).put("ttl_seconds", 300), "someone-else", "seller")).code())
      .isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(inv.failure(inv.request(InventoryAddresses.SET_RESERVATION_TTL,
      new JsonObject().put("product_id", product.toString()).put("ttl_seconds", 10), "seller-ttl2", "seller")).code())
      .isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(inv.failure(inv.request(InventoryAddresses.SET_RESERVATION_TTL,
      new JsonObject().put("product_id", product.toString()).put("ttl_seconds", 300), "a-buyer", "buyer")).code())
      .isEqualTo(ErrorCode.FORBIDDEN);
  }
}
