package dev.marketplace.cart;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.cart.CartAddresses;
import dev.marketplace.contracts.inventory.InventoryAddresses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Big sales: an addition of a product inventory says is sold out is refused from the node's sold-out set. */
class CartSoldOutTest extends CartTestBase {

  /** Publishes inventory's full sold-out set; completes a moment later, once the nodes have heard it. */
  private static Future<Void> soldOut(UUID... products) {
    JsonArray ids = new JsonArray();
    for (UUID p : products) {
      ids.add(p.toString());
    }
    vertx.eventBus().publish(InventoryAddresses.SOLD_OUT, new JsonObject().put("full", true).put("sold_out", ids));
    return vertx.timer(100).mapEmpty();
  }

  @Test
  void aSoldOutProductIsRefusedAndComesBackWithTheNextSnapshot(VertxTestContext ctx) {
    UUID hot = fakes.product("Hot", 1000);
    UUID other = fakes.product("Other", 1000);
    String user = newUser();
    soldOut(hot)
      .compose(v -> refusal(request(CartAddresses.ADD_ITEM, item(hot, 1), user, null)))
      .compose(refused -> {
        ctx.verify(() -> {
          assertThat(refused.code()).isEqualTo(ErrorCode.OUT_OF_STOCK);
          assertThat(refused.extra().getJsonArray("product_ids")).containsExactly(hot.toString());
        });
        return request(CartAddresses.ADD_ITEM, item(other, 1), user, null);
      })
      .compose(cart -> {
        ctx.verify(() -> assertThat(cart.getJsonArray("items")).hasSize(1));
        return soldOut();
      })
      .compose(v -> request(CartAddresses.ADD_ITEM, item(hot, 1), user, null))
      .map(cart -> ctx.verify(() -> assertThat(cart.getJsonArray("items")).hasSize(2)))
      .onComplete(ctx.succeedingThenComplete());
  }
}
