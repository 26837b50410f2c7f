package dev.marketplace.cart;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.cart.CartAddresses;
import dev.marketplace.platform.testing.InOrder;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Nobody reaches a cart that is not theirs: not another user, not a guest guessing ids, not a user with a guest id. */
class CartIsolationTest extends CartTestBase {

  @Test
  void oneUserCanNeitherReadNorChangeAnothersCart(VertxTestContext ctx) {
    String alice = newUser();
    String bob = newUser();
    UUID product = fakes.product("alices", 1_000);
    request(CartAddresses.ADD_ITEM, item(product, 3), alice, null)
      .compose(v -> request(CartAddresses.GET, new JsonObject(), bob, null))
      .compose(bobsEmpty -> InOrder.run(
          () -> refusalCode(request(CartAddresses.UPDATE_ITEM, item(product, 1), bob, null)),
          () -> refusalCode(request(CartAddresses.REMOVE_ITEM, productId(product), bob, null)),
          () -> refusalCode(request(CartAddresses.ACCEPT_PRICES, new JsonObject().put("items", new JsonArray()
            .add(new JsonObject().put("product_id", product.toString()).put("price", rub(1_000)))), bob, null)))
        .map(refusals -> ctx.verify(() -> {
          assertThat(bobsEmpty.getJsonArray("items")).isEmpty();
          assertThat(refusals).as("update, remove, accept prices of a cart bob has not").containsOnly(ErrorCode.NOT_FOUND).hasSize(3);
        })))
      .compose(v -> request(CartAddresses.ADD_ITEM, item(product, 1), bob, null))
      .compose(v -> request(CartAddresses.GET, new JsonObject(), alice, null))
      .compose(alicesCart -> request(CartAddresses.GET, new JsonObject(), bob, null).map(bobsCart -> ctx.verify(() -> {
        assertThat(line(alicesCart, product).getInteger("quantity")).isEqualTo(3);
        assertThat(line(bobsCart, product).getInteger("quantity")).isEqualTo(1);
        assertThat(bobsCart.getString("id")).isNotEqualTo(alicesCart.getString("id"));
      })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aUserCartsIdOrAGuessedIdNamesNoGuestCart(VertxTestContext ctx) {
    String alice = newUser();
    UUID product = fakes.product("private", 1_000);
    request(CartAddresses.ADD_ITEM, item(product, 1), alice, null).compose(alices -> {
        String alicesCartId = alices.getString("id");
        List<Supplier<Future<ErrorCode>>> guesses = new ArrayList<>();
        for (String guessed : new String[] {alicesCartId, GuestCartIds.newId(), "", "a", "../" + alicesCartId}) {
          guesses.add(() -> refusalCode(request(CartAddresses.GET, new JsonObject(), null, guessed)));
          guesses.add(() -> refusalCode(request(CartAddresses.ADD_ITEM, item(product, 1), null, guessed)));
          guesses.add(() -> refusalCode(request(CartAddresses.UPDATE_ITEM, item(product, 5), null, guessed)));
          guesses.add(() -> refusalCode(request(CartAddresses.REMOVE_ITEM, productId(product), null, guessed)));
        }
        return InOrder.run(guesses);
      })
      .compose(refusals -> {
        ctx.verify(() -> assertThat(refusals).as("get, add, update, remove under five guessed ids").hasSize(20)
          .containsOnly(ErrorCode.NOT_FOUND));
        return request(CartAddresses.GET, new JsonObject(), alice, null);
      })
      .map(alicesCart -> ctx.verify(() -> assertThat(line(alicesCart, product).getInteger("quantity")).isEqualTo(1)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aUsersRequestWorksOnTheUsersCartEvenWithAGuestIdAttached(VertxTestContext ctx) {
    String user = newUser();
    UUID guestProduct = fakes.product("guests", 1_000);
    UUID userProduct = fakes.product("users", 2_000);
    request(CartAddresses.ADD_ITEM, item(guestProduct, 1), null, null).map(guestCart -> guestCart.getString("id"))
      .compose(guest -> request(CartAddresses.ADD_ITEM, item(userProduct, 1), user, guest)
        .compose(usersCart -> request(CartAddresses.REMOVE_ITEM, productId(userProduct), user, guest)
          .compose(removed -> refusalCode(request(CartAddresses.REMOVE_ITEM, productId(guestProduct), user, guest)))
          .compose(notInUsersCart -> request(CartAddresses.GET, new JsonObject(), null, guest).map(guestCart -> ctx.verify(() -> {
            assertThat(usersCart.getString("kind")).isEqualTo("user");
            assertThat(usersCart.getJsonArray("items")).hasSize(1);
            assertThat(notInUsersCart).isEqualTo(ErrorCode.NOT_FOUND);
            assertThat(line(guestCart, guestProduct).getInteger("quantity")).isEqualTo(1);
          })))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void twoGuestsNeverShareACart(VertxTestContext ctx) {
    UUID product = fakes.product("shared-shelf", 1_000);
    request(CartAddresses.ADD_ITEM, item(product, 1), null, null).map(cart -> cart.getString("id"))
      .compose(first -> request(CartAddresses.ADD_ITEM, item(product, 2), null, null).map(cart -> cart.getString("id"))
        .compose(second -> request(CartAddresses.GET, new JsonObject(), null, first)
          .compose(firstCart -> request(CartAddresses.GET, new JsonObject(), null, second).map(secondCart -> ctx.verify(() -> {
            assertThat(first).isNotEqualTo(second);
            assertThat(line(firstCart, product).getInteger("quantity")).isEqualTo(1);
            assertThat(line(secondCart, product).getInteger("quantity")).isEqualTo(2);
          })))))
      .onComplete(ctx.succeedingThenComplete());
  }
}
