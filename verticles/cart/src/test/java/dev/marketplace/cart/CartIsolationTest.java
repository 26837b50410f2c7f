package dev.marketplace.cart;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.cart.CartAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Nobody reaches a cart that is not theirs: not another user, not a guest guessing ids, not a user with a guest id. */
class CartIsolationTest extends CartTestBase {

  @Test
  void oneUserCanNeitherReadNorChangeAnothersCart() throws Exception {
    String alice = newUser();
    String bob = newUser();
    UUID product = fakes.product("alices", 1_000);
    asUser(alice, CartAddresses.ADD_ITEM, item(product, 3));

    assertThat(asUser(bob, CartAddresses.GET, new JsonObject()).getJsonArray("items")).isEmpty();
    assertThat(failure(request(CartAddresses.UPDATE_ITEM, item(product, 1), bob, null)).code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(failure(request(CartAddresses.REMOVE_ITEM, productId(product), bob, null)).code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(failure(request(CartAddresses.ACCEPT_PRICES, new JsonObject().put("items", new JsonArray()
      .add(new JsonObject().put("product_id", product.toString()).put("price", rub(1_000)))), bob, null)).code())
      .isEqualTo(ErrorCode.NOT_FOUND);
    asUser(bob, CartAddresses.ADD_ITEM, item(product, 1));

    JsonObject alicesCart = asUser(alice, CartAddresses.GET, new JsonObject());
    assertThat(line(alicesCart, product).getInteger("quantity")).isEqualTo(3);
    assertThat(line(asUser(bob, CartAddresses.GET, new JsonObject()), product).getInteger("quantity")).isEqualTo(1);
    assertThat(asUser(bob, CartAddresses.GET, new JsonObject()).getString("id")).isNotEqualTo(alicesCart.getString("id"));
  }

  @Test
  void aUserCartsIdOrAGuessedIdNamesNoGuestCart() throws Exception {
    String alice = newUser();
    UUID product = fakes.product("private", 1_000);
    String alicesCartId = asUser(alice, CartAddresses.ADD_ITEM, item(product, 1)).getString("id");

    for (String guessed : new String[] {alicesCartId, GuestCartIds.newId(), "", "a", "../" + alicesCartId}) {
      assertThat(failure(request(CartAddresses.GET, new JsonObject(), null, guessed)).code()).as(guessed).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(failure(request(CartAddresses.ADD_ITEM, item(product, 1), null, guessed)).code()).as(guessed).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(failure(request(CartAddresses.UPDATE_ITEM, item(product, 5), null, guessed)).code()).as(guessed).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(failure(request(CartAddresses.REMOVE_ITEM, productId(product), null, guessed)).code()).as(guessed).isEqualTo(ErrorCode.NOT_FOUND);
    }
    assertThat(line(asUser(alice, CartAddresses.GET, new JsonObject()), product).getInteger("quantity")).isEqualTo(1);
  }

  @Test
  void aUsersRequestWorksOnTheUsersCartEvenWithAGuestIdAttached() throws Exception {
    String user = newUser();
    UUID guestProduct = fakes.product("guests", 1_000);
    UUID userProduct = fakes.product("users", 2_000);
    String guest = asGuest(null, CartAddresses.ADD_ITEM, item(guestProduct, 1)).getString("id");

    JsonObject usersCart = await(request(CartAddresses.ADD_ITEM, item(userProduct, 1), user, guest));
    await(request(CartAddresses.REMOVE_ITEM, productId(userProduct), user, guest));

    assertThat(usersCart.getString("kind")).isEqualTo("user");
    assertThat(usersCart.getJsonArray("items")).hasSize(1);
    assertThat(failure(request(CartAddresses.REMOVE_ITEM, productId(guestProduct), user, guest)).code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(line(asGuest(guest, CartAddresses.GET, new JsonObject()), guestProduct).getInteger("quantity")).isEqualTo(1);
  }

  @Test
  void twoGuestsNeverShareACart() throws Exception {
    UUID product = fakes.product("shared-shelf", 1_000);
    String first = asGuest(null, CartAddresses.ADD_ITEM, item(product, 1)).getString("id");
    String second = asGuest(null, CartAddresses.ADD_ITEM, item(product, 2)).getString("id");

    assertThat(first).isNotEqualTo(second);
    assertThat(line(asGuest(first, CartAddresses.GET, new JsonObject()), product).getInteger("quantity")).isEqualTo(1);
    assertThat(line(asGuest(second, CartAddresses.GET, new JsonObject()), product).getInteger("quantity")).isEqualTo(2);
  }
}
