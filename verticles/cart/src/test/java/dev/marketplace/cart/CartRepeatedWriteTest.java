package dev.marketplace.cart;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.cart.CartAddresses;
import dev.marketplace.platform.bus.RequestIds;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes repeated with the same request id (the gateway's retry of an attempt that got no answer,
 * on another node) are applied once; the repeat answers the cart as it is.
 */
class CartRepeatedWriteTest extends CartTestBase {

  private static Future<JsonObject> send(String address, JsonObject body, String userId, String guestId, String requestId) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(5000).addHeader(BusHeaders.REQUEST_ID, requestId);
    if (userId != null) {
      options.addHeader(BusHeaders.USER_ID, userId).addHeader(BusHeaders.ROLES, "buyer");
    }
    if (guestId != null) {
      options.addHeader(CartAddresses.GUEST_CART_HEADER, guestId);
    }
    return vertx.eventBus().<JsonObject>request(address, body, options).map(m -> m.body());
  }

  @Test
  void anAddRepeatedWithItsRequestIdIsAppliedOnceAndAnswersLikeTheFirst() throws Exception {
    UUID tea = fakes.product("tea", 25_000);
    String user = newUser();
    String requestId = RequestIds.newId();

    JsonObject first = await(send(CartAddresses.ADD_ITEM, item(tea, 2), user, null, requestId));
    JsonObject repeat = await(send(CartAddresses.ADD_ITEM, item(tea, 2), user, null, requestId));

    assertThat(first.getBoolean("created")).isTrue();
    assertThat(repeat.getBoolean("created")).as("the repeat answers as the first did").isTrue();
    assertThat(line(repeat, tea).getInteger("quantity")).isEqualTo(2);
    // another request (a new id) is another addition
    JsonObject other = await(send(CartAddresses.ADD_ITEM, item(tea, 2), user, null, RequestIds.newId()));
    assertThat(line(other, tea).getInteger("quantity")).isEqualTo(4);
    assertThat(other.containsKey("created")).isFalse();
  }

  @Test
  void concurrentRepeatsOfOneAddAreAppliedOnce() throws Exception {
    UUID mug = fakes.product("mug", 49_900);
    String user = newUser();
    String requestId = RequestIds.newId();

    List<Future<JsonObject>> attempts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      attempts.add(send(CartAddresses.ADD_ITEM, item(mug, 3), user, null, requestId));
    }
    await(Future.all(attempts));

    JsonObject cart = asUser(user, CartAddresses.GET, new JsonObject());
    assertThat(line(cart, mug).getInteger("quantity")).isEqualTo(3);
    attempts.forEach(a -> assertThat(line(a.result(), mug).getInteger("quantity")).isEqualTo(3));
  }

  @Test
  void aGuestsFirstAddRepeatedNamesTheSameNewCart() throws Exception {
    UUID tea = fakes.product("tea", 25_000);
    String requestId = RequestIds.newId();

    JsonObject first = await(send(CartAddresses.ADD_ITEM, item(tea, 1), null, null, requestId));
    JsonObject repeat = await(send(CartAddresses.ADD_ITEM, item(tea, 1), null, null, requestId));

    String cartId = first.getString("id");
    assertThat(cartId).matches("[A-Za-z0-9_-]{43}");
    assertThat(repeat.getString("id")).isEqualTo(cartId);
    assertThat(repeat.getBoolean("created")).isTrue();
    assertThat(line(asGuest(cartId, CartAddresses.GET, new JsonObject()), tea).getInteger("quantity")).isEqualTo(1);
    // the guest id is not the request id, and another request makes another cart
    assertThat(cartId).isNotEqualTo(requestId);
    JsonObject another = await(send(CartAddresses.ADD_ITEM, item(tea, 1), null, null, RequestIds.newId()));
    assertThat(another.getString("id")).isNotEqualTo(cartId);
  }

  @Test
  void aRemoveOrUpdateRepeatedAnswersTheCartInsteadOfFailing() throws Exception {
    UUID tea = fakes.product("tea", 25_000);
    UUID mug = fakes.product("mug", 49_900);
    String user = newUser();
    asUser(user, CartAddresses.ADD_ITEM, item(tea, 2));
    asUser(user, CartAddresses.ADD_ITEM, item(mug, 1));

    String removal = RequestIds.newId();
    await(send(CartAddresses.REMOVE_ITEM, productId(mug), user, null, removal));
    JsonObject repeatedRemoval = await(send(CartAddresses.REMOVE_ITEM, productId(mug), user, null, removal));
    assertThat(repeatedRemoval.getJsonArray("items")).hasSize(1);

    String update = RequestIds.newId();
    await(send(CartAddresses.UPDATE_ITEM, item(tea, 5), user, null, update));
    // a later change by another request is not undone by a late repeat of the earlier one
    await(send(CartAddresses.UPDATE_ITEM, item(tea, 7), user, null, RequestIds.newId()));
    JsonObject lateRepeat = await(send(CartAddresses.UPDATE_ITEM, item(tea, 5), user, null, update));
    assertThat(line(lateRepeat, tea).getInteger("quantity")).isEqualTo(7);
  }

  @Test
  void aFailedWriteRecordsNothingSoItsRepeatIsTriedAgain() throws Exception {
    UUID tea = fakes.product("tea", 25_000);
    String user = newUser();
    asUser(user, CartAddresses.ADD_ITEM, item(tea, MAX_PER_LINE));
    String requestId = RequestIds.newId();

    assertFieldError(failure(send(CartAddresses.ADD_ITEM, item(tea, 1), user, null, requestId)), "quantity");
    asUser(user, CartAddresses.UPDATE_ITEM, item(tea, 1));
    JsonObject repeat = await(send(CartAddresses.ADD_ITEM, item(tea, 1), user, null, requestId));
    assertThat(line(repeat, tea).getInteger("quantity")).isEqualTo(2);
  }
}
