package dev.marketplace.inventory;

import dev.marketplace.contracts.inventory.InventoryApi;

import dev.marketplace.contracts.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.marketplace.inventory.InventorySql.*;

/** On-hand stock per warehouse, its split into buckets, per-buyer limits and availability. */
final class StockLevels {
  private final Pool pool;
  private final int buckets;
  private final Runnable afterChange;

  StockLevels(Pool pool, int buckets, Runnable afterChange) {
    this.pool = pool;
    this.buckets = buckets;
    this.afterChange = afterChange;
  }

  /**
   * Sets one warehouse's quantity and spreads the product's new total over its buckets: each
   * bucket keeps at least what it holds and sold, the rest is shared out evenly.
   */
  Future<InventoryApi.StockLevel> setStock(UUID productId, String warehouse, int quantity) {
    return pool.withTransaction(conn -> conn.preparedQuery(UPSERT_WAREHOUSE_STOCK).execute(Tuple.of(productId, warehouse, quantity))
      .compose(v -> conn.preparedQuery(TOTAL_WAREHOUSE_STOCK).execute(Tuple.of(productId)))
      .compose(total -> conn.preparedQuery(ENSURE_BUCKETS).execute(Tuple.of(productId, buckets))
        .compose(v -> conn.preparedQuery(LOCK_BUCKETS).execute(Tuple.of(productId)))
        .compose(rows -> {
          int onHand = total.iterator().next().getInteger("total");
          List<Integer> ids = new ArrayList<>();
          List<Integer> minima = new ArrayList<>();
          int committed = 0;
          for (Row row : rows) {
            int minimum = row.getInteger("held") + row.getInteger("sold");
            ids.add(row.getInteger("bucket"));
            minima.add(minimum);
            committed += minimum;
          }
          if (onHand < committed) {
            return Future.failedFuture(ErrorCode.CONFLICT.failure(
              "The stock on hand cannot go below the " + committed + " units already reserved or sold."));
          }
          int spare = onHand - committed;
          Integer[] onHandPerBucket = new Integer[ids.size()];
          for (int i = 0; i < ids.size(); i++) {
            onHandPerBucket[i] = minima.get(i) + spare / ids.size() + (i < spare % ids.size() ? 1 : 0);
          }
          Tuple args = Tuple.tuple().addValue(productId).addValue(ids.toArray(Integer[]::new)).addValue(onHandPerBucket);
          return conn.preparedQuery(SET_BUCKETS_ON_HAND).execute(args);
        }))
      .compose(v -> conn.preparedQuery(STOCK_CHANGED_EVENTS).execute(Tuple.of(new UUID[] {productId})))
      .compose(v -> conn.preparedQuery(PRODUCT_TOTALS).execute(Tuple.of(productId)))
      .map(rows -> totals(productId, rows.iterator().next(), warehouse, quantity)))
      .onSuccess(reply -> afterChange.run());
  }

  private static InventoryApi.StockLevel totals(UUID productId, Row row, String warehouse, int quantity) {
    int onHand = row.getInteger("on_hand");
    int held = row.getInteger("held");
    int sold = row.getInteger("sold");
    return new InventoryApi.StockLevel(productId, onHand, held, sold, onHand - held - sold, warehouse, quantity);
  }

  /** Sets or (with {@code null}) removes the per-buyer limit. */
  Future<InventoryApi.PurchaseLimit> setPurchaseLimit(UUID productId, Integer perBuyer) {
    Future<?> done = perBuyer == null
      ? pool.preparedQuery(DELETE_LIMIT).execute(Tuple.of(productId))
      : pool.preparedQuery(UPSERT_LIMIT).execute(Tuple.of(productId, perBuyer));
    return done.map(v -> new InventoryApi.PurchaseLimit(productId, perBuyer));
  }

  /** Free units of each product, in the order asked; unknown products have none. */
  Future<InventoryApi.Availability> availability(List<UUID> productIds) {
    return pool.preparedQuery(AVAILABLE).execute(Tuple.of(productIds.toArray(UUID[]::new))).map(rows -> {
      Map<UUID, Integer> free = new HashMap<>();
      Map<UUID, Integer> sold = new HashMap<>();
      rows.forEach(row -> {
        free.put(row.getUUID("product_id"), row.getInteger("available"));
        sold.put(row.getUUID("product_id"), row.getInteger("sold"));
      });
      List<InventoryApi.Availability.Item> items = new ArrayList<>();
      for (UUID id : productIds) {
        items.add(new InventoryApi.Availability.Item(id, free.getOrDefault(id, 0), sold.getOrDefault(id, 0)));
      }
      return new InventoryApi.Availability(items);
    });
  }
}
