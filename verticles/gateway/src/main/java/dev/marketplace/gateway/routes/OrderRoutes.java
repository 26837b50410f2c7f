package dev.marketplace.gateway.routes;

import dev.marketplace.contracts.orders.OrdersAddresses;
import dev.marketplace.gateway.Access;
import dev.marketplace.gateway.GatewayContext;
import dev.marketplace.gateway.RouteModule;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.UUID;

import static dev.marketplace.gateway.GatewayContext.API;

/**
 * Buyers' orders (their own only: another buyer's order is 404) and sellers' shipments (their own
 * only).
 */
public final class OrderRoutes implements RouteModule {

  @Override
  public void mount(Router router, GatewayContext gateway) {
    router.get(API + "/orders").handler(Access.user()).handler(ctx -> list(ctx, gateway));
    router.get(API + "/orders/:id").handler(Access.user()).handler(ctx -> byId(ctx, gateway, OrdersAddresses.VIEW, "order_id"));
    router.post(API + "/orders/:id/cancel").handler(Access.user()).handler(ctx -> byId(ctx, gateway, OrdersAddresses.CANCEL, "order_id"));
    router.get(API + "/seller/orders").handler(Access.role("seller")).handler(ctx -> sellerOrders(ctx, gateway));
    router.post(API + "/seller/shipments/:id/ship").handler(Access.role("seller")).handler(ctx -> byId(ctx, gateway, OrdersAddresses.SHIP, "shipment_id"));
    router.post(API + "/seller/shipments/:id/deliver").handler(Access.role("seller")).handler(ctx -> byId(ctx, gateway, OrdersAddresses.DELIVER, "shipment_id"));
  }

  /** {@code ?limit=&cursor=} → {@code {items:[order...], next_cursor}}, newest first. */
  private static void list(RoutingContext ctx, GatewayContext gateway) {
    gateway.relay(ctx, OrdersAddresses.LIST, page(ctx), 200);
  }

  /** {@code ?status=&limit=&cursor=} → {@code {items:[shipment...], next_cursor}}. */
  private static void sellerOrders(RoutingContext ctx, GatewayContext gateway) {
    JsonObject body = page(ctx);
    String status = ctx.request().getParam("status");
    if (status != null) {
      body.put("status", status);
    }
    gateway.relay(ctx, OrdersAddresses.SELLER_SHIPMENTS, body, 200);
  }

  /** An operation on the order or shipment named by the path; a malformed id names nothing (404). */
  private static void byId(RoutingContext ctx, GatewayContext gateway, String address, String field) {
    UUID id = InventoryRoutes.pathId(ctx);
    if (id != null) {
      gateway.relay(ctx, address, new JsonObject().put(field, id.toString()), 200);
    }
  }

  /** Paging query parameters; a limit that is not a number goes on as text for the component to refuse. */
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
