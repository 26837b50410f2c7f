package dev.marketplace.gateway;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.platform.http.HttpStatusMapping;
import dev.marketplace.platform.http.Problem;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error the gateway sends is an RFC 9457 {@code application/problem+json} document
 * ({@code type, title, status, detail, code} plus extra fields such as {@code errors} or
 * {@code order_id}) made here. Route handlers either call {@link #send(RoutingContext, Throwable)}
 * or simply {@code ctx.fail(err)}: the router's failure handler ends up here too. Nothing from an
 * exception's text reaches a client unless it is a coded {@link ServiceFailure}.
 */
public final class ProblemResponses {
  private static final Logger LOG = LoggerFactory.getLogger(ProblemResponses.class);

  private ProblemResponses() {
  }

  /**
   * Sends the problem for any failure: a bus failure (coded reply, timeout, no handler) through
   * {@link ServiceFailure#from}, malformed JSON as 400, anything else as a logged 500.
   */
  public static void send(RoutingContext ctx, Throwable failure) {
    if (failure instanceof ReplyException) {
      ServiceFailure decoded = ServiceFailure.from(failure);
      if (decoded.code() == ErrorCode.INTERNAL) {
        // the component logged the cause; keep the link between the two logs
        Correlation.withMdc(ctx, () -> LOG.warn("A component failed internally: {}", failure.toString()));
      }
      send(ctx, decoded);
    } else if (failure instanceof DecodeException) {
      send(ctx, ErrorCode.MALFORMED_REQUEST, "The request body is not valid JSON.");
    } else if (failure instanceof HttpException http) {
      sendStatus(ctx, http.getStatusCode());
    } else {
      Correlation.withMdc(ctx, () -> LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure));
      send(ctx, ErrorCode.INTERNAL, "An internal error occurred.");
    }
  }

  public static void send(RoutingContext ctx, ServiceFailure failure) {
    // a failure that says when to come back (RATE_LIMITED...) says it in the standard header too
    if (failure.extra().getValue("retry_after_seconds") instanceof Number seconds && !ctx.response().headWritten()) {
      ctx.response().putHeader("Retry-After", String.valueOf(Math.max(1, seconds.longValue())));
    }
    write(ctx, HttpStatusMapping.status(failure.code()), Problem.of(failure));
  }

  public static void send(RoutingContext ctx, ErrorCode code, String detail) {
    send(ctx, ServiceFailure.of(code, detail));
  }

  /** The router's failure handler and error handler: every failed or unmatched request ends here. */
  static void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status = ctx.statusCode();
    if (failure == null) {
      sendStatus(ctx, status);
    } else if (failure instanceof ReplyException || failure instanceof DecodeException || failure instanceof HttpException) {
      send(ctx, failure);
    } else if (status >= 400 && status != 500) {
      // a handler chose the status and attached its reason (CORS: 403 + "Invalid origin")
      Correlation.withMdc(ctx, () -> {
        if (status >= 500) {
          LOG.warn("{} {} failed with {}", ctx.request().method(), ctx.request().path(), status, failure);
        } else {
          LOG.debug("{} {} failed with {}: {}", ctx.request().method(), ctx.request().path(), status, failure.toString());
        }
      });
      sendStatus(ctx, status);
    } else {
      send(ctx, failure);
    }
  }

  /** A problem for a bare HTTP status, as the router and its handlers (body limit, CORS) signal them. */
  static void sendStatus(RoutingContext ctx, int status) {
    if (status < 400 || status > 599) {
      status = 500;
    }
    ErrorCode code = switch (status) {
      case 401 -> ErrorCode.UNAUTHORIZED;
      case 403 -> ErrorCode.FORBIDDEN;
      case 404 -> ErrorCode.NOT_FOUND;
      case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
      case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
      case 429 -> ErrorCode.RATE_LIMITED;
      case 503 -> ErrorCode.SERVICE_UNAVAILABLE;
      case 504 -> ErrorCode.TIMEOUT;
      default -> status < 500 ? ErrorCode.MALFORMED_REQUEST : ErrorCode.INTERNAL;
    };
    String detail = switch (status) {
      case 404 -> "There is no resource at this path.";
      case 405 -> "This resource does not support the " + ctx.request().method().name() + " method.";
      case 413 -> "The request body is larger than the limit.";
      case 415 -> "This resource does not accept that content type.";
      case 406 -> "This resource cannot produce an acceptable content type.";
      default -> status < 500 ? "The request cannot be processed." : "An internal error occurred.";
    };
    if (status == 500) {
      Correlation.withMdc(ctx, () -> LOG.error("{} {} failed with status 500 and no cause", ctx.request().method(), ctx.request().path()));
    }
    JsonObject problem = Problem.of(code, Problem.titleOf(code), detail);
    if (HttpStatusMapping.status(code) != status) {
      // a status without an error code of its own (406, 415, 502...): keep the status the router chose
      problem.put("status", status).put("title", HttpResponseStatus.valueOf(status).reasonPhrase());
    }
    write(ctx, status, problem);
  }

  private static void write(RoutingContext ctx, int status, JsonObject problem) {
    HttpServerResponse response = ctx.response();
    if (response.ended()) {
      return;
    }
    if (response.headWritten()) {
      // a success is already on the wire: cutting the connection is the only honest signal left
      Correlation.withMdc(ctx, () -> LOG.warn("Failure after the response started; resetting the stream (problem {})", problem.getString("code")));
      response.reset();
      return;
    }
    response.setStatusCode(status)
      .putHeader(HttpHeaders.CONTENT_TYPE, Problem.CONTENT_TYPE)
      .end(problem.encode());
  }
}
