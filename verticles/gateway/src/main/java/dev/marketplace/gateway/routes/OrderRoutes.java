package dev.marketplace.gateway.routes;

import dev.marketplace.contracts.orders.OrdersApi;
import dev.marketplace.gateway.Access;
import dev.marketplace.gateway.GatewayContext;
import dev.marketplace.gateway.RouteModule;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.UUID;
import java.util.function.BiFunction;

import static dev.marketplace.gateway.GatewayContext.API;

/**
 * Buyers' orders (their own only: another buyer's order is 404) and sellers' shipments (their own
 * only).
 */
public final class OrderRoutes implements RouteModule {

  @Override
  public void mount(Router router, GatewayContext gateway) {
    router.get(API + "/orders").handler(Access.user()).handler(ctx -> list(ctx, gateway));
    router.get(API + "/orders/:id").handler(Access.user()).handler(ctx -> order(ctx, gateway, OrdersApi::view));
    router.post(API + "/orders/:id/cancel").handler(Access.user()).handler(ctx -> order(ctx, gateway, OrdersApi::cancel));
    router.get(API + "/seller/orders").handler(Access.role("seller")).handler(ctx -> sellerOrders(ctx, gateway));
    router.post(API + "/seller/shipments/:id/ship").handler(Access.role("seller")).handler(ctx -> shipment(ctx, gateway, OrdersApi::ship));
    router.post(API + "/seller/shipments/:id/deliver").handler(Access.role("seller")).handler(ctx -> shipment(ctx, gateway, OrdersApi::deliver));
  }

  /** {@code ?limit=&cursor=} → {@code {items:[order...], next_cursor}}, newest first. */
  private static void list(RoutingContext ctx, GatewayContext gateway) {
    // read as orders reads it: a bad limit or cursor is orders' own VALIDATION_FAILED
    OrdersApi.Page page = OrdersApi.LIST.decodeRequest(page(ctx));
    gateway.relay(ctx, OrdersApi.over(gateway.client(ctx)).list(page), 200);
  }

  /** {@code ?status=&limit=&cursor=} → {@code {items:[shipment...], next_cursor}}. */
  private static void sellerOrders(RoutingContext ctx, GatewayContext gateway) {
    JsonObject query = page(ctx);
    String status = ctx.request().getParam("status");
    if (status != null) {
      query.put("status", status);
    }
    OrdersApi.Page page = OrdersApi.SELLER_SHIPMENTS.decodeRequest(query);
    gateway.relay(ctx, OrdersApi.over(gateway.client(ctx)).sellerShipments(page), 200);
  }

  /** An operation on the order named by the path; a malformed id names nothing (404). */
  private static void order(RoutingContext ctx, GatewayContext gateway, BiFunction<OrdersApi, UUID, Future<OrdersApi.Order>> operation) {
    UUID id = InventoryRoutes.pathId(ctx);
    if (id != null) {
      gateway.relay(ctx, operation.apply(OrdersApi.over(gateway.client(ctx)), id), OrdersApi.Order.CODEC, 200);
    }
  }

  /** An operation on the seller's shipment named by the path; a malformed id names nothing (404). */
  private static void shipment(RoutingContext ctx, GatewayContext gateway, BiFunction<OrdersApi, UUID, Future<JsonObject>> operation) {
    UUID id = InventoryRoutes.pathId(ctx);
    if (id != null) {
      gateway.relay(ctx, operation.apply(OrdersApi.over(gateway.client(ctx)), id), 200);
    }
  }

  /**
   * Paging query parameters as orders' page reads them; a limit that is not a number stays text,
   * for the page's codec to refuse.
   */
  private static JsonObject page(RoutingContext ctx) {
    JsonObject body = new JsonObject();
    String limit = ctx.request().getParam("limit");
    if (limit != null) {
      try {
        body.put("limit", Long.parseLong(limit));
      } catch (NumberFormatException e) {
        body.put("limit", limit);
      }
    }
    String cursor = ctx.request().getParam("cursor");
    if (cursor != null) {
      body.put("cursor", cursor);
    }
    return body;
  }
}
