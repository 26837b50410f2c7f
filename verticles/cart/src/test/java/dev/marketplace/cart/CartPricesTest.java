package dev.marketplace.cart;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.cart.CartAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Price-change flagging, acknowledging prices, and the checkout's view and clearing of a cart. */
class CartPricesTest extends CartTestBase {

  private static JsonObject accept(UUID productId, long kopecks) {
    return new JsonObject().put("items", new JsonArray().add(new JsonObject()
      .put("product_id", productId.toString()).put("price", rub(kopecks))));
  }

  private static JsonObject checkoutView(String cartId, String userId) {
    return new JsonObject().put("cart_id", cartId).put("user_id", userId);
  }

  @Test
  void aChangedPriceStaysFlaggedThroughReadsAndEditsUntilTheBuyerAcceptsIt() throws Exception {
    String user = newUser();
    UUID up = fakes.product("up", 10_000);
    UUID down = fakes.product("down", 5_000);
    asUser(user, CartAddresses.ADD_ITEM, item(up, 2));
    asUser(user, CartAddresses.ADD_ITEM, item(down, 1));
    fakes.setPrice(up, 12_000);
    fakes.setPrice(down, 4_000);

    JsonObject read = asUser(user, CartAddresses.GET, new JsonObject());
    JsonObject upLine = line(read, up);
    assertThat(upLine.getJsonObject("price")).isEqualTo(rub(12_000));
    assertThat(upLine.getJsonObject("seen_price")).isEqualTo(rub(10_000));
    assertThat(upLine.getBoolean("price_changed")).isTrue();
    assertThat(line(read, down).getBoolean("price_changed")).isTrue();
    assertThat(read.getBoolean("price_changed")).isTrue();
    assertThat(read.getJsonObject("total")).isEqualTo(rub(2 * 12_000 + 4_000));

    assertThat(line(asUser(user, CartAddresses.GET, new JsonObject()), up).getBoolean("price_changed")).isTrue();
    assertThat(line(asUser(user, CartAddresses.UPDATE_ITEM, item(up, 3)), up).getBoolean("price_changed")).isTrue();
    assertThat(line(asUser(user, CartAddresses.ADD_ITEM, item(up, 1)), up).getBoolean("price_changed")).isTrue();

    JsonObject accepted = asUser(user, CartAddresses.ACCEPT_PRICES, accept(up, 12_000));
    assertThat(line(accepted, up).getBoolean("price_changed")).isFalse();
    assertThat(line(accepted, up).getJsonObject("seen_price")).isEqualTo(rub(12_000));
    assertThat(line(accepted, down).getBoolean("price_changed")).isTrue();
    assertThat(asUser(user, CartAddresses.ACCEPT_PRICES, accept(down, 4_000)).getBoolean("price_changed")).isFalse();
  }

  @Test
  void acceptingAPriceThatMovedAgainIsRefusedAndChangesNothing() throws Exception {
    String guest = null;
    UUID product = fakes.product("volatile", 10_000);
    guest = asGuest(guest, CartAddresses.ADD_ITEM, item(product, 1)).getString("id");
    fakes.setPrice(product, 11_000);
    fakes.setPrice(product, 11_500);

    ServiceFailure refused = failure(request(CartAddresses.ACCEPT_PRICES, accept(product, 11_000), null, guest));

    assertThat(refused.code()).isEqualTo(ErrorCode.PRICE_CHANGED);
    assertThat(refused.extra().getJsonArray("product_ids")).containsExactly(product.toString());
    JsonObject line = line(asGuest(guest, CartAddresses.GET, new JsonObject()), product);
    assertThat(line.getJsonObject("seen_price")).isEqualTo(rub(10_000));
    assertThat(line.getBoolean("price_changed")).isTrue();
  }

  @Test
  void checkoutViewRefusesUnseenPriceChangesAndServesTheCartOnceAccepted() throws Exception {
    String user = newUser();
    UUID product = fakes.product("sofa", 3_000_000);
    UUID other = fakes.product("cushion", 150_000);
    String cartId = asUser(user, CartAddresses.ADD_ITEM, item(product, 1)).getString("id");
    asUser(user, CartAddresses.ADD_ITEM, item(other, 2));
    fakes.setPrice(product, 2_900_000);

    ServiceFailure refused = failure(request(CartAddresses.CHECKOUT_VIEW, checkoutView(cartId, user), null, null));
    assertThat(refused.code()).isEqualTo(ErrorCode.PRICE_CHANGED);
    assertThat(refused.extra().getJsonArray("product_ids")).containsExactly(product.toString());

    asUser(user, CartAddresses.ACCEPT_PRICES, accept(product, 2_900_000));
    JsonObject view = internal(CartAddresses.CHECKOUT_VIEW, checkoutView(cartId, user));

    assertThat(view.getString("cart_id")).isEqualTo(cartId);
    assertThat(view.getString("currency")).isEqualTo("RUB");
    assertThat(view.getJsonObject("total")).isEqualTo(rub(2_900_000 + 2 * 150_000));
    JsonObject sofa = view.getJsonArray("lines").getJsonObject(0);
    assertThat(sofa.getString("product_id")).isEqualTo(product.toString());
    assertThat(sofa.getString("seller_id")).isEqualTo("seller-sofa");
    assertThat(sofa.getString("title")).isEqualTo("sofa");
    assertThat(sofa.getInteger("quantity")).isEqualTo(1);
    assertThat(sofa.getJsonObject("unit_price")).isEqualTo(rub(2_900_000));
    assertThat(sofa.getBoolean("price_changed")).isFalse();
  }

  @Test
  void checkoutViewRefusesEmptyForeignAndDeletedProductCarts() throws Exception {
    String user = newUser();
    UUID product = fakes.product("gone-soon", 1_000);
    String cartId = asUser(user, CartAddresses.ADD_ITEM, item(product, 1)).getString("id");

    assertThat(failure(request(CartAddresses.CHECKOUT_VIEW, checkoutView(cartId, newUser()), null, null)).code())
      .isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(failure(request(CartAddresses.CHECKOUT_VIEW, checkoutView(UUID.randomUUID().toString(), user), null, null)).code())
      .isEqualTo(ErrorCode.NOT_FOUND);

    fakes.delete(product);
    ServiceFailure deleted = failure(request(CartAddresses.CHECKOUT_VIEW, checkoutView(cartId, user), null, null));
    assertThat(deleted.code()).isEqualTo(ErrorCode.OUT_OF_STOCK);
    assertThat(deleted.extra().getJsonArray("product_ids")).containsExactly(product.toString());

    asUser(user, CartAddresses.REMOVE_ITEM, productId(product));
    assertThat(failure(request(CartAddresses.CHECKOUT_VIEW, checkoutView(cartId, user), null, null)).code())
      .isEqualTo(ErrorCode.CART_EMPTY);
  }

  @Test
  void clearEmptiesTheCartOncePerOrderAndOnlyForItsOwner() throws Exception {
    String user = newUser();
    UUID ordered = fakes.product("ordered", 1_000);
    UUID later = fakes.product("later", 2_000);
    String cartId = asUser(user, CartAddresses.ADD_ITEM, item(ordered, 2)).getString("id");
    String orderId = UUID.randomUUID().toString();
    JsonObject clear = new JsonObject().put("cart_id", cartId).put("user_id", user).put("order_id", orderId);

    assertThat(failure(request(CartAddresses.CLEAR, clear.copy().put("user_id", newUser()), null, null)).code())
      .isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(asUser(user, CartAddresses.GET, new JsonObject()).getJsonArray("items")).hasSize(1);

    assertThat(internal(CartAddresses.CLEAR, clear)).isEqualTo(new JsonObject());
    assertThat(asUser(user, CartAddresses.GET, new JsonObject()).getJsonArray("items")).isEmpty();

    asUser(user, CartAddresses.ADD_ITEM, item(later, 1));
    assertThat(internal(CartAddresses.CLEAR, clear)).isEqualTo(new JsonObject());
    JsonObject afterRetry = asUser(user, CartAddresses.GET, new JsonObject());
    assertThat(afterRetry.getString("id")).isEqualTo(cartId);
    assertThat(line(afterRetry, later).getInteger("quantity")).isEqualTo(1);
  }
}
