package dev.marketplace.platform.testing;

import dev.marketplace.contracts.ServiceFailure;
import io.vertx.core.Future;

/** The outcome of a call that must fail, as a value a test goes on with; a success fails the test. */
public final class Outcomes {
  private Outcomes() {
  }

  /** The failure of {@code call}; an {@link AssertionError} with the result when it succeeded. */
  public static Future<Throwable> failure(Future<?> call) {
    return call.transform(ar -> ar.succeeded()
      ? Future.failedFuture(new AssertionError("expected a failure, got " + ar.result()))
      : Future.succeededFuture(ar.cause()));
  }

  /** The coded failure of a bus request that must fail (its {@code code()}, {@code extra()}). */
  public static Future<ServiceFailure> refusal(Future<?> call) {
    return failure(call).map(ServiceFailure::from);
  }
}
