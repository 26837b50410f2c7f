package dev.marketplace.app.e2e;

import dev.marketplace.platform.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * {@link Eventually} for end-to-end checks, where a check that fails (a read answered other than 200,
 * a broken query) is an answer and fails the wait at once instead of counting as "not yet": a
 * gateway that answers 500 once while a test polls must not pass.
 */
final class Waits {
  private Waits() {
  }

  /** True once the check holds, false when it still does not after {@code timeoutMs}; the check's own failure as it is. */
  static Future<Boolean> holds(Vertx vertx, String what, long timeoutMs, Supplier<Future<Boolean>> check) {
    AtomicReference<Throwable> failed = new AtomicReference<>();
    return Eventually.until(vertx, what, timeoutMs, () -> failed.get() != null ? Future.succeededFuture(true) : attempt(check).onFailure(failed::set))
      .transform(ar -> failed.get() != null ? Future.failedFuture(failed.get()) : Future.succeededFuture(ar.succeeded()));
  }

  /** Until the check holds; an {@link AssertionError} naming {@code what} after {@code timeoutMs}. */
  static Future<Void> until(Vertx vertx, String what, long timeoutMs, Supplier<Future<Boolean>> check) {
    return holds(vertx, what, timeoutMs, check).map(held -> {
      if (!held) {
        throw new AssertionError("Timed out waiting until " + what);
      }
      return null;
    });
  }

  private static Future<Boolean> attempt(Supplier<Future<Boolean>> check) {
    try {
      return check.get();
    } catch (RuntimeException | AssertionError e) {
      return Future.failedFuture(e);
    }
  }
}
