package dev.marketplace.gateway.routes;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.inventory.InventoryApi;
import dev.marketplace.gateway.Access;
import dev.marketplace.gateway.GatewayContext;
import dev.marketplace.gateway.ProblemResponses;
import dev.marketplace.gateway.RouteModule;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.UUID;

import static dev.marketplace.gateway.GatewayContext.API;

/** Sellers' stock: on-hand quantity per warehouse and per-buyer purchase limits of their own products. */
public final class InventoryRoutes implements RouteModule {

  @Override
  public void mount(Router router, GatewayContext gateway) {
    router.put(API + "/seller/products/:id/stock").handler(Access.role("seller")).handler(ctx -> setStock(ctx, gateway));
    router.put(API + "/seller/products/:id/purchase-limit").handler(Access.role("seller")).handler(ctx -> setLimit(ctx, gateway));
    router.put(API + "/seller/products/:id/reservation-ttl").handler(Access.role("seller")).handler(ctx -> setReservationTtl(ctx, gateway));
  }

  /** {@code {warehouse, quantity}} → 200 {@code {product_id, warehouse, quantity, on_hand, reserved, sold, available}}. */
  private static void setStock(RoutingContext ctx, GatewayContext gateway) {
    UUID productId = pathId(ctx);
    if (productId == null) {
      return;
    }
    JsonObject body = GatewayContext.jsonBody(ctx);
    JsonValidator.of(body).allowOnly("warehouse", "quantity").throwIfInvalid();
    InventoryApi.SetStock request = InventoryApi.SetStock.of(productId, body);
    gateway.relay(ctx, inventory(ctx, gateway).call(InventoryApi.SET_STOCK.documentReply(), request), 200);
  }

  /** {@code {per_buyer}} (an integer, or null to remove the limit) → 200 {@code {product_id, per_buyer}}. */
  private static void setLimit(RoutingContext ctx, GatewayContext gateway) {
    UUID productId = pathId(ctx);
    if (productId == null) {
      return;
    }
    JsonObject body = GatewayContext.jsonBody(ctx);
    JsonValidator.of(body).allowOnly("per_buyer").throwIfInvalid();
    InventoryApi.PurchaseLimit request = InventoryApi.PurchaseLimit.of(productId, body);
    gateway.relay(ctx, inventory(ctx, gateway).call(InventoryApi.SET_PURCHASE_LIMIT.documentReply(), request), 200);
  }

  /** {@code {ttl_seconds}} (60..86400, or null to remove the cap) → 200 {@code {product_id, ttl_seconds}}. */
  private static void setReservationTtl(RoutingContext ctx, GatewayContext gateway) {
    UUID productId = pathId(ctx);
    if (productId == null) {
      return;
    }
    JsonObject body = GatewayContext.jsonBody(ctx);
    JsonValidator.of(body).allowOnly("ttl_seconds").throwIfInvalid();
    InventoryApi.ReservationTtl request = InventoryApi.ReservationTtl.of(productId, body);
    gateway.relay(ctx, inventory(ctx, gateway).call(InventoryApi.SET_RESERVATION_TTL.documentReply(), request), 200);
  }

  /**
   * Inventory for this request. Replies are shown as inventory wrote them ({@code documentReply}):
   * they are the public views, and a field inventory adds reaches clients as it is.
   */
  private static InventoryApi inventory(RoutingContext ctx, GatewayContext gateway) {
    return InventoryApi.over(gateway.client(ctx));
  }

  /** The {@code :id} path parameter as a UUID; anything else names no product (404, already sent). */
  static UUID pathId(RoutingContext ctx) {
    UUID id = JsonValidator.parseUuid(ctx.pathParam("id"));
    if (id == null) {
      ProblemResponses.send(ctx, ErrorCode.NOT_FOUND, "No such resource.");
    }
    return id;
  }
}
