package dev.marketplace.orders;

import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.orders.OrderStatus;
import dev.marketplace.contracts.orders.OrdersAddresses;
import dev.marketplace.platform.ComponentVerticle;
import dev.marketplace.platform.batch.GroupCommit;
import dev.marketplace.platform.bus.Caller;
import dev.marketplace.platform.validation.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The orders component (OMS): the order state machine, history, shipments per seller. */
public class OrdersVerticle extends ComponentVerticle {
  private static final Pattern REASON = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
  private static final int MAX_LINES = 100;
  private static final long MAX_UNIT_PRICE = 1_000_000_000_000L;
  private static final Set<String> SHIPMENT_STATUSES = Set.of("READY_TO_SHIP", "SHIPPED", "DELIVERED", "CANCELLED");

  private OrderStore store;
  private GroupCommit<OrderStore.NewOrder, JsonObject> creates;
  private GroupCommit<OrderStore.Transition, JsonObject> transitions;
  private static final Set<String> REPLIES = Set.of("order", "brief");

  @Override
  protected boolean publishesEvents() {
    return true;
  }

  @Override
  protected String name() {
    return Components.ORDERS;
  }

  @Override
  protected Future<?> startComponent() {
    store = new OrderStore(pool, outbox, () -> relay.kick());
    int batchMax = section().getInteger("batch_max", 64);
    int parallelism = section().getInteger("batch_parallelism", 2);
    creates = new GroupCommit<>("orders.create", batchMax, parallelism, store::createBatch, store::createBrief);
    transitions = new GroupCommit<>("orders.transition", batchMax, parallelism, store::transitionBatch, store::transitionBrief);
    serve(OrdersAddresses.CREATE, this::create);
    serve(OrdersAddresses.TRANSITION, this::transition);
    serve(OrdersAddresses.GET, msg -> store.get(uuid(msg.body(), "order_id")));
    serve(OrdersAddresses.VIEW, msg -> {
      Caller caller = Caller.of(msg);
      caller.requireUser();
      return store.view(uuid(msg.body(), "order_id"), caller);
    });
    serve(OrdersAddresses.LIST, this::list);
    serve(OrdersAddresses.CANCEL, msg -> {
      Caller caller = Caller.of(msg);
      caller.requireUser();
      return store.cancelByBuyer(uuid(msg.body(), "order_id"), caller);
    });
    serve(OrdersAddresses.SELLER_SHIPMENTS, this::sellerShipments);
    serve(OrdersAddresses.SHIP, msg -> {
      Caller caller = Caller.of(msg);
      caller.requireRole("seller");
      return store.ship(uuid(msg.body(), "shipment_id"), caller);
    });
    serve(OrdersAddresses.DELIVER, msg -> {
      Caller caller = Caller.of(msg);
      caller.requireRole("seller");
      return store.deliver(uuid(msg.body(), "shipment_id"), caller);
    });
    return Future.succeededFuture();
  }

  private static UUID uuid(JsonObject body, String field) {
    JsonValidator v = JsonValidator.of(body).allowOnly(field);
    UUID id = v.requiredUuid(field);
    v.throwIfInvalid();
    return id;
  }

  private Future<JsonObject> create(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    JsonValidator v = JsonValidator.of(body).allowOnly("order_id", "buyer_id", "currency", "lines", "reply");
    boolean brief = "brief".equals(v.optionalEnum("reply", REPLIES));
    UUID orderId = v.requiredUuid("order_id");
    UUID buyerId = v.requiredUuid("buyer_id");
    String currency = v.requiredString("currency", 3, 3);
    if (currency != null && !CURRENCY.matcher(currency).matches()) {
      v.error("currency", "must be an ISO 4217 code such as RUB");
    }
    List<OrderStore.NewLine> lines = new ArrayList<>();
    Object value = body.getValue("lines");
    if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_LINES) {
      v.error("lines", "must be an array of 1 to " + MAX_LINES + " lines");
    } else {
      for (int i = 0; i < array.size(); i++) {
        String field = "lines[" + i + "]";
        if (!(array.getValue(i) instanceof JsonObject line)) {
          v.error(field, "must be an object");
          continue;
        }
        OrderStore.NewLine parsed = line(line, field, currency, v);
        if (parsed != null) {
          lines.add(parsed);
        }
      }
    }
    v.throwIfInvalid();
    OrderStore.NewOrder order = new OrderStore.NewOrder(orderId, buyerId, currency, lines);
    // a brief answer needs no reload of the order: such creates share transactions
    return brief ? creates.submit(order) : store.create(order);
  }

  private static OrderStore.NewLine line(JsonObject line, String field, String currency, JsonValidator v) {
    int before = v.errors().size();
    for (String name : line.fieldNames()) {
      if (!Set.of("product_id", "seller_id", "title", "quantity", "unit_price").contains(name)) {
        v.error(field + "." + name, "is not a known field");
      }
    }
    UUID productId = JsonValidator.parseUuid(line.getValue("product_id"));
    UUID sellerId = JsonValidator.parseUuid(line.getValue("seller_id"));
    if (productId == null) {
      v.error(field + ".product_id", "must be a UUID");
    }
    if (sellerId == null) {
      v.error(field + ".seller_id", "must be a UUID");
    }
    Object title = line.getValue("title");
    if (!(title instanceof String t) || t.isBlank() || t.length() > 500) {
      v.error(field + ".title", "must be a string of 1 to 500 characters");
    }
    Object quantity = line.getValue("quantity");
    if (!(quantity instanceof Integer q) || q < 1 || q > 10_000) {
      v.error(field + ".quantity", "must be an integer between 1 and 10000");
    }
    Long unitPrice = unitPrice(line.getValue("unit_price"), field + ".unit_price", currency, v);
    if (v.errors().size() > before || unitPrice == null) {
      return null;
    }
    return new OrderStore.NewLine(productId, sellerId, ((String) title).strip(), (Integer) quantity, unitPrice);
  }

  /** {@code {amount, currency}} in the order's currency, or a bare integer of minor units. */
  private static Long unitPrice(Object value, String field, String currency, JsonValidator v) {
    Object amount = value;
    if (value instanceof JsonObject money) {
      if (!money.fieldNames().stream().allMatch(n -> n.equals("amount") || n.equals("currency"))) {
        v.error(field, "must be {amount, currency}");
        return null;
      }
      if (currency != null && !currency.equals(money.getValue("currency"))) {
        v.error(field + ".currency", "must be the order's currency " + currency);
        return null;
      }
      amount = money.getValue("amount");
    }
    if (!(amount instanceof Integer || amount instanceof Long) || ((Number) amount).longValue() < 0
      || ((Number) amount).longValue() > MAX_UNIT_PRICE) {
      v.error(field, "must be a non-negative integer amount of minor units");
      return null;
    }
    return ((Number) amount).longValue();
  }

  private Future<JsonObject> transition(Message<JsonObject> msg) {
    JsonValidator v = JsonValidator.of(msg.body()).allowOnly("order_id", "to", "reason", "reply");
    boolean brief = "brief".equals(v.optionalEnum("reply", REPLIES));
    UUID orderId = v.requiredUuid("order_id");
    String to = v.requiredString("to", 1, 32);
    OrderStatus target = to == null ? null : OrderStatus.parse(to);
    if (to != null && target == null) {
      v.error("to", "must be one of " + Arrays.stream(OrderStatus.values()).map(Enum::name).collect(Collectors.joining(", ")));
    }
    String reason = v.optionalString("reason", 1, 64);
    if (reason != null && !REASON.matcher(reason).matches()) {
      v.error("reason", "must be an UPPER_SNAKE code");
    }
    if (target == OrderStatus.CANCELLED && reason == null && !msg.body().containsKey("reason")) {
      v.error("reason", "is required for CANCELLED");
    }
    v.throwIfInvalid();
    return brief ? transitions.submit(new OrderStore.Transition(orderId, target, reason)) : store.transition(orderId, target, reason);
  }

  private Future<JsonObject> list(Message<JsonObject> msg) {
    Caller caller = Caller.of(msg);
    String userId = caller.requireUser();
    JsonValidator v = JsonValidator.of(msg.body()).allowOnly("limit", "cursor");
    Long limit = v.optionalLong("limit", 1, 100);
    OrderStore.Cursor cursor = cursor(v);
    v.throwIfInvalid();
    UUID buyerId = JsonValidator.parseUuid(userId);
    if (buyerId == null) {
      return Future.succeededFuture(new JsonObject().put("items", new JsonArray()).putNull("next_cursor"));
    }
    return store.list(buyerId, limit == null ? 20 : limit.intValue(), cursor);
  }

  private Future<JsonObject> sellerShipments(Message<JsonObject> msg) {
    Caller caller = Caller.of(msg);
    String userId = caller.requireRole("seller");
    JsonValidator v = JsonValidator.of(msg.body()).allowOnly("status", "limit", "cursor");
    String status = v.optionalEnum("status", SHIPMENT_STATUSES);
    Long limit = v.optionalLong("limit", 1, 100);
    OrderStore.Cursor cursor = cursor(v);
    v.throwIfInvalid();
    UUID sellerId = JsonValidator.parseUuid(userId);
    if (sellerId == null) {
      return Future.succeededFuture(new JsonObject().put("items", new JsonArray()).putNull("next_cursor"));
    }
    return store.sellerShipments(sellerId, status, limit == null ? 20 : limit.intValue(), cursor);
  }

  private static OrderStore.Cursor cursor(JsonValidator v) {
    String raw = v.optionalString("cursor", 1, 200);
    if (raw == null) {
      return OrderStore.Cursor.START;
    }
    OrderStore.Cursor cursor = OrderStore.Cursor.parse(raw);
    if (cursor == null) {
      v.error("cursor", "is not a cursor this API returned");
    }
    return cursor;
  }
}
