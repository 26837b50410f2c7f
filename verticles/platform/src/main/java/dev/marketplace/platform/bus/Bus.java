package dev.marketplace.platform.bus;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.bus.Operation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.function.Function;

/**
 * Request/reply over the event bus the same way everywhere: JSON in, JSON out, an explicit
 * timeout on every request, and failures as coded {@link ReplyException}s. A handler that fails
 * because its database is away (refused, closed or shut-down connections: {@link TransientFailures})
 * is answered SERVICE_UNAVAILABLE marked {@code transient}, which callers that may repeat a request
 * repeat; one that fails with anything else is logged (with the correlation id) and answered with a
 * generic INTERNAL failure, so no stack trace or SQL text ever reaches a caller.
 */
public final class Bus {
  private static final Logger LOG = LoggerFactory.getLogger(Bus.class);

  private Bus() {
  }

  public static DeliveryOptions options(long timeoutMs) {
    return new DeliveryOptions().setSendTimeout(timeoutMs);
  }

  /** Copies the caller's identity and correlation id onto a downstream request. */
  public static DeliveryOptions propagate(Message<?> from, long timeoutMs) {
    DeliveryOptions options = options(timeoutMs);
    for (String header : new String[] {BusHeaders.USER_ID, BusHeaders.ROLES, BusHeaders.CORRELATION_ID}) {
      String value = from.headers().get(header);
      if (value != null) {
        options.addHeader(header, value);
      }
    }
    return options;
  }

  public static Future<JsonObject> request(Vertx vertx, String address, JsonObject body, DeliveryOptions options) {
    return vertx.eventBus().<JsonObject>request(address, body, options).map(Message::body);
  }

  public static Future<JsonObject> request(Vertx vertx, String address, JsonObject body, long timeoutMs) {
    return request(vertx, address, body, options(timeoutMs));
  }

  /**
   * Registers {@code handler} at {@code address}. The returned consumer's {@code completion()}
   * tells when the registration has reached the whole cluster.
   */
  public static MessageConsumer<JsonObject> serve(Vertx vertx, String address,
                                                  Function<Message<JsonObject>, Future<JsonObject>> handler) {
    return vertx.eventBus().consumer(address, message -> {
      String correlationId = message.headers().get(BusHeaders.CORRELATION_ID);
      Future<JsonObject> result;
      try {
        if (correlationId != null) {
          MDC.put("cid", correlationId);
        }
        result = message.body() == null
          ? Future.failedFuture(ErrorCode.MALFORMED_REQUEST.failure("A JSON body is required."))
          : handler.apply(message);
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      } finally {
        MDC.remove("cid");
      }
      result.onComplete(ar -> {
        if (ar.succeeded()) {
          message.reply(ar.result());
        } else {
          fail(message, address, correlationId, ar.cause());
        }
      });
    });
  }

  /** Whether a failure comes from this node closing its resources ("Pool closed"). */
  static boolean closing(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if ("Pool closed".equals(t.getMessage())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Answers {@code message} with the coded failure for {@code cause}, as {@link #serve} does: for a
   * handler that registers its consumer itself (a reply that is not JSON, headers of its own).
   */
  public static void fail(Message<?> message, Throwable cause) {
    fail(message, message.address(), message.headers().get(BusHeaders.CORRELATION_ID), cause);
  }

  private static void fail(Message<?> message, String address, String correlationId, Throwable cause) {
    if (closing(cause)) {
      // this node is shutting down (its pools are closed): no answer, as from a node that died, so
      // a caller that repeats requests (RetryingRequest) sends this one to another node at once
      LOG.info("Handler of {} cut short by this node's shutdown; left unanswered [cid={}]", address, correlationId);
      return;
    }
    if (cause instanceof ReplyException re && ErrorCode.fromCode(re.failureCode()) != null) {
      message.fail(re.failureCode(), re.getMessage());
      return;
    }
    if (cause instanceof ReplyException re) {
      // a downstream timeout or missing handler: pass on its meaning, not its text
      ServiceFailure failure = ServiceFailure.from(re);
      message.fail(failure.code().code(), failure.toReplyException().getMessage());
      return;
    }
    if (TransientFailures.databaseUnavailable(cause)) {
      // an outage, not a bug: the caller learns "not now" (503, Retry-After) and may repeat
      LOG.warn("Handler of {} failed: database unavailable ({}) [cid={}]", address, cause.toString(), correlationId);
      ReplyException unavailable = TransientFailures.databaseUnavailable();
      message.fail(unavailable.failureCode(), unavailable.getMessage());
      return;
    }
    LOG.error("Handler of {} failed [cid={}]", address, correlationId, cause);
    message.fail(ErrorCode.INTERNAL.code(), ServiceFailure.of(ErrorCode.INTERNAL, "An internal error occurred.").toReplyException().getMessage());
  }

  /**
   * Registers the handler of a typed {@link Operation}: the caller is checked ({@code access}), then
   * the body is decoded once into the request record (a malformed body fails with the codec's coded
   * failure, VALIDATION_FAILED or MALFORMED_REQUEST), and the handler's answer is encoded as the reply.
   */
  public static <Req, Rep> MessageConsumer<JsonObject> serve(Vertx vertx, Operation<Req, Rep> operation, Access access,
                                                             OperationHandler<Req, Rep> handler) {
    return serve(vertx, operation.address(), message -> {
      if (access != Access.ANYONE) {
        access.check(Caller.of(message));
      }
      Req request = operation.request().decode(message.body());
      return handler.handle(request, message).map(reply -> operation.reply().encode(reply));
    });
  }
}
