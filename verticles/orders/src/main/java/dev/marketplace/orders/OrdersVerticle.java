package dev.marketplace.orders;

import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.orders.OrdersApi;
import dev.marketplace.platform.ComponentVerticle;
import dev.marketplace.platform.batch.GroupCommit;
import dev.marketplace.platform.bus.Access;
import dev.marketplace.platform.bus.Caller;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The orders component (OMS): the order state machine, history, shipments per seller. */
public class OrdersVerticle extends ComponentVerticle {

  private OrderStore store;
  private GroupCommit<OrderStore.NewOrder, JsonObject> creates;
  private GroupCommit<OrderStore.Transition, JsonObject> transitions;

  @Override
  protected boolean publishesEvents() {
    return true;
  }

  @Override
  protected String name() {
    return Components.ORDERS;
  }

  @Override
  protected Class<?> api() {
    return OrdersApi.class;
  }

  @Override
  protected Future<?> startComponent() {
    store = new OrderStore(pool, outbox, () -> relay.kick());
    int batchMax = section().getInteger("batch_max", 64);
    int parallelism = section().getInteger("batch_parallelism", 2);
    creates = new GroupCommit<>("orders.create", batchMax, parallelism, store::createBatch, store::createBrief);
    transitions = new GroupCommit<>("orders.transition", batchMax, parallelism, store::transitionBatch, store::transitionBrief);
    serve(OrdersApi.CREATE, (request, msg) -> create(request));
    serve(OrdersApi.TRANSITION, (request, msg) -> transition(request));
    serve(OrdersApi.GET, (request, msg) -> store.get(request.orderId()).map(OrdersApi.Order::new));
    serve(OrdersApi.VIEW, Access.USER, (request, msg) -> store.view(request.orderId(), Caller.of(msg)).map(OrdersApi.Order::new));
    serve(OrdersApi.LIST, Access.USER, this::list);
    serve(OrdersApi.CANCEL, Access.USER, (request, msg) -> store.cancelByBuyer(request.orderId(), Caller.of(msg)).map(OrdersApi.Order::new));
    serve(OrdersApi.SELLER_SHIPMENTS, Access.role("seller"), this::sellerShipments);
    serve(OrdersApi.SHIP, Access.role("seller"), (request, msg) -> store.ship(request.shipmentId(), Caller.of(msg)));
    serve(OrdersApi.DELIVER, Access.role("seller"), (request, msg) -> store.deliver(request.shipmentId(), Caller.of(msg)));
    return Future.succeededFuture();
  }

  private Future<OrdersApi.Order> create(OrdersApi.NewOrder request) {
    List<OrderStore.NewLine> lines = new ArrayList<>();
    for (OrdersApi.NewOrder.Line line : request.lines()) {
      lines.add(new OrderStore.NewLine(UUID.fromString(line.productId()), UUID.fromString(line.sellerId()), line.title(), line.quantity(),
        line.unitPrice().amount()));
    }
    OrderStore.NewOrder order = new OrderStore.NewOrder(request.orderId(), UUID.fromString(request.buyerId()), request.currency(), lines);
    // a brief answer needs no reload of the order: such creates share transactions
    return (request.brief() ? creates.submit(order) : store.create(order)).map(OrdersApi.Order::new);
  }

  private Future<OrdersApi.Order> transition(OrdersApi.Transition t) {
    return (t.brief() ? transitions.submit(new OrderStore.Transition(t.orderId(), t.to(), t.reason())) : store.transition(t.orderId(), t.to(), t.reason()))
      .map(OrdersApi.Order::new);
  }

  private Future<JsonObject> list(OrdersApi.Page page, Message<JsonObject> msg) {
    OrderStore.Cursor cursor = cursor(page.cursor());
    UUID buyerId = JsonValidator.parseUuid(Caller.of(msg).userId());
    if (buyerId == null) {
      return Future.succeededFuture(new JsonObject().put("items", new JsonArray()).putNull("next_cursor"));
    }
    return store.list(buyerId, page.limit() == null ? 20 : page.limit(), cursor);
  }

  private Future<JsonObject> sellerShipments(OrdersApi.Page page, Message<JsonObject> msg) {
    OrderStore.Cursor cursor = cursor(page.cursor());
    UUID sellerId = JsonValidator.parseUuid(Caller.of(msg).userId());
    if (sellerId == null) {
      return Future.succeededFuture(new JsonObject().put("items", new JsonArray()).putNull("next_cursor"));
    }
    return store.sellerShipments(sellerId, page.status(), page.limit() == null ? 20 : page.limit(), cursor);
  }

  private static OrderStore.Cursor cursor(String raw) {
    if (raw == null) {
      return OrderStore.Cursor.START;
    }
    OrderStore.Cursor cursor = OrderStore.Cursor.parse(raw);
    if (cursor == null) {
      throw ServiceFailure.invalidField("cursor", "is not a cursor this API returned");
    }
    return cursor;
  }
}
