package dev.marketplace.cart;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.cart.CartAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
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
  void aChangedPriceStaysFlaggedThroughReadsAndEditsUntilTheBuyerAcceptsIt(VertxTestContext ctx) {
    String user = newUser();
    UUID up = fakes.product("up", 10_000);
    UUID down = fakes.product("down", 5_000);
    asUser(user, CartAddresses.ADD_ITEM, item(up, 2))
      .compose(v -> asUser(user, CartAddresses.ADD_ITEM, item(down, 1)))
      .compose(v -> {
        fakes.setPrice(up, 12_000);
        fakes.setPrice(down, 4_000);
        return asUser(user, CartAddresses.GET, new JsonObject());
      })
      .map(read -> ctx.verify(() -> {
        JsonObject upLine = line(read, up);
        assertThat(upLine.getJsonObject("price")).isEqualTo(rub(12_000));
        assertThat(upLine.getJsonObject("seen_price")).isEqualTo(rub(10_000));
        assertThat(upLine.getBoolean("price_changed")).isTrue();
        assertThat(line(read, down).getBoolean("price_changed")).isTrue();
        assertThat(read.getBoolean("price_changed")).isTrue();
        assertThat(read.getJsonObject("total")).isEqualTo(rub(2 * 12_000 + 4_000));
      }))
      .compose(v -> asUser(user, CartAddresses.GET, new JsonObject()))
      .map(read -> ctx.verify(() -> assertThat(line(read, up).getBoolean("price_changed")).isTrue()))
      .compose(v -> asUser(user, CartAddresses.UPDATE_ITEM, item(up, 3)))
      .map(updated -> ctx.verify(() -> assertThat(line(updated, up).getBoolean("price_changed")).isTrue()))
      .compose(v -> asUser(user, CartAddresses.ADD_ITEM, item(up, 1)))
      .map(added -> ctx.verify(() -> assertThat(line(added, up).getBoolean("price_changed")).isTrue()))
      .compose(v -> asUser(user, CartAddresses.ACCEPT_PRICES, accept(up, 12_000)))
      .map(accepted -> ctx.verify(() -> {
        assertThat(line(accepted, up).getBoolean("price_changed")).isFalse();
        assertThat(line(accepted, up).getJsonObject("seen_price")).isEqualTo(rub(12_000));
        assertThat(line(accepted, down).getBoolean("price_changed")).isTrue();
      }))
      .compose(v -> asUser(user, CartAddresses.ACCEPT_PRICES, accept(down, 4_000)))
      .map(accepted -> ctx.verify(() -> assertThat(accepted.getBoolean("price_changed")).isFalse()))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void acceptingAPriceThatMovedAgainIsRefusedAndChangesNothing(VertxTestContext ctx) {
    UUID product = fakes.product("volatile", 10_000);
    asGuest(null, CartAddresses.ADD_ITEM, item(product, 1)).map(cart -> cart.getString("id"))
      .compose(guest -> {
        fakes.setPrice(product, 11_000);
        fakes.setPrice(product, 11_500);
        return refusal(request(CartAddresses.ACCEPT_PRICES, accept(product, 11_000), null, guest))
          .map(refused -> ctx.verify(() -> {
            assertThat(refused.code()).isEqualTo(ErrorCode.PRICE_CHANGED);
            assertThat(refused.extra().getJsonArray("product_ids")).containsExactly(product.toString());
          }))
          .compose(v -> asGuest(guest, CartAddresses.GET, new JsonObject()));
      })
      .map(read -> ctx.verify(() -> {
        JsonObject line = line(read, product);
        assertThat(line.getJsonObject("seen_price")).isEqualTo(rub(10_000));
        assertThat(line.getBoolean("price_changed")).isTrue();
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void checkoutViewRefusesUnseenPriceChangesAndServesTheCartOnceAccepted(VertxTestContext ctx) {
    String user = newUser();
    UUID product = fakes.product("sofa", 3_000_000);
    UUID other = fakes.product("cushion", 150_000);
    asUser(user, CartAddresses.ADD_ITEM, item(product, 1)).map(cart -> cart.getString("id"))
      .compose(cartId -> asUser(user, CartAddresses.ADD_ITEM, item(other, 2))
        .compose(v -> {
          fakes.setPrice(product, 2_900_000);
          return refusal(request(CartAddresses.CHECKOUT_VIEW, checkoutView(cartId, user), null, null));
        })
        .map(refused -> ctx.verify(() -> {
          assertThat(refused.code()).isEqualTo(ErrorCode.PRICE_CHANGED);
          assertThat(refused.extra().getJsonArray("product_ids")).containsExactly(product.toString());
        }))
        .compose(v -> asUser(user, CartAddresses.ACCEPT_PRICES, accept(product, 2_900_000)))
        .compose(v -> internal(CartAddresses.CHECKOUT_VIEW, checkoutView(cartId, user)))
        .map(view -> ctx.verify(() -> {
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
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void checkoutViewRefusesEmptyForeignAndDeletedProductCarts(VertxTestContext ctx) {
    String user = newUser();
    UUID product = fakes.product("gone-soon", 1_000);
    asUser(user, CartAddresses.ADD_ITEM, item(product, 1)).map(cart -> cart.getString("id"))
      .compose(cartId -> refusalCode(request(CartAddresses.CHECKOUT_VIEW, checkoutView(cartId, newUser()), null, null))
        .map(code -> ctx.verify(() -> assertThat(code).isEqualTo(ErrorCode.NOT_FOUND)))
        .compose(v -> refusalCode(request(CartAddresses.CHECKOUT_VIEW, checkoutView(UUID.randomUUID().toString(), user), null, null)))
        .map(code -> ctx.verify(() -> assertThat(code).isEqualTo(ErrorCode.NOT_FOUND)))
        .compose(v -> {
          fakes.delete(product);
          return refusal(request(CartAddresses.CHECKOUT_VIEW, checkoutView(cartId, user), null, null));
        })
        .map(deleted -> ctx.verify(() -> {
          assertThat(deleted.code()).isEqualTo(ErrorCode.OUT_OF_STOCK);
          assertThat(deleted.extra().getJsonArray("product_ids")).containsExactly(product.toString());
        }))
        .compose(v -> asUser(user, CartAddresses.REMOVE_ITEM, productId(product)))
        .compose(v -> refusalCode(request(CartAddresses.CHECKOUT_VIEW, checkoutView(cartId, user), null, null))))
      .map(code -> ctx.verify(() -> assertThat(code).isEqualTo(ErrorCode.CART_EMPTY)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void clearEmptiesTheCartOncePerOrderAndOnlyForItsOwner(VertxTestContext ctx) {
    String user = newUser();
    UUID ordered = fakes.product("ordered", 1_000);
    UUID later = fakes.product("later", 2_000);
    String orderId = UUID.randomUUID().toString();
    asUser(user, CartAddresses.ADD_ITEM, item(ordered, 2)).map(cart -> cart.getString("id"))
      .compose(cartId -> {
        JsonObject clear = new JsonObject().put("cart_id", cartId).put("user_id", user).put("order_id", orderId);
        return refusalCode(request(CartAddresses.CLEAR, clear.copy().put("user_id", newUser()), null, null))
          .map(code -> ctx.verify(() -> assertThat(code).isEqualTo(ErrorCode.NOT_FOUND)))
          .compose(v -> asUser(user, CartAddresses.GET, new JsonObject()))
          .map(read -> ctx.verify(() -> assertThat(read.getJsonArray("items")).hasSize(1)))
          .compose(v -> internal(CartAddresses.CLEAR, clear))
          .map(cleared -> ctx.verify(() -> assertThat(cleared).isEqualTo(new JsonObject())))
          .compose(v -> asUser(user, CartAddresses.GET, new JsonObject()))
          .map(read -> ctx.verify(() -> assertThat(read.getJsonArray("items")).isEmpty()))
          .compose(v -> asUser(user, CartAddresses.ADD_ITEM, item(later, 1)))
          .compose(v -> internal(CartAddresses.CLEAR, clear))
          .map(retried -> ctx.verify(() -> assertThat(retried).isEqualTo(new JsonObject())))
          .compose(v -> asUser(user, CartAddresses.GET, new JsonObject()))
          .map(afterRetry -> ctx.verify(() -> {
            assertThat(afterRetry.getString("id")).isEqualTo(cartId);
            assertThat(line(afterRetry, later).getInteger("quantity")).isEqualTo(1);
          }));
      })
      .onComplete(ctx.succeedingThenComplete());
  }
}
