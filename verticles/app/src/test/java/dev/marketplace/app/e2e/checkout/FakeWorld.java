package dev.marketplace.app.e2e.checkout;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.platform.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Small but honest in-memory stand-ins for cart, orders and inventory, implementing their
 * docs/CONTRACTS.md operations (all or nothing reservations, idempotency by ids, tombstones on
 * release, the order state machine). One world can serve several Vert.x instances ("nodes") at
 * once: its methods are synchronized. Used until the real components are on main.
 */
public final class FakeWorld {
  private static final Map<String, Set<String>> TRANSITIONS = Map.of(
    "NEW", Set.of("RESERVED", "CANCELLED"),
    "RESERVED", Set.of("PENDING_PAYMENT", "CANCELLED"),
    "PENDING_PAYMENT", Set.of("PAID", "CANCELLED"),
    "PAID", Set.of("SHIPPED", "CANCELLED"),
    "CANCELLED", Set.of("REFUNDED"));

  final Map<String, JsonObject> carts = new HashMap<>();
  final Map<String, JsonObject> orders = new LinkedHashMap<>();
  final Map<String, long[]> stock = new HashMap<>();
  final Map<String, JsonObject> reservations = new HashMap<>();

  // ---- set-up and inspection for tests

  public synchronized void putStock(String productId, long onHand) {
    stock.put(productId, new long[] {onHand, 0, 0});
  }

  /** {onHand, reserved, sold}; onHand counts what is still in the warehouse (reserved included). */
  public synchronized long[] stockOf(String productId) {
    return stock.get(productId).clone();
  }

  /** A new cart of {@code userId} with one line; returns the cart id. */
  public synchronized String cartWith(String userId, String productId, long quantity, long unitPrice) {
    String id = UUID.randomUUID().toString();
    JsonObject line = new JsonObject().put("product_id", productId).put("seller_id", "seller-1").put("title", "Product " + productId)
      .put("quantity", quantity).put("unit_price", new JsonObject().put("amount", unitPrice).put("currency", "RUB"));
    carts.put(id, new JsonObject().put("user_id", userId).put("lines", new JsonArray().add(line)));
    return id;
  }

  public synchronized JsonObject order(String orderId) {
    JsonObject order = orders.get(orderId);
    return order == null ? null : order.copy();
  }

  public synchronized List<JsonObject> orders() {
    return orders.values().stream().map(JsonObject::copy).toList();
  }

  public synchronized boolean cartEmpty(String cartId) {
    return carts.get(cartId).getJsonArray("lines").isEmpty();
  }

  /**
   * The contract's stock invariants: held == quantities of RESERVED/PENDING_PAYMENT orders, sold ==
   * quantities of PAID orders. Returns the violations (empty when consistent).
   */
  public synchronized List<String> stockViolations() {
    Map<String, Long> held = new HashMap<>();
    Map<String, Long> sold = new HashMap<>();
    for (JsonObject order : orders.values()) {
      String status = order.getString("status");
      Map<String, Long> target = switch (status) {
        case "RESERVED", "PENDING_PAYMENT" -> held;
        case "PAID", "SHIPPED" -> sold;
        default -> null;
      };
      if (target != null) {
        for (Object o : order.getJsonArray("lines")) {
          JsonObject line = (JsonObject) o;
          target.merge(line.getString("product_id"), line.getLong("quantity"), Long::sum);
        }
      }
    }
    List<String> violations = new ArrayList<>();
    stock.forEach((product, s) -> {
      if (s[1] != held.getOrDefault(product, 0L)) {
        violations.add(product + ": reserved " + s[1] + " but open orders hold " + held.getOrDefault(product, 0L));
      }
      if (s[2] != sold.getOrDefault(product, 0L)) {
        violations.add(product + ": sold " + s[2] + " but paid orders have " + sold.getOrDefault(product, 0L));
      }
    });
    return violations;
  }

  /** Sum of totals of PAID orders. */
  public synchronized long paidTotal() {
    return orders.values().stream().filter(o -> o.getString("status").equals("PAID"))
      .mapToLong(o -> o.getJsonObject("total").getLong("amount")).sum();
  }

  // ---- cart

  synchronized JsonObject checkoutView(JsonObject body) {
    JsonObject cart = carts.get(body.getString("cart_id"));
    if (cart == null || !cart.getString("user_id").equals(body.getString("user_id"))) {
      throw ErrorCode.NOT_FOUND.failure("No such cart.");
    }
    JsonArray lines = cart.getJsonArray("lines");
    if (lines.isEmpty()) {
      throw ErrorCode.CART_EMPTY.failure("The cart is empty.");
    }
    long total = 0;
    JsonArray out = new JsonArray();
    for (Object o : lines) {
      JsonObject line = (JsonObject) o;
      total += line.getLong("quantity") * line.getJsonObject("unit_price").getLong("amount");
      out.add(line.copy().put("price_changed", false));
    }
    return new JsonObject().put("cart_id", body.getString("cart_id")).put("currency", "RUB").put("lines", out)
      .put("total", new JsonObject().put("amount", total).put("currency", "RUB"));
  }

  synchronized JsonObject clearCart(JsonObject body) {
    JsonObject cart = carts.get(body.getString("cart_id"));
    if (cart != null && cart.getString("user_id").equals(body.getString("user_id"))) {
      cart.put("lines", new JsonArray());
    }
    return new JsonObject();
  }

  // ---- orders

  synchronized JsonObject createOrder(JsonObject body) {
    String id = body.getString("order_id");
    JsonObject existing = orders.get(id);
    if (existing != null) {
      return existing.copy();
    }
    long total = 0;
    for (Object o : body.getJsonArray("lines")) {
      JsonObject line = (JsonObject) o;
      total += line.getLong("quantity") * line.getJsonObject("unit_price").getLong("amount");
    }
    JsonObject order = new JsonObject().put("id", id).put("buyer_id", body.getString("buyer_id")).put("status", "NEW")
      .put("currency", body.getString("currency")).put("lines", body.getJsonArray("lines").copy())
      .put("total", new JsonObject().put("amount", total).put("currency", body.getString("currency")))
      .put("history", new JsonArray().add(new JsonObject().put("status", "NEW").put("at", Instant.now().toString())));
    orders.put(id, order);
    return order.copy();
  }

  synchronized JsonObject transition(JsonObject body) {
    JsonObject order = orders.get(body.getString("order_id"));
    if (order == null) {
      throw ErrorCode.NOT_FOUND.failure("No such order.");
    }
    String to = body.getString("to");
    String from = order.getString("status");
    if (from.equals(to)) {
      return order.copy();
    }
    if (!TRANSITIONS.getOrDefault(from, Set.of()).contains(to)) {
      throw ErrorCode.ILLEGAL_STATE.failure("An order cannot go from " + from + " to " + to + ".");
    }
    order.put("status", to);
    order.getJsonArray("history").add(new JsonObject().put("status", to).put("at", Instant.now().toString()).put("reason", body.getString("reason")));
    return order.copy();
  }

  synchronized JsonObject getOrder(JsonObject body) {
    JsonObject order = orders.get(body.getString("order_id"));
    if (order == null) {
      throw ErrorCode.NOT_FOUND.failure("No such order.");
    }
    return order.copy();
  }

  // ---- inventory

  synchronized JsonObject reserve(JsonObject body) {
    String id = body.getString("reservation_id");
    JsonObject existing = reservations.get(id);
    if (existing != null) {
      if (!existing.getString("status").equals("HELD") && !existing.getString("status").equals("COMMITTED")) {
        throw ErrorCode.ILLEGAL_STATE.failure("This reservation was released.");
      }
      return reservationReply(existing);
    }
    JsonArray missing = new JsonArray();
    for (Object o : body.getJsonArray("lines")) {
      JsonObject line = (JsonObject) o;
      long[] s = stock.get(line.getString("product_id"));
      if (s == null || s[0] - s[1] < line.getLong("quantity")) {
        missing.add(line.getString("product_id"));
      }
    }
    if (!missing.isEmpty()) {
      throw ErrorCode.OUT_OF_STOCK.failure("Not enough stock.", new JsonObject().put("product_ids", missing));
    }
    for (Object o : body.getJsonArray("lines")) {
      JsonObject line = (JsonObject) o;
      stock.get(line.getString("product_id"))[1] += line.getLong("quantity");
    }
    long ttl = body.getLong("ttl_seconds", 900L);
    JsonObject reservation = new JsonObject().put("reservation_id", id).put("lines", body.getJsonArray("lines").copy())
      .put("status", "HELD").put("reserved_until", Instant.now().plusSeconds(ttl).toString());
    reservations.put(id, reservation);
    return reservationReply(reservation);
  }

  synchronized JsonObject commit(JsonObject body) {
    JsonObject reservation = reservations.get(body.getString("reservation_id"));
    if (reservation == null || reservation.getString("status").equals("RELEASED")) {
      throw ErrorCode.ILLEGAL_STATE.failure("The reservation is gone.");
    }
    if (reservation.getString("status").equals("HELD")) {
      for (Object o : reservation.getJsonArray("lines")) {
        JsonObject line = (JsonObject) o;
        long[] s = stock.get(line.getString("product_id"));
        s[0] -= line.getLong("quantity");
        s[1] -= line.getLong("quantity");
        s[2] += line.getLong("quantity");
      }
      reservation.put("status", "COMMITTED");
    }
    return new JsonObject().put("reservation_id", reservation.getString("reservation_id")).put("status", "COMMITTED");
  }

  synchronized JsonObject release(JsonObject body) {
    String id = body.getString("reservation_id");
    JsonObject reservation = reservations.get(id);
    if (reservation == null) {
      reservations.put(id, new JsonObject().put("reservation_id", id).put("status", "RELEASED").put("lines", new JsonArray()));
    } else if (reservation.getString("status").equals("COMMITTED")) {
      throw ErrorCode.ILLEGAL_STATE.failure("The reservation was committed.");
    } else if (reservation.getString("status").equals("HELD")) {
      for (Object o : reservation.getJsonArray("lines")) {
        JsonObject line = (JsonObject) o;
        stock.get(line.getString("product_id"))[1] -= line.getLong("quantity");
      }
      reservation.put("status", "RELEASED");
    }
    return new JsonObject().put("reservation_id", id).put("status", "RELEASED");
  }

  private static JsonObject reservationReply(JsonObject reservation) {
    return new JsonObject().put("reservation_id", reservation.getString("reservation_id")).put("status", "HELD")
      .put("reserved_until", reservation.getString("reserved_until"));
  }

  /** A verticle answering the cart, orders and inventory addresses from this world. */
  public VerticleBase verticle() {
    FakeWorld world = this;
    return new VerticleBase() {
      private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

      @Override
      public Future<?> start() {
        serve("cart.checkout-view", world::checkoutView);
        serve("cart.clear", world::clearCart);
        serve("orders.create", world::createOrder);
        serve("orders.transition", world::transition);
        serve("orders.get", world::getOrder);
        serve("inventory.reserve", world::reserve);
        serve("inventory.commit", world::commit);
        serve("inventory.release", world::release);
        return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
      }

      private void serve(String address, java.util.function.Function<JsonObject, JsonObject> op) {
        consumers.add(Bus.serve(vertx, address, msg -> {
          try {
            return Future.succeededFuture(op.apply(msg.body()));
          } catch (RuntimeException e) {
            return Future.failedFuture(e);
          }
        }));
      }
    };
  }
}
