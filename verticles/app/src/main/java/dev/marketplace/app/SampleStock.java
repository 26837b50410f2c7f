package dev.marketplace.app;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.contracts.inventory.InventoryAddresses;
import dev.marketplace.platform.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

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
    return Bus.request(vertx, CatalogAddresses.SEARCH, query, TIMEOUT_MS).compose(page -> {
      List<Future<JsonObject>> sets = new ArrayList<>();
      page.getJsonArray("items").forEach(item -> {
        JsonObject product = (JsonObject) item;
        int quantity = random.nextInt(10) == 0 ? 0 : 5 + random.nextInt(46);
        sets.add(Bus.request(vertx, InventoryAddresses.SET_STOCK,
          new JsonObject().put("product_id", product.getString("id")).put("warehouse", WAREHOUSE).put("quantity", quantity),
          Bus.options(TIMEOUT_MS)
            .addHeader(BusHeaders.USER_ID, product.getString("seller_id"))
            .addHeader(BusHeaders.ROLES, "seller")));
      });
      return Future.all(sets).compose(done -> {
        int stocked = stockedSoFar + sets.size();
        String next = page.getString("next_cursor");
        return next == null ? Future.succeededFuture(stocked) : stockPage(vertx, random, next, stocked);
      });
    });
  }
}
