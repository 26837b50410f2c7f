package dev.marketplace.cart;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.cart.CartAddresses;
import dev.marketplace.contracts.inventory.InventoryAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Big sales: an addition of a product inventory says is sold out is refused from the node's sold-out set. */
class CartSoldOutTest extends CartTestBase {

  private static void soldOut(UUID... products) throws InterruptedException {
    JsonArray ids = new JsonArray();
    for (UUID p : products) {
      ids.add(p.toString());
    }
    vertx.eventBus().publish(InventoryAddresses.SOLD_OUT, new JsonObject().put("full", true).put("sold_out", ids));
    Thread.sleep(100);
  }

  @Test
  void aSoldOutProductIsRefusedAndComesBackWithTheNextSnapshot() throws Exception {
    UUID hot = fakes.product("Hot", 1000);
    UUID other = fakes.product("Other", 1000);
    String user = newUser();
    soldOut(hot);

    ServiceFailure refused = failure(request(CartAddresses.ADD_ITEM, item(hot, 1), user, null));
    assertThat(refused.code()).isEqualTo(ErrorCode.OUT_OF_STOCK);
    assertThat(refused.extra().getJsonArray("product_ids")).containsExactly(hot.toString());
    assertThat(asUser(user, CartAddresses.ADD_ITEM, item(other, 1)).getJsonArray("items")).hasSize(1);

    soldOut();
    assertThat(asUser(user, CartAddresses.ADD_ITEM, item(hot, 1)).getJsonArray("items")).hasSize(2);
  }
}
