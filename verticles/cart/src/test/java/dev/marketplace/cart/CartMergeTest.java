package dev.marketplace.cart;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.cart.CartAddresses;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Merging a guest cart into a user's cart on login. Limits here: 10 per line, 3 lines. */
class CartMergeTest extends CartTestBase {

  private static JsonObject merge(String guestId) {
    return new JsonObject().put("guest_cart_id", guestId);
  }

  private static String guestCartWith(UUID productId, int quantity) throws Exception {
    return asGuest(null, CartAddresses.ADD_ITEM, item(productId, quantity)).getString("id");
  }

  @Test
  void mergeAddsUpQuantitiesBringsNewProductsAndDeletesTheGuestCart() throws Exception {
    String user = newUser();
    UUID shared = fakes.product("shared", 1_000);
    UUID guestOnly = fakes.product("guest-only", 2_000);
    UUID userOnly = fakes.product("user-only", 3_000);
    String guest = guestCartWith(shared, 3);
    asGuest(guest, CartAddresses.ADD_ITEM, item(guestOnly, 2));
    asUser(user, CartAddresses.ADD_ITEM, item(shared, 4));
    asUser(user, CartAddresses.ADD_ITEM, item(userOnly, 1));

    JsonObject merged = asUser(user, CartAddresses.MERGE, merge(guest));

    assertThat(merged.getString("kind")).isEqualTo("user");
    assertThat(merged.getJsonArray("items")).hasSize(3);
    assertThat(line(merged, shared).getInteger("quantity")).isEqualTo(7);
    assertThat(line(merged, guestOnly).getInteger("quantity")).isEqualTo(2);
    assertThat(line(merged, userOnly).getInteger("quantity")).isEqualTo(1);
    assertThat(merged.getJsonObject("merge").getJsonArray("capped_product_ids")).isEmpty();
    assertThat(merged.getJsonObject("merge").getJsonArray("dropped_product_ids")).isEmpty();
    assertThat(failure(request(CartAddresses.GET, new JsonObject(), null, guest)).code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(asUser(user, CartAddresses.GET, new JsonObject()).getJsonArray("items")).hasSize(3);
  }

  @Test
  void mergedQuantitiesStopAtThePerLineLimit() throws Exception {
    String user = newUser();
    UUID product = fakes.product("popular", 500);
    String guest = guestCartWith(product, 8);
    asUser(user, CartAddresses.ADD_ITEM, item(product, 5));

    JsonObject merged = asUser(user, CartAddresses.MERGE, merge(guest));

    assertThat(line(merged, product).getInteger("quantity")).isEqualTo(MAX_PER_LINE);
    assertThat(merged.getJsonObject("merge").getJsonArray("capped_product_ids")).containsExactly(product.toString());
  }

  @Test
  void productsBeyondTheLineCountLimitAreDroppedAndReported() throws Exception {
    String user = newUser();
    UUID a = fakes.product("a", 100);
    UUID b = fakes.product("b", 100);
    UUID c = fakes.product("c", 100);
    UUID d = fakes.product("d", 100);
    asUser(user, CartAddresses.ADD_ITEM, item(a, 1));
    asUser(user, CartAddresses.ADD_ITEM, item(b, 1));
    String guest = guestCartWith(c, 1);
    asGuest(guest, CartAddresses.ADD_ITEM, item(d, 1));

    JsonObject merged = asUser(user, CartAddresses.MERGE, merge(guest));

    assertThat(merged.getJsonArray("items")).hasSize(MAX_LINES);
    assertThat(line(merged, c).getInteger("quantity")).isEqualTo(1);
    assertThat(merged.getJsonObject("merge").getJsonArray("dropped_product_ids")).containsExactly(d.toString());
  }

  @Test
  void mergeIntoAUserWithoutACartMakesTheGuestLinesTheUsersCart() throws Exception {
    String user = newUser();
    UUID product = fakes.product("first", 1_500);
    String guest = guestCartWith(product, 2);

    JsonObject merged = asUser(user, CartAddresses.MERGE, merge(guest));

    assertThat(UUID.fromString(merged.getString("id"))).isNotNull();
    assertThat(line(merged, product).getInteger("quantity")).isEqualTo(2);
    assertThat(asUser(user, CartAddresses.GET, new JsonObject()).getString("id")).isEqualTo(merged.getString("id"));
  }

  @Test
  void aMergeRetriedByTheSameUserChangesNothingAndAnotherUserCannotClaimTheGuestCart() throws Exception {
    String user = newUser();
    UUID product = fakes.product("retried", 1_000);
    String guest = guestCartWith(product, 2);
    asUser(user, CartAddresses.MERGE, merge(guest));

    JsonObject retried = asUser(user, CartAddresses.MERGE, merge(guest));

    assertThat(line(retried, product).getInteger("quantity")).isEqualTo(2);
    assertThat(failure(request(CartAddresses.MERGE, merge(guest), newUser(), null)).code()).isEqualTo(ErrorCode.NOT_FOUND);
  }

  @Test
  void aLineInBothCartsKeepsTheMoreRecentlySeenPrice() throws Exception {
    String user = newUser();
    UUID product = fakes.product("repriced", 10_000);
    asUser(user, CartAddresses.ADD_ITEM, item(product, 1));
    fakes.setPrice(product, 12_000);
    String guest = guestCartWith(product, 1);

    JsonObject merged = asUser(user, CartAddresses.MERGE, merge(guest));

    JsonObject line = line(merged, product);
    assertThat(line.getJsonObject("seen_price")).isEqualTo(rub(12_000));
    assertThat(line.getBoolean("price_changed")).isFalse();
  }

  @Test
  void mergeNeedsAUserAndAGuestIdThatNamesAGuestCart() throws Exception {
    String owner = newUser();
    UUID product = fakes.product("owned", 1_000);
    String userCartId = asUser(owner, CartAddresses.ADD_ITEM, item(product, 1)).getString("id");
    String guest = guestCartWith(product, 1);

    assertThat(failure(request(CartAddresses.MERGE, merge(guest), null, guest)).code()).isEqualTo(ErrorCode.UNAUTHORIZED);
    for (String notAGuestCart : new String[] {userCartId, GuestCartIds.newId(), "short", guest + "x"}) {
      assertThat(failure(request(CartAddresses.MERGE, merge(notAGuestCart), newUser(), null)).code())
        .as(notAGuestCart).isEqualTo(ErrorCode.NOT_FOUND);
    }
    assertFieldError(failure(request(CartAddresses.MERGE, new JsonObject(), newUser(), null)), "guest_cart_id");
    assertThat(asUser(owner, CartAddresses.GET, new JsonObject()).getJsonArray("items")).hasSize(1);
    assertThat(asGuest(guest, CartAddresses.GET, new JsonObject()).getJsonArray("items")).hasSize(1);
  }
}
