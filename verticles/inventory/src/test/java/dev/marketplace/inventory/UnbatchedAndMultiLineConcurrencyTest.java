package dev.marketplace.inventory;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.marketplace.inventory.InventoryTestSupport.await;
import static dev.marketplace.inventory.InventoryTestSupport.reserveBody;
import static org.assertj.core.api.Assertions.assertThat;

/** The same guarantees with batching off (one transaction per reserve), and under multi-line contention. */
class UnbatchedAndMultiLineConcurrencyTest {
  private static final String SELLER = UUID.randomUUID().toString();
  @RegisterExtension
  static final InventoryTestSupport inv = new InventoryTestSupport(config -> config.getJsonObject("inventory").put("reserve_batch_max", 1));

  private static List<Future<JsonObject>> settle(List<Future<JsonObject>> calls) {
    await(Future.join(calls).otherwiseEmpty());
    return calls;
  }

  @Test
  void twoHundredConcurrentReservesOfFiftyUnitsGrantExactlyFiftyWithoutBatching() {
    UUID product = inv.product(SELLER, 50);
    List<Future<JsonObject>> calls = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      calls.add(inv.request("inventory.reserve", reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 1), null, null));
    }
    settle(calls);
    assertThat(calls.stream().filter(Future::succeeded).count()).isEqualTo(50);
    assertThat(calls.stream().filter(Future::failed).map(f -> ServiceFailure.from(f.cause()).code())).containsOnly(ErrorCode.OUT_OF_STOCK);
    inv.assertInvariant();
  }

  @Test
  void purchaseLimitHoldsWithoutBatching() {
    UUID product = inv.product(SELLER, 100);
    inv.callAs(SELLER, "seller", "inventory.purchase-limit.set", new JsonObject().put("product_id", product.toString()).put("per_buyer", 2));
    UUID buyer = UUID.randomUUID();
    List<Future<JsonObject>> calls = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      calls.add(inv.request("inventory.reserve", reserveBody(UUID.randomUUID(), buyer, product, 1), null, null));
    }
    settle(calls);
    assertThat(calls.stream().filter(Future::succeeded).count()).isEqualTo(2);
    assertThat(inv.available(product)).isEqualTo(98);
    inv.assertInvariant();
  }

  @Test
  void concurrentMultiLineReservesOverlappingInAnyOrderNeverDeadlockOrOversell() {
    UUID a = inv.product(SELLER, 30);
    UUID b = inv.product(SELLER, 30);
    UUID c = inv.product(SELLER, 30);
    List<Future<JsonObject>> calls = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      Object[] lines = switch (i % 3) {
        case 0 -> new Object[] {a, 1, b, 2};
        case 1 -> new Object[] {c, 1, b, 1, a, 1};
        default -> new Object[] {c, 2, a, 1};
      };
      calls.add(inv.request("inventory.reserve", reserveBody(UUID.randomUUID(), UUID.randomUUID(), lines), null, null));
    }
    settle(calls);
    assertThat(calls.stream().filter(Future::failed).map(f -> ServiceFailure.from(f.cause()).code())).containsOnly(ErrorCode.OUT_OF_STOCK);
    assertThat(calls.stream().filter(Future::succeeded).count()).isPositive();
    // a: 30 units, every shape takes 1 a; it must be sold out exactly or limited by b or c
    assertThat(inv.available(a) + inv.available(b) + inv.available(c)).isLessThan(90);
    inv.assertInvariant();
    // release everything granted: all units come back
    for (Future<JsonObject> call : calls) {
      if (call.succeeded()) {
        inv.call("inventory.release", new JsonObject().put("reservation_id", call.result().getString("reservation_id")));
      }
    }
    assertThat(List.of(inv.available(a), inv.available(b), inv.available(c))).containsOnly(30);
    inv.assertInvariant();
  }
}
