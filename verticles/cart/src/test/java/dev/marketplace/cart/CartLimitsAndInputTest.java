package dev.marketplace.cart;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.cart.CartAddresses;
import dev.marketplace.platform.testing.InOrder;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad input and the cart's limits (10 per line, 3 lines here) are clear coded failures that change nothing. */
class CartLimitsAndInputTest extends CartTestBase {

  /** Quantities no cart line may hold: zero, negative, fractional, huge, not numbers. */
  private static List<Object> badQuantities() {
    List<Object> bad = new ArrayList<>();
    bad.add(0);
    bad.add(-1);
    bad.add(2.5);
    bad.add(3.0);
    bad.add(1e30);
    bad.add(new BigInteger("100000000000000000000"));
    bad.add(Long.MAX_VALUE);
    bad.add(MAX_PER_LINE + 1);
    bad.add("3");
    bad.add(true);
    bad.add(new JsonObject());
    return bad;
  }

  /** The refusals of {@code address} for every bad quantity, asked one after another. */
  private static Future<List<ServiceFailure>> refusalsOfBadQuantities(String address, UUID product, String userId, String guestId) {
    List<Supplier<Future<ServiceFailure>>> attempts = new ArrayList<>();
    for (Object quantity : badQuantities()) {
      attempts.add(() -> refusal(request(address, item(product, quantity), userId, guestId)));
    }
    return InOrder.run(attempts);
  }

  /** Expects a field error on {@code field} for a request that must fail. */
  private static Future<Void> fieldError(VertxTestContext ctx, Future<JsonObject> request, String field) {
    return refusal(request).map(failure -> {
      ctx.verify(() -> assertFieldError(failure, field));
      return null;
    });
  }

  @Test
  void addRefusesEveryBadQuantityAsAFieldErrorAndCreatesNothing(VertxTestContext ctx) {
    String user = newUser();
    UUID product = fakes.product("any", 1_000);
    refusalsOfBadQuantities(CartAddresses.ADD_ITEM, product, user, null)
      .map(failures -> ctx.verify(() -> failures.forEach(failure -> assertFieldError(failure, "quantity"))))
      .compose(v -> fieldError(ctx, request(CartAddresses.ADD_ITEM, productId(product), user, null), "quantity"))
      .compose(v -> asUser(user, CartAddresses.GET, new JsonObject()))
      .map(read -> ctx.verify(() -> assertThat(read.getString("id")).isNull()))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void updateRefusesEveryBadQuantityAndKeepsTheLine(VertxTestContext ctx) {
    UUID product = fakes.product("kept", 1_000);
    asGuest(null, CartAddresses.ADD_ITEM, item(product, 2)).map(cart -> cart.getString("id"))
      .compose(guest -> refusalsOfBadQuantities(CartAddresses.UPDATE_ITEM, product, null, guest)
        .map(failures -> ctx.verify(() -> failures.forEach(failure -> assertFieldError(failure, "quantity"))))
        .compose(v -> asGuest(guest, CartAddresses.GET, new JsonObject())))
      .map(read -> ctx.verify(() -> assertThat(line(read, product).getInteger("quantity")).isEqualTo(2)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void addingBeyondThePerLineLimitIsRefusedAndTheLineKeepsItsQuantity(VertxTestContext ctx) {
    String user = newUser();
    UUID product = fakes.product("limited", 1_000);
    asUser(user, CartAddresses.ADD_ITEM, item(product, 6))
      .compose(v -> fieldError(ctx, request(CartAddresses.ADD_ITEM, item(product, 5), user, null), "quantity"))
      .compose(v -> asUser(user, CartAddresses.GET, new JsonObject()))
      .map(read -> ctx.verify(() -> assertThat(line(read, product).getInteger("quantity")).isEqualTo(6)))
      .compose(v -> asUser(user, CartAddresses.ADD_ITEM, item(product, 4)))
      .map(full -> ctx.verify(() -> assertThat(line(full, product).getInteger("quantity")).isEqualTo(MAX_PER_LINE)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aFullCartRefusesAnotherProductWithConflictButStillTakesMoreOfOneItHas(VertxTestContext ctx) {
    String user = newUser();
    List<UUID> products = new ArrayList<>();
    Future<Void> filled = Future.succeededFuture();
    for (int i = 0; i < MAX_LINES; i++) {
      UUID product = fakes.product("p" + i, 100);
      products.add(product);
      filled = filled.compose(v -> asUser(user, CartAddresses.ADD_ITEM, item(product, 1)).mapEmpty());
    }
    UUID oneTooMany = fakes.product("one-too-many", 100);

    filled
      .compose(v -> refusal(request(CartAddresses.ADD_ITEM, item(oneTooMany, 1), user, null)))
      .map(failure -> ctx.verify(() -> {
        assertThat(failure.code()).isEqualTo(ErrorCode.CONFLICT);
        assertThat(failure.extra().getInteger("max_lines")).isEqualTo(MAX_LINES);
      }))
      .compose(v -> asUser(user, CartAddresses.GET, new JsonObject()))
      .map(read -> ctx.verify(() -> assertThat(read.getJsonArray("items")).hasSize(MAX_LINES)))
      .compose(v -> asUser(user, CartAddresses.ADD_ITEM, item(products.get(0), 1)))
      .map(more -> ctx.verify(() -> assertThat(line(more, products.get(0)).getInteger("quantity")).isEqualTo(2)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void unknownDeletedAndForeignCurrencyProductsAreRefused(VertxTestContext ctx) {
    String user = newUser();
    UUID deleted = fakes.product("deleted", 1_000);
    fakes.delete(deleted);
    UUID dollars = fakes.product("dollars", 1_000);
    fakes.setPrice(dollars, 1_000, "USD");

    InOrder.run(
        () -> refusal(request(CartAddresses.ADD_ITEM, item(UUID.randomUUID(), 1), user, null)),
        () -> refusal(request(CartAddresses.ADD_ITEM, item(deleted, 1), user, null)),
        () -> refusal(request(CartAddresses.ADD_ITEM, item(dollars, 1), user, null)))
      .map(failures -> ctx.verify(() -> {
        ServiceFailure unknown = failures.get(0);
        ServiceFailure gone = failures.get(1);
        ServiceFailure foreign = failures.get(2);
        assertThat(unknown.code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(gone.code()).isEqualTo(ErrorCode.ILLEGAL_STATE);
        assertThat(gone.extra().getString("product_id")).isEqualTo(deleted.toString());
        assertThat(foreign.code()).isEqualTo(ErrorCode.ILLEGAL_STATE);
      }))
      .compose(v -> asUser(user, CartAddresses.GET, new JsonObject()))
      .map(read -> ctx.verify(() -> assertThat(read.getString("id")).isNull()))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void malformedIdsAndUnknownFieldsAreFieldErrors(VertxTestContext ctx) {
    String user = newUser();
    UUID product = fakes.product("real", 1_000);
    asUser(user, CartAddresses.ADD_ITEM, item(product, 1))
      .compose(v -> fieldError(ctx, request(CartAddresses.ADD_ITEM, item(product, 1).put("product_id", "not-a-uuid"), user, null), "product_id"))
      .compose(v -> fieldError(ctx, request(CartAddresses.ADD_ITEM, item(product, 1).put("product_id", 42), user, null), "product_id"))
      .compose(v -> fieldError(ctx, request(CartAddresses.ADD_ITEM, new JsonObject().put("quantity", 1), user, null), "product_id"))
      .compose(v -> fieldError(ctx, request(CartAddresses.ADD_ITEM, item(product, 1).put("price", 1), user, null), "price"))
      .compose(v -> fieldError(ctx, request(CartAddresses.UPDATE_ITEM, item(product, 1).put("seen_price", rub(1)), user, null), "seen_price"))
      .compose(v -> fieldError(ctx, request(CartAddresses.REMOVE_ITEM, new JsonObject().put("product_id", "x"), user, null), "product_id"))
      .compose(v -> fieldError(ctx, request(CartAddresses.GET, new JsonObject().put("user_id", "someone"), user, null), "user_id"))
      .compose(v -> asUser(user, CartAddresses.GET, new JsonObject()))
      .map(read -> ctx.verify(() -> assertThat(line(read, product).getInteger("quantity")).isEqualTo(1)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void editingAProductThatIsNotInTheCartIsNotFound(VertxTestContext ctx) {
    String user = newUser();
    UUID inCart = fakes.product("in", 1_000);
    UUID notInCart = fakes.product("out", 1_000);

    refusalCode(request(CartAddresses.UPDATE_ITEM, item(inCart, 1), user, null))
      .map(code -> ctx.verify(() -> assertThat(code).isEqualTo(ErrorCode.NOT_FOUND)))
      .compose(v -> refusalCode(request(CartAddresses.REMOVE_ITEM, productId(inCart), null, null)))
      .map(code -> ctx.verify(() -> assertThat(code).isEqualTo(ErrorCode.NOT_FOUND)))
      .compose(v -> asUser(user, CartAddresses.ADD_ITEM, item(inCart, 1)))
      .compose(v -> refusal(request(CartAddresses.UPDATE_ITEM, item(notInCart, 1), user, null)))
      .map(update -> ctx.verify(() -> {
        assertThat(update.code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(update.extra().getString("product_id")).isEqualTo(notInCart.toString());
      }))
      .compose(v -> refusalCode(request(CartAddresses.REMOVE_ITEM, productId(notInCart), user, null)))
      .map(code -> ctx.verify(() -> assertThat(code).isEqualTo(ErrorCode.NOT_FOUND)))
      .compose(v -> refusalCode(request(CartAddresses.ACCEPT_PRICES, new JsonObject().put("items", new JsonArray()
        .add(new JsonObject().put("product_id", notInCart.toString()).put("price", rub(1_000)))), user, null)))
      .map(code -> ctx.verify(() -> assertThat(code).isEqualTo(ErrorCode.NOT_FOUND)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void acceptPricesRefusesMalformedLists(VertxTestContext ctx) {
    String user = newUser();
    UUID product = fakes.product("listed", 1_000);
    JsonObject good = new JsonObject().put("product_id", product.toString()).put("price", rub(1_000));

    asUser(user, CartAddresses.ADD_ITEM, item(product, 1))
      .compose(v -> fieldError(ctx, request(CartAddresses.ACCEPT_PRICES, new JsonObject(), user, null), "items"))
      .compose(v -> fieldError(ctx, request(CartAddresses.ACCEPT_PRICES, new JsonObject().put("items", new JsonArray()), user, null), "items"))
      .compose(v -> fieldError(ctx, request(CartAddresses.ACCEPT_PRICES, new JsonObject().put("items", new JsonArray().add(good).add(good)), user, null),
        "items[1].product_id"))
      .compose(v -> fieldError(ctx, request(CartAddresses.ACCEPT_PRICES, new JsonObject().put("items", new JsonArray().add("x")), user, null), "items[0]"))
      .compose(v -> fieldError(ctx, request(CartAddresses.ACCEPT_PRICES, new JsonObject().put("items", new JsonArray()
        .add(good.copy().put("price", new JsonObject().put("amount", 1.5).put("currency", "RUB")))), user, null), "items[0].price.amount"))
      .onComplete(ctx.succeedingThenComplete());
  }
}
