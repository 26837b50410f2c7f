package dev.marketplace.cart;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.contracts.catalog.CatalogApi;
import dev.marketplace.contracts.inventory.InventoryApi;
import dev.marketplace.platform.bus.BusClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the cart asks other components (docs/CONTRACTS.md): current product data from catalog and
 * available stock from inventory. Prices are required (a cart is never shown with made-up
 * prices); availability is best effort.
 */
final class Neighbours {
  static final String CATALOG_SNAPSHOT = CatalogAddresses.SNAPSHOT;
  static final String INVENTORY_AVAILABILITY = InventoryApi.AVAILABILITY.address();
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
    return CatalogApi.over(BusClient.of(vertx, catalogTimeoutMs).propagating(cause)).snapshot(List.copyOf(ids))
      .map(Neighbours::productsById);
  }

  /**
   * Available stock per product; an empty map when inventory fails or is slow, so that a cart
   * can still be read (lines then show no availability).
   */
  Future<Map<UUID, Long>> availability(Message<?> cause, Collection<UUID> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return InventoryApi.over(BusClient.of(vertx, availabilityTimeoutMs).propagating(cause)).availability(List.copyOf(ids))
      .map(Neighbours::availableByProduct)
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

  private static Map<UUID, CatalogProduct> productsById(CatalogApi.Snapshot reply) {
    Map<UUID, CatalogProduct> products = new HashMap<>();
    for (CatalogApi.Snapshot.Product p : reply.products()) {
      if (p.id() == null) {
        LOG.error("catalog.products.snapshot replied outside its contract (a product without an id): {}", p);
        throw ErrorCode.INTERNAL.failure("An internal error occurred.");
      }
      products.put(p.id(), new CatalogProduct(p.id(), p.title() == null ? "" : p.title(), p.sellerId(), p.price(),
        p.deleted() || p.price() == null));
    }
    return products;
  }

  private static Map<UUID, Long> availableByProduct(InventoryApi.Availability reply) {
    Map<UUID, Long> available = new HashMap<>();
    for (InventoryApi.Availability.Item item : reply.items()) {
      available.put(item.productId(), item.available());
    }
    return available;
  }
}
