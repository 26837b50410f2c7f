package dev.marketplace.cart;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.cart.CartAddresses;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The full life of a guest cart and of a user cart, and how reads show catalog and inventory data. */
class CartLifecycleTest extends CartTestBase {

  @Test
  void guestCartIsIssuedOnFirstWriteAndLivesThroughEditsUnderItsId(VertxTestContext ctx) {
    UUID tea = fakes.product("tea", 25_000);
    UUID mug = fakes.product("mug", 49_900);

    asGuest(null, CartAddresses.GET, new JsonObject())
      .map(none -> ctx.verify(() -> {
        assertThat(none.getString("id")).isNull();
        assertThat(none.getString("kind")).isEqualTo("guest");
        assertThat(none.getJsonArray("items")).isEmpty();
        assertThat(none.getJsonObject("total")).isEqualTo(rub(0));
      }))
      .compose(v -> asGuest(null, CartAddresses.ADD_ITEM, item(tea, 2)))
      .compose(created -> {
        String cartId = created.getString("id");
        ctx.verify(() -> {
          assertThat(created.getBoolean("created")).isTrue();
          assertThat(cartId).matches("[A-Za-z0-9_-]{43}");
        });
        return asGuest(cartId, CartAddresses.GET, new JsonObject())
          .map(read -> ctx.verify(() -> {
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
          }))
          .compose(v -> asGuest(cartId, CartAddresses.ADD_ITEM, item(tea, 3)))
          .map(again -> ctx.verify(() -> {
            assertThat(again.getString("id")).isEqualTo(cartId);
            assertThat(again.containsKey("created")).isFalse();
            assertThat(line(again, tea).getInteger("quantity")).isEqualTo(5);
          }))
          .compose(v -> asGuest(cartId, CartAddresses.ADD_ITEM, item(mug, 1)))
          .compose(v -> asGuest(cartId, CartAddresses.UPDATE_ITEM, item(tea, 7)))
          .map(patched -> ctx.verify(() -> {
            assertThat(line(patched, tea).getInteger("quantity")).isEqualTo(7);
            assertThat(patched.getLong("item_count")).isEqualTo(8L);
            assertThat(patched.getJsonObject("total")).isEqualTo(rub(7 * 25_000 + 49_900));
          }))
          .compose(v -> asGuest(cartId, CartAddresses.REMOVE_ITEM, productId(mug)))
          .map(withoutMug -> ctx.verify(() -> assertThat(withoutMug.getJsonArray("items")).hasSize(1)))
          .compose(v -> asGuest(cartId, CartAddresses.REMOVE_ITEM, productId(tea)))
          .map(empty -> ctx.verify(() -> {
            assertThat(empty.getJsonArray("items")).isEmpty();
            assertThat(empty.getString("id")).isEqualTo(cartId);
          }))
          .compose(v -> asGuest(cartId, CartAddresses.GET, new JsonObject()))
          .map(read -> ctx.verify(() -> assertThat(read.getJsonArray("items")).isEmpty()));
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void userCartIsCreatedOnFirstWriteAndKeepsOneIdForTheUser(VertxTestContext ctx) {
    String user = newUser();
    UUID book = fakes.product("book", 70_000);
    UUID pen = fakes.product("pen", 3_000);

    asUser(user, CartAddresses.GET, new JsonObject())
      .map(none -> ctx.verify(() -> {
        assertThat(none.getString("id")).isNull();
        assertThat(none.getString("kind")).isEqualTo("user");
      }))
      .compose(v -> asUser(user, CartAddresses.ADD_ITEM, item(book, 1)))
      .compose(created -> {
        String cartId = created.getString("id");
        ctx.verify(() -> {
          assertThat(created.getBoolean("created")).isTrue();
          assertThat(UUID.fromString(cartId)).isNotNull();
        });
        return asUser(user, CartAddresses.ADD_ITEM, item(pen, 4))
          .map(second -> ctx.verify(() -> {
            assertThat(second.getString("id")).isEqualTo(cartId);
            assertThat(second.containsKey("created")).isFalse();
            assertThat(second.getJsonArray("items")).hasSize(2);
            assertThat(second.getJsonObject("total")).isEqualTo(rub(70_000 + 4 * 3_000));
          }))
          .compose(v -> asUser(user, CartAddresses.UPDATE_ITEM, item(pen, 1)))
          .compose(v -> asUser(user, CartAddresses.REMOVE_ITEM, productId(book)))
          .compose(v -> asUser(user, CartAddresses.GET, new JsonObject()))
          .map(read -> ctx.verify(() -> {
            assertThat(read.getString("id")).isEqualTo(cartId);
            assertThat(read.getJsonArray("items")).hasSize(1);
            assertThat(line(read, pen).getInteger("quantity")).isEqualTo(1);
          }));
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void readShowsLinesWithoutAvailabilityWhenInventoryDoesNotAnswer(VertxTestContext ctx) {
    String user = newUser();
    UUID lamp = fakes.product("lamp", 99_000);
    asUser(user, CartAddresses.ADD_ITEM, item(lamp, 1))
      .compose(v -> {
        fakes.inventoryAnswers = false;
        return asUser(user, CartAddresses.GET, new JsonObject());
      })
      .map(read -> ctx.verify(() -> {
        JsonObject lampLine = line(read, lamp);
        assertThat(lampLine.getValue("available")).isNull();
        assertThat(lampLine.getJsonObject("price")).isEqualTo(rub(99_000));
        assertThat(read.getJsonObject("total")).isEqualTo(rub(99_000));
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void productsDeletedOrForgottenByTheCatalogStayFlaggedOutOfTheTotalAndCanBeRemoved(VertxTestContext ctx) {
    String user = newUser();
    UUID kept = fakes.product("kept", 1_000);
    UUID deleted = fakes.product("deleted", 2_000);
    UUID forgotten = fakes.product("forgotten", 3_000);
    asUser(user, CartAddresses.ADD_ITEM, item(kept, 1))
      .compose(v -> asUser(user, CartAddresses.ADD_ITEM, item(deleted, 1)))
      .compose(v -> asUser(user, CartAddresses.ADD_ITEM, item(forgotten, 1)))
      .compose(v -> {
        fakes.delete(deleted);
        fakes.forget(forgotten);
        return asUser(user, CartAddresses.GET, new JsonObject());
      })
      .map(read -> ctx.verify(() -> {
        assertThat(read.getJsonObject("total")).isEqualTo(rub(1_000));
        for (UUID gone : new UUID[] {deleted, forgotten}) {
          JsonObject goneLine = line(read, gone);
          assertThat(goneLine.getBoolean("deleted")).isTrue();
          assertThat(goneLine.getValue("price")).isNull();
          assertThat(goneLine.getValue("line_total")).isNull();
          assertThat(goneLine.getBoolean("price_changed")).isFalse();
        }
        assertThat(line(read, forgotten).getString("title")).isEqualTo("forgotten");
      }))
      .compose(v -> asUser(user, CartAddresses.REMOVE_ITEM, productId(deleted)))
      .map(cleaned -> ctx.verify(() -> assertThat(cleaned.getJsonArray("items")).hasSize(2)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void withoutTheCatalogReadsAndWritesFailAsATimeoutAndChangeNothing(VertxTestContext ctx) {
    String user = newUser();
    UUID product = fakes.product("priced", 1_000);
    asUser(user, CartAddresses.ADD_ITEM, item(product, 1)).map(cart -> cart.getString("id"))
      .compose(cartId -> {
        fakes.catalogAnswers = false;
        return refusalCode(request(CartAddresses.GET, new JsonObject(), user, null))
          .map(code -> ctx.verify(() -> assertThat(code).isEqualTo(ErrorCode.TIMEOUT)))
          .compose(v -> refusalCode(request(CartAddresses.ADD_ITEM, item(product, 1), user, null)))
          .map(code -> ctx.verify(() -> assertThat(code).isEqualTo(ErrorCode.TIMEOUT)))
          .compose(v -> refusalCode(request(CartAddresses.CHECKOUT_VIEW, new JsonObject().put("cart_id", cartId).put("user_id", user), null, null)))
          .map(code -> ctx.verify(() -> assertThat(code).isEqualTo(ErrorCode.TIMEOUT)));
      })
      .compose(v -> {
        fakes.catalogAnswers = true;
        return asUser(user, CartAddresses.GET, new JsonObject());
      })
      .map(read -> ctx.verify(() -> assertThat(line(read, product).getInteger("quantity")).isEqualTo(1)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aFailedFirstWriteCreatesNoCart(VertxTestContext ctx) {
    String user = newUser();

    refusalCode(request(CartAddresses.ADD_ITEM, item(UUID.randomUUID(), 1), user, null))
      .map(code -> ctx.verify(() -> assertThat(code).isEqualTo(ErrorCode.NOT_FOUND)))
      .compose(v -> asUser(user, CartAddresses.GET, new JsonObject()))
      .map(read -> ctx.verify(() -> assertThat(read.getString("id")).isNull()))
      .onComplete(ctx.succeedingThenComplete());
  }
}
