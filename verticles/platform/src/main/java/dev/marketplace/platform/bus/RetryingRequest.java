package dev.marketplace.platform.bus;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.function.Consumer;

/**
 * A bus request that survives the death of the node it went to. A request in flight to a node
 * that dies (SIGKILL, a hung JVM) ends only by its send timeout, never by an error; so each attempt
 * gets a short timeout ({@code attemptTimeoutMs}) and a timed-out or handler-less attempt is sent
 * again, which the event bus's round robin gives to another node, until {@code budgetMs} is spent.
 * On a clustered Vert.x a request in flight when a member leaves the cluster is also sent again at
 * once ({@link NodeDepartures}), without giving up the attempt already under way: the first answer
 * wins; and for a few seconds after a departure, an attempt unanswered after
 * {@value #SUSPECT_HEDGE_MS} ms gets a companion too, since the departed node's registrations are
 * still routed to for a moment. So a request caught by a node's death waits about the cluster's
 * failure detection (1.5 s for a killed process on loopback) and a second or two, not a whole
 * attempt timeout (8 s for {@code payment.start}).
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
  /** After a member is seen gone, the wait before a request in flight is sent again (its registrations dropped meanwhile). */
  static final long DEPARTURE_SETTLE_MS = 250;
  /**
   * Within {@link NodeDepartures#SUSPECT_WINDOW_MS} of a departure, an attempt still unanswered after
   * this long gets a companion attempt (the first one is kept): the departed node's registrations
   * may still be routed to for a moment after its member is gone.
   */
  static final long SUSPECT_HEDGE_MS = 1_000;
  /** At most this many attempts of one request under way at once. */
  static final int MAX_OUTSTANDING = 4;

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
      .start();
    return result.future();
  }

  /**
   * The attempts of one request: what is left of the budget, the next pause, the last transient
   * answer. Touched on the caller's context only; the departure notice is moved onto it.
   */
  private static final class Attempts<T> {
    private final Vertx vertx;
    private final Context context;
    private final String address;
    private final Object body;
    private final DeliveryOptions options;
    private final long attemptTimeoutMs;
    private final long deadline;
    private final Promise<Message<T>> result;
    private final NodeDepartures departures;
    private final Consumer<Set<String>> onDeparture = this::departed;
    /** The cluster's members when the latest attempt was sent: where it can have gone. */
    private Set<String> membersAtLastSend = Set.of();
    private long transientPauseMs = TRANSIENT_PAUSE_MS;
    /** A component's "not now" seen on an earlier attempt: a better last word than a later timeout. */
    private Throwable transientAnswer;
    /** Attempts sent and not answered yet (more than one after a departure sent the request again). */
    private int outstanding;
    private long lastSentNanos;
    /** Attempts sent so far; a companion is sent only for the latest one. */
    private int sent;
    private boolean done;

    Attempts(Vertx vertx, String address, Object body, DeliveryOptions options, long attemptTimeoutMs, long deadline,
             Promise<Message<T>> result) {
      this.vertx = vertx;
      this.context = vertx.getOrCreateContext();
      this.address = address;
      this.body = body;
      this.options = options;
      this.attemptTimeoutMs = attemptTimeoutMs;
      this.deadline = deadline;
      this.result = result;
      this.departures = NodeDepartures.of(vertx);
    }

    void start() {
      if (departures != null) {
        departures.add(onDeparture);
      }
      next();
    }

    private void next() {
      long remainingMs = (deadline - System.nanoTime()) / 1_000_000L;
      DeliveryOptions attemptOptions = new DeliveryOptions(options).setSendTimeout(Math.max(MIN_ATTEMPT_MS, Math.min(attemptTimeoutMs, remainingMs)));
      outstanding++;
      int seq = ++sent;
      lastSentNanos = System.nanoTime();
      if (departures != null) {
        membersAtLastSend = departures.membersNow();
      }
      if (departures != null && departures.recentlyDeparted(lastSentNanos)) {
        // just after a departure the cluster may still route to the departed node (its registrations
        // linger for a moment): an attempt unanswered after a short while gets a companion
        vertx.setTimer(SUSPECT_HEDGE_MS, t -> {
          long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
          if (!done && sent == seq && outstanding > 0 && outstanding < MAX_OUTSTANDING && leftMs >= MIN_ATTEMPT_MS) {
            next();
          }
        });
      }
      vertx.eventBus().<T>request(address, body, attemptOptions).onComplete(ar -> {
        outstanding--;
        if (done) {
          return;
        }
        if (ar.succeeded()) {
          finish(ar.result(), null);
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
          finish(null, cause);
          return;
        }
        if (outstanding > 0) {
          // another attempt (sent when a node left) is still under way: its answer decides
          return;
        }
        long leftMs = (deadline - System.nanoTime()) / 1_000_000L - pause;
        if (leftMs < MIN_ATTEMPT_MS) {
          finish(null, transientAnswer != null && timedOut(cause) ? transientAnswer : cause);
        } else if (pause > 0) {
          vertx.setTimer(pause, t -> {
            if (!done) {
              next();
            }
          });
        } else {
          next();
        }
      });
    }

    /**
     * Members left: an attempt sent while one of them was a member may have gone to it; send one
     * more, once the cluster has dropped the departed node's registrations (a moment after its
     * member is gone), so that the round robin picks a live node.
     */
    private void departed(Set<String> gone) {
      context.runOnContext(v -> {
        if (done || outstanding == 0 || java.util.Collections.disjoint(membersAtLastSend, gone)) {
          return;
        }
        int seq = sent;
        vertx.setTimer(DEPARTURE_SETTLE_MS, t -> {
          long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
          if (!done && sent == seq && outstanding > 0 && outstanding < MAX_OUTSTANDING && leftMs >= MIN_ATTEMPT_MS) {
            next();
          }
        });
      });
    }

    private void finish(Message<T> reply, Throwable failure) {
      done = true;
      if (departures != null) {
        departures.remove(onDeparture);
      }
      if (failure == null) {
        result.complete(reply);
      } else {
        result.fail(failure);
      }
    }
  }

  private static boolean timedOut(Throwable cause) {
    return cause instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT;
  }

  static boolean retryable(ReplyException e) {
    return e.failureType() == ReplyFailure.TIMEOUT || e.failureType() == ReplyFailure.NO_HANDLERS;
  }
}
