package dev.marketplace.contracts.cart;

import dev.marketplace.contracts.Money;
import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The requests of the buyer's cart operations ({@link CartApi}). Each decode is the cart's one
 * reading of a body: unknown fields, missing and ill-typed ones are VALIDATION_FAILED listing every
 * field, with the messages the HTTP problems show.
 */
public final class CartRequests {
  private CartRequests() {
  }


  /** A product and a quantity of it (add to the line, or set the line to it). */
  public record ItemQuantity(UUID productId, int quantity) {
    public static Codec<ItemQuantity> codec(CartLimits limits) {
      return Codec.of(r -> new JsonObject().put("product_id", r.productId().toString()).put("quantity", r.quantity()), body -> {
        JsonValidator v = JsonValidator.of(body).allowOnly("product_id", "quantity");
        UUID productId = v.requiredUuid("product_id");
        Long quantity = quantity(v, body, limits.maxQuantityPerLine());
        v.throwIfInvalid();
        return new ItemQuantity(productId, quantity.intValue());
      });
    }

    /** An integer 1..limit. A number too big for a long is out of range, not "not an integer". */
    private static Long quantity(JsonValidator v, JsonObject body, int max) {
      if (body.getValue("quantity") instanceof BigInteger) {
        v.error("quantity", "must be between 1 and " + max);
        return null;
      }
      return v.requiredLong("quantity", 1, max);
    }
  }

  /** A product of the cart. */
  public record ProductRef(UUID productId) {
    public static final Codec<ProductRef> CODEC = Codec.of(r -> new JsonObject().put("product_id", r.productId().toString()), body -> {
      JsonValidator v = JsonValidator.of(body).allowOnly("product_id");
      UUID productId = v.requiredUuid("product_id");
      v.throwIfInvalid();
      return new ProductRef(productId);
    });
  }

  /** The prices the buyer was shown, one per product (distinct products, 1 to {@code max_lines} of them). */
  public record AcceptPrices(List<Accepted> items) {
    public record Accepted(UUID productId, Money price) {
    }

    public static Codec<AcceptPrices> codec(CartLimits limits) {
      return Codec.of(AcceptPrices::toJson, body -> decode(body, limits.maxLines()));
    }

    private JsonObject toJson() {
      JsonArray array = new JsonArray();
      items.forEach(i -> array.add(new JsonObject().put("product_id", i.productId().toString()).put("price", i.price().toJson())));
      return new JsonObject().put("items", array);
    }

    private static AcceptPrices decode(JsonObject body, int maxLines) {
      JsonValidator v = JsonValidator.of(body).allowOnly("items");
      List<Accepted> accepted = new ArrayList<>();
      Set<UUID> seen = new HashSet<>();
      Object items = body.getValue("items");
      if (!(items instanceof JsonArray array) || array.isEmpty() || array.size() > maxLines) {
        v.error("items", "must be a list of 1 to " + maxLines + " {product_id, price} objects");
      } else {
        for (int i = 0; i < array.size(); i++) {
          String field = "items[" + i + "]";
          if (!(array.getValue(i) instanceof JsonObject item)) {
            v.error(field, "must be an object");
            continue;
          }
          JsonValidator iv = JsonValidator.of(item).allowOnly("product_id", "price");
          UUID productId = iv.requiredUuid("product_id");
          JsonObject price = iv.requiredMoney("price", Long.MAX_VALUE);
          iv.errors().forEach(e -> v.error(field + "." + e.getString("field"), e.getString("message")));
          if (productId != null && price != null) {
            if (seen.add(productId)) {
              accepted.add(new Accepted(productId, Money.fromJson(price)));
            } else {
              v.error(field + ".product_id", "is listed twice");
            }
          }
        }
      }
      v.throwIfInvalid();
      return new AcceptPrices(List.copyOf(accepted));
    }
  }

  /** The guest cart to merge into the caller's (the HTTP {@code X-Cart-Id}). */
  public record Merge(String guestCartId) {
    public static final Codec<Merge> CODEC = Codec.of(r -> new JsonObject().put("guest_cart_id", r.guestCartId()), body -> {
      JsonValidator v = JsonValidator.of(body).allowOnly("guest_cart_id");
      String guestId = v.requiredString("guest_cart_id", 1, 128);
      v.throwIfInvalid();
      return new Merge(guestId);
    });
  }
}
