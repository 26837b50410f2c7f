package dev.marketplace.gateway;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.gateway.routes.AuthRoutes;
import dev.marketplace.gateway.routes.CartRoutes;
import dev.marketplace.gateway.routes.CatalogRoutes;
import dev.marketplace.gateway.security.ClientAddress;
import dev.marketplace.gateway.security.JwtAuthenticator;
import dev.marketplace.gateway.security.RateLimitHandler;
import dev.marketplace.gateway.security.RateLimiter;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The storefront gateway: every public HTTP route. Reads the full configuration from
 * {@code config()}: {@code http.host}, {@code http.port} (0 picks a free port, see
 * {@link #actualPort()}), {@code http.max_body_bytes}, {@code gateway.ready_timeout_ms},
 * {@code gateway.required_components}, {@code gateway.cors_origins} (default {@code ["*"]}),
 * {@code bus.timeout_ms}, {@code pg.url}, {@code kafka.bootstrap_servers}, {@code gateway.trusted_proxies}
 * ({@link ClientAddress}), {@code gateway.rate_limits} ({@link RateLimiter}).
 *
 * <p>Every response carries {@code X-Correlation-Id}; every error is problem+json
 * ({@link ProblemResponses}). The public API comes from {@link RouteModule}s.
 */
public class GatewayVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
  private static final Set<HttpMethod> CORS_METHODS = Set.of(
    HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE);
  private static final Set<String> CORS_HEADERS = Set.of(
    "Authorization", "Content-Type", "Idempotency-Key", "X-Cart-Id", Correlation.HEADER);
  /** The storefront's ES modules and styles, served from the classpath folder {@code storefront/}. */
  static final String STOREFRONT_ASSETS = "/storefront";
  private static final List<Integer> ROUTER_ERROR_STATUSES = List.of(400, 404, 405, 406, 413, 415, 500);

  private final List<RouteModule> modules;
  private final Authenticator authenticator;
  private GatewayContext gateway;
  private ClientAddress clientAddress;
  private RateLimiter rateLimiter;
  private Readiness readiness;
  private HttpServer server;
  private Router router;
  private dev.marketplace.gateway.bridge.EventBusBridges bridges;
  private io.vertx.core.buffer.Buffer storefrontPage;

  public GatewayVerticle() {
    this(List.of());
  }

  /** @param extraModules mounted after {@link #businessModules()} (tests, local experiments) */
  public GatewayVerticle(List<RouteModule> extraModules) {
    this(extraModules, new JwtAuthenticator());
  }

  /** @param authenticator establishes the caller of every {@code /api/v1} request */
  public GatewayVerticle(List<RouteModule> extraModules, Authenticator authenticator) {
    List<RouteModule> all = new ArrayList<>(businessModules());
    all.addAll(extraModules);
    this.modules = List.copyOf(all);
    this.authenticator = authenticator;
  }

  /** The slices of the public API under {@link GatewayContext#API}, one line each. */
  static List<RouteModule> businessModules() {
    return List.of(
      new AuthRoutes(),
      new CartRoutes(),
      new CatalogRoutes(),
      new dev.marketplace.gateway.routes.NotificationRoutes(),
      new dev.marketplace.gateway.routes.InventoryRoutes(),
      new dev.marketplace.gateway.routes.OrderRoutes(),
      new dev.marketplace.gateway.routes.CheckoutRoutes(),
      new dev.marketplace.gateway.routes.PaymentRoutes(),
      new dev.marketplace.gateway.routes.DeadLetterRoutes(),
      new dev.marketplace.gateway.docs.ApiDocsRoutes(),
      new dev.marketplace.gateway.routes.SalesRoutes());
  }

  @Override
  public Future<?> start() {
    JsonObject http = config().getJsonObject("http", new JsonObject());
    clientAddress = ClientAddress.fromConfig(config());
    rateLimiter = RateLimiter.shared(vertx, config());
    gateway = new GatewayContext(vertx, config(), clientAddress);
    readiness = new Readiness(vertx, config());
    bridges = new dev.marketplace.gateway.bridge.EventBusBridges(vertx, config(), authenticator);
    Router router = router(http.getLong("max_body_bytes", 65536L));
    this.router = router;
    return vertx.executeBlocking(GatewayVerticle::loadStorefront)
      .compose(page -> {
        storefrontPage = page;
        return readiness.start();
      })
      .compose(v -> authenticator.start(vertx, config()))
      .compose(v -> bridges.start())
      // request lines up to 16 kB reach the routes, so an over-long search is a 400 naming the field
      .compose(v -> vertx.createHttpServer(new HttpServerOptions().setMaxInitialLineLength(http.getInteger("max_initial_line_bytes", 16384)))
        .requestHandler(router)
        .listen(http.getInteger("port", 8080), http.getString("host", "0.0.0.0")))
      .onSuccess(s -> {
        server = s;
        LOG.info("Gateway listening on port {}", s.actualPort());
      });
  }

  /** The route table. */
  private void routes(Router router) {
    router.get("/health").handler(this::health);
    router.get("/ready").handler(this::ready);
    router.get("/metrics").handler(metrics());
    router.get("/").handler(this::storefront);
    router.get(STOREFRONT_ASSETS + "/*").handler(storefrontAssets());
    router.route(GatewayContext.API + "/*").handler(RateLimitHandler.byAddress(rateLimiter, clientAddress));
    router.route(GatewayContext.API + "/*").handler(this::authenticate);
    router.route(GatewayContext.API + "/*").handler(RateLimitHandler.byUser(rateLimiter));
    for (RouteModule module : modules) {
      module.mount(router, gateway);
    }
  }

  @Override
  public Future<?> stop() {
    // the HTTP server is closed by Vert.x with the verticle; the probe's clients are ours to close
    Future<Void> bridgesClosed = bridges == null ? Future.succeededFuture() : bridges.close();
    return Future.join(bridgesClosed, readiness == null ? Future.succeededFuture() : readiness.close());
  }

  /** The route table as built (for the test that holds it against openapi.json); null before start. */
  Router router() {
    return router;
  }

  /** The TCP event bus bridge's port (useful with {@code bridge.port = 0}); -1 when it is off or before start. */
  public int bridgePort() {
    return bridges == null ? -1 : bridges.tcpPort();
  }

  /** The port the server listens on (useful with {@code http.port = 0}); -1 before start. */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  private Router router(long maxBodyBytes) {
    Router router = Router.router(vertx);
    // every request, in this order
    router.route().handler(AccessLog::handle);
    router.route().handler(Correlation::scope);
    router.route().handler(cors());
    // the SockJS bridge reads its own bodies: a WebSocket upgrade must reach it unread
    bridges.mount(router, maxBodyBytes);
    router.route().handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));
    // again: the body handler resumes the chain from an I/O callback, outside the first scope
    router.route().handler(Correlation::scope);

    routes(router);

    // failures of any route, then what no route matched (404, 405...) or no failure handler took
    router.route().failureHandler(ProblemResponses::handle);
    for (int status : ROUTER_ERROR_STATUSES) {
      router.errorHandler(status, ProblemResponses::handle);
    }
    return router;
  }

  private CorsHandler cors() {
    CorsHandler cors = CorsHandler.create()
      .allowedMethods(CORS_METHODS)
      .allowedHeaders(CORS_HEADERS)
      .exposedHeader(Correlation.HEADER)
      .exposedHeader(CartRoutes.CART_ID_HEADER);
    Object configured = config().getJsonObject("gateway", new JsonObject()).getValue("cors_origins");
    List<String> origins = new ArrayList<>();
    if (configured instanceof JsonArray array) {
      array.forEach(o -> origins.add(String.valueOf(o)));
    } else if (configured instanceof String s) {
      origins.add(s);
    }
    // no list, or "*" in it: any origin (tokens travel in Authorization, never in cookies)
    if (!origins.isEmpty() && !origins.contains("*")) {
      cors.addOrigins(origins);
    }
    return cors;
  }

  private void authenticate(RoutingContext ctx) {
    authenticator.authenticate(ctx).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      ar.result().ifPresent(identity -> Identity.attach(ctx, identity));
      ctx.next();
    });
  }

  /**
   * The web storefront: one page (read once from the classpath) that loads plain ES modules from
   * {@value #STOREFRONT_ASSETS}; it routes by the URL fragment, so no other path needs a fallback.
   * The page is revalidated on every visit so a new deployment's modules are picked up at once.
   */
  private void storefront(RoutingContext ctx) {
    ctx.response()
      .putHeader("Content-Type", "text/html; charset=utf-8")
      .putHeader("Cache-Control", "no-cache")
      .putHeader("X-Content-Type-Options", "nosniff")
      .end(storefrontPage);
  }

  /** Modules, styles and images from the jar; no directory listings, nothing outside the folder. */
  private static StaticHandler storefrontAssets() {
    return StaticHandler.create("storefront")
      .setDirectoryListing(false)
      .setIncludeHidden(false)
      .setDefaultContentEncoding("UTF-8")
      // short: modules have no hashed names, and a deployment must reach browsers within minutes
      .setMaxAgeSeconds(300);
  }

  private static io.vertx.core.buffer.Buffer loadStorefront() {
    try (java.io.InputStream in = GatewayVerticle.class.getClassLoader().getResourceAsStream("storefront/index.html")) {
      if (in == null) {
        throw new IllegalStateException("storefront/index.html is missing from the classpath");
      }
      return io.vertx.core.buffer.Buffer.buffer(in.readAllBytes());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void health(RoutingContext ctx) {
    ctx.response().putHeader("Cache-Control", "no-store");
    GatewayContext.sendJson(ctx, 200, new JsonObject().put("status", "UP"));
  }

  private void ready(RoutingContext ctx) {
    readiness.check(Correlation.id(ctx)).onComplete(ar -> {
      if (ar.failed()) {
        ProblemResponses.send(ctx, ar.cause());
        return;
      }
      JsonObject report = ar.result();
      ctx.response().putHeader("Cache-Control", "no-store");
      GatewayContext.sendJson(ctx, "UP".equals(report.getString("status")) ? 200 : 503, report);
    });
  }

  private Handler<RoutingContext> metrics() {
    if (vertx.isMetricsEnabled()) {
      return PrometheusScrapingHandler.create();
    }
    return ctx -> ProblemResponses.send(ctx, ErrorCode.SERVICE_UNAVAILABLE,
      "Metrics are not enabled on this node (build Vert.x with VertxMetrics.builder).");
  }
}
