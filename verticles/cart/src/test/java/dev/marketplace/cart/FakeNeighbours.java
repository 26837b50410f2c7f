package dev.marketplace.cart;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stand-ins for catalog ({@code catalog.products.snapshot}) and inventory
 * ({@code inventory.availability}) answering per docs/CONTRACTS.md with data the test controls.
 */
final class FakeNeighbours {
  final Map<UUID, JsonObject> products = new ConcurrentHashMap<>();
  final Map<UUID, Long> stock = new ConcurrentHashMap<>();
  /** When false, inventory receives requests but never answers (a hung node). */
  volatile boolean inventoryAnswers = true;
  /** When false, the catalog receives requests but never answers. */
  volatile boolean catalogAnswers = true;
  private final List<MessageConsumer<JsonObject>> consumers;

  private FakeNeighbours(Vertx vertx) {
    MessageConsumer<JsonObject> catalog = vertx.eventBus().consumer(Neighbours.CATALOG_SNAPSHOT, msg -> {
      if (!catalogAnswers) {
        return;
      }
      JsonArray found = new JsonArray();
      for (Object id : msg.body().getJsonArray("product_ids")) {
        JsonObject product = products.get(UUID.fromString((String) id));
        if (product != null) {
          found.add(product.copy());
        }
      }
      msg.reply(new JsonObject().put("products", found));
    });
    MessageConsumer<JsonObject> inventory = vertx.eventBus().consumer(Neighbours.INVENTORY_AVAILABILITY, msg -> {
      if (!inventoryAnswers) {
        return;
      }
      JsonArray items = new JsonArray();
      for (Object id : msg.body().getJsonArray("product_ids")) {
        Long available = stock.get(UUID.fromString((String) id));
        if (available != null) {
          items.add(new JsonObject().put("product_id", id).put("available", available));
        }
      }
      msg.reply(new JsonObject().put("items", items));
    });
    consumers = List.of(catalog, inventory);
  }

  /** The fakes, once both are reachable. */
  static Future<FakeNeighbours> start(Vertx vertx) {
    FakeNeighbours fakes = new FakeNeighbours(vertx);
    return Future.all(fakes.consumers.get(0).completion(), fakes.consumers.get(1).completion()).map(fakes);
  }

  /** A new product in RUB at {@code kopecks}, with 50 in stock. */
  UUID product(String title, long kopecks) {
    UUID id = UUID.randomUUID();
    products.put(id, new JsonObject().put("id", id.toString()).put("title", title)
      .put("seller_id", "seller-" + title).put("price", price(kopecks, "RUB")).put("deleted", false));
    stock.put(id, 50L);
    return id;
  }

  void setPrice(UUID id, long kopecks) {
    products.get(id).put("price", price(kopecks, "RUB"));
  }

  void setPrice(UUID id, long amount, String currency) {
    products.get(id).put("price", price(amount, currency));
  }

  void delete(UUID id) {
    products.get(id).put("deleted", true);
  }

  void forget(UUID id) {
    products.remove(id);
  }

  static JsonObject price(long amount, String currency) {
    return new JsonObject().put("amount", amount).put("currency", currency);
  }
}
