package dev.marketplace.gateway.routes;

import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.contracts.catalog.CatalogApi;
import dev.marketplace.gateway.Access;
import dev.marketplace.gateway.GatewayContext;
import dev.marketplace.gateway.ProblemResponses;
import dev.marketplace.gateway.RouteModule;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.UUID;

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
    router.get(API + "/catalog/suggest").handler(Access.anyone()).handler(ctx -> suggest(ctx, gateway));
    router.get(API + "/catalog/products/:id").handler(Access.anyone()).handler(ctx -> product(ctx, gateway));
    router.post(API + "/seller/products").handler(Access.role("seller")).handler(ctx -> create(ctx, gateway));
    router.put(API + "/seller/products/:id").handler(Access.role("seller")).handler(ctx -> update(ctx, gateway));
    router.delete(API + "/seller/products/:id").handler(Access.role("seller")).handler(ctx -> delete(ctx, gateway));
  }

  private static void categories(RoutingContext ctx, GatewayContext gateway) {
    // the tree changes only with a deployment: let browsers and proxies keep it a while
    ctx.response().putHeader("Cache-Control", "public, max-age=300");
    gateway.relay(ctx, catalog(ctx, gateway).categories(), 200);
  }

  private static void search(RoutingContext ctx, GatewayContext gateway) {
    gateway.relay(ctx, catalog(ctx, gateway).search(queryParams(ctx)), 200);
  }

  private static void suggest(RoutingContext ctx, GatewayContext gateway) {
    gateway.relay(ctx, catalog(ctx, gateway).suggest(queryParams(ctx)), 200);
  }

  private static CatalogApi catalog(RoutingContext ctx, GatewayContext gateway) {
    return CatalogApi.over(gateway.client(ctx));
  }

  /** Query parameters go to the catalog as they came; a repeated one as a list (refused there). */
  private static JsonObject queryParams(RoutingContext ctx) {
    MultiMap params = ctx.queryParams();
    JsonObject body = new JsonObject();
    for (String name : params.names()) {
      List<String> values = params.getAll(name);
      body.put(name, values.size() == 1 ? values.get(0) : new JsonArray(List.copyOf(values)));
    }
    return body;
  }

  /**
   * A product card: the catalog's JSON bytes as they are, with a strong ETag; a request whose
   * {@code If-None-Match} names it gets 304 without a body. Caches may keep a card but must ask
   * again each time ({@code no-cache}): stock on a card is at most a second old. The card is no
   * typed operation (its reply is bytes with a header, see {@link CatalogApi}): the request's
   * client asks for the whole reply message, with the id as the path gave it, which catalog checks.
   */
  private static void product(RoutingContext ctx, GatewayContext gateway) {
    JsonObject body = new JsonObject().put("id", ctx.pathParam("id"));
    // a read: sent again to another node when an attempt gets no answer, or later when the catalog's database is away
    gateway.client(ctx).<Buffer>message(CatalogAddresses.CARD, body).onComplete(ar -> {
      if (ar.failed()) {
        ProblemResponses.send(ctx, ar.cause());
        return;
      }
      String etag = ar.result().headers().get(CatalogAddresses.ETAG_HEADER);
      HttpServerResponse response = ctx.response()
        .putHeader(HttpHeaders.CACHE_CONTROL, "public, no-cache")
        .putHeader(HttpHeaders.ETAG, etag);
      if (matches(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH), etag)) {
        response.setStatusCode(304).end();
        return;
      }
      response.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, GatewayContext.JSON).end(ar.result().body());
    });
  }

  /** RFC 9110 If-None-Match: {@code *} or a list of entity tags, compared weakly. */
  static boolean matches(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null || etag == null) {
      return false;
    }
    String strong = etag.startsWith("W/") ? etag.substring(2) : etag;
    for (String candidate : ifNoneMatch.split(",")) {
      String tag = candidate.strip();
      if (tag.equals("*") || (tag.startsWith("W/") ? tag.substring(2) : tag).equals(strong)) {
        return true;
      }
    }
    return false;
  }

  private static void create(RoutingContext ctx, GatewayContext gateway) {
    JsonObject listing = GatewayContext.jsonBody(ctx);
    catalog(ctx, gateway).createListing(listing).onComplete(ar -> {
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
    gateway.relay(ctx, catalog(ctx, gateway).updateListing(ctx.pathParam("id"), listing), 200);
  }

  private static void delete(RoutingContext ctx, GatewayContext gateway) {
    // an id that is no UUID is catalog's own VALIDATION_FAILED, as catalog would answer it
    UUID id = CatalogApi.ProductRef.of(ctx.pathParam("id")).id();
    catalog(ctx, gateway).delete(id).onComplete(ar -> {
      if (ar.failed()) {
        ProblemResponses.send(ctx, ar.cause());
      } else {
        ctx.response().setStatusCode(204).end();
      }
    });
  }
}
