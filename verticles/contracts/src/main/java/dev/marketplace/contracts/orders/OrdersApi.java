package dev.marketplace.contracts.orders;

import dev.marketplace.contracts.Money;
import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.bus.Invoker;
import dev.marketplace.contracts.bus.Operation;
import dev.marketplace.contracts.json.Json;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The orders component's operations, typed (what each one means: {@link OrdersAddresses}).
 * {@code OrdersApi.over(client)} is the client; orders registers its handlers from the same
 * {@link Operation}s.
 */
public interface OrdersApi extends Invoker {
  int MAX_LINES = 100;
  long MAX_UNIT_PRICE = 1_000_000_000_000L;
  Set<String> SHIPMENT_STATUSES = Set.of("READY_TO_SHIP", "SHIPPED", "DELIVERED", "CANCELLED");

  Operation<NewOrder, Order> CREATE = Operation.of(OrdersAddresses.CREATE, NewOrder.CODEC, Order.CODEC);
  Operation<Transition, Order> TRANSITION = Operation.of(OrdersAddresses.TRANSITION, Transition.CODEC, Order.CODEC);
  Operation<OrderRef, Order> GET = Operation.of(OrdersAddresses.GET, OrderRef.CODEC, Order.CODEC);
  Operation<OrderRef, Order> VIEW = Operation.of(OrdersAddresses.VIEW, OrderRef.CODEC, Order.CODEC);
  /** The reply is the page as the HTTP route answers it: {@code {items:[order...], next_cursor}}. */
  Operation<Page, JsonObject> LIST = Operation.of(OrdersAddresses.LIST, Page.codec(Set.of("limit", "cursor"), null), Codec.DOCUMENT);
  Operation<OrderRef, Order> CANCEL = Operation.of(OrdersAddresses.CANCEL, OrderRef.CODEC, Order.CODEC);
  /** The reply is the page as the HTTP route answers it: {@code {items:[shipment...], next_cursor}}. */
  Operation<Page, JsonObject> SELLER_SHIPMENTS =
    Operation.of(OrdersAddresses.SELLER_SHIPMENTS, Page.codec(Set.of("status", "limit", "cursor"), SHIPMENT_STATUSES), Codec.DOCUMENT);
  /** The reply is the shipment as the HTTP route answers it. */
  Operation<ShipmentRef, JsonObject> SHIP = Operation.of(OrdersAddresses.SHIP, ShipmentRef.CODEC, Codec.DOCUMENT);
  /** The reply is the shipment as the HTTP route answers it. */
  Operation<ShipmentRef, JsonObject> DELIVER = Operation.of(OrdersAddresses.DELIVER, ShipmentRef.CODEC, Codec.DOCUMENT);

  static OrdersApi over(Invoker bus) {
    return bus::call;
  }

  default Future<Order> create(NewOrder order) {
    return call(CREATE, order);
  }

  default Future<Order> transition(Transition transition) {
    return call(TRANSITION, transition);
  }

  default Future<Order> get(UUID orderId) {
    return call(GET, new OrderRef(orderId));
  }

  default Future<Order> view(UUID orderId) {
    return call(VIEW, new OrderRef(orderId));
  }

  default Future<JsonObject> list(Page page) {
    return call(LIST, page);
  }

  default Future<Order> cancel(UUID orderId) {
    return call(CANCEL, new OrderRef(orderId));
  }

  default Future<JsonObject> sellerShipments(Page page) {
    return call(SELLER_SHIPMENTS, page);
  }

  default Future<JsonObject> ship(UUID shipmentId) {
    return call(SHIP, new ShipmentRef(shipmentId));
  }

  default Future<JsonObject> deliver(UUID shipmentId) {
    return call(DELIVER, new ShipmentRef(shipmentId));
  }

  /**
   * An order as orders answers it (see {@link OrdersAddresses}): the whole order, or with
   * {@code brief} asked only its head {@code {id, buyer_id, status, currency, total, brief: true}}.
   * The typed accessors read the head; {@link #json()} is the document the gateway shows.
   */
  record Order(JsonObject json) {
    public static final Codec<Order> CODEC = Codec.of(Order::json, Order::new);

    public UUID id() {
      return Json.uuid(json, "id");
    }

    public UUID buyerId() {
      return Json.uuid(json, "buyer_id");
    }

    /** {@code null} when the answer names no status this contract knows. */
    public OrderStatus status() {
      String s = Json.string(json, "status");
      return s == null ? null : OrderStatus.parse(s);
    }

    /** The order's total; {@code null} when the answer has none. */
    public Money total() {
      JsonObject total = Json.object(json, "total");
      return total == null || Json.longValue(total, "amount") == null || Json.string(total, "currency") == null
        ? null : Money.fromJson(total);
    }
  }

  /** An order to create; {@code brief}: answer only the head (and let concurrent creates share a transaction). */
  record NewOrder(UUID orderId, String buyerId, String currency, List<Line> lines, boolean brief) {
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Set<String> LINE_FIELDS = Set.of("product_id", "seller_id", "title", "quantity", "unit_price");
    public static final Codec<NewOrder> CODEC = Codec.of(NewOrder::toJson, NewOrder::decode);

    /**
     * {@code unitPrice} in the order's currency. Ids a caller passes on from others (products,
     * sellers, the buyer) are the strings it was given; the receiver's decode admits UUIDs only.
     */
    public record Line(String productId, String sellerId, String title, int quantity, Money unitPrice) {
    }

    JsonObject toJson() {
      JsonArray array = new JsonArray();
      for (Line line : lines) {
        array.add(new JsonObject().put("product_id", line.productId()).put("seller_id", line.sellerId())
          .put("title", line.title()).put("quantity", line.quantity()).put("unit_price", line.unitPrice().toJson()));
      }
      JsonObject json = new JsonObject().put("order_id", orderId.toString()).put("buyer_id", buyerId)
        .put("currency", currency).put("lines", array);
      return brief ? json.put("reply", "brief") : json;
    }

    static NewOrder decode(JsonObject body) {
      JsonValidator v = JsonValidator.of(body).allowOnly("order_id", "buyer_id", "currency", "lines", "reply");
      boolean brief = Replies.brief(v);
      UUID orderId = v.requiredUuid("order_id");
      UUID buyerId = v.requiredUuid("buyer_id");
      String currency = v.requiredString("currency", 3, 3);
      if (currency != null && !CURRENCY.matcher(currency).matches()) {
        v.error("currency", "must be an ISO 4217 code such as RUB");
      }
      List<Line> lines = new ArrayList<>();
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
          Line parsed = line(line, field, currency, v);
          if (parsed != null) {
            lines.add(parsed);
          }
        }
      }
      v.throwIfInvalid();
      return new NewOrder(orderId, buyerId == null ? null : buyerId.toString(), currency, List.copyOf(lines), brief);
    }

    private static Line line(JsonObject line, String field, String currency, JsonValidator v) {
      int before = v.errors().size();
      for (String name : line.fieldNames()) {
        if (!LINE_FIELDS.contains(name)) {
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
      return new Line(productId.toString(), sellerId.toString(), ((String) title).strip(), (Integer) quantity, new Money(unitPrice, currency));
    }

    /** {@code {amount, currency}} in the order's currency. */
    private static Long unitPrice(Object value, String field, String currency, JsonValidator v) {
      if (!(value instanceof JsonObject money) || !money.fieldNames().stream().allMatch(n -> n.equals("amount") || n.equals("currency"))) {
        v.error(field, "must be {amount, currency}");
        return null;
      }
      if (currency != null && !currency.equals(money.getValue("currency"))) {
        v.error(field + ".currency", "must be the order's currency " + currency);
        return null;
      }
      Object amount = money.getValue("amount");
      if (!(amount instanceof Integer || amount instanceof Long) || ((Number) amount).longValue() < 0
        || ((Number) amount).longValue() > MAX_UNIT_PRICE) {
        v.error(field, "must be a non-negative integer amount of minor units");
        return null;
      }
      return ((Number) amount).longValue();
    }
  }

  /** A move of the state machine; {@code reason} (UPPER_SNAKE) is required for CANCELLED. */
  record Transition(UUID orderId, OrderStatus to, String reason, boolean brief) {
    private static final Pattern REASON = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");
    public static final Codec<Transition> CODEC = Codec.of(Transition::toJson, Transition::decode);

    JsonObject toJson() {
      JsonObject json = new JsonObject().put("order_id", orderId.toString()).put("to", to.name());
      Json.putIfPresent(json, "reason", reason);
      return brief ? json.put("reply", "brief") : json;
    }

    static Transition decode(JsonObject body) {
      JsonValidator v = JsonValidator.of(body).allowOnly("order_id", "to", "reason", "reply");
      boolean brief = Replies.brief(v);
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
      if (target == OrderStatus.CANCELLED && reason == null && !body.containsKey("reason")) {
        v.error("reason", "is required for CANCELLED");
      }
      v.throwIfInvalid();
      return new Transition(orderId, target, reason, brief);
    }
  }

  record OrderRef(UUID orderId) {
    public static final Codec<OrderRef> CODEC = Codec.of(r -> new JsonObject().put("order_id", r.orderId().toString()),
      body -> new OrderRef(Replies.onlyUuid(body, "order_id")));
  }

  record ShipmentRef(UUID shipmentId) {
    public static final Codec<ShipmentRef> CODEC = Codec.of(r -> new JsonObject().put("shipment_id", r.shipmentId().toString()),
      body -> new ShipmentRef(Replies.onlyUuid(body, "shipment_id")));
  }

  /**
   * A page of a list: limit 1..100 (null: 20), the cursor a previous page returned (its form is
   * the component's: an unreadable one is VALIDATION_FAILED on {@code cursor}), and for shipments
   * an optional status.
   */
  record Page(String status, Integer limit, String cursor) {
    static Codec<Page> codec(Set<String> fields, Set<String> statuses) {
      return Codec.of(p -> {
        JsonObject json = new JsonObject();
        Json.putIfPresent(json, "status", p.status());
        Json.putIfPresent(json, "limit", p.limit());
        return Json.putIfPresent(json, "cursor", p.cursor());
      }, body -> {
        JsonValidator v = JsonValidator.of(body).allowOnly(fields);
        String status = statuses == null ? null : v.optionalEnum("status", statuses);
        Long limit = v.optionalLong("limit", 1, 100);
        String cursor = v.optionalString("cursor", 1, 200);
        v.throwIfInvalid();
        return new Page(status, limit == null ? null : limit.intValue(), cursor);
      });
    }
  }

  /** Small readers shared by the codecs above. */
  final class Replies {
    private static final Set<String> REPLIES = Set.of("order", "brief");

    private Replies() {
    }

    static boolean brief(JsonValidator v) {
      return "brief".equals(v.optionalEnum("reply", REPLIES));
    }

    static UUID onlyUuid(JsonObject body, String field) {
      JsonValidator v = JsonValidator.of(body).allowOnly(field);
      UUID id = v.requiredUuid(field);
      v.throwIfInvalid();
      return id;
    }
  }
}
