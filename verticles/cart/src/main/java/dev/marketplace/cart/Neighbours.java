package dev.marketplace.cart;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.Money;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.contracts.inventory.InventoryAddresses;
import dev.marketplace.platform.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * What the cart asks other components (docs/CONTRACTS.md): current product data from catalog and
 * available stock from inventory. Prices are required (a cart is never shown with made-up
 * prices); availability is best effort.
 */
final class Neighbours {
  static final String CATALOG_SNAPSHOT = CatalogAddresses.SNAPSHOT;
  static final String INVENTORY_AVAILABILITY = InventoryAddresses.AVAILABILITY;
  private static final Logger LOG = LoggerFactory.getLogger(Neighbours.class);
  /** While inventory is down every read would log the same line: once per this many ms is enough. */
  private static final long AVAILABILITY_WARNING_EVERY_MS = 10_000;

  private final Vertx vertx;
  private final long catalogTimeoutMs;
  private final long availabilityTimeoutMs;
  private long lastAvailabilityWarning;
  private long availabilityFailuresSinceWarning;

  Neighbours(Vertx vertx, long catalogTimeoutMs, long availabilityTimeoutMs) {
    this.vertx = vertx;
    this.catalogTimeoutMs = catalogTimeoutMs;
    this.availabilityTimeoutMs = availabilityTimeoutMs;
  }

  /**
   * The catalog's current data of the products; unknown ids are absent from the map. Fails with the
   * catalog's failure (TIMEOUT, SERVICE_UNAVAILABLE...) or INTERNAL for a reply that breaks the contract.
   */
  Future<Map<UUID, CatalogProduct>> products(Message<?> cause, Collection<UUID> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return Bus.request(vertx, CATALOG_SNAPSHOT, new JsonObject().put("product_ids", idArray(ids)), Bus.propagate(cause, catalogTimeoutMs))
      .map(Neighbours::parseProducts);
  }

  /**
   * Available stock per product; an empty map when inventory fails or is slow, so that a cart
   * can still be read (lines then show no availability).
   */
  Future<Map<UUID, Long>> availability(Message<?> cause, Collection<UUID> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return Bus.request(vertx, INVENTORY_AVAILABILITY, new JsonObject().put("product_ids", idArray(ids)), Bus.propagate(cause, availabilityTimeoutMs))
      .map(Neighbours::parseAvailability)
      .recover(failure -> {
        warnAvailabilityMissing(failure);
        return Future.succeededFuture(Map.of());
      });
  }

  private void warnAvailabilityMissing(Throwable failure) {
    availabilityFailuresSinceWarning++;
    long now = System.currentTimeMillis();
    if (now - lastAvailabilityWarning >= AVAILABILITY_WARNING_EVERY_MS) {
      LOG.warn("Inventory availability unavailable ({} reads since the last warning), carts shown without it: {}",
        availabilityFailuresSinceWarning, failure.toString());
      lastAvailabilityWarning = now;
      availabilityFailuresSinceWarning = 0;
    }
  }

  private static JsonArray idArray(Collection<UUID> ids) {
    JsonArray array = new JsonArray();
    ids.forEach(id -> array.add(id.toString()));
    return array;
  }

  private static Map<UUID, CatalogProduct> parseProducts(JsonObject reply) {
    Map<UUID, CatalogProduct> products = new HashMap<>();
    try {
      for (Object o : reply.getJsonArray("products")) {
        JsonObject p = (JsonObject) o;
        UUID id = UUID.fromString(p.getString("id"));
        boolean deleted = p.getBoolean("deleted", false);
        JsonObject price = p.getJsonObject("price");
        products.put(id, new CatalogProduct(id, p.getString("title", ""), p.getString("seller_id"),
          price == null ? null : Money.fromJson(price), deleted || price == null));
      }
    } catch (RuntimeException e) {
      LOG.error("catalog.products.snapshot replied outside its contract: {}", reply.encode(), e);
      throw ErrorCode.INTERNAL.failure("An internal error occurred.");
    }
    return products;
  }

  private static Map<UUID, Long> parseAvailability(JsonObject reply) {
    Map<UUID, Long> available = new HashMap<>();
    for (Object o : reply.getJsonArray("items", new JsonArray())) {
      JsonObject item = (JsonObject) o;
      available.put(UUID.fromString(item.getString("product_id")), item.getLong("available"));
    }
    return available;
  }
}
