package dev.marketplace.cart;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.cart.CartAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

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

  @Test
  void addRefusesEveryBadQuantityAsAFieldErrorAndCreatesNothing() throws Exception {
    String user = newUser();
    UUID product = fakes.product("any", 1_000);
    for (Object quantity : badQuantities()) {
      ServiceFailure failure = failure(request(CartAddresses.ADD_ITEM, item(product, quantity), user, null));
      assertFieldError(failure, "quantity");
    }
    assertFieldError(failure(request(CartAddresses.ADD_ITEM, productId(product), user, null)), "quantity");
    assertThat(asUser(user, CartAddresses.GET, new JsonObject()).getString("id")).isNull();
  }

  @Test
  void updateRefusesEveryBadQuantityAndKeepsTheLine() throws Exception {
    UUID product = fakes.product("kept", 1_000);
    String guest = asGuest(null, CartAddresses.ADD_ITEM, item(product, 2)).getString("id");
    for (Object quantity : badQuantities()) {
      assertFieldError(failure(request(CartAddresses.UPDATE_ITEM, item(product, quantity), null, guest)), "quantity");
    }
    assertThat(line(asGuest(guest, CartAddresses.GET, new JsonObject()), product).getInteger("quantity")).isEqualTo(2);
  }

  @Test
  void addingBeyondThePerLineLimitIsRefusedAndTheLineKeepsItsQuantity() throws Exception {
    String user = newUser();
    UUID product = fakes.product("limited", 1_000);
    asUser(user, CartAddresses.ADD_ITEM, item(product, 6));

    ServiceFailure failure = failure(request(CartAddresses.ADD_ITEM, item(product, 5), user, null));

    assertFieldError(failure, "quantity");
    assertThat(line(asUser(user, CartAddresses.GET, new JsonObject()), product).getInteger("quantity")).isEqualTo(6);
    assertThat(line(asUser(user, CartAddresses.ADD_ITEM, item(product, 4)), product).getInteger("quantity")).isEqualTo(MAX_PER_LINE);
  }

  @Test
  void aFullCartRefusesAnotherProductWithConflictButStillTakesMoreOfOneItHas() throws Exception {
    String user = newUser();
    List<UUID> products = new ArrayList<>();
    for (int i = 0; i < MAX_LINES; i++) {
      products.add(fakes.product("p" + i, 100));
      asUser(user, CartAddresses.ADD_ITEM, item(products.get(i), 1));
    }

    ServiceFailure failure = failure(request(CartAddresses.ADD_ITEM, item(fakes.product("one-too-many", 100), 1), user, null));

    assertThat(failure.code()).isEqualTo(ErrorCode.CONFLICT);
    assertThat(failure.extra().getInteger("max_lines")).isEqualTo(MAX_LINES);
    assertThat(asUser(user, CartAddresses.GET, new JsonObject()).getJsonArray("items")).hasSize(MAX_LINES);
    assertThat(line(asUser(user, CartAddresses.ADD_ITEM, item(products.get(0), 1)), products.get(0)).getInteger("quantity")).isEqualTo(2);
  }

  @Test
  void unknownDeletedAndForeignCurrencyProductsAreRefused() throws Exception {
    String user = newUser();
    UUID deleted = fakes.product("deleted", 1_000);
    fakes.delete(deleted);
    UUID dollars = fakes.product("dollars", 1_000);
    fakes.setPrice(dollars, 1_000, "USD");

    ServiceFailure unknown = failure(request(CartAddresses.ADD_ITEM, item(UUID.randomUUID(), 1), user, null));
    ServiceFailure gone = failure(request(CartAddresses.ADD_ITEM, item(deleted, 1), user, null));
    ServiceFailure foreign = failure(request(CartAddresses.ADD_ITEM, item(dollars, 1), user, null));

    assertThat(unknown.code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(gone.code()).isEqualTo(ErrorCode.ILLEGAL_STATE);
    assertThat(gone.extra().getString("product_id")).isEqualTo(deleted.toString());
    assertThat(foreign.code()).isEqualTo(ErrorCode.ILLEGAL_STATE);
    assertThat(asUser(user, CartAddresses.GET, new JsonObject()).getString("id")).isNull();
  }

  @Test
  void malformedIdsAndUnknownFieldsAreFieldErrors() throws Exception {
    String user = newUser();
    UUID product = fakes.product("real", 1_000);
    asUser(user, CartAddresses.ADD_ITEM, item(product, 1));

    assertFieldError(failure(request(CartAddresses.ADD_ITEM, item(product, 1).put("product_id", "not-a-uuid"), user, null)), "product_id");
    assertFieldError(failure(request(CartAddresses.ADD_ITEM, item(product, 1).put("product_id", 42), user, null)), "product_id");
    assertFieldError(failure(request(CartAddresses.ADD_ITEM, new JsonObject().put("quantity", 1), user, null)), "product_id");
    assertFieldError(failure(request(CartAddresses.ADD_ITEM, item(product, 1).put("price", 1), user, null)), "price");
    assertFieldError(failure(request(CartAddresses.UPDATE_ITEM, item(product, 1).put("seen_price", rub(1)), user, null)), "seen_price");
    assertFieldError(failure(request(CartAddresses.REMOVE_ITEM, new JsonObject().put("product_id", "x"), user, null)), "product_id");
    assertFieldError(failure(request(CartAddresses.GET, new JsonObject().put("user_id", "someone"), user, null)), "user_id");
    assertThat(line(asUser(user, CartAddresses.GET, new JsonObject()), product).getInteger("quantity")).isEqualTo(1);
  }

  @Test
  void editingAProductThatIsNotInTheCartIsNotFound() throws Exception {
    String user = newUser();
    UUID inCart = fakes.product("in", 1_000);
    UUID notInCart = fakes.product("out", 1_000);

    assertThat(failure(request(CartAddresses.UPDATE_ITEM, item(inCart, 1), user, null)).code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(failure(request(CartAddresses.REMOVE_ITEM, productId(inCart), null, null)).code()).isEqualTo(ErrorCode.NOT_FOUND);

    asUser(user, CartAddresses.ADD_ITEM, item(inCart, 1));
    ServiceFailure update = failure(request(CartAddresses.UPDATE_ITEM, item(notInCart, 1), user, null));
    assertThat(update.code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(update.extra().getString("product_id")).isEqualTo(notInCart.toString());
    assertThat(failure(request(CartAddresses.REMOVE_ITEM, productId(notInCart), user, null)).code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(failure(request(CartAddresses.ACCEPT_PRICES, new JsonObject().put("items", new JsonArray()
      .add(new JsonObject().put("product_id", notInCart.toString()).put("price", rub(1_000)))), user, null)).code())
      .isEqualTo(ErrorCode.NOT_FOUND);
  }

  @Test
  void acceptPricesRefusesMalformedLists() throws Exception {
    String user = newUser();
    UUID product = fakes.product("listed", 1_000);
    asUser(user, CartAddresses.ADD_ITEM, item(product, 1));
    JsonObject good = new JsonObject().put("product_id", product.toString()).put("price", rub(1_000));

    assertFieldError(failure(request(CartAddresses.ACCEPT_PRICES, new JsonObject(), user, null)), "items");
    assertFieldError(failure(request(CartAddresses.ACCEPT_PRICES, new JsonObject().put("items", new JsonArray()), user, null)), "items");
    assertFieldError(failure(request(CartAddresses.ACCEPT_PRICES, new JsonObject().put("items", new JsonArray().add(good).add(good)), user, null)),
      "items[1].product_id");
    assertFieldError(failure(request(CartAddresses.ACCEPT_PRICES, new JsonObject().put("items", new JsonArray().add("x")), user, null)), "items[0]");
    assertFieldError(failure(request(CartAddresses.ACCEPT_PRICES, new JsonObject().put("items", new JsonArray()
      .add(good.copy().put("price", new JsonObject().put("amount", 1.5).put("currency", "RUB")))), user, null)), "items[0].price.amount");
  }
}
