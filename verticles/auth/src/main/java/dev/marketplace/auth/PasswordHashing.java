package dev.marketplace.auth;

import dev.marketplace.contracts.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs password hashing off the event loop on a small dedicated worker pool (half the cores by
 * default, {@code auth.hash_workers}), so a burst of logins cannot take the shared worker pool other blocking work needs,
 * and sheds load with SERVICE_UNAVAILABLE (retry after a second) instead of queueing work past
 * every caller's timeout: beyond {@code maxPending} queued hashes a request is refused at once, and
 * a hash that waited longer than {@code maxWaitMs} for a thread is dropped unstarted.
 */
final class PasswordHashing {
  private static final String POOL_NAME = "auth-password-hashing";

  private final PasswordHasher hasher;
  private final WorkerExecutor executor;
  private final int maxPending;
  private final long maxWaitNanos;
  private final AtomicInteger pending = new AtomicInteger();

  PasswordHashing(Vertx vertx, PasswordHasher hasher, int workers, int maxPending, long maxWaitMs) {
    this.hasher = hasher;
    this.maxPending = maxPending;
    this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMs);
    this.executor = vertx.createSharedWorkerExecutor(POOL_NAME, workers, 30, TimeUnit.SECONDS);
  }

  Future<String> hash(String password) {
    return run(() -> hasher.hash(password));
  }

  /** A hash outside the limits, for set-up work that no caller waits for. */
  Future<String> hashUnlimited(String password) {
    return executor.executeBlocking(() -> hasher.hash(password), false);
  }

  boolean outdated(String encoded) {
    return hasher.outdated(encoded);
  }

  Future<Boolean> verify(String password, String encoded) {
    return run(() -> hasher.verify(password, encoded));
  }

  private <T> Future<T> run(java.util.concurrent.Callable<T> work) {
    if (pending.incrementAndGet() > maxPending) {
      pending.decrementAndGet();
      return Future.failedFuture(busy());
    }
    long queuedAt = System.nanoTime();
    // unordered: hashes of one verticle run in parallel on the pool's threads
    return executor.executeBlocking(() -> {
      // a job that waited this long serves a caller that has (nearly) timed out: drop it, spend no CPU on it
      if (System.nanoTime() - queuedAt > maxWaitNanos) {
        throw busy();
      }
      return work.call();
    }, false).andThen(ar -> pending.decrementAndGet());
  }

  private static ReplyException busy() {
    return ErrorCode.SERVICE_UNAVAILABLE.failure("Too many sign-ins at once; try again in a moment.",
      new JsonObject().put("retry_after_seconds", 1));
  }

  Future<Void> close() {
    return executor.close();
  }
}
