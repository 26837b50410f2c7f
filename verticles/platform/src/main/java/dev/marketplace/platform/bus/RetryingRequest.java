package dev.marketplace.platform.bus;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * A bus request that survives the death of the node it went to. A request in flight to a node
 * that dies (SIGKILL, a hung JVM) ends only by its send timeout, never by an error; so each attempt
 * gets a short timeout ({@code attemptTimeoutMs}) and a timed-out or handler-less attempt is sent
 * again, which the event bus's round robin gives to another node, until {@code budgetMs} is spent.
 *
 * <p>Only for operations that are safe to repeat: reads, and writes that are idempotent by a key
 * in the body (an Idempotency-Key, an order / reservation / payment id). A coded failure from the
 * component (a {@code RECIPIENT_FAILURE}) is the answer and is never retried.
 */
public final class RetryingRequest {
  /** Pause before the next attempt after NO_HANDLERS (the cluster is between a node's leave and its replacement). */
  static final long NO_HANDLERS_PAUSE_MS = 100;
  /** An attempt shorter than this is not worth sending. */
  static final long MIN_ATTEMPT_MS = 50;

  private RetryingRequest() {
  }

  public static Future<JsonObject> request(Vertx vertx, String address, JsonObject body, DeliveryOptions options,
                                           long attemptTimeoutMs, long budgetMs) {
    return RetryingRequest.<JsonObject>message(vertx, address, body, options, attemptTimeoutMs, budgetMs).map(Message::body);
  }

  /** The same for any reply type (the whole message, headers included). */
  public static <T> Future<Message<T>> message(Vertx vertx, String address, Object body, DeliveryOptions options,
                                               long attemptTimeoutMs, long budgetMs) {
    Promise<Message<T>> result = Promise.promise();
    long deadline = System.nanoTime() + budgetMs * 1_000_000L;
    attempt(vertx, address, body, options, Math.max(MIN_ATTEMPT_MS, Math.min(attemptTimeoutMs, budgetMs)), deadline, result);
    return result.future();
  }

  private static <T> void attempt(Vertx vertx, String address, Object body, DeliveryOptions options, long attemptTimeoutMs,
                                  long deadline, Promise<Message<T>> result) {
    long remainingMs = (deadline - System.nanoTime()) / 1_000_000L;
    DeliveryOptions attemptOptions = new DeliveryOptions(options).setSendTimeout(Math.max(MIN_ATTEMPT_MS, Math.min(attemptTimeoutMs, remainingMs)));
    vertx.eventBus().<T>request(address, body, attemptOptions).onComplete(ar -> {
      if (ar.succeeded()) {
        result.complete(ar.result());
        return;
      }
      if (!(ar.cause() instanceof ReplyException re) || !retryable(re)) {
        result.fail(ar.cause());
        return;
      }
      long pause = re.failureType() == ReplyFailure.NO_HANDLERS ? NO_HANDLERS_PAUSE_MS : 0;
      long leftMs = (deadline - System.nanoTime()) / 1_000_000L - pause;
      if (leftMs < MIN_ATTEMPT_MS) {
        result.fail(re);
      } else if (pause > 0) {
        vertx.setTimer(pause, t -> attempt(vertx, address, body, options, attemptTimeoutMs, deadline, result));
      } else {
        attempt(vertx, address, body, options, attemptTimeoutMs, deadline, result);
      }
    });
  }

  static boolean retryable(ReplyException e) {
    return e.failureType() == ReplyFailure.TIMEOUT || e.failureType() == ReplyFailure.NO_HANDLERS;
  }
}
