package dev.marketplace.catalog;

import dev.marketplace.contracts.Money;
import dev.marketplace.contracts.catalog.CatalogApi;

import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.platform.bus.Caller;
import dev.marketplace.platform.outbox.Outbox;
import dev.marketplace.platform.outbox.OutboxRelay;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Sellers' listings (create, replace, delete: their own only), single-product reads and the
 * internal snapshot. Every change writes its {@code catalog.events} event in the same transaction.
 */
final class ProductService {
  static final int MAX_TITLE = 200;
  static final int MAX_DESCRIPTION = 5000;
  static final int MAX_BRAND = 100;
  static final long MAX_PRICE = 1_000_000_000_000L;
  static final int MAX_ATTRIBUTES = 50;

  private static final String SELECT_PRODUCT = "SELECT " + ProductJson.COLUMNS
    + " FROM catalog.products p JOIN catalog.categories c ON c.id = p.category_id WHERE p.id = $1 AND p.deleted_at IS NULL";
  private static final String INSERT_BRAND = "INSERT INTO catalog.brands (name) VALUES ($1) ON CONFLICT DO NOTHING";
  private static final String INSERT_PRODUCT = "INSERT INTO catalog.products"
    + " (id, seller_id, title, description, brand, category_id, price_amount, currency, attributes, available)"
    + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
    + " COALESCE((SELECT s.available FROM catalog.stock s WHERE s.product_id = $1), 0))";
  private static final String UPDATE_PRODUCT = "UPDATE catalog.products SET title = $3, description = $4, brand = $5,"
    + " category_id = $6, price_amount = $7, currency = $8, attributes = $9, updated_at = now()"
    + " WHERE id = $1 AND deleted_at IS NULL AND (seller_id = $2 OR $10) RETURNING id";
  private static final String DELETE_PRODUCT = "UPDATE catalog.products SET deleted_at = now(), updated_at = now()"
    + " WHERE id = $1 AND deleted_at IS NULL AND (seller_id = $2 OR $3) RETURNING seller_id";
  private static final String SNAPSHOT = "SELECT id, title, seller_id, price_amount, currency, deleted_at IS NOT NULL AS deleted"
    + " FROM catalog.products WHERE id = ANY($1::uuid[])";

  private final Pool pool;
  private final Outbox outbox;
  private final OutboxRelay relay;
  private final Categories categories;
  private ProductCards cards;
  private final java.util.function.Supplier<Future<Void>> changed;

  /**
   * {@code changed} runs after each committed change and completes once this instance's search
   * index has applied it: a seller finds their change in search as soon as the reply arrives.
   */
  ProductService(Pool pool, Outbox outbox, OutboxRelay relay, Categories categories, java.util.function.Supplier<Future<Void>> changed) {
    this.pool = pool;
    this.outbox = outbox;
    this.relay = relay;
    this.categories = categories;
    this.changed = changed;
  }

  /** The cards this service reads and writes through (they read misses back through {@link #fromDatabase}). */
  void useCards(ProductCards cards) {
    this.cards = cards;
  }

  Future<JsonObject> categories() {
    return Future.succeededFuture(categories.treeJson());
  }

  /** The product card from memory (the search index's copy, as fresh as search). */
  Future<JsonObject> get(UUID id) {
    return cards.card(id.toString()).map(card -> new JsonObject(card.json()));
  }

  Future<ProductCards.Card> card(JsonObject body) {
    return cards.card(idOf(body).toString());
  }

  /** A live product straight from the table, or {@code null}. */
  Future<JsonObject> fromDatabase(String id) {
    return pool.preparedQuery(SELECT_PRODUCT).execute(Tuple.of(UUID.fromString(id)))
      .map(rows -> rows.size() == 0 ? null : ProductJson.from(rows.iterator().next()));
  }

  Future<JsonObject> create(Caller caller, JsonObject body) {
    String sellerId = caller.requireRole("seller");
    JsonValidator outer = JsonValidator.of(body).allowOnly("product");
    Listing listing = listing(outer, body);
    UUID id = UUID.randomUUID();
    return pool.withTransaction(tx -> tx.preparedQuery(INSERT_BRAND).execute(Tuple.of(listing.brand()))
        .compose(v -> tx.preparedQuery(INSERT_PRODUCT).execute(listing.tuple(id, sellerId)))
        .compose(v -> afterChange(tx, id, listing, CatalogAddresses.PRODUCT_CREATED)))
      .onSuccess(product -> {
        cards.written(product);
        relay.kick();
      })
      .compose(product -> changed.get().map(product));
  }

  Future<JsonObject> update(Caller caller, JsonObject body) {
    String userId = caller.requireRole("seller");
    JsonValidator outer = JsonValidator.of(body).allowOnly("id", "product");
    UUID id = outer.requiredUuid("id");
    Listing listing = listing(outer, body);
    Tuple params = listing.tuple(id, userId).addBoolean(caller.isAdmin());
    return pool.withTransaction(tx -> tx.preparedQuery(INSERT_BRAND).execute(Tuple.of(listing.brand()))
        .compose(v -> tx.preparedQuery(UPDATE_PRODUCT).execute(params))
        .compose(rows -> {
          if (rows.size() == 0) {
            // someone else's, deleted or unknown: all look the same from outside
            return Future.failedFuture(Caller.notFound());
          }
          return afterChange(tx, id, listing, CatalogAddresses.PRODUCT_UPDATED);
        }))
      .onSuccess(product -> {
        cards.written(product);
        relay.kick();
      })
      .compose(product -> changed.get().map(product));
  }

  Future<CatalogApi.Deleted> delete(Caller caller, UUID id) {
    String userId = caller.requireRole("seller");
    return pool.withTransaction(tx -> tx.preparedQuery(DELETE_PRODUCT).execute(Tuple.of(id, userId, caller.isAdmin()))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(Caller.notFound());
          }
          String sellerId = rows.iterator().next().getString("seller_id");
          JsonObject data = new JsonObject().put("id", id.toString()).put("seller_id", sellerId);
          return outbox.append(tx, Topics.CATALOG_EVENTS, EventEnvelope.create(CatalogAddresses.PRODUCT_DELETED, id.toString(), data))
            .map(v -> new CatalogApi.Deleted(id, true));
        }))
      .onSuccess(v -> {
        cards.deleted(id.toString());
        relay.kick();
      })
      .compose(reply -> changed.get().map(reply));
  }

  Future<CatalogApi.Snapshot> snapshot(List<UUID> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(new CatalogApi.Snapshot(List.of()));
    }
    return pool.preparedQuery(SNAPSHOT).execute(Tuple.of(ids.toArray(new UUID[0]))).map(rows -> {
      List<CatalogApi.Snapshot.Product> products = new ArrayList<>();
      for (Row row : rows) {
        products.add(new CatalogApi.Snapshot.Product(row.getUUID("id"), row.getString("title"), row.getString("seller_id"),
          new Money(row.getLong("price_amount"), row.getString("currency")), row.getBoolean("deleted")));
      }
      return new CatalogApi.Snapshot(products);
    });
  }

  /** The product as it now is, and its event. */
  private Future<JsonObject> afterChange(SqlConnection tx, UUID id, Listing listing, String eventType) {
    return tx.preparedQuery(SELECT_PRODUCT).execute(Tuple.of(id))
      .compose(rows -> {
        JsonObject product = ProductJson.from(rows.iterator().next());
        return outbox.append(tx, Topics.CATALOG_EVENTS, EventEnvelope.create(eventType, id.toString(), product))
          .map(v -> product);
      });
  }

  private record Listing(String title, String description, String brand, int categoryId, long amount,
                         String currency, JsonObject attributes) {
    Tuple tuple(UUID id, String sellerId) {
      return Tuple.of(id, sellerId, title, description, brand, categoryId, amount, currency)
        .addValue(attributes);
    }
  }

  private Listing listing(JsonValidator outer, JsonObject body) {
    JsonValidator v = outer.requiredObject("product")
      .allowOnly("title", "description", "brand", "category_id", "price", "attributes");
    String title = v.requiredString("title", 2, MAX_TITLE);
    String description = v.optionalString("description", 0, MAX_DESCRIPTION);
    String brand = v.requiredString("brand", 1, MAX_BRAND);
    Long categoryId = v.requiredLong("category_id", 1, Integer.MAX_VALUE);
    if (categoryId != null && !categories.exists(categoryId.intValue())) {
      v.error("category_id", "is not a known category");
    }
    JsonObject price = v.requiredMoney("price", MAX_PRICE);
    Object product = body.getValue("product");
    JsonObject attributes = attributes(v, product instanceof JsonObject p ? p.getValue("attributes") : null);
    outer.throwIfInvalid();
    return new Listing(title, description == null ? "" : description, brand, categoryId.intValue(),
      price.getLong("amount"), price.getString("currency"), attributes);
  }

  /** Flat attributes: up to 50 names of 1..64 characters, values a string (≤ 500), number or boolean. */
  private static JsonObject attributes(JsonValidator v, Object raw) {
    if (raw == null) {
      return new JsonObject();
    }
    if (!(raw instanceof JsonObject attributes)) {
      v.error("attributes", "must be an object");
      return new JsonObject();
    }
    if (attributes.size() > MAX_ATTRIBUTES) {
      v.error("attributes", "must have at most " + MAX_ATTRIBUTES + " entries");
      return attributes;
    }
    for (Map.Entry<String, Object> e : attributes) {
      String name = e.getKey();
      Object value = e.getValue();
      if (name.isBlank() || name.length() > 64) {
        v.error("attributes", "names must be 1 to 64 characters");
      } else if (value instanceof String s) {
        if (s.length() > 500) {
          v.error("attributes." + name, "must be at most 500 characters");
        }
      } else if (!(value instanceof Number) && !(value instanceof Boolean)) {
        v.error("attributes." + name, "must be a string, a number or a boolean");
      }
    }
    return attributes;
  }

  private static UUID idOf(JsonObject body) {
    JsonValidator v = JsonValidator.of(body).allowOnly("id");
    UUID id = v.requiredUuid("id");
    v.throwIfInvalid();
    return id;
  }
}
