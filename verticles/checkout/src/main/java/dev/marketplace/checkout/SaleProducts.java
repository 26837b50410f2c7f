package dev.marketplace.checkout;

import dev.marketplace.contracts.sales.SalesAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The products of the sales that run now or soon, as the sales component broadcasts them
 * ({@link SalesAddresses#ACTIVE}): a checkout asks sales for admission only for carts holding one of
 * them, so a checkout outside a sale pays nothing. Forgets everything when no broadcast came for
 * {@code staleAfterMs} (a silent sales component lets checkouts through: the waiting room protects
 * the platform, the reservation in inventory protects the stock).
 */
final class SaleProducts {
  private final long staleAfterMs;
  private volatile Map<String, String> saleByProduct = Map.of();
  private volatile long heardAt;
  private MessageConsumer<JsonObject> consumer;

  SaleProducts(long staleAfterMs) {
    this.staleAfterMs = staleAfterMs;
  }

  Future<Void> start(Vertx vertx) {
    consumer = vertx.eventBus().consumer(SalesAddresses.ACTIVE, msg -> apply(msg.body()));
    return consumer.completion();
  }

  Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  void apply(JsonObject message) {
    if (message == null) {
      return;
    }
    Map<String, String> next = new HashMap<>();
    JsonArray sales = message.getJsonArray("sales", new JsonArray());
    for (int i = 0; i < sales.size(); i++) {
      JsonObject sale = sales.getJsonObject(i);
      for (Object product : sale.getJsonArray("product_ids", new JsonArray())) {
        next.put(String.valueOf(product), sale.getString("id"));
      }
    }
    saleByProduct = next;
    heardAt = System.currentTimeMillis();
  }

  /** Whether any sale runs or is about to (and the view is fresh). */
  boolean any() {
    return !saleByProduct.isEmpty() && System.currentTimeMillis() - heardAt <= staleAfterMs;
  }

  /** The sale one of these products is on, or null (also when the view is stale). */
  String saleOf(Collection<String> productIds) {
    Map<String, String> now = saleByProduct;
    if (now.isEmpty() || System.currentTimeMillis() - heardAt > staleAfterMs) {
      return null;
    }
    for (String id : productIds) {
      String sale = now.get(id);
      if (sale != null) {
        return sale;
      }
    }
    return null;
  }
}
