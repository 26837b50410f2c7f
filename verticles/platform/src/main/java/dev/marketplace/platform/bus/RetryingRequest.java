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
 * <p>A component that answers SERVICE_UNAVAILABLE marked {@code transient} (its database is
 * restarting: {@link TransientFailures}) is asked again after a pause that doubles from
 * {@value #TRANSIENT_PAUSE_MS} ms up to {@value #TRANSIENT_PAUSE_MAX_MS} ms, within the same budget;
 * when the budget runs out the caller gets that answer (503, Retry-After), also when the last
 * attempt only timed out.
 *
 * <p>Only for operations that are safe to repeat: reads, and writes that are idempotent by a key
 * in the body (an Idempotency-Key, an order / reservation / payment id). Any other coded failure
 * from the component (a {@code RECIPIENT_FAILURE}) is the answer and is never retried.
 */
public final class RetryingRequest {
  /** Pause before the next attempt after NO_HANDLERS (the cluster is between a node's leave and its replacement). */
  static final long NO_HANDLERS_PAUSE_MS = 100;
  /** An attempt shorter than this is not worth sending. */
  static final long MIN_ATTEMPT_MS = 50;
  /** First pause after a transient SERVICE_UNAVAILABLE answer; doubled after each, up to the max. */
  static final long TRANSIENT_PAUSE_MS = 200;
  static final long TRANSIENT_PAUSE_MAX_MS = 1_000;

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
    new Attempts<T>(vertx, address, body, options, Math.max(MIN_ATTEMPT_MS, Math.min(attemptTimeoutMs, budgetMs)), deadline, result)
      .next();
    return result.future();
  }

  /** The attempts of one request: what is left of the budget, the next pause, the last transient answer. */
  private static final class Attempts<T> {
    private final Vertx vertx;
    private final String address;
    private final Object body;
    private final DeliveryOptions options;
    private final long attemptTimeoutMs;
    private final long deadline;
    private final Promise<Message<T>> result;
    private long transientPauseMs = TRANSIENT_PAUSE_MS;
    /** A component's "not now" seen on an earlier attempt: a better last word than a later timeout. */
    private Throwable transientAnswer;

    Attempts(Vertx vertx, String address, Object body, DeliveryOptions options, long attemptTimeoutMs, long deadline,
             Promise<Message<T>> result) {
      this.vertx = vertx;
      this.address = address;
      this.body = body;
      this.options = options;
      this.attemptTimeoutMs = attemptTimeoutMs;
      this.deadline = deadline;
      this.result = result;
    }

    void next() {
      long remainingMs = (deadline - System.nanoTime()) / 1_000_000L;
      DeliveryOptions attemptOptions = new DeliveryOptions(options).setSendTimeout(Math.max(MIN_ATTEMPT_MS, Math.min(attemptTimeoutMs, remainingMs)));
      vertx.eventBus().<T>request(address, body, attemptOptions).onComplete(ar -> {
        if (ar.succeeded()) {
          result.complete(ar.result());
          return;
        }
        Throwable cause = ar.cause();
        long pause;
        if (TransientFailures.isTransient(cause)) {
          transientAnswer = cause;
          pause = transientPauseMs;
          transientPauseMs = Math.min(TRANSIENT_PAUSE_MAX_MS, transientPauseMs * 2);
        } else if (cause instanceof ReplyException re && retryable(re)) {
          pause = re.failureType() == ReplyFailure.NO_HANDLERS ? NO_HANDLERS_PAUSE_MS : 0;
        } else {
          result.fail(cause);
          return;
        }
        long leftMs = (deadline - System.nanoTime()) / 1_000_000L - pause;
        if (leftMs < MIN_ATTEMPT_MS) {
          result.fail(transientAnswer != null && timedOut(cause) ? transientAnswer : cause);
        } else if (pause > 0) {
          vertx.setTimer(pause, t -> next());
        } else {
          next();
        }
      });
    }
  }

  private static boolean timedOut(Throwable cause) {
    return cause instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT;
  }

  static boolean retryable(ReplyException e) {
    return e.failureType() == ReplyFailure.TIMEOUT || e.failureType() == ReplyFailure.NO_HANDLERS;
  }
}
