package dev.marketplace.platform.testing;

import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/** Steps that must run one after the other (each starts when the one before succeeded), as a test writes them down. */
public final class InOrder {
  private InOrder() {
  }

  /** Runs the steps in order; the future has their results, or the first failure. */
  @SafeVarargs
  public static <T> Future<List<T>> run(Supplier<Future<T>>... steps) {
    return run(List.of(steps));
  }

  public static <T> Future<List<T>> run(List<Supplier<Future<T>>> steps) {
    List<T> results = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (Supplier<Future<T>> step : steps) {
      chain = chain.compose(v -> step.get()).map(result -> {
        results.add(result);
        return null;
      });
    }
    return chain.map(v -> results);
  }

  /** The step for each item, one after the other (each starts when the one before succeeded); the first failure. */
  public static <T> Future<Void> each(List<T> items, Function<T, Future<?>> step) {
    Future<Void> chain = Future.succeededFuture();
    for (T item : items) {
      chain = chain.compose(v -> step.apply(item).mapEmpty());
    }
    return chain;
  }
}
