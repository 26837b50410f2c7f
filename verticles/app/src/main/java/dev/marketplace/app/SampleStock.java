package dev.marketplace.app;

import dev.marketplace.contracts.catalog.CatalogApi;
import dev.marketplace.contracts.inventory.InventoryApi;
import dev.marketplace.platform.bus.BusClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Puts the sample catalog of a first all-in-one start in stock, so a newcomer can buy at once.
 * Stock belongs to inventory and products to catalog, so the launcher (the one module that knows
 * both) does what each product's seller would do: set stock through inventory's own operation,
 * as that seller. A few products stay out of stock on purpose.
 */
final class SampleStock {
  private static final long TIMEOUT_MS = 10_000;
  private static final String WAREHOUSE = "MSK-1";

  private SampleStock() {
  }

  /** @return how many products got stock */
  static Future<Integer> stockEverything(Vertx vertx, long randomSeed) {
    Random random = new Random(randomSeed);
    return stockPage(vertx, random, null, 0);
  }

  private static Future<Integer> stockPage(Vertx vertx, Random random, String cursor, int stockedSoFar) {
    JsonObject query = new JsonObject().put("sort", "new").put("limit", "100");
    if (cursor != null) {
      query.put("cursor", cursor);
    }
    return CatalogApi.over(BusClient.of(vertx, TIMEOUT_MS)).search(query).compose(page -> {
      List<Future<InventoryApi.StockLevel>> sets = new ArrayList<>();
      page.getJsonArray("items").forEach(item -> {
        JsonObject product = (JsonObject) item;
        int quantity = random.nextInt(10) == 0 ? 0 : 5 + random.nextInt(46);
        InventoryApi inventory = InventoryApi.over(BusClient.of(vertx, TIMEOUT_MS).asUser(product.getString("seller_id"), "seller"));
        sets.add(inventory.setStock(new InventoryApi.SetStock(UUID.fromString(product.getString("id")), WAREHOUSE, quantity)));
      });
      return Future.all(sets).compose(done -> {
        int stocked = stockedSoFar + sets.size();
        String next = page.getString("next_cursor");
        return next == null ? Future.succeededFuture(stocked) : stockPage(vertx, random, next, stocked);
      });
    });
  }
}
