package dev.marketplace.checkout;

import dev.marketplace.contracts.inventory.InventoryAddresses;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.contracts.sales.SalesAddresses;
import dev.marketplace.platform.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Checkout's neighbours (cart, orders, inventory, payment, sales) on the bus, scripted: each
 * address answers what {@link #script} says at the time of the call, and every call is recorded in
 * {@link #calls} under the label the test chose. A test changes an answer by putting another
 * function in {@link #script}.
 */
final class ScriptedNeighbours {
  /** The address. */
  static final Function<Call, String> ADDRESS = Call::address;
  /** The address, {@code :<to>} of a transition and {@code /<reason>} of a release or cancellation. */
  static final Function<Call, String> ADDRESS_TO_REASON = call -> call.address()
    + (call.body().containsKey("to") ? ":" + call.body().getString("to") : "")
    + (call.body().containsKey("reason") ? "/" + call.body().getString("reason") : "");
  /** The address and the order id: {@code "<address> <order id>"}. */
  static final Function<Call, String> ADDRESS_ORDER = call -> call.address() + " " + call.body().getString("order_id");

  record Call(String address, JsonObject body) {
  }

  final Map<String, Function<JsonObject, Future<JsonObject>>> script = new ConcurrentHashMap<>();
  final List<String> calls = new CopyOnWriteArrayList<>();

  /**
   * Every neighbour answering as on a good day: the cart has one line of {@code quantity} of the
   * product {@code product} supplies (asked at each call), 500 RUB each; reservations hold for 15
   * minutes, the bank is reachable, payments start PENDING with a 3-D Secure URL, and the waiting
   * room admits everyone.
   */
  static ScriptedNeighbours happy(Supplier<String> product, int quantity) {
    ScriptedNeighbours neighbours = new ScriptedNeighbours();
    Map<String, Function<JsonObject, Future<JsonObject>>> script = neighbours.script;
    script.put("cart.checkout-view", body -> {
      JsonObject line = new JsonObject().put("product_id", product.get()).put("seller_id", "s1").put("title", "Thing").put("quantity", quantity)
        .put("unit_price", money(500)).put("price_changed", false);
      return Future.succeededFuture(new JsonObject().put("cart_id", body.getString("cart_id"))
        .put("currency", "RUB").put("lines", new JsonArray().add(line)).put("total", money(500L * quantity)));
    });
    script.put("cart.clear", body -> Future.succeededFuture(new JsonObject()));
    script.put("orders.create", body -> Future.succeededFuture(new JsonObject().put("id", body.getString("order_id")).put("status", "NEW")));
    script.put("orders.transition", body -> Future.succeededFuture(new JsonObject().put("id", body.getString("order_id")).put("status", body.getString("to"))));
    script.put("orders.get", body -> Future.succeededFuture(new JsonObject().put("id", body.getString("order_id")).put("status", "NEW")));
    script.put(InventoryAddresses.RESERVE, body -> Future.succeededFuture(new JsonObject().put("reservation_id", body.getString("reservation_id"))
      .put("status", "HELD").put("reserved_until", Instant.now().plusSeconds(900).toString())));
    script.put("inventory.commit", body -> Future.succeededFuture(new JsonObject().put("status", "COMMITTED")));
    script.put("inventory.release", body -> Future.succeededFuture(new JsonObject().put("status", "RELEASED")));
    script.put(PaymentAddresses.AVAILABILITY, body -> Future.succeededFuture(new JsonObject().put("available", true)));
    script.put(PaymentAddresses.START, body -> Future.succeededFuture(new JsonObject().put("payment_id", body.getString("payment_id"))
      .put("status", "PENDING").put("payment_url", "http://bank/3ds/" + body.getString("payment_id"))));
    script.put(PaymentAddresses.VOID, body -> Future.succeededFuture(new JsonObject().put("status", "VOIDED")));
    script.put(PaymentAddresses.REFUND, body -> Future.succeededFuture(new JsonObject().put("status", "REFUNDED")));
    script.put(SalesAddresses.ADMIT, body -> Future.succeededFuture(new JsonObject().put("admitted", true)));
    return neighbours;
  }

  static JsonObject money(long amount) {
    return new JsonObject().put("amount", amount).put("currency", "RUB");
  }

  /**
   * Registers a consumer for every address in {@link #script} (as it is now), each recording its
   * calls under {@code label}; completes once all of them are reachable.
   */
  Future<Void> serve(Vertx vertx, Function<Call, String> label) {
    List<Future<Void>> registered = new ArrayList<>();
    for (String address : List.copyOf(script.keySet())) {
      registered.add(Bus.serve(vertx, address, msg -> {
        calls.add(label.apply(new Call(address, msg.body())));
        return script.get(address).apply(msg.body());
      }).completion());
    }
    return Future.all(registered).mapEmpty();
  }
}
