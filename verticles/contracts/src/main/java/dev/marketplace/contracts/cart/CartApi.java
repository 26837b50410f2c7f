package dev.marketplace.contracts.cart;

import dev.marketplace.contracts.Money;
import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.bus.Invoker;
import dev.marketplace.contracts.bus.Operation;
import dev.marketplace.contracts.json.Json;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.UUID;

/**
 * The cart component's operations, typed (what each one means: {@link CartAddresses}).
 * {@code CartApi.over(client)} is the client; cart registers its handlers from the same
 * {@link Operation}s. The caller, a guest's {@link CartAddresses#GUEST_CART_HEADER} and the
 * request id travel as headers, not in the records.
 *
 * <p>The buyer's operations behind the gateway's {@code /cart} routes take records whose decoding
 * is the cart's whole reading of the body; the quantity and list limits are the cart's config
 * ({@link CartLimits}), so the cart serves them with the codecs of {@link #addItemWithin(CartLimits)} etc.
 * (the constants carry the default limits) and the gateway decodes an HTTP body with the same
 * ones. They answer the cart view the gateway shows as it is ({@code created} and {@code merge}
 * added where the addresses say so): a document, not a record.
 */
public interface CartApi extends Invoker {

  /** {@code {}} (strictly: any field is refused) → the cart view. */
  Operation<Void, JsonObject> GET = Operation.of(CartAddresses.GET, Codec.NO_FIELDS, Codec.DOCUMENT);
  /** {@code {product_id, quantity}} → the cart view (+ {@code created}). */
  Operation<CartRequests.ItemQuantity, JsonObject> ADD_ITEM = addItemWithin(CartLimits.DEFAULT);
  /** {@code {product_id, quantity}} → the cart view. */
  Operation<CartRequests.ItemQuantity, JsonObject> UPDATE_ITEM = updateItemWithin(CartLimits.DEFAULT);
  /** {@code {product_id}} → the cart view. */
  Operation<CartRequests.ProductRef, JsonObject> REMOVE_ITEM =
    Operation.of(CartAddresses.REMOVE_ITEM, CartRequests.ProductRef.CODEC, Codec.DOCUMENT);
  /** {@code {items:[{product_id, price}]}} → the cart view. */
  Operation<CartRequests.AcceptPrices, JsonObject> ACCEPT_PRICES = acceptPricesWithin(CartLimits.DEFAULT);
  /** {@code {guest_cart_id}} → the user's cart view + {@code merge}. */
  Operation<CartRequests.Merge, JsonObject> MERGE = Operation.of(CartAddresses.MERGE, CartRequests.Merge.CODEC, Codec.DOCUMENT);

  Operation<CartOfUser, CheckoutView> CHECKOUT_VIEW = Operation.of(CartAddresses.CHECKOUT_VIEW, CartOfUser.CODEC, CheckoutView.CODEC);
  Operation<Clear, Void> CLEAR = Operation.of(CartAddresses.CLEAR, Clear.CODEC, Codec.EMPTY);

  /** {@link #ADD_ITEM} with the quantity limit of a cart configured with {@code limits}. */
  static Operation<CartRequests.ItemQuantity, JsonObject> addItemWithin(CartLimits limits) {
    return Operation.of(CartAddresses.ADD_ITEM, CartRequests.ItemQuantity.codec(limits), Codec.DOCUMENT);
  }

  /** {@link #UPDATE_ITEM} with the quantity limit of a cart configured with {@code limits}. */
  static Operation<CartRequests.ItemQuantity, JsonObject> updateItemWithin(CartLimits limits) {
    return Operation.of(CartAddresses.UPDATE_ITEM, CartRequests.ItemQuantity.codec(limits), Codec.DOCUMENT);
  }

  /** {@link #ACCEPT_PRICES} with the list limit of a cart configured with {@code limits}. */
  static Operation<CartRequests.AcceptPrices, JsonObject> acceptPricesWithin(CartLimits limits) {
    return Operation.of(CartAddresses.ACCEPT_PRICES, CartRequests.AcceptPrices.codec(limits), Codec.DOCUMENT);
  }

  static CartApi over(Invoker bus) {
    return bus::call;
  }

  default Future<JsonObject> get() {
    return call(GET, null);
  }

  default Future<JsonObject> addItem(CartRequests.ItemQuantity item) {
    return call(ADD_ITEM, item);
  }

  default Future<JsonObject> updateItem(CartRequests.ItemQuantity item) {
    return call(UPDATE_ITEM, item);
  }

  default Future<JsonObject> removeItem(CartRequests.ProductRef item) {
    return call(REMOVE_ITEM, item);
  }

  default Future<JsonObject> acceptPrices(CartRequests.AcceptPrices prices) {
    return call(ACCEPT_PRICES, prices);
  }

  default Future<JsonObject> merge(CartRequests.Merge request) {
    return call(MERGE, request);
  }

  default Future<CheckoutView> checkoutView(UUID cartId, String userId) {
    return call(CHECKOUT_VIEW, new CartOfUser(cartId, userId));
  }

  default Future<Void> clear(UUID cartId, String userId, UUID orderId) {
    return call(CLEAR, new Clear(cartId, userId, orderId));
  }

  record CartOfUser(UUID cartId, String userId) {
    public static final Codec<CartOfUser> CODEC = Codec.of(
      r -> new JsonObject().put("cart_id", r.cartId().toString()).put("user_id", r.userId()),
      body -> {
        JsonValidator v = JsonValidator.of(body);
        UUID cartId = v.requiredUuid("cart_id");
        String userId = v.requiredString("user_id", 1, 128);
        v.throwIfInvalid();
        return new CartOfUser(cartId, userId);
      });
  }

  /** After an order was placed from the cart; idempotent by {@code orderId}. */
  record Clear(UUID cartId, String userId, UUID orderId) {
    public static final Codec<Clear> CODEC = Codec.of(
      r -> new JsonObject().put("cart_id", r.cartId().toString()).put("user_id", r.userId()).put("order_id", r.orderId().toString()),
      body -> {
        JsonValidator v = JsonValidator.of(body);
        UUID cartId = v.requiredUuid("cart_id");
        String userId = v.requiredString("user_id", 1, 128);
        UUID orderId = v.requiredUuid("order_id");
        v.throwIfInvalid();
        return new Clear(cartId, userId, orderId);
      });
  }

  /** The cart at current prices, as checkout orders it; every line's price is the one the buyer saw. */
  record CheckoutView(UUID cartId, String currency, List<Line> lines, Money total) {
    public static final Codec<CheckoutView> CODEC = Codec.of(CheckoutView::toJson, CheckoutView::fromJson);

    public record Line(String productId, String sellerId, String title, int quantity, Money unitPrice, boolean priceChanged) {
      static Line fromJson(JsonObject json) {
        JsonObject price = Json.object(json, "unit_price");
        Integer quantity = Json.intValue(json, "quantity");
        return new Line(Json.string(json, "product_id"), Json.string(json, "seller_id"), Json.string(json, "title"),
          quantity == null ? 0 : quantity, price == null ? null : Money.fromJson(price), Boolean.TRUE.equals(Json.bool(json, "price_changed")));
      }

      JsonObject toJson() {
        return new JsonObject().put("product_id", productId).put("seller_id", sellerId).put("title", title)
          .put("quantity", quantity).put("unit_price", unitPrice == null ? null : unitPrice.toJson()).put("price_changed", priceChanged);
      }
    }

    public JsonObject toJson() {
      JsonArray array = new JsonArray();
      lines.forEach(l -> array.add(l.toJson()));
      JsonObject json = new JsonObject().put("cart_id", cartId == null ? null : cartId.toString()).put("currency", currency).put("lines", array);
      return total == null ? json : json.put("total", total.toJson());
    }

    public static CheckoutView fromJson(JsonObject json) {
      JsonObject total = Json.object(json, "total");
      return new CheckoutView(Json.uuid(json, "cart_id"), Json.string(json, "currency"), Json.list(json, "lines", Line::fromJson),
        total == null ? null : Money.fromJson(total));
    }
  }
}
