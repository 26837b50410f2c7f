package dev.marketplace.gateway;

import io.vertx.ext.web.RoutingContext;
import org.slf4j.MDC;

import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The correlation id of an HTTP request: the client's {@value #HEADER} when it looks sane, a new
 * UUID otherwise. It is echoed on every response (errors included), travels to components as the
 * {@code x-correlation-id} bus header (see {@link GatewayContext#client}) and sits in the
 * SLF4J MDC under {@value #MDC_KEY} while the request's handlers run.
 */
public final class Correlation {
  public static final String HEADER = "X-Correlation-Id";
  public static final String MDC_KEY = "cid";

  private static final String CTX_KEY = "marketplace.correlation-id";
  // bounded and log-safe: no spaces, no control characters, nothing that needs escaping
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private Correlation() {
  }

  /** The request's correlation id; assigned on first use, so it is there even for early failures. */
  public static String id(RoutingContext ctx) {
    String id = ctx.get(CTX_KEY);
    if (id == null) {
      String offered = ctx.request().getHeader(HEADER);
      id = offered != null && SANE.matcher(offered).matches() ? offered : UUID.randomUUID().toString();
      ctx.put(CTX_KEY, id);
      String echoed = id;
      // set when the headers go out, so a failure handler that rewrites the response keeps it
      ctx.addHeadersEndHandler(v -> ctx.response().headers().set(HEADER, echoed));
    }
    return id;
  }

  /**
   * Route handler: assigns the id and runs the rest of the synchronous handler chain with it in
   * the MDC. Mounted again after the body handler, whose {@code next()} comes from an I/O callback.
   */
  static void scope(RoutingContext ctx) {
    String id = id(ctx);
    String previous = MDC.get(MDC_KEY);
    MDC.put(MDC_KEY, id);
    try {
      ctx.next();
    } finally {
      restore(previous);
    }
  }

  /** Runs {@code action} with the request's id in the MDC: for code in asynchronous callbacks. */
  public static void withMdc(RoutingContext ctx, Runnable action) {
    withMdc(ctx, () -> {
      action.run();
      return null;
    });
  }

  public static <T> T withMdc(RoutingContext ctx, Supplier<T> action) {
    return withMdc(id(ctx), action);
  }

  /** The same for code that holds only the id (it outlived the routing context, or never had one). */
  public static void withMdc(String correlationId, Runnable action) {
    withMdc(correlationId, () -> {
      action.run();
      return null;
    });
  }

  public static <T> T withMdc(String correlationId, Supplier<T> action) {
    String previous = MDC.get(MDC_KEY);
    MDC.put(MDC_KEY, correlationId);
    try {
      return action.get();
    } finally {
      restore(previous);
    }
  }

  private static void restore(String previous) {
    if (previous == null) {
      MDC.remove(MDC_KEY);
    } else {
      MDC.put(MDC_KEY, previous);
    }
  }
}
