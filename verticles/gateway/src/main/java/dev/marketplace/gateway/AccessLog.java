package dev.marketplace.gateway;

import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One line per request, written when the response is done (or the connection went away). */
final class AccessLog {
  private static final Logger LOG = LoggerFactory.getLogger("dev.marketplace.gateway.access");

  private AccessLog() {
  }

  static void handle(RoutingContext ctx) {
    long started = System.nanoTime();
    ctx.addEndHandler(ar -> {
      long tookMs = (System.nanoTime() - started) / 1_000_000;
      int status = ctx.response().getStatusCode();
      Correlation.withMdc(ctx, () -> {
        if (ar.succeeded()) {
          LOG.info("{} {} {} {}ms cid={}", ctx.request().method(), ctx.request().path(), status, tookMs, Correlation.id(ctx));
        } else {
          LOG.info("{} {} {} {}ms cid={} (connection closed before the response ended)",
            ctx.request().method(), ctx.request().path(), status, tookMs, Correlation.id(ctx));
        }
      });
    });
    ctx.next();
  }
}
