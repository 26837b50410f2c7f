package dev.marketplace.gateway.routes;

import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.gateway.Access;
import dev.marketplace.gateway.GatewayContext;
import dev.marketplace.gateway.ProblemResponses;
import dev.marketplace.gateway.RouteModule;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

import static dev.marketplace.gateway.GatewayContext.API;

/**
 * The catalog's public routes: the category tree, search and product pages for anyone, and
 * sellers' listings ({@code seller} role; a seller touches only their own products, others'
 * answer 404). Parameters and bodies are checked by the catalog component, which names every
 * bad field in a 400.
 */
public final class CatalogRoutes implements RouteModule {

  @Override
  public void mount(Router router, GatewayContext gateway) {
    router.get(API + "/catalog/categories").handler(Access.anyone()).handler(ctx -> categories(ctx, gateway));
    router.get(API + "/catalog/products").handler(Access.anyone()).handler(ctx -> search(ctx, gateway));
    router.get(API + "/catalog/products/:id").handler(Access.anyone()).handler(ctx -> product(ctx, gateway));
    router.post(API + "/seller/products").handler(Access.role("seller")).handler(ctx -> create(ctx, gateway));
    router.put(API + "/seller/products/:id").handler(Access.role("seller")).handler(ctx -> update(ctx, gateway));
    router.delete(API + "/seller/products/:id").handler(Access.role("seller")).handler(ctx -> delete(ctx, gateway));
  }

  private static void categories(RoutingContext ctx, GatewayContext gateway) {
    // the tree changes only with a deployment: let browsers and proxies keep it a while
    ctx.response().putHeader("Cache-Control", "public, max-age=300");
    gateway.relay(ctx, CatalogAddresses.CATEGORIES, new JsonObject(), 200);
  }

  /** Query parameters go to the catalog as they came; a repeated one as a list (refused there). */
  private static void search(RoutingContext ctx, GatewayContext gateway) {
    MultiMap params = ctx.queryParams();
    JsonObject body = new JsonObject();
    for (String name : params.names()) {
      List<String> values = params.getAll(name);
      body.put(name, values.size() == 1 ? values.get(0) : new JsonArray(List.copyOf(values)));
    }
    gateway.relay(ctx, CatalogAddresses.SEARCH, body, 200);
  }

  private static void product(RoutingContext ctx, GatewayContext gateway) {
    gateway.relay(ctx, CatalogAddresses.GET, new JsonObject().put("id", ctx.pathParam("id")), 200);
  }

  private static void create(RoutingContext ctx, GatewayContext gateway) {
    JsonObject listing = GatewayContext.jsonBody(ctx);
    gateway.request(ctx, CatalogAddresses.CREATE, new JsonObject().put("product", listing)).onComplete(ar -> {
      if (ar.failed()) {
        ProblemResponses.send(ctx, ar.cause());
        return;
      }
      ctx.response().putHeader("Location", API + "/catalog/products/" + ar.result().getString("id"));
      GatewayContext.sendJson(ctx, 201, ar.result());
    });
  }

  private static void update(RoutingContext ctx, GatewayContext gateway) {
    JsonObject listing = GatewayContext.jsonBody(ctx);
    gateway.relay(ctx, CatalogAddresses.UPDATE, new JsonObject().put("id", ctx.pathParam("id")).put("product", listing), 200);
  }

  private static void delete(RoutingContext ctx, GatewayContext gateway) {
    gateway.request(ctx, CatalogAddresses.DELETE, new JsonObject().put("id", ctx.pathParam("id"))).onComplete(ar -> {
      if (ar.failed()) {
        ProblemResponses.send(ctx, ar.cause());
      } else {
        ctx.response().setStatusCode(204).end();
      }
    });
  }
}
