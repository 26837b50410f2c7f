package dev.marketplace.gateway.docs;

import dev.marketplace.gateway.GatewayContext;
import dev.marketplace.gateway.ProblemResponses;
import dev.marketplace.gateway.RouteModule;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The API's own description: {@code GET /openapi.json} (the OpenAPI 3.1 document kept in this
 * module's resources, the contract of every public HTTP route) and Swagger UI at {@code /docs},
 * served from the {@code org.webjars:swagger-ui} jar on the classpath, so no page ever loads
 * anything from a CDN.
 */
public final class ApiDocsRoutes implements RouteModule {
  /** The classpath resource of the document. */
  public static final String DOCUMENT = "openapi.json";
  /** Must match the swagger-ui webjar's version in the gateway's pom. */
  static final String SWAGGER_UI = "META-INF/resources/webjars/swagger-ui/5.34.1";

  private Future<Buffer> document;
  private Future<Buffer> page;
  private Future<Buffer> init;

  @Override
  public void mount(Router router, GatewayContext gateway) {
    router.get("/openapi.json").handler(ctx -> serve(ctx, document = load(gateway, document, DOCUMENT), "application/json"));
    // one route: the router matches /docs and /docs/ alike, and the page's relative links need the slash
    router.get("/docs").handler(ctx -> {
      if (ctx.request().path().endsWith("/")) {
        serve(ctx, page = load(gateway, page, "apidocs/index.html"), "text/html; charset=utf-8");
      } else {
        ctx.redirect("/docs/");
      }
    });
    router.get("/docs/init.js").handler(ctx -> serve(ctx, init = load(gateway, init, "apidocs/init.js"), "text/javascript; charset=utf-8"));
    router.get("/docs/*").handler(StaticHandler.create(SWAGGER_UI).setCachingEnabled(true).setDirectoryListing(false));
  }

  /** Read once, off the event loop, on first use; a failed read is tried again next time. */
  private static Future<Buffer> load(GatewayContext gateway, Future<Buffer> cached, String resource) {
    if (cached != null && !cached.failed()) {
      return cached;
    }
    return gateway.vertx().executeBlocking(() -> {
      try (InputStream in = ApiDocsRoutes.class.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException(resource + " is missing from the classpath");
        }
        return Buffer.buffer(in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  private static void serve(RoutingContext ctx, Future<Buffer> content, String type) {
    content.onComplete(ar -> {
      if (ar.failed()) {
        ProblemResponses.send(ctx, ar.cause());
        return;
      }
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, type).putHeader("Cache-Control", "public, max-age=60").end(ar.result());
    });
  }
}
