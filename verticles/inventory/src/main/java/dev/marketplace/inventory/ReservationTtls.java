package dev.marketplace.inventory;

import dev.marketplace.contracts.inventory.InventoryApi;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Per-product caps on the reservation TTL ({@code inventory.reservation_ttl}). The table is small
 * (the products of running sales), so every instance keeps it in memory and reloads it every
 * {@code refreshMs}: a reserve pays no query for it, and a change reaches every node within that.
 */
final class ReservationTtls {
  private static final Logger LOG = LoggerFactory.getLogger(ReservationTtls.class);
  private static final String ALL = "SELECT product_id, ttl_seconds FROM inventory.reservation_ttl";
  private static final String UPSERT = "INSERT INTO inventory.reservation_ttl (product_id, ttl_seconds) VALUES ($1, $2) "
    + "ON CONFLICT (product_id) DO UPDATE SET ttl_seconds = EXCLUDED.ttl_seconds, updated_at = now()";
  private static final String DELETE = "DELETE FROM inventory.reservation_ttl WHERE product_id = $1";

  private final Vertx vertx;
  private final Pool pool;
  private volatile Map<UUID, Integer> caps = Map.of();
  private long timer = -1;

  ReservationTtls(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  Future<Void> start(long refreshMs) {
    return reload().onSuccess(v -> timer = vertx.setPeriodic(refreshMs, id -> reload()
      .onFailure(err -> LOG.warn("Reloading reservation TTLs failed: {}", err.toString()))));
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private Future<Void> reload() {
    return pool.query(ALL).execute().map(rows -> {
      Map<UUID, Integer> next = new HashMap<>();
      rows.forEach(row -> next.put(row.getUUID("product_id"), row.getInteger("ttl_seconds")));
      caps = next;
      return null;
    });
  }

  /** The TTL to hold these products for: the asked one, capped by the shortest cap among them. */
  int ttlFor(List<UUID> productIds, int asked) {
    Map<UUID, Integer> now = caps;
    int ttl = asked;
    if (now.isEmpty()) {
      return ttl;
    }
    for (UUID id : productIds) {
      Integer cap = now.get(id);
      if (cap != null && cap < ttl) {
        ttl = cap;
      }
    }
    return ttl;
  }

  /** Sets ({@code ttlSeconds} non-null) or removes a product's cap; this node applies it at once. */
  Future<InventoryApi.ReservationTtl> set(UUID productId, Integer ttlSeconds) {
    Future<?> done = ttlSeconds == null
      ? pool.preparedQuery(DELETE).execute(Tuple.of(productId))
      : pool.preparedQuery(UPSERT).execute(Tuple.of(productId, ttlSeconds));
    return done.compose(v -> reload())
      .map(v -> new InventoryApi.ReservationTtl(productId, ttlSeconds));
  }
}
