package dev.marketplace.cart;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.cart.CartAddresses;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The full life of a guest cart and of a user cart, and how reads show catalog and inventory data. */
class CartLifecycleTest extends CartTestBase {

  @Test
  void guestCartIsIssuedOnFirstWriteAndLivesThroughEditsUnderItsId() throws Exception {
    UUID tea = fakes.product("tea", 25_000);
    UUID mug = fakes.product("mug", 49_900);

    JsonObject none = asGuest(null, CartAddresses.GET, new JsonObject());
    assertThat(none.getString("id")).isNull();
    assertThat(none.getString("kind")).isEqualTo("guest");
    assertThat(none.getJsonArray("items")).isEmpty();
    assertThat(none.getJsonObject("total")).isEqualTo(rub(0));

    JsonObject created = asGuest(null, CartAddresses.ADD_ITEM, item(tea, 2));
    String cartId = created.getString("id");
    assertThat(created.getBoolean("created")).isTrue();
    assertThat(cartId).matches("[A-Za-z0-9_-]{43}");

    JsonObject read = asGuest(cartId, CartAddresses.GET, new JsonObject());
    assertThat(read.getString("id")).isEqualTo(cartId);
    assertThat(read.containsKey("created")).isFalse();
    JsonObject teaLine = line(read, tea);
    assertThat(teaLine.getString("title")).isEqualTo("tea");
    assertThat(teaLine.getInteger("quantity")).isEqualTo(2);
    assertThat(teaLine.getJsonObject("price")).isEqualTo(rub(25_000));
    assertThat(teaLine.getJsonObject("seen_price")).isEqualTo(rub(25_000));
    assertThat(teaLine.getBoolean("price_changed")).isFalse();
    assertThat(teaLine.getJsonObject("line_total")).isEqualTo(rub(50_000));
    assertThat(teaLine.getLong("available")).isEqualTo(50L);
    assertThat(teaLine.getBoolean("deleted")).isFalse();
    assertThat(read.getJsonObject("total")).isEqualTo(rub(50_000));

    JsonObject again = asGuest(cartId, CartAddresses.ADD_ITEM, item(tea, 3));
    assertThat(again.getString("id")).isEqualTo(cartId);
    assertThat(again.containsKey("created")).isFalse();
    assertThat(line(again, tea).getInteger("quantity")).isEqualTo(5);

    asGuest(cartId, CartAddresses.ADD_ITEM, item(mug, 1));
    JsonObject patched = asGuest(cartId, CartAddresses.UPDATE_ITEM, item(tea, 7));
    assertThat(line(patched, tea).getInteger("quantity")).isEqualTo(7);
    assertThat(patched.getLong("item_count")).isEqualTo(8L);
    assertThat(patched.getJsonObject("total")).isEqualTo(rub(7 * 25_000 + 49_900));

    JsonObject withoutMug = asGuest(cartId, CartAddresses.REMOVE_ITEM, productId(mug));
    assertThat(withoutMug.getJsonArray("items")).hasSize(1);
    JsonObject empty = asGuest(cartId, CartAddresses.REMOVE_ITEM, productId(tea));
    assertThat(empty.getJsonArray("items")).isEmpty();
    assertThat(empty.getString("id")).isEqualTo(cartId);
    assertThat(asGuest(cartId, CartAddresses.GET, new JsonObject()).getJsonArray("items")).isEmpty();
  }

  @Test
  void userCartIsCreatedOnFirstWriteAndKeepsOneIdForTheUser() throws Exception {
    String user = newUser();
    UUID book = fakes.product("book", 70_000);
    UUID pen = fakes.product("pen", 3_000);

    JsonObject none = asUser(user, CartAddresses.GET, new JsonObject());
    assertThat(none.getString("id")).isNull();
    assertThat(none.getString("kind")).isEqualTo("user");

    JsonObject created = asUser(user, CartAddresses.ADD_ITEM, item(book, 1));
    assertThat(created.getBoolean("created")).isTrue();
    String cartId = created.getString("id");
    assertThat(UUID.fromString(cartId)).isNotNull();

    JsonObject second = asUser(user, CartAddresses.ADD_ITEM, item(pen, 4));
    assertThat(second.getString("id")).isEqualTo(cartId);
    assertThat(second.containsKey("created")).isFalse();
    assertThat(second.getJsonArray("items")).hasSize(2);
    assertThat(second.getJsonObject("total")).isEqualTo(rub(70_000 + 4 * 3_000));

    asUser(user, CartAddresses.UPDATE_ITEM, item(pen, 1));
    asUser(user, CartAddresses.REMOVE_ITEM, productId(book));
    JsonObject read = asUser(user, CartAddresses.GET, new JsonObject());
    assertThat(read.getString("id")).isEqualTo(cartId);
    assertThat(read.getJsonArray("items")).hasSize(1);
    assertThat(line(read, pen).getInteger("quantity")).isEqualTo(1);
  }

  @Test
  void readShowsLinesWithoutAvailabilityWhenInventoryDoesNotAnswer() throws Exception {
    String user = newUser();
    UUID lamp = fakes.product("lamp", 99_000);
    asUser(user, CartAddresses.ADD_ITEM, item(lamp, 1));
    fakes.inventoryAnswers = false;

    JsonObject read = asUser(user, CartAddresses.GET, new JsonObject());

    JsonObject lampLine = line(read, lamp);
    assertThat(lampLine.getValue("available")).isNull();
    assertThat(lampLine.getJsonObject("price")).isEqualTo(rub(99_000));
    assertThat(read.getJsonObject("total")).isEqualTo(rub(99_000));
  }

  @Test
  void productsDeletedOrForgottenByTheCatalogStayFlaggedOutOfTheTotalAndCanBeRemoved() throws Exception {
    String user = newUser();
    UUID kept = fakes.product("kept", 1_000);
    UUID deleted = fakes.product("deleted", 2_000);
    UUID forgotten = fakes.product("forgotten", 3_000);
    asUser(user, CartAddresses.ADD_ITEM, item(kept, 1));
    asUser(user, CartAddresses.ADD_ITEM, item(deleted, 1));
    asUser(user, CartAddresses.ADD_ITEM, item(forgotten, 1));
    fakes.delete(deleted);
    fakes.forget(forgotten);

    JsonObject read = asUser(user, CartAddresses.GET, new JsonObject());

    assertThat(read.getJsonObject("total")).isEqualTo(rub(1_000));
    for (UUID gone : new UUID[] {deleted, forgotten}) {
      JsonObject goneLine = line(read, gone);
      assertThat(goneLine.getBoolean("deleted")).isTrue();
      assertThat(goneLine.getValue("price")).isNull();
      assertThat(goneLine.getValue("line_total")).isNull();
      assertThat(goneLine.getBoolean("price_changed")).isFalse();
    }
    assertThat(line(read, forgotten).getString("title")).isEqualTo("forgotten");
    JsonObject cleaned = asUser(user, CartAddresses.REMOVE_ITEM, productId(deleted));
    assertThat(cleaned.getJsonArray("items")).hasSize(2);
  }

  @Test
  void withoutTheCatalogReadsAndWritesFailAsATimeoutAndChangeNothing() throws Exception {
    String user = newUser();
    UUID product = fakes.product("priced", 1_000);
    String cartId = asUser(user, CartAddresses.ADD_ITEM, item(product, 1)).getString("id");
    fakes.catalogAnswers = false;

    assertThat(failure(request(CartAddresses.GET, new JsonObject(), user, null)).code()).isEqualTo(ErrorCode.TIMEOUT);
    assertThat(failure(request(CartAddresses.ADD_ITEM, item(product, 1), user, null)).code()).isEqualTo(ErrorCode.TIMEOUT);
    assertThat(failure(request(CartAddresses.CHECKOUT_VIEW, new JsonObject().put("cart_id", cartId).put("user_id", user), null, null)).code())
      .isEqualTo(ErrorCode.TIMEOUT);

    fakes.catalogAnswers = true;
    assertThat(line(asUser(user, CartAddresses.GET, new JsonObject()), product).getInteger("quantity")).isEqualTo(1);
  }

  @Test
  void aFailedFirstWriteCreatesNoCart() throws Exception {
    String user = newUser();

    assertThat(failure(request(CartAddresses.ADD_ITEM, item(UUID.randomUUID(), 1), user, null)).code())
      .isEqualTo(ErrorCode.NOT_FOUND);

    assertThat(asUser(user, CartAddresses.GET, new JsonObject()).getString("id")).isNull();
  }
}
