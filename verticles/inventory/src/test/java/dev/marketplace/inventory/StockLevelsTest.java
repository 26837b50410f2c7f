package dev.marketplace.inventory;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.platform.testing.InOrder;
import dev.marketplace.platform.testing.Outcomes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.marketplace.inventory.InventoryTestSupport.reserveBody;
import static org.assertj.core.api.Assertions.assertThat;

/** Sellers set stock and limits of their own products only. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class StockLevelsTest {
  private static final String SELLER = UUID.randomUUID().toString();
  @RegisterExtension
  static final InventoryTestSupport inv = new InventoryTestSupport(config -> { });

  private static JsonObject stock(UUID product, String warehouse, int quantity) {
    return new JsonObject().put("product_id", product.toString()).put("warehouse", warehouse).put("quantity", quantity);
  }

  private static Future<ErrorCode> refusal(String address, JsonObject body, String userId, String roles) {
    return Outcomes.refusal(inv.request(address, body, userId, roles)).map(ServiceFailure::code);
  }

  @Test
  void onHandIsTheSumOfTheWarehouses(VertxTestContext ctx) {
    inv.newProduct(SELLER, 5).compose(product -> inv.request("inventory.stock.set", stock(product, "kazan", 7), SELLER, "seller")
        .compose(reply -> inv.availableOf(product).map(available -> ctx.verify(() -> {
          assertThat(reply.getInteger("on_hand")).isEqualTo(12);
          assertThat(reply.getInteger("available")).isEqualTo(12);
          assertThat(available).isEqualTo(12);
        }))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anotherSellersOrAnUnknownProductIsNotFoundAndABuyerIsForbidden(VertxTestContext ctx) {
    inv.newProduct(SELLER, 5).compose(product -> InOrder.run(
          () -> refusal("inventory.stock.set", stock(product, "main", 50), UUID.randomUUID().toString(), "seller"),
          () -> refusal("inventory.stock.set", stock(UUID.randomUUID(), "main", 50), SELLER, "seller"),
          () -> refusal("inventory.stock.set", stock(product, "main", 50), SELLER, "buyer"),
          () -> refusal("inventory.purchase-limit.set", new JsonObject().put("product_id", product.toString()).put("per_buyer", 1),
            UUID.randomUUID().toString(), "seller"))
        .compose(refusals -> inv.availableOf(product).map(available -> ctx.verify(() -> {
          assertThat(refusals).as("another seller's, an unknown product, a buyer, another seller's limit")
            .containsExactly(ErrorCode.NOT_FOUND, ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND);
          assertThat(available).isEqualTo(5);
        })))
        // an admin may
        .compose(v -> inv.request("inventory.stock.set", stock(product, "main", 6), UUID.randomUUID().toString(), "admin")))
      .map(byAdmin -> ctx.verify(() -> assertThat(byAdmin.getInteger("on_hand")).isEqualTo(6)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void stockCannotGoBelowWhatIsHeldOrSoldAndIsRebalancedOverBuckets(VertxTestContext ctx) {
    inv.newProduct(SELLER, 10).compose(product -> inv.request("inventory.reserve", reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 6), null, null)
        .compose(held -> refusal("inventory.stock.set", stock(product, "main", 5), SELLER, "seller"))
        .compose(belowHeld -> {
          ctx.verify(() -> assertThat(belowHeld).isEqualTo(ErrorCode.CONFLICT));
          return inv.request("inventory.stock.set", stock(product, "main", 6), SELLER, "seller");
        })
        .compose(atHeld -> {
          ctx.verify(() -> assertThat(atHeld.getInteger("available")).isZero());
          return inv.request("inventory.stock.set", stock(product, "main", 30), SELLER, "seller");
        })
        .map(more -> ctx.verify(() -> assertThat(more.getInteger("available")).isEqualTo(24))))
      .compose(v -> inv.invariant())
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void availabilityAnswersEveryAskedIdInOrder(VertxTestContext ctx) {
    UUID unknown = UUID.randomUUID();
    inv.newProduct(SELLER, 3).compose(product -> inv.request("inventory.availability",
        new JsonObject().put("product_ids", new JsonArray().add(unknown.toString()).add(product.toString())), null, null))
      .map(reply -> ctx.verify(() -> {
        assertThat(reply.getJsonArray("items").getJsonObject(0).getInteger("available")).isZero();
        assertThat(reply.getJsonArray("items").getJsonObject(1).getInteger("available")).isEqualTo(3);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }
}
