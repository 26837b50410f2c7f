package dev.marketplace.gateway;

import io.vertx.ext.web.Router;

/**
 * A slice of the public HTTP API (auth, catalog, cart...). Each module keeps its own route table
 * at the top of {@link #mount}, one line a route, and is listed once in
 * {@link GatewayVerticle#businessModules()}.
 *
 * <p>Modules are mounted after the cross-cutting handlers (correlation id, CORS, size-limited
 * body) and before the problem+json error handling, so a handler may simply {@code ctx.fail(err)}
 * with a bus failure or a {@code DecodeException}.
 */
@FunctionalInterface
public interface RouteModule {

  void mount(Router router, GatewayContext gateway);
}
