package dev.marketplace.cart;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.cart.CartAddresses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Merging a guest cart into a user's cart on login. Limits here: 10 per line, 3 lines. */
class CartMergeTest extends CartTestBase {

  private static JsonObject merge(String guestId) {
    return new JsonObject().put("guest_cart_id", guestId);
  }

  private static Future<String> guestCartWith(UUID productId, int quantity) {
    return asGuest(null, CartAddresses.ADD_ITEM, item(productId, quantity)).map(cart -> cart.getString("id"));
  }

  @Test
  void mergeAddsUpQuantitiesBringsNewProductsAndDeletesTheGuestCart(VertxTestContext ctx) {
    String user = newUser();
    UUID shared = fakes.product("shared", 1_000);
    UUID guestOnly = fakes.product("guest-only", 2_000);
    UUID userOnly = fakes.product("user-only", 3_000);
    guestCartWith(shared, 3).compose(guest -> asGuest(guest, CartAddresses.ADD_ITEM, item(guestOnly, 2))
        .compose(v -> asUser(user, CartAddresses.ADD_ITEM, item(shared, 4)))
        .compose(v -> asUser(user, CartAddresses.ADD_ITEM, item(userOnly, 1)))
        .compose(v -> asUser(user, CartAddresses.MERGE, merge(guest)))
        .map(merged -> ctx.verify(() -> {
          assertThat(merged.getString("kind")).isEqualTo("user");
          assertThat(merged.getJsonArray("items")).hasSize(3);
          assertThat(line(merged, shared).getInteger("quantity")).isEqualTo(7);
          assertThat(line(merged, guestOnly).getInteger("quantity")).isEqualTo(2);
          assertThat(line(merged, userOnly).getInteger("quantity")).isEqualTo(1);
          assertThat(merged.getJsonObject("merge").getJsonArray("capped_product_ids")).isEmpty();
          assertThat(merged.getJsonObject("merge").getJsonArray("dropped_product_ids")).isEmpty();
        }))
        .compose(v -> refusalCode(request(CartAddresses.GET, new JsonObject(), null, guest))))
      .map(code -> ctx.verify(() -> assertThat(code).isEqualTo(ErrorCode.NOT_FOUND)))
      .compose(v -> asUser(user, CartAddresses.GET, new JsonObject()))
      .map(read -> ctx.verify(() -> assertThat(read.getJsonArray("items")).hasSize(3)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void mergedQuantitiesStopAtThePerLineLimit(VertxTestContext ctx) {
    String user = newUser();
    UUID product = fakes.product("popular", 500);
    guestCartWith(product, 8).compose(guest -> asUser(user, CartAddresses.ADD_ITEM, item(product, 5))
        .compose(v -> asUser(user, CartAddresses.MERGE, merge(guest))))
      .map(merged -> ctx.verify(() -> {
        assertThat(line(merged, product).getInteger("quantity")).isEqualTo(MAX_PER_LINE);
        assertThat(merged.getJsonObject("merge").getJsonArray("capped_product_ids")).containsExactly(product.toString());
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void productsBeyondTheLineCountLimitAreDroppedAndReported(VertxTestContext ctx) {
    String user = newUser();
    UUID a = fakes.product("a", 100);
    UUID b = fakes.product("b", 100);
    UUID c = fakes.product("c", 100);
    UUID d = fakes.product("d", 100);
    asUser(user, CartAddresses.ADD_ITEM, item(a, 1))
      .compose(v -> asUser(user, CartAddresses.ADD_ITEM, item(b, 1)))
      .compose(v -> guestCartWith(c, 1))
      .compose(guest -> asGuest(guest, CartAddresses.ADD_ITEM, item(d, 1))
        .compose(v -> asUser(user, CartAddresses.MERGE, merge(guest))))
      .map(merged -> ctx.verify(() -> {
        assertThat(merged.getJsonArray("items")).hasSize(MAX_LINES);
        assertThat(line(merged, c).getInteger("quantity")).isEqualTo(1);
        assertThat(merged.getJsonObject("merge").getJsonArray("dropped_product_ids")).containsExactly(d.toString());
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void mergeIntoAUserWithoutACartMakesTheGuestLinesTheUsersCart(VertxTestContext ctx) {
    String user = newUser();
    UUID product = fakes.product("first", 1_500);
    guestCartWith(product, 2)
      .compose(guest -> asUser(user, CartAddresses.MERGE, merge(guest)))
      .compose(merged -> {
        ctx.verify(() -> {
          assertThat(UUID.fromString(merged.getString("id"))).isNotNull();
          assertThat(line(merged, product).getInteger("quantity")).isEqualTo(2);
        });
        return asUser(user, CartAddresses.GET, new JsonObject())
          .map(read -> ctx.verify(() -> assertThat(read.getString("id")).isEqualTo(merged.getString("id"))));
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aMergeRetriedByTheSameUserChangesNothingAndAnotherUserCannotClaimTheGuestCart(VertxTestContext ctx) {
    String user = newUser();
    UUID product = fakes.product("retried", 1_000);
    guestCartWith(product, 2).compose(guest -> asUser(user, CartAddresses.MERGE, merge(guest))
        .compose(v -> asUser(user, CartAddresses.MERGE, merge(guest)))
        .map(retried -> ctx.verify(() -> assertThat(line(retried, product).getInteger("quantity")).isEqualTo(2)))
        .compose(v -> refusalCode(request(CartAddresses.MERGE, merge(guest), newUser(), null))))
      .map(code -> ctx.verify(() -> assertThat(code).isEqualTo(ErrorCode.NOT_FOUND)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aLineInBothCartsKeepsTheMoreRecentlySeenPrice(VertxTestContext ctx) {
    String user = newUser();
    UUID product = fakes.product("repriced", 10_000);
    asUser(user, CartAddresses.ADD_ITEM, item(product, 1))
      .compose(v -> {
        fakes.setPrice(product, 12_000);
        return guestCartWith(product, 1);
      })
      .compose(guest -> asUser(user, CartAddresses.MERGE, merge(guest)))
      .map(merged -> ctx.verify(() -> {
        JsonObject line = line(merged, product);
        assertThat(line.getJsonObject("seen_price")).isEqualTo(rub(12_000));
        assertThat(line.getBoolean("price_changed")).isFalse();
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void mergeNeedsAUserAndAGuestIdThatNamesAGuestCart(VertxTestContext ctx) {
    String owner = newUser();
    UUID product = fakes.product("owned", 1_000);
    asUser(owner, CartAddresses.ADD_ITEM, item(product, 1)).map(cart -> cart.getString("id"))
      .compose(userCartId -> guestCartWith(product, 1).compose(guest -> refusalCode(request(CartAddresses.MERGE, merge(guest), null, guest))
        .map(code -> ctx.verify(() -> assertThat(code).isEqualTo(ErrorCode.UNAUTHORIZED)))
        .compose(v -> {
          Future<Void> chain = Future.succeededFuture();
          for (String notAGuestCart : new String[] {userCartId, GuestCartIds.newId(), "short", guest + "x"}) {
            chain = chain.compose(w -> refusalCode(request(CartAddresses.MERGE, merge(notAGuestCart), newUser(), null))
              .map(code -> {
                ctx.verify(() -> assertThat(code).as(notAGuestCart).isEqualTo(ErrorCode.NOT_FOUND));
                return null;
              }));
          }
          return chain;
        })
        .compose(v -> refusal(request(CartAddresses.MERGE, new JsonObject(), newUser(), null)))
        .map(failure -> ctx.verify(() -> assertFieldError(failure, "guest_cart_id")))
        .compose(v -> asUser(owner, CartAddresses.GET, new JsonObject()))
        .map(read -> ctx.verify(() -> assertThat(read.getJsonArray("items")).hasSize(1)))
        .compose(v -> asGuest(guest, CartAddresses.GET, new JsonObject()))
        .map(read -> ctx.verify(() -> assertThat(read.getJsonArray("items")).hasSize(1)))))
      .onComplete(ctx.succeedingThenComplete());
  }
}
