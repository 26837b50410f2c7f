package dev.marketplace.inventory;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.marketplace.inventory.InventoryTestSupport.reserveBody;
import static org.assertj.core.api.Assertions.assertThat;

/** The same guarantees with batching off (one transaction per reserve), and under multi-line contention. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class UnbatchedAndMultiLineConcurrencyTest {
  private static final String SELLER = UUID.randomUUID().toString();
  @RegisterExtension
  static final InventoryTestSupport inv = new InventoryTestSupport(config -> config.getJsonObject("inventory").put("reserve_batch_max", 1));

  /** The calls, once every one of them ended, failed or not. */
  private static Future<List<Future<JsonObject>>> settle(List<Future<JsonObject>> calls) {
    return Future.join(calls).transform(ar -> Future.succeededFuture(calls));
  }

  @Test
  void twoHundredConcurrentReservesOfFiftyUnitsGrantExactlyFiftyWithoutBatching(VertxTestContext ctx) {
    inv.newProduct(SELLER, 50).compose(product -> {
        List<Future<JsonObject>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          calls.add(inv.request("inventory.reserve", reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 1), null, null));
        }
        return settle(calls);
      })
      .map(calls -> ctx.verify(() -> {
        assertThat(calls.stream().filter(Future::succeeded).count()).isEqualTo(50);
        assertThat(calls.stream().filter(Future::failed).map(f -> ServiceFailure.from(f.cause()).code())).containsOnly(ErrorCode.OUT_OF_STOCK);
      }))
      .compose(v -> inv.invariant())
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void purchaseLimitHoldsWithoutBatching(VertxTestContext ctx) {
    UUID buyer = UUID.randomUUID();
    inv.newProduct(SELLER, 100).compose(product -> inv.request("inventory.purchase-limit.set",
          new JsonObject().put("product_id", product.toString()).put("per_buyer", 2), SELLER, "seller")
        .compose(limited -> {
          List<Future<JsonObject>> calls = new ArrayList<>();
          for (int i = 0; i < 20; i++) {
            calls.add(inv.request("inventory.reserve", reserveBody(UUID.randomUUID(), buyer, product, 1), null, null));
          }
          return settle(calls);
        })
        .compose(calls -> inv.availableOf(product).map(available -> ctx.verify(() -> {
          assertThat(calls.stream().filter(Future::succeeded).count()).isEqualTo(2);
          assertThat(available).isEqualTo(98);
        }))))
      .compose(v -> inv.invariant())
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void concurrentMultiLineReservesOverlappingInAnyOrderNeverDeadlockOrOversell(VertxTestContext ctx) {
    Future.all(inv.newProduct(SELLER, 30), inv.newProduct(SELLER, 30), inv.newProduct(SELLER, 30)).compose(products -> {
        UUID a = products.resultAt(0);
        UUID b = products.resultAt(1);
        UUID c = products.resultAt(2);
        List<Future<JsonObject>> calls = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
          Object[] lines = switch (i % 3) {
            case 0 -> new Object[] {a, 1, b, 2};
            case 1 -> new Object[] {c, 1, b, 1, a, 1};
            default -> new Object[] {c, 2, a, 1};
          };
          calls.add(inv.request("inventory.reserve", reserveBody(UUID.randomUUID(), UUID.randomUUID(), lines), null, null));
        }
        return settle(calls)
          .compose(settled -> Future.all(inv.availableOf(a), inv.availableOf(b), inv.availableOf(c)).map(all -> all.<Integer>list()))
          .compose(left -> {
            ctx.verify(() -> {
              assertThat(calls.stream().filter(Future::failed).map(f -> ServiceFailure.from(f.cause()).code())).containsOnly(ErrorCode.OUT_OF_STOCK);
              assertThat(calls.stream().filter(Future::succeeded).count()).isPositive();
              // a: 30 units, every shape takes 1 a; it must be sold out exactly or limited by b or c
              assertThat(left.stream().mapToInt(Integer::intValue).sum()).isLessThan(90);
            });
            return inv.invariant();
          })
          // release everything granted: all units come back
          .compose(v -> Future.all(calls.stream().filter(Future::succeeded)
            .map(call -> inv.request("inventory.release", new JsonObject().put("reservation_id", call.result().getString("reservation_id")), null, null))
            .toList()))
          .compose(released -> Future.all(inv.availableOf(a), inv.availableOf(b), inv.availableOf(c)))
          .map(back -> ctx.verify(() -> assertThat(back.<Integer>list()).containsOnly(30)));
      })
      .compose(v -> inv.invariant())
      .onComplete(ctx.succeedingThenComplete());
  }
}
