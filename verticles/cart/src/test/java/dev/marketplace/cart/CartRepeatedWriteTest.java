package dev.marketplace.cart;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.cart.CartAddresses;
import dev.marketplace.platform.bus.RequestIds;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
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
  void anAddRepeatedWithItsRequestIdIsAppliedOnceAndAnswersLikeTheFirst(VertxTestContext ctx) {
    UUID tea = fakes.product("tea", 25_000);
    String user = newUser();
    String requestId = RequestIds.newId();

    send(CartAddresses.ADD_ITEM, item(tea, 2), user, null, requestId)
      .compose(first -> send(CartAddresses.ADD_ITEM, item(tea, 2), user, null, requestId).map(repeat -> ctx.verify(() -> {
        assertThat(first.getBoolean("created")).isTrue();
        assertThat(repeat.getBoolean("created")).as("the repeat answers as the first did").isTrue();
        assertThat(line(repeat, tea).getInteger("quantity")).isEqualTo(2);
      })))
      // another request (a new id) is another addition
      .compose(v -> send(CartAddresses.ADD_ITEM, item(tea, 2), user, null, RequestIds.newId()))
      .map(other -> ctx.verify(() -> {
        assertThat(line(other, tea).getInteger("quantity")).isEqualTo(4);
        assertThat(other.containsKey("created")).isFalse();
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void concurrentRepeatsOfOneAddAreAppliedOnce(VertxTestContext ctx) {
    UUID mug = fakes.product("mug", 49_900);
    String user = newUser();
    String requestId = RequestIds.newId();

    List<Future<JsonObject>> attempts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      attempts.add(send(CartAddresses.ADD_ITEM, item(mug, 3), user, null, requestId));
    }
    Future.all(attempts)
      .compose(all -> request(CartAddresses.GET, new JsonObject(), user, null))
      .map(cart -> ctx.verify(() -> {
        assertThat(line(cart, mug).getInteger("quantity")).isEqualTo(3);
        attempts.forEach(a -> assertThat(line(a.result(), mug).getInteger("quantity")).isEqualTo(3));
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aGuestsFirstAddRepeatedNamesTheSameNewCart(VertxTestContext ctx) {
    UUID tea = fakes.product("tea", 25_000);
    String requestId = RequestIds.newId();

    send(CartAddresses.ADD_ITEM, item(tea, 1), null, null, requestId)
      .compose(first -> send(CartAddresses.ADD_ITEM, item(tea, 1), null, null, requestId).compose(repeat -> {
        String cartId = first.getString("id");
        return request(CartAddresses.GET, new JsonObject(), null, cartId)
          // the guest id is not the request id, and another request makes another cart
          .compose(read -> send(CartAddresses.ADD_ITEM, item(tea, 1), null, null, RequestIds.newId()).map(another -> ctx.verify(() -> {
            assertThat(cartId).matches("[A-Za-z0-9_-]{43}");
            assertThat(repeat.getString("id")).isEqualTo(cartId);
            assertThat(repeat.getBoolean("created")).isTrue();
            assertThat(line(read, tea).getInteger("quantity")).isEqualTo(1);
            assertThat(cartId).isNotEqualTo(requestId);
            assertThat(another.getString("id")).isNotEqualTo(cartId);
          })));
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aRemoveOrUpdateRepeatedAnswersTheCartInsteadOfFailing(VertxTestContext ctx) {
    UUID tea = fakes.product("tea", 25_000);
    UUID mug = fakes.product("mug", 49_900);
    String user = newUser();
    String removal = RequestIds.newId();
    String update = RequestIds.newId();
    request(CartAddresses.ADD_ITEM, item(tea, 2), user, null)
      .compose(v -> request(CartAddresses.ADD_ITEM, item(mug, 1), user, null))
      .compose(v -> send(CartAddresses.REMOVE_ITEM, productId(mug), user, null, removal))
      .compose(v -> send(CartAddresses.REMOVE_ITEM, productId(mug), user, null, removal))
      .compose(repeatedRemoval -> {
        ctx.verify(() -> assertThat(repeatedRemoval.getJsonArray("items")).hasSize(1));
        return send(CartAddresses.UPDATE_ITEM, item(tea, 5), user, null, update);
      })
      // a later change by another request is not undone by a late repeat of the earlier one
      .compose(v -> send(CartAddresses.UPDATE_ITEM, item(tea, 7), user, null, RequestIds.newId()))
      .compose(v -> send(CartAddresses.UPDATE_ITEM, item(tea, 5), user, null, update))
      .map(lateRepeat -> ctx.verify(() -> assertThat(line(lateRepeat, tea).getInteger("quantity")).isEqualTo(7)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aFailedWriteRecordsNothingSoItsRepeatIsTriedAgain(VertxTestContext ctx) {
    UUID tea = fakes.product("tea", 25_000);
    String user = newUser();
    String requestId = RequestIds.newId();
    request(CartAddresses.ADD_ITEM, item(tea, MAX_PER_LINE), user, null)
      .compose(full -> refusal(send(CartAddresses.ADD_ITEM, item(tea, 1), user, null, requestId)))
      .compose(tooMany -> {
        ctx.verify(() -> assertFieldError(tooMany, "quantity"));
        return request(CartAddresses.UPDATE_ITEM, item(tea, 1), user, null);
      })
      .compose(v -> send(CartAddresses.ADD_ITEM, item(tea, 1), user, null, requestId))
      .map(repeat -> ctx.verify(() -> assertThat(line(repeat, tea).getInteger("quantity")).isEqualTo(2)))
      .onComplete(ctx.succeedingThenComplete());
  }
}
