package dev.marketplace.contracts.catalog;

import dev.marketplace.contracts.Money;
import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.bus.Invoker;
import dev.marketplace.contracts.bus.Operation;
import dev.marketplace.contracts.json.Json;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The catalog component's operations, typed (what each one means: {@link CatalogAddresses}).
 * {@code CatalogApi.over(client)} is the client; catalog registers its handlers from the same
 * {@link Operation}s. Search and suggest take the HTTP query as it came (parameters as strings,
 * read by catalog's query parser), and a listing to create or update is checked by catalog
 * against its categories, in one VALIDATION_FAILED with the envelope around it (the id the path
 * named, {@code product} itself): those requests travel as the documents they are, and
 * {@link #createListing}/{@link #updateListing} give them their one shape. {@link CatalogAddresses#CARD}
 * answers JSON bytes with an ETag header, not a JSON object: it is not one of these operations.
 */
public interface CatalogApi extends Invoker {

  /** {@code {}} → {@code {categories:[{id, slug, name, name_en, children}]}}. */
  Operation<Void, JsonObject> CATEGORIES = Operation.of(CatalogAddresses.CATEGORIES, Codec.EMPTY, Codec.DOCUMENT);
  /** The HTTP query parameters → the HTTP page {@code {items, facets, next_cursor}}. */
  Operation<JsonObject, JsonObject> SEARCH = Operation.of(CatalogAddresses.SEARCH, Codec.DOCUMENT, Codec.DOCUMENT);
  /** {@code {q, limit?}} (as the HTTP query) → {@code {suggestions:[{text, kind, id?}]}}. */
  Operation<JsonObject, JsonObject> SUGGEST = Operation.of(CatalogAddresses.SUGGEST, Codec.DOCUMENT, Codec.DOCUMENT);
  /** The product as the HTTP route shows it. */
  Operation<ProductRef, JsonObject> GET = Operation.of(CatalogAddresses.GET, ProductRef.CODEC, Codec.DOCUMENT);
  /** {@code {product:{...}}} → the product. */
  Operation<JsonObject, JsonObject> CREATE = Operation.of(CatalogAddresses.CREATE, Codec.DOCUMENT, Codec.DOCUMENT);
  /** {@code {id, product:{...}}} → the product. */
  Operation<JsonObject, JsonObject> UPDATE = Operation.of(CatalogAddresses.UPDATE, Codec.DOCUMENT, Codec.DOCUMENT);
  Operation<ProductRef, Deleted> DELETE = Operation.of(CatalogAddresses.DELETE, ProductRef.CODEC, Deleted.CODEC);
  Operation<ProductIds, Snapshot> SNAPSHOT = Operation.of(CatalogAddresses.SNAPSHOT, ProductIds.CODEC, Snapshot.CODEC);
  /** {@code {}} → one instance's index {@code {state, generation, products, horizon, build?, last_build_ms?, node}}. */
  Operation<Void, JsonObject> INDEX_STATUS = Operation.of(CatalogAddresses.INDEX_STATUS, Codec.EMPTY, Codec.DOCUMENT);

  static CatalogApi over(Invoker bus) {
    return bus::call;
  }

  default Future<JsonObject> categories() {
    return call(CATEGORIES, null);
  }

  default Future<JsonObject> search(JsonObject query) {
    return call(SEARCH, query);
  }

  default Future<JsonObject> suggest(JsonObject query) {
    return call(SUGGEST, query);
  }

  default Future<JsonObject> get(UUID id) {
    return call(GET, new ProductRef(id));
  }

  /** Lists a product: {@code listing} as the seller wrote it, {@code {title, description?, brand, category_id, price, attributes?}}. */
  default Future<JsonObject> createListing(JsonObject listing) {
    return call(CREATE, new JsonObject().put("product", listing));
  }

  /**
   * Replaces the listing of the product {@code id}: the id as the caller was given it (a path
   * segment), checked by catalog together with the listing.
   */
  default Future<JsonObject> updateListing(String id, JsonObject listing) {
    return call(UPDATE, new JsonObject().put("id", id).put("product", listing));
  }

  default Future<Deleted> delete(UUID id) {
    return call(DELETE, new ProductRef(id));
  }

  default Future<Snapshot> snapshot(List<UUID> productIds) {
    return call(SNAPSHOT, new ProductIds(productIds));
  }

  default Future<JsonObject> indexStatus() {
    return call(INDEX_STATUS, null);
  }

  record ProductRef(UUID id) {
    public static final Codec<ProductRef> CODEC = Codec.of(r -> new JsonObject().put("id", r.id().toString()), body -> {
      JsonValidator v = JsonValidator.of(body).allowOnly("id");
      UUID id = v.requiredUuid("id");
      v.throwIfInvalid();
      return new ProductRef(id);
    });

    /**
     * A product id as a client wrote it (a path segment, a bridge frame), read as catalog reads it:
     * anything but a UUID throws catalog's own VALIDATION_FAILED on {@code id}.
     */
    public static ProductRef of(String id) {
      return CODEC.decode(new JsonObject().put("id", id));
    }
  }

  record Deleted(UUID id, boolean deleted) {
    public static final Codec<Deleted> CODEC = Codec.of(r -> new JsonObject().put("id", r.id().toString()).put("deleted", r.deleted()),
      json -> new Deleted(Json.uuid(json, "id"), Boolean.TRUE.equals(Json.bool(json, "deleted"))));
  }

  /** At most {@link CatalogAddresses#SNAPSHOT_MAX_IDS} ids. */
  record ProductIds(List<UUID> productIds) {
    public static final Codec<ProductIds> CODEC = Codec.of(r -> new JsonObject().put("product_ids", Json.uuidArray(r.productIds())), body -> {
      JsonValidator v = JsonValidator.of(body).allowOnly("product_ids");
      Object value = body.getValue("product_ids");
      List<UUID> ids = new ArrayList<>();
      if (!(value instanceof JsonArray array)) {
        v.error("product_ids", "is required (an array of product ids)");
      } else if (array.size() > CatalogAddresses.SNAPSHOT_MAX_IDS) {
        v.error("product_ids", "must have at most " + CatalogAddresses.SNAPSHOT_MAX_IDS + " ids");
      } else {
        for (int i = 0; i < array.size(); i++) {
          UUID id = JsonValidator.parseUuid(array.getValue(i));
          if (id == null) {
            v.error("product_ids[" + i + "]", "must be a UUID");
          } else {
            ids.add(id);
          }
        }
      }
      v.throwIfInvalid();
      return new ProductIds(List.copyOf(ids));
    });
  }

  /** The current data of the asked products; unknown ids are absent, a deleted product is present with {@code deleted}. */
  record Snapshot(List<Product> products) {
    public static final Codec<Snapshot> CODEC = Codec.of(Snapshot::toJson, json -> new Snapshot(Json.list(json, "products", Product::fromJson)));

    public record Product(UUID id, String title, String sellerId, Money price, boolean deleted) {
      static Product fromJson(JsonObject json) {
        JsonObject price = Json.object(json, "price");
        return new Product(Json.uuid(json, "id"), Json.string(json, "title"), Json.string(json, "seller_id"),
          price == null || Json.longValue(price, "amount") == null || Json.string(price, "currency") == null ? null : Money.fromJson(price),
          Boolean.TRUE.equals(Json.bool(json, "deleted")));
      }

      JsonObject toJson() {
        return new JsonObject().put("id", id.toString()).put("title", title).put("seller_id", sellerId)
          .put("price", price == null ? null : price.toJson()).put("deleted", deleted);
      }
    }

    JsonObject toJson() {
      JsonArray array = new JsonArray();
      products.forEach(p -> array.add(p.toJson()));
      return new JsonObject().put("products", array);
    }
  }
}
