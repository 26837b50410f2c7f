package dev.marketplace.inventory;

import dev.marketplace.contracts.ErrorCode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.UUID;

import static dev.marketplace.inventory.InventoryTestSupport.reserveBody;
import static org.assertj.core.api.Assertions.assertThat;

/** Sellers set stock and limits of their own products only. */
class StockLevelsTest {
  private static final String SELLER = UUID.randomUUID().toString();
  @RegisterExtension
  static final InventoryTestSupport inv = new InventoryTestSupport(config -> { });

  private static JsonObject stock(UUID product, String warehouse, int quantity) {
    return new JsonObject().put("product_id", product.toString()).put("warehouse", warehouse).put("quantity", quantity);
  }

  @Test
  void onHandIsTheSumOfTheWarehouses() {
    UUID product = inv.product(SELLER, 5);
    JsonObject reply = inv.callAs(SELLER, "seller", "inventory.stock.set", stock(product, "kazan", 7));
    assertThat(reply.getInteger("on_hand")).isEqualTo(12);
    assertThat(reply.getInteger("available")).isEqualTo(12);
    assertThat(inv.available(product)).isEqualTo(12);
  }

  @Test
  void anotherSellersOrAnUnknownProductIsNotFoundAndABuyerIsForbidden() {
    UUID product = inv.product(SELLER, 5);
    assertThat(inv.failure(inv.request("inventory.stock.set", stock(product, "main", 50), UUID.randomUUID().toString(), "seller")).code())
      .isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(inv.failure(inv.request("inventory.stock.set", stock(UUID.randomUUID(), "main", 50), SELLER, "seller")).code())
      .isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(inv.failure(inv.request("inventory.stock.set", stock(product, "main", 50), SELLER, "buyer")).code())
      .isEqualTo(ErrorCode.FORBIDDEN);
    assertThat(inv.failure(inv.request("inventory.purchase-limit.set",
      new JsonObject().put("product_id", product.toString()).put("per_buyer", 1), UUID.randomUUID().toString(), "seller")).code())
      .isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(inv.available(product)).isEqualTo(5);
    // an admin may
    assertThat(inv.callAs(UUID.randomUUID().toString(), "admin", "inventory.stock.set", stock(product, "main", 6))
      .getInteger("on_hand")).isEqualTo(6);
  }

  @Test
  void stockCannotGoBelowWhatIsHeldOrSoldAndIsRebalancedOverBuckets() {
    UUID product = inv.product(SELLER, 10);
    inv.call("inventory.reserve", reserveBody(UUID.randomUUID(), UUID.randomUUID(), product, 6));

    assertThat(inv.failure(inv.request("inventory.stock.set", stock(product, "main", 5), SELLER, "seller")).code())
      .isEqualTo(ErrorCode.CONFLICT);
    JsonObject reply = inv.callAs(SELLER, "seller", "inventory.stock.set", stock(product, "main", 6));
    assertThat(reply.getInteger("available")).isZero();
    reply = inv.callAs(SELLER, "seller", "inventory.stock.set", stock(product, "main", 30));
    assertThat(reply.getInteger("available")).isEqualTo(24);
    inv.assertInvariant();
  }

  @Test
  void availabilityAnswersEveryAskedIdInOrder() {
    UUID product = inv.product(SELLER, 3);
    UUID unknown = UUID.randomUUID();
    JsonObject reply = inv.call("inventory.availability",
      new JsonObject().put("product_ids", new io.vertx.core.json.JsonArray().add(unknown.toString()).add(product.toString())));
    assertThat(reply.getJsonArray("items").getJsonObject(0).getInteger("available")).isZero();
    assertThat(reply.getJsonArray("items").getJsonObject(1).getInteger("available")).isEqualTo(3);
  }
}
