package dev.marketplace.gateway.routes;

import dev.marketplace.contracts.sales.SalesAddresses;
import dev.marketplace.contracts.sales.SalesApi;
import dev.marketplace.contracts.sales.SalesRequests;
import dev.marketplace.gateway.Access;
import dev.marketplace.gateway.GatewayContext;
import dev.marketplace.gateway.RouteModule;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.UUID;

import static dev.marketplace.gateway.GatewayContext.API;

/**
 * Big sales (admin): {@code POST /admin/sales {product_ids, starts_at, ends_at?, admit_per_second}}
 * → 201 the sale; {@code GET /admin/sales/{id}} → the sale with the operator's view (admitted,
 * queued, expired, sold, available, refused by reason). A body is decoded here with the sales
 * component's own codec ({@link SalesRequests.CreateSale}, see {@link SalesAddresses#CREATE}): 400
 * problem+json with {@code errors}, as sales would answer.
 */
public final class SalesRoutes implements RouteModule {

  @Override
  public void mount(Router router, GatewayContext gateway) {
    router.post(API + "/admin/sales").handler(Access.role("admin")).handler(ctx -> create(ctx, gateway));
    router.get(API + "/admin/sales/:id").handler(Access.role("admin")).handler(ctx -> get(ctx, gateway));
  }

  private static void create(RoutingContext ctx, GatewayContext gateway) {
    SalesRequests.CreateSale sale = SalesApi.CREATE.decodeRequest(GatewayContext.jsonBody(ctx));
    gateway.relay(ctx, SalesApi.over(gateway.client(ctx)).create(sale), 201);
  }

  private static void get(RoutingContext ctx, GatewayContext gateway) {
    UUID id = InventoryRoutes.pathId(ctx);
    if (id == null) {
      return;
    }
    gateway.relay(ctx, SalesApi.over(gateway.client(ctx)).get(new SalesRequests.SaleRef(id)), 200);
  }
}
