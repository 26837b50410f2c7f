package dev.marketplace.catalog;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

/** How a product row reads as JSON, the same in every reply and event. */
final class ProductJson {
  /** The columns {@link #from(Row)} reads; the query must join {@code catalog.categories c}. */
  static final String COLUMNS = "p.id, p.seller_id, p.title, p.description, p.brand, p.category_id, c.name AS category_name, "
    + "c.slug AS category_slug, p.price_amount, p.currency, p.attributes, p.rating::float8 AS rating, p.review_count, "
    + "p.popularity, p.available, p.created_at, p.updated_at";

  private ProductJson() {
  }

  static JsonObject from(Row row) {
    int available = row.getInteger("available");
    return new JsonObject()
      .put("id", row.getUUID("id").toString())
      .put("seller_id", row.getString("seller_id"))
      .put("title", row.getString("title"))
      .put("description", row.getString("description"))
      .put("brand", row.getString("brand"))
      .put("category", new JsonObject()
        .put("id", row.getInteger("category_id"))
        .put("name", row.getString("category_name"))
        .put("slug", row.getString("category_slug")))
      .put("price", new JsonObject().put("amount", row.getLong("price_amount")).put("currency", row.getString("currency")))
      .put("attributes", row.getJsonObject("attributes"))
      .put("rating", row.getDouble("rating"))
      .put("review_count", row.getInteger("review_count"))
      .put("popularity", row.getInteger("popularity"))
      .put("available", available)
      .put("in_stock", available > 0)
      .put("created_at", row.getOffsetDateTime("created_at").toInstant().toString())
      .put("updated_at", row.getOffsetDateTime("updated_at").toInstant().toString());
  }
}
