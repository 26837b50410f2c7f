package dev.marketplace.orders;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.orders.OrderStatus;
import dev.marketplace.platform.bus.Caller;
import dev.marketplace.platform.outbox.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.marketplace.orders.OrdersSql.*;

/**
 * Orders in PostgreSQL. Every change locks the order row first (then its shipments), writes the
 * history entry and the {@code orders.events} event in the same transaction.
 */
final class OrderStore {
  /** A line as checkout hands it over. */
  record NewLine(UUID productId, UUID sellerId, String title, int quantity, long unitPrice) {
  }

  record NewOrder(UUID orderId, UUID buyerId, String currency, List<NewLine> lines) {
  }

  private record OrderRow(UUID id, UUID buyerId, OrderStatus status, String currency, long total) {
    static OrderRow of(Row row) {
      return new OrderRow(row.getUUID("id"), row.getUUID("buyer_id"), OrderStatus.parse(row.getString("status")),
        row.getString("currency"), row.getLong("total"));
    }
  }

  private final Pool pool;
  private final Outbox outbox;
  private final Runnable afterChange;

  OrderStore(Pool pool, Outbox outbox, Runnable afterChange) {
    this.pool = pool;
    this.outbox = outbox;
    this.afterChange = afterChange;
  }

  // ------------------------------------------------------------------ changes

  Future<JsonObject> create(NewOrder order) {
    return pool.withTransaction(conn -> {
      long total = order.lines().stream().mapToLong(l -> l.unitPrice() * l.quantity()).sum();
      return conn.preparedQuery(INSERT_ORDER).execute(Tuple.of(order.orderId(), order.buyerId(), order.currency(), total))
        .compose(rows -> rows.size() == 0
          // the same order id again: the stored order
          ? Future.succeededFuture()
          : insertContent(conn, order)
            .compose(v -> record(conn, new OrderRow(order.orderId(), order.buyerId(), OrderStatus.NEW, order.currency(), total),
              OrderStatus.NEW, "ORDER_CREATED", null)))
        .compose(v -> load(conn, order.orderId()));
    }).onSuccess(x -> afterChange.run());
  }

  private Future<Void> insertContent(SqlConnection conn, NewOrder order) {
    Map<UUID, UUID> shipmentOfSeller = new LinkedHashMap<>();
    Map<UUID, Long> totalOfSeller = new LinkedHashMap<>();
    for (NewLine line : order.lines()) {
      shipmentOfSeller.computeIfAbsent(line.sellerId(), s -> UUID.randomUUID());
      totalOfSeller.merge(line.sellerId(), line.unitPrice() * line.quantity(), Long::sum);
    }
    Tuple shipments = Tuple.tuple().addValue(order.orderId())
      .addValue(shipmentOfSeller.values().toArray(UUID[]::new))
      .addValue(shipmentOfSeller.keySet().toArray(UUID[]::new))
      .addValue(totalOfSeller.values().toArray(Long[]::new));
    List<NewLine> lines = order.lines();
    Integer[] numbers = new Integer[lines.size()];
    for (int i = 0; i < numbers.length; i++) {
      numbers[i] = i + 1;
    }
    Tuple lineArgs = Tuple.tuple().addValue(order.orderId())
      .addValue(numbers)
      .addValue(lines.stream().map(NewLine::productId).toArray(UUID[]::new))
      .addValue(lines.stream().map(NewLine::sellerId).toArray(UUID[]::new))
      .addValue(lines.stream().map(l -> shipmentOfSeller.get(l.sellerId())).toArray(UUID[]::new))
      .addValue(lines.stream().map(NewLine::title).toArray(String[]::new))
      .addValue(lines.stream().map(NewLine::quantity).toArray(Integer[]::new))
      .addValue(lines.stream().map(NewLine::unitPrice).toArray(Long[]::new));
    return conn.preparedQuery(INSERT_SHIPMENTS).execute(shipments)
      .compose(v -> conn.preparedQuery(INSERT_LINES).execute(lineArgs))
      .mapEmpty();
  }

  /** The state machine's transitions that are not driven by shipments (checkout and payment). */
  Future<JsonObject> transition(UUID orderId, OrderStatus to, String reason) {
    return pool.withTransaction(conn -> lock(conn, orderId).compose(order -> {
      if (order == null) {
        return Future.failedFuture(ErrorCode.NOT_FOUND.failure("No such order."));
      }
      if (order.status() == to) {
        return load(conn, orderId);
      }
      if (to == OrderStatus.SHIPPED || to == OrderStatus.DELIVERED) {
        return Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure("An order is " + to + " when all its shipments are."));
      }
      if (!order.status().canMoveTo(to)) {
        return Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure("An order cannot go from " + order.status() + " to " + to + "."));
      }
      return apply(conn, order, to, reason == null ? defaultReason(to) : reason).compose(v -> load(conn, orderId));
    })).onSuccess(x -> afterChange.run());
  }

  /** The buyer cancels their own order (foreign orders are NOT_FOUND). */
  Future<JsonObject> cancelByBuyer(UUID orderId, Caller caller) {
    return pool.withTransaction(conn -> lock(conn, orderId).compose(order -> {
      if (order == null || !ownedBy(order, caller)) {
        return Future.failedFuture(Caller.notFound());
      }
      if (order.status() == OrderStatus.CANCELLED) {
        return load(conn, orderId);
      }
      if (!order.status().buyerMayCancel()) {
        return Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure("An order that is " + order.status() + " cannot be cancelled."));
      }
      return conn.preparedQuery(SHIPMENTS_NOT_IN).execute(Tuple.tuple().addValue(orderId).addValue(new String[] {"PENDING", "READY_TO_SHIP"}))
        .compose(rows -> rows.iterator().next().getLong("n") > 0
          ? Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure("Part of this order has been shipped already."))
          : apply(conn, order, OrderStatus.CANCELLED, "BUYER_CANCELLED"))
        .compose(v -> load(conn, orderId));
    })).onSuccess(x -> afterChange.run());
  }

  Future<JsonObject> ship(UUID shipmentId, Caller caller) {
    return moveShipment(shipmentId, caller, "READY_TO_SHIP", "SHIPPED", SHIP, "ShipmentShipped",
      new String[] {"SHIPPED", "DELIVERED"}, OrderStatus.SHIPPED, "ALL_SHIPMENTS_SHIPPED");
  }

  Future<JsonObject> deliver(UUID shipmentId, Caller caller) {
    return moveShipment(shipmentId, caller, "SHIPPED", "DELIVERED", DELIVER, "ShipmentDelivered",
      new String[] {"DELIVERED"}, OrderStatus.DELIVERED, "ALL_SHIPMENTS_DELIVERED");
  }

  /**
   * Moves a seller's own shipment {@code from → to}; when every shipment of the order is then in
   * {@code doneStatuses}, the order follows to {@code orderTo}.
   */
  private Future<JsonObject> moveShipment(UUID shipmentId, Caller caller, String from, String to, String updateSql,
                                          String eventType, String[] doneStatuses, OrderStatus orderTo, String orderReason) {
    return pool.withTransaction(conn -> conn.preparedQuery(SHIPMENT_ORDER).execute(Tuple.of(shipmentId)).compose(found -> {
      if (found.size() == 0) {
        return Future.failedFuture(Caller.notFound());
      }
      UUID orderId = found.iterator().next().getUUID("order_id");
      // the order row first, as in every other change of the order
      return lock(conn, orderId).compose(order -> conn.preparedQuery(SHIPMENT_FOR_UPDATE).execute(Tuple.of(shipmentId))
        .compose(rows -> {
          Row shipment = rows.iterator().next();
          if (!caller.isAdmin() && !shipment.getUUID("seller_id").toString().equals(caller.userId())) {
            return Future.failedFuture(Caller.notFound());
          }
          String status = shipment.getString("status");
          if (status.equals(to)) {
            return Future.succeededFuture(false);
          }
          if (!status.equals(from)) {
            return Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure("A shipment that is " + status + " cannot become " + to + "."));
          }
          JsonObject data = eventData(order, order.status(), null)
            .put("shipment_id", shipmentId.toString()).put("seller_id", shipment.getUUID("seller_id").toString())
            .put("shipment_status", to);
          return conn.preparedQuery(updateSql).execute(Tuple.of(shipmentId))
            .compose(v -> outbox.append(conn, Topics.ORDERS_EVENTS, EventEnvelope.create(eventType, orderId.toString(), data)))
            .compose(v -> conn.preparedQuery(SHIPMENTS_NOT_IN).execute(Tuple.tuple().addValue(orderId).addValue(doneStatuses)))
            .compose(rest -> followShipments(conn, order, rest.iterator().next().getLong("n") == 0, orderTo, orderReason))
            .map(true);
        })
        .compose(changed -> loadShipment(conn, shipmentId)));
    })).onSuccess(x -> afterChange.run());
  }

  /** When all shipments are shipped (delivered), so is the order; a delivery may complete both steps. */
  private Future<Void> followShipments(SqlConnection conn, OrderRow order, boolean allDone, OrderStatus orderTo, String reason) {
    if (!allDone) {
      return Future.succeededFuture();
    }
    if (orderTo == OrderStatus.DELIVERED && order.status() == OrderStatus.PAID) {
      return apply(conn, order, OrderStatus.SHIPPED, "ALL_SHIPMENTS_SHIPPED")
        .compose(v -> apply(conn, withStatus(order, OrderStatus.SHIPPED), OrderStatus.DELIVERED, reason));
    }
    return order.status().canMoveTo(orderTo) ? apply(conn, order, orderTo, reason) : Future.succeededFuture();
  }

  private static OrderRow withStatus(OrderRow order, OrderStatus status) {
    return new OrderRow(order.id(), order.buyerId(), status, order.currency(), order.total());
  }

  /** Sets the status, its side effects on shipments, the history entry and the event. */
  private Future<Void> apply(SqlConnection conn, OrderRow order, OrderStatus to, String reason) {
    Future<?> shipments = switch (to) {
      case PAID -> conn.preparedQuery(SHIPMENTS_READY).execute(Tuple.of(order.id()));
      case CANCELLED -> conn.preparedQuery(SHIPMENTS_CANCELLED).execute(Tuple.of(order.id()));
      default -> Future.succeededFuture();
    };
    return shipments
      .compose(v -> conn.preparedQuery(SET_STATUS).execute(Tuple.of(order.id(), to.name())))
      .compose(v -> record(conn, order, to, reason, null));
  }

  private Future<Void> record(SqlConnection conn, OrderRow order, OrderStatus to, String reason, JsonObject extra) {
    JsonObject data = eventData(order, to, reason);
    if (extra != null) {
      data.mergeIn(extra);
    }
    return conn.preparedQuery(INSERT_HISTORY).execute(Tuple.of(order.id(), to.name(), reason))
      .compose(v -> outbox.append(conn, Topics.ORDERS_EVENTS, EventEnvelope.create(to.eventType(), order.id().toString(), data)));
  }

  private static JsonObject eventData(OrderRow order, OrderStatus status, String reason) {
    JsonObject data = new JsonObject()
      .put("order_id", order.id().toString())
      .put("buyer_id", order.buyerId().toString())
      .put("status", status.name())
      .put("total", money(order.total(), order.currency()));
    if (reason != null) {
      data.put("reason", reason);
    }
    return data;
  }

  private static String defaultReason(OrderStatus to) {
    return switch (to) {
      case NEW -> "ORDER_CREATED";
      case RESERVED -> "STOCK_RESERVED";
      case PENDING_PAYMENT -> "PAYMENT_STARTED";
      case PAID -> "PAYMENT_CAPTURED";
      case SHIPPED -> "ALL_SHIPMENTS_SHIPPED";
      case DELIVERED -> "ALL_SHIPMENTS_DELIVERED";
      case CANCELLED -> "CANCELLED";
      case REFUNDED -> "PAYMENT_REFUNDED";
    };
  }

  private static Future<OrderRow> lock(SqlConnection conn, UUID orderId) {
    return conn.preparedQuery(SELECT_ORDER_FOR_UPDATE).execute(Tuple.of(orderId))
      .map(rows -> rows.size() == 0 ? null : OrderRow.of(rows.iterator().next()));
  }

  private static boolean ownedBy(OrderRow order, Caller caller) {
    return caller.isAdmin() || order.buyerId().toString().equals(caller.userId());
  }

  // ------------------------------------------------------------------ group commit (brief replies)

  /** A transition as the state machine's callers ask for it. */
  record Transition(UUID orderId, OrderStatus to, String reason) {
  }

  /** The head of an order: what a caller that asked for a brief reply gets instead of the whole order. */
  static JsonObject brief(UUID id, UUID buyerId, OrderStatus status, String currency, long total) {
    return new JsonObject().put("id", id.toString()).put("buyer_id", buyerId.toString()).put("status", status.name())
      .put("currency", currency).put("total", money(total, currency)).put("brief", true);
  }

  private static JsonObject brief(OrderRow order, OrderStatus status) {
    return brief(order.id(), order.buyerId(), status, order.currency(), order.total());
  }

  /**
   * {@link #create} answered briefly, alone (a batch of one, or a batch's fallback): the batch's
   * statements for one order, with no reload; an order id seen before is answered from its head row.
   */
  Future<JsonObject> createBrief(NewOrder order) {
    return createBatch(List.of(order)).compose(out -> {
      Object one = out.get(0);
      if (one instanceof Throwable failure) {
        return Future.failedFuture(failure);
      }
      return one != null ? Future.succeededFuture((JsonObject) one) : head(order.orderId());
    });
  }

  /** {@link #transition} answered briefly, alone (a batch of one, or a batch's fallback), with no reload. */
  Future<JsonObject> transitionBrief(Transition t) {
    return transitionBatch(List.of(t)).compose(out -> {
      Object one = out.get(0);
      if (one instanceof Throwable failure) {
        return Future.failedFuture(failure);
      }
      return one != null ? Future.succeededFuture((JsonObject) one) : head(t.orderId());
    });
  }

  /** The brief answer for a stored order, from its row alone. */
  private Future<JsonObject> head(UUID orderId) {
    return pool.preparedQuery(SELECT_ORDER).execute(Tuple.of(orderId)).compose(rows -> rows.size() == 0
      ? Future.failedFuture(ErrorCode.NOT_FOUND.failure("No such order."))
      : Future.succeededFuture(briefOfRow(OrderRow.of(rows.iterator().next()))));
  }

  private static JsonObject briefOfRow(OrderRow order) {
    return brief(order, order.status());
  }

  /**
   * Creates many orders in one transaction: one multi-row statement each for the orders, shipments,
   * lines, history and events, sent pipelined. An order id seen before (or twice in the batch) is
   * answered alone afterwards (the stored order), so a repeat never changes anything.
   */
  Future<List<Object>> createBatch(List<NewOrder> batch) {
    Object[] outcome = new Object[batch.size()];
    List<Integer> members = new ArrayList<>();
    java.util.Set<UUID> ids = new java.util.HashSet<>();
    for (int i = 0; i < batch.size(); i++) {
      if (ids.add(batch.get(i).orderId())) {
        members.add(i);
      }
    }
    long[] totals = new long[batch.size()];
    for (int i : members) {
      totals[i] = batch.get(i).lines().stream().mapToLong(l -> l.unitPrice() * l.quantity()).sum();
    }
    Tuple head = Tuple.tuple()
      .addValue(members.stream().map(i -> batch.get(i).orderId()).toArray(UUID[]::new))
      .addValue(members.stream().map(i -> batch.get(i).buyerId()).toArray(UUID[]::new))
      .addValue(members.stream().map(i -> batch.get(i).currency()).toArray(String[]::new))
      .addValue(members.stream().map(i -> totals[i]).toArray(Long[]::new));
    return pool.withTransaction(conn -> conn.preparedQuery(INSERT_ORDERS_MANY).execute(head).compose(rows -> {
      java.util.Set<UUID> inserted = new java.util.HashSet<>();
      rows.forEach(r -> inserted.add(r.getUUID("id")));
      List<UUID> shipId = new ArrayList<>();
      List<UUID> shipOrder = new ArrayList<>();
      List<UUID> shipSeller = new ArrayList<>();
      List<Long> shipTotal = new ArrayList<>();
      List<UUID> lineOrder = new ArrayList<>();
      List<Integer> lineNo = new ArrayList<>();
      List<UUID> lineProduct = new ArrayList<>();
      List<UUID> lineSeller = new ArrayList<>();
      List<UUID> lineShipment = new ArrayList<>();
      List<String> lineTitle = new ArrayList<>();
      List<Integer> lineQuantity = new ArrayList<>();
      List<Long> linePrice = new ArrayList<>();
      List<UUID> historyOrder = new ArrayList<>();
      List<EventEnvelope> events = new ArrayList<>();
      for (int i : members) {
        NewOrder order = batch.get(i);
        if (!inserted.contains(order.orderId())) {
          // it existed before this batch: answered alone, as it is stored
          continue;
        }
        Map<UUID, UUID> shipmentOfSeller = new LinkedHashMap<>();
        Map<UUID, Long> totalOfSeller = new LinkedHashMap<>();
        for (NewLine line : order.lines()) {
          shipmentOfSeller.computeIfAbsent(line.sellerId(), x -> UUID.randomUUID());
          totalOfSeller.merge(line.sellerId(), line.unitPrice() * line.quantity(), Long::sum);
        }
        shipmentOfSeller.forEach((seller, shipment) -> {
          shipId.add(shipment);
          shipOrder.add(order.orderId());
          shipSeller.add(seller);
          shipTotal.add(totalOfSeller.get(seller));
        });
        int n = 1;
        for (NewLine line : order.lines()) {
          lineOrder.add(order.orderId());
          lineNo.add(n++);
          lineProduct.add(line.productId());
          lineSeller.add(line.sellerId());
          lineShipment.add(shipmentOfSeller.get(line.sellerId()));
          lineTitle.add(line.title());
          lineQuantity.add(line.quantity());
          linePrice.add(line.unitPrice());
        }
        OrderRow row = new OrderRow(order.orderId(), order.buyerId(), OrderStatus.NEW, order.currency(), totals[i]);
        historyOrder.add(order.orderId());
        events.add(EventEnvelope.create(OrderStatus.NEW.eventType(), order.orderId().toString(), eventData(row, OrderStatus.NEW, "ORDER_CREATED")));
        outcome[i] = brief(row, OrderStatus.NEW);
      }
      if (historyOrder.isEmpty()) {
        return Future.succeededFuture();
      }
      // pipelined on the transaction's connection; the server runs them in this order
      Future<?> shipments = conn.preparedQuery(INSERT_SHIPMENTS_MANY).execute(Tuple.of(shipId.toArray(UUID[]::new),
        shipOrder.toArray(UUID[]::new), shipSeller.toArray(UUID[]::new), shipTotal.toArray(Long[]::new)));
      Future<?> lines = conn.preparedQuery(INSERT_LINES_MANY).execute(Tuple.tuple().addValue(lineOrder.toArray(UUID[]::new))
        .addValue(lineNo.toArray(Integer[]::new)).addValue(lineProduct.toArray(UUID[]::new)).addValue(lineSeller.toArray(UUID[]::new))
        .addValue(lineShipment.toArray(UUID[]::new)).addValue(lineTitle.toArray(String[]::new))
        .addValue(lineQuantity.toArray(Integer[]::new)).addValue(linePrice.toArray(Long[]::new)));
      Future<?> history = conn.preparedQuery(INSERT_HISTORY_MANY).execute(Tuple.of(historyOrder.toArray(UUID[]::new),
        historyOrder.stream().map(x -> OrderStatus.NEW.name()).toArray(String[]::new),
        historyOrder.stream().map(x -> "ORDER_CREATED").toArray(String[]::new)));
      Future<?> outboxed = outbox.appendAll(conn, Topics.ORDERS_EVENTS, events);
      return Future.all(shipments, lines, history, outboxed);
    }).map(v -> java.util.Arrays.asList(outcome))).onSuccess(x -> afterChange.run());
  }

  /**
   * Applies many transitions (of distinct orders) in one transaction: the orders are locked in id
   * order, each transition is checked alone (an illegal one fails alone, the others go on), then
   * one multi-row statement each for shipments, statuses, history and events.
   */
  Future<List<Object>> transitionBatch(List<Transition> batch) {
    Object[] outcome = new Object[batch.size()];
    List<Integer> members = new ArrayList<>();
    java.util.Set<UUID> ids = new java.util.TreeSet<>();
    for (int i = 0; i < batch.size(); i++) {
      if (ids.add(batch.get(i).orderId())) {
        members.add(i);
      }
    }
    return pool.withTransaction(conn -> conn.preparedQuery(SELECT_ORDERS_FOR_UPDATE_MANY).execute(Tuple.of(ids.toArray(UUID[]::new)))
      .compose(rows -> {
        Map<UUID, OrderRow> found = new java.util.HashMap<>();
        rows.forEach(r -> found.put(r.getUUID("id"), OrderRow.of(r)));
        List<UUID> paid = new ArrayList<>();
        List<UUID> cancelled = new ArrayList<>();
        List<UUID> changed = new ArrayList<>();
        List<String> statuses = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        List<EventEnvelope> events = new ArrayList<>();
        for (int i : members) {
          Transition t = batch.get(i);
          OrderRow order = found.get(t.orderId());
          OrderStatus to = t.to();
          if (order == null) {
            outcome[i] = ErrorCode.NOT_FOUND.failure("No such order.");
          } else if (order.status() == to) {
            outcome[i] = brief(order, to);
          } else if (to == OrderStatus.SHIPPED || to == OrderStatus.DELIVERED) {
            outcome[i] = ErrorCode.ILLEGAL_STATE.failure("An order is " + to + " when all its shipments are.");
          } else if (!order.status().canMoveTo(to)) {
            outcome[i] = ErrorCode.ILLEGAL_STATE.failure("An order cannot go from " + order.status() + " to " + to + ".");
          } else {
            String reason = t.reason() == null ? defaultReason(to) : t.reason();
            if (to == OrderStatus.PAID) {
              paid.add(order.id());
            } else if (to == OrderStatus.CANCELLED) {
              cancelled.add(order.id());
            }
            changed.add(order.id());
            statuses.add(to.name());
            reasons.add(reason);
            events.add(EventEnvelope.create(to.eventType(), order.id().toString(), eventData(order, to, reason)));
            outcome[i] = brief(order, to);
          }
        }
        if (changed.isEmpty()) {
          return Future.succeededFuture();
        }
        Future<?> ready = paid.isEmpty() ? Future.succeededFuture()
          : conn.preparedQuery(SHIPMENTS_READY_MANY).execute(Tuple.of(paid.toArray(UUID[]::new)));
        Future<?> gone = cancelled.isEmpty() ? Future.succeededFuture()
          : conn.preparedQuery(SHIPMENTS_CANCELLED_MANY).execute(Tuple.of(cancelled.toArray(UUID[]::new)));
        UUID[] changedIds = changed.toArray(UUID[]::new);
        String[] statusArray = statuses.toArray(String[]::new);
        Future<?> status = conn.preparedQuery(SET_STATUS_MANY).execute(Tuple.tuple().addValue(changedIds).addValue(statusArray));
        Future<?> history = conn.preparedQuery(INSERT_HISTORY_MANY).execute(Tuple.of(changedIds, statusArray, reasons.toArray(String[]::new)));
        Future<?> outboxed = outbox.appendAll(conn, Topics.ORDERS_EVENTS, events);
        return Future.all(List.of(ready, gone, status, history, outboxed));
      })
      .map(v -> java.util.Arrays.asList(outcome))).onSuccess(x -> afterChange.run());
  }

  // ------------------------------------------------------------------ reads

  /** The order for anyone (internal callers). */
  Future<JsonObject> get(UUID orderId) {
    return load(pool, orderId).compose(order -> order == null
      ? Future.failedFuture(ErrorCode.NOT_FOUND.failure("No such order."))
      : Future.succeededFuture(order));
  }

  /** The order for its buyer or an admin; NOT_FOUND for anybody else. */
  Future<JsonObject> view(UUID orderId, Caller caller) {
    return load(pool, orderId).compose(order -> order == null
        || !(caller.isAdmin() || order.getString("buyer_id").equals(caller.userId()))
      ? Future.failedFuture(Caller.notFound())
      : Future.succeededFuture(order));
  }

  /** A page of the buyer's orders, newest first, in one query (the orders with their lines, shipments and history). */
  Future<JsonObject> list(UUID buyerId, int limit, Cursor cursor) {
    return pool.preparedQuery(BUYER_ORDERS_PAGE).execute(Tuple.of(buyerId, cursor.at(), cursor.id(), limit + 1)).map(rows -> {
      List<Row> page = new ArrayList<>();
      rows.forEach(page::add);
      String next = page.size() > limit
        ? Cursor.encode(page.get(limit - 1).getOffsetDateTime("created_at"), page.get(limit - 1).getUUID("id"))
        : null;
      JsonArray items = new JsonArray();
      for (Row row : page.subList(0, Math.min(limit, page.size()))) {
        items.add(pageOrderJson(row));
      }
      return new JsonObject().put("items", items).put("next_cursor", next);
    });
  }

  Future<JsonObject> sellerShipments(UUID sellerId, String status, int limit, Cursor cursor) {
    return pool.preparedQuery(SELLER_SHIPMENTS).execute(Tuple.of(sellerId, cursor.at(), cursor.id(), limit + 1, status)).compose(rows -> {
      List<Row> page = new ArrayList<>();
      rows.forEach(page::add);
      String next = page.size() > limit
        ? Cursor.encode(page.get(limit - 1).getOffsetDateTime("ready_at"), page.get(limit - 1).getUUID("id"))
        : null;
      List<Row> shown = page.subList(0, Math.min(limit, page.size()));
      UUID[] ids = shown.stream().map(r -> r.getUUID("id")).toArray(UUID[]::new);
      return pool.preparedQuery(SHIPMENT_LINES).execute(Tuple.of(ids)).map(lineRows -> {
        Map<UUID, JsonArray> lines = new LinkedHashMap<>();
        String currency = shown.isEmpty() ? "RUB" : shown.get(0).getString("currency");
        lineRows.forEach(l -> lines.computeIfAbsent(l.getUUID("shipment_id"), k -> new JsonArray()).add(lineJson(l, currency)));
        JsonArray items = new JsonArray();
        for (Row s : shown) {
          items.add(new JsonObject()
            .put("id", s.getUUID("id").toString())
            .put("order_id", s.getUUID("order_id").toString())
            .put("seller_id", s.getUUID("seller_id").toString())
            .put("status", s.getString("status"))
            .put("order_status", s.getString("order_status"))
            .put("lines", lines.getOrDefault(s.getUUID("id"), new JsonArray()))
            .put("total", money(s.getLong("total"), s.getString("currency")))
            .put("created_at", instant(s.getOffsetDateTime("ready_at"))));
        }
        return new JsonObject().put("items", items).put("next_cursor", next);
      });
    });
  }

  private static Future<JsonObject> loadShipment(SqlConnection conn, UUID shipmentId) {
    return conn.preparedQuery(SHIPMENT_FOR_UPDATE).execute(Tuple.of(shipmentId)).compose(rows -> {
      Row s = rows.iterator().next();
      return load(conn, s.getUUID("order_id")).map(order -> {
        for (Object o : order.getJsonArray("shipments")) {
          JsonObject shipment = (JsonObject) o;
          if (shipment.getString("id").equals(shipmentId.toString())) {
            return shipment.copy().put("order_id", order.getString("id")).put("order_status", order.getString("status"));
          }
        }
        throw new IllegalStateException("shipment " + shipmentId + " missing from its order");
      });
    });
  }

  /** The full order JSON, or null when there is no such order. */
  static Future<JsonObject> load(SqlClient client, UUID orderId) {
    Future<io.vertx.sqlclient.RowSet<Row>> order = client.preparedQuery(SELECT_ORDER).execute(Tuple.of(orderId));
    Future<io.vertx.sqlclient.RowSet<Row>> lines = client.preparedQuery(SELECT_LINES).execute(Tuple.of(orderId));
    Future<io.vertx.sqlclient.RowSet<Row>> shipments = client.preparedQuery(SELECT_SHIPMENTS).execute(Tuple.of(orderId));
    Future<io.vertx.sqlclient.RowSet<Row>> history = client.preparedQuery(SELECT_HISTORY).execute(Tuple.of(orderId));
    return Future.all(order, lines, shipments, history).map(all -> {
      if (order.result().size() == 0) {
        return null;
      }
      Row o = order.result().iterator().next();
      List<LineRow> lineRows = new ArrayList<>();
      for (Row l : lines.result()) {
        lineRows.add(new LineRow(l.getUUID("product_id"), l.getUUID("seller_id"), l.getUUID("shipment_id"), l.getString("title"),
          l.getInteger("quantity"), l.getLong("unit_price"), l.getLong("line_total")));
      }
      List<ShipmentRow> shipmentRows = new ArrayList<>();
      for (Row sh : shipments.result()) {
        shipmentRows.add(new ShipmentRow(sh.getUUID("id"), sh.getUUID("seller_id"), sh.getString("status"), sh.getLong("total"),
          sh.getOffsetDateTime("shipped_at"), sh.getOffsetDateTime("delivered_at")));
      }
      List<HistoryRow> historyRows = new ArrayList<>();
      for (Row h : history.result()) {
        historyRows.add(new HistoryRow(h.getString("status"), h.getString("reason"), h.getOffsetDateTime("at")));
      }
      return orderJson(o, lineRows, shipmentRows, historyRows);
    });
  }

  private record LineRow(UUID productId, UUID sellerId, UUID shipmentId, String title, int quantity, long unitPrice, long lineTotal) {
  }

  private record ShipmentRow(UUID id, UUID sellerId, String status, long total, OffsetDateTime shippedAt, OffsetDateTime deliveredAt) {
  }

  private record HistoryRow(String status, String reason, OffsetDateTime at) {
  }

  /** The order JSON from its head row ({@code orders.orders} columns) and its lines, shipments and history in order. */
  private static JsonObject orderJson(Row o, List<LineRow> lines, List<ShipmentRow> shipments, List<HistoryRow> history) {
    String currency = o.getString("currency");
    JsonArray allLines = new JsonArray();
    Map<UUID, JsonArray> linesOfShipment = new LinkedHashMap<>();
    for (LineRow l : lines) {
      JsonObject line = new JsonObject()
        .put("product_id", l.productId().toString())
        .put("seller_id", l.sellerId().toString())
        .put("title", l.title())
        .put("quantity", l.quantity())
        .put("unit_price", money(l.unitPrice(), currency))
        .put("line_total", money(l.lineTotal(), currency));
      allLines.add(line);
      linesOfShipment.computeIfAbsent(l.shipmentId(), k -> new JsonArray()).add(line);
    }
    JsonArray shipmentsJson = new JsonArray();
    for (ShipmentRow sh : shipments) {
      shipmentsJson.add(new JsonObject()
        .put("id", sh.id().toString())
        .put("seller_id", sh.sellerId().toString())
        .put("status", sh.status())
        .put("total", money(sh.total(), currency))
        .put("lines", linesOfShipment.getOrDefault(sh.id(), new JsonArray()))
        .put("shipped_at", instant(sh.shippedAt()))
        .put("delivered_at", instant(sh.deliveredAt())));
    }
    JsonArray historyJson = new JsonArray();
    for (HistoryRow h : history) {
      historyJson.add(new JsonObject().put("status", h.status()).put("at", instant(h.at())).put("reason", h.reason()));
    }
    return new JsonObject()
      .put("id", o.getUUID("id").toString())
      .put("buyer_id", o.getUUID("buyer_id").toString())
      .put("status", o.getString("status"))
      .put("currency", currency)
      .put("lines", allLines)
      .put("total", money(o.getLong("total"), currency))
      .put("shipments", shipmentsJson)
      .put("history", historyJson)
      .put("created_at", instant(o.getOffsetDateTime("created_at")))
      .put("updated_at", instant(o.getOffsetDateTime("updated_at")));
  }

  /** An order of a {@link OrdersSql#BUYER_ORDERS_PAGE} row: its head, and its lines, shipments and history as arrays. */
  private static JsonObject pageOrderJson(Row r) {
    List<LineRow> lines = new ArrayList<>();
    UUID[] products = r.getArrayOfUUIDs("l_product");
    if (products != null) {
      UUID[] sellers = r.getArrayOfUUIDs("l_seller");
      UUID[] shipments = r.getArrayOfUUIDs("l_shipment");
      String[] titles = r.getArrayOfStrings("l_title");
      Integer[] quantities = r.getArrayOfIntegers("l_quantity");
      Long[] prices = r.getArrayOfLongs("l_unit_price");
      Long[] totals = r.getArrayOfLongs("l_line_total");
      for (int i = 0; i < products.length; i++) {
        lines.add(new LineRow(products[i], sellers[i], shipments[i], titles[i], quantities[i], prices[i], totals[i]));
      }
    }
    List<ShipmentRow> shipments = new ArrayList<>();
    UUID[] ids = r.getArrayOfUUIDs("s_id");
    if (ids != null) {
      UUID[] sellers = r.getArrayOfUUIDs("s_seller");
      String[] statuses = r.getArrayOfStrings("s_status");
      Long[] totals = r.getArrayOfLongs("s_total");
      OffsetDateTime[] shipped = r.getArrayOfOffsetDateTimes("s_shipped_at");
      OffsetDateTime[] delivered = r.getArrayOfOffsetDateTimes("s_delivered_at");
      for (int i = 0; i < ids.length; i++) {
        shipments.add(new ShipmentRow(ids[i], sellers[i], statuses[i], totals[i], shipped[i], delivered[i]));
      }
    }
    List<HistoryRow> history = new ArrayList<>();
    String[] statuses = r.getArrayOfStrings("h_status");
    if (statuses != null) {
      String[] reasons = r.getArrayOfStrings("h_reason");
      OffsetDateTime[] ats = r.getArrayOfOffsetDateTimes("h_at");
      for (int i = 0; i < statuses.length; i++) {
        history.add(new HistoryRow(statuses[i], reasons[i], ats[i]));
      }
    }
    return orderJson(r, lines, shipments, history);
  }

  private static JsonObject lineJson(Row l, String currency) {
    return new JsonObject()
      .put("product_id", l.getUUID("product_id").toString())
      .put("seller_id", l.getUUID("seller_id").toString())
      .put("title", l.getString("title"))
      .put("quantity", l.getInteger("quantity"))
      .put("unit_price", money(l.getLong("unit_price"), currency))
      .put("line_total", money(l.getLong("line_total"), currency));
  }

  private static JsonObject money(long amount, String currency) {
    return new JsonObject().put("amount", amount).put("currency", currency);
  }

  private static String instant(OffsetDateTime at) {
    return at == null ? null : at.toInstant().toString();
  }

  /** A keyset position: (time, id) of the last item of the previous page. */
  record Cursor(OffsetDateTime at, UUID id) {
    static final Cursor START = new Cursor(OffsetDateTime.of(9999, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC), new UUID(-1L, -1L));

    static String encode(OffsetDateTime at, UUID id) {
      return at.toInstant().toString() + "_" + id;
    }

    /** The cursor, or null when {@code s} is not one. */
    static Cursor parse(String s) {
      int sep = s.indexOf('_');
      if (sep < 0) {
        return null;
      }
      try {
        return new Cursor(OffsetDateTime.ofInstant(java.time.Instant.parse(s.substring(0, sep)), ZoneOffset.UTC),
          UUID.fromString(s.substring(sep + 1)));
      } catch (RuntimeException e) {
        return null;
      }
    }
  }
}
