package dev.marketplace.auth;

import dev.marketplace.contracts.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs password hashing off the event loop on a small dedicated worker pool (one thread per core
 * by default), so a burst of logins cannot take the shared worker pool other blocking work needs,
 * and sheds load beyond {@code maxPending} queued hashes with SERVICE_UNAVAILABLE (retry after a
 * second) instead of queueing them past every caller's timeout: at about 50-100 ms a hash, the
 * default 64 on two workers is a queue of a few seconds, inside the gateway's bus timeout.
 */
final class PasswordHashing {
  private static final String POOL_NAME = "auth-password-hashing";

  private final PasswordHasher hasher;
  private final WorkerExecutor executor;
  private final int maxPending;
  private final AtomicInteger pending = new AtomicInteger();

  PasswordHashing(Vertx vertx, PasswordHasher hasher, int workers, int maxPending) {
    this.hasher = hasher;
    this.maxPending = maxPending;
    this.executor = vertx.createSharedWorkerExecutor(POOL_NAME, workers, 30, TimeUnit.SECONDS);
  }

  Future<String> hash(String password) {
    return run(() -> hasher.hash(password));
  }

  Future<Boolean> verify(String password, String encoded) {
    return run(() -> hasher.verify(password, encoded));
  }

  private <T> Future<T> run(java.util.concurrent.Callable<T> work) {
    if (pending.incrementAndGet() > maxPending) {
      pending.decrementAndGet();
      return Future.failedFuture(ErrorCode.SERVICE_UNAVAILABLE.failure("Too many sign-ins at once; try again in a moment.",
        new JsonObject().put("retry_after_seconds", 1)));
    }
    // unordered: hashes of one verticle run in parallel on the pool's threads
    return executor.executeBlocking(work, false).andThen(ar -> pending.decrementAndGet());
  }

  Future<Void> close() {
    return executor.close();
  }
}
