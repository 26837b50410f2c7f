package dev.marketplace.platform.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Waiting for something that happens in its own time (a job's pass, a consumer's record, a row),
 * without blocking a thread: the future completes once the condition holds, and fails with an
 * {@link AssertionError} naming {@code what} when it still does not after {@code timeoutMs}.
 */
public final class Eventually {
  /** How often a condition is checked. */
  public static final long EVERY_MS = 50;

  private Eventually() {
  }

  /** Until the condition (asked afresh each time, a query say) answers true. A failed answer counts as not yet. */
  public static Future<Void> until(Vertx vertx, String what, long timeoutMs, Supplier<Future<Boolean>> condition) {
    return check(vertx, what, timeoutMs, System.currentTimeMillis() + timeoutMs, condition);
  }

  /** Until the in-memory condition holds. */
  public static Future<Void> untilTrue(Vertx vertx, String what, long timeoutMs, BooleanSupplier condition) {
    return until(vertx, what, timeoutMs, () -> Future.succeededFuture(condition.getAsBoolean()));
  }

  /**
   * A condition over several items (every order is PAID, say), asked of all of them at once: true
   * when it holds for each; a failed answer fails it (which {@link #until} counts as not yet).
   */
  public static <T> Future<Boolean> forAll(List<T> items, Function<T, Future<Boolean>> condition) {
    List<Future<Boolean>> answers = items.stream().map(condition).toList();
    return Future.all(answers).map(all -> answers.stream().allMatch(Future::result));
  }

  private static Future<Void> check(Vertx vertx, String what, long timeoutMs, long deadline, Supplier<Future<Boolean>> condition) {
    return condition.get().otherwise(false).compose(holds -> {
      if (holds) {
        return Future.succeededFuture();
      }
      if (System.currentTimeMillis() > deadline) {
        return Future.failedFuture(new AssertionError("not within " + timeoutMs + " ms: " + what));
      }
      return vertx.timer(EVERY_MS).compose(t -> check(vertx, what, timeoutMs, deadline, condition));
    });
  }
}
