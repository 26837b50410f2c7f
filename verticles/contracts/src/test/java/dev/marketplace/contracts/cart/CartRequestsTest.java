package dev.marketplace.contracts.cart;

import dev.marketplace.contracts.Money;

import dev.marketplace.contracts.bus.Codec;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.marketplace.contracts.bus.Refusals.errors;
import static org.assertj.core.api.Assertions.assertThat;

/** The cart's request codecs: the documented JSON both ways, and every malformed body refused field by field. */
class CartRequestsTest {
  private static final UUID PRODUCT = UUID.fromString("7f1f8a2e-1c7b-4d7e-9a55-0d6f1c2b3a4d");
  private static final CartLimits SMALL = new CartLimits(10, 2);

  @Test
  void anItemQuantityTravelsAsProductIdAndQuantityAndComesBackEqual() {
    CartRequests.ItemQuantity item = new CartRequests.ItemQuantity(PRODUCT, 3);
    JsonObject json = CartApi.ADD_ITEM.request().encode(item);

    assertThat(json).isEqualTo(new JsonObject().put("product_id", PRODUCT.toString()).put("quantity", 3));
    assertThat(CartApi.ADD_ITEM.request().decode(json)).isEqualTo(item);
    assertThat(CartApi.UPDATE_ITEM.request().decode(json)).isEqualTo(item);
  }

  @Test
  void aQuantityIsAnIntegerWithinTheConfiguredLimit() {
    Codec<CartRequests.ItemQuantity> codec = CartApi.addItemWithin(SMALL).request();
    for (Object bad : List.of(0, -1, 11, Long.MAX_VALUE, new BigInteger("100000000000000000000"))) {
      assertThat(errors(codec, new JsonObject().put("product_id", PRODUCT.toString()).put("quantity", bad)))
        .as("quantity " + bad).isEqualTo(Map.of("quantity", "must be between 1 and 10"));
    }
    for (Object bad : List.of(2.5, 3.0, 1e30, "3", true, new JsonObject())) {
      assertThat(errors(codec, new JsonObject().put("product_id", PRODUCT.toString()).put("quantity", bad)))
        .as("quantity " + bad).isEqualTo(Map.of("quantity", "must be an integer"));
    }
    assertThat(codec.decode(new JsonObject().put("product_id", PRODUCT.toString()).put("quantity", 10)).quantity()).isEqualTo(10);
    // the default limits are the cart's defaults (99 of a product)
    assertThat(errors(CartApi.ADD_ITEM.request(), new JsonObject().put("product_id", PRODUCT.toString()).put("quantity", 100)))
      .isEqualTo(Map.of("quantity", "must be between 1 and 99"));
  }

  @Test
  void anItemQuantityListsEveryMissingIllTypedAndUnknownFieldAtOnce() {
    assertThat(errors(CartApi.UPDATE_ITEM.request(), new JsonObject()))
      .isEqualTo(Map.of("product_id", "is required", "quantity", "is required"));
    assertThat(errors(CartApi.UPDATE_ITEM.request(), new JsonObject().put("product_id", "not-a-uuid").put("quantity", 0).put("price", 1)))
      .isEqualTo(Map.of("price", "is not a known field", "product_id", "must be a UUID", "quantity", "must be between 1 and 99"));
    assertThat(errors(CartApi.UPDATE_ITEM.request(), new JsonObject().put("product_id", 42).put("quantity", 1)))
      .isEqualTo(Map.of("product_id", "must be a UUID"));
  }

  @Test
  void aProductRefAndAMergeRoundTripAndRefuseWhatIsNotTheirs() {
    CartRequests.ProductRef ref = new CartRequests.ProductRef(PRODUCT);
    assertThat(CartApi.REMOVE_ITEM.request().encode(ref)).isEqualTo(new JsonObject().put("product_id", PRODUCT.toString()));
    assertThat(CartApi.REMOVE_ITEM.request().decode(CartApi.REMOVE_ITEM.request().encode(ref))).isEqualTo(ref);
    assertThat(errors(CartApi.REMOVE_ITEM.request(), new JsonObject().put("product_id", "x").put("quantity", 1)))
      .isEqualTo(Map.of("product_id", "must be a UUID", "quantity", "is not a known field"));

    CartRequests.Merge merge = new CartRequests.Merge("gUeSt_cart-id_0123456789abcdefghijklmnopqrs");
    assertThat(CartApi.MERGE.request().encode(merge)).isEqualTo(new JsonObject().put("guest_cart_id", merge.guestCartId()));
    assertThat(CartApi.MERGE.request().decode(CartApi.MERGE.request().encode(merge))).isEqualTo(merge);
    assertThat(errors(CartApi.MERGE.request(), new JsonObject())).isEqualTo(Map.of("guest_cart_id", "is required"));
    assertThat(errors(CartApi.MERGE.request(), new JsonObject().put("guest_cart_id", 7).put("user_id", "u2")))
      .isEqualTo(Map.of("guest_cart_id", "must be a string", "user_id", "is not a known field"));
    assertThat(errors(CartApi.MERGE.request(), new JsonObject().put("guest_cart_id", "x".repeat(129))))
      .isEqualTo(Map.of("guest_cart_id", "must be at most 128 characters"));
  }

  @Test
  void theCartReadTakesNoFields() {
    assertThat(CartApi.GET.request().encode(null)).isEqualTo(new JsonObject());
    assertThat(CartApi.GET.request().decode(new JsonObject())).isNull();
    assertThat(errors(CartApi.GET.request(), new JsonObject().put("user_id", "someone"))).isEqualTo(Map.of("user_id", "is not a known field"));
  }

  @Test
  void acceptedPricesRoundTripAndAMalformedListIsRefusedItemByItem() {
    CartRequests.AcceptPrices prices = new CartRequests.AcceptPrices(List.of(
      new CartRequests.AcceptPrices.Accepted(PRODUCT, Money.rub(1_000))));
    JsonObject json = CartApi.ACCEPT_PRICES.request().encode(prices);
    assertThat(json).isEqualTo(new JsonObject().put("items", new JsonArray().add(new JsonObject().put("product_id", PRODUCT.toString())
      .put("price", new JsonObject().put("amount", 1_000).put("currency", "RUB")))));
    assertThat(CartApi.ACCEPT_PRICES.request().decode(json)).isEqualTo(prices);

    Codec<CartRequests.AcceptPrices> codec = CartApi.acceptPricesWithin(SMALL).request();
    JsonObject good = json.getJsonArray("items").getJsonObject(0);
    String listMessage = "must be a list of 1 to 2 {product_id, price} objects";
    assertThat(errors(codec, new JsonObject())).isEqualTo(Map.of("items", listMessage));
    assertThat(errors(codec, new JsonObject().put("items", new JsonArray()))).isEqualTo(Map.of("items", listMessage));
    assertThat(errors(codec, new JsonObject().put("items", new JsonArray().add(good).add(good).add(good)))).isEqualTo(Map.of("items", listMessage));
    assertThat(errors(codec, new JsonObject().put("items", new JsonArray().add(good).add(good))))
      .isEqualTo(Map.of("items[1].product_id", "is listed twice"));
    assertThat(errors(codec, new JsonObject().put("items", new JsonArray().add("x").add(new JsonObject().put("seen", 1))).put("extra", 1)))
      .isEqualTo(Map.of("extra", "is not a known field", "items[0]", "must be an object", "items[1].seen", "is not a known field",
        "items[1].product_id", "is required", "items[1].price", "is required"));
    assertThat(errors(codec, new JsonObject().put("items", new JsonArray().add(good.copy()
      .put("price", new JsonObject().put("amount", 1.5).put("currency", "rub"))))))
      .isEqualTo(Map.of("items[0].price.amount", "must be an integer", "items[0].price.currency", "must be an ISO 4217 code such as RUB"));
  }

  @Test
  void theLimitsAreReadFromTheCartsConfigSection() {
    assertThat(CartLimits.from(new JsonObject())).isEqualTo(CartLimits.DEFAULT);
    assertThat(CartLimits.from(null)).isEqualTo(new CartLimits(99, 100));
    assertThat(CartLimits.from(new JsonObject().put("max_quantity_per_line", 10).put("max_lines", 3))).isEqualTo(new CartLimits(10, 3));
  }
}
