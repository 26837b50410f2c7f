package dev.marketplace.platform.testing;

import io.vertx.core.Future;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * The one blocking wait of the test suite, for the places JUnit gives no {@code VertxTestContext}:
 * a fixture's {@code beforeAll}/{@code afterAll}, a benchmark's main thread. Tests themselves compose
 * futures and end in {@code ctx.succeedingThenComplete()}; waiting for a condition without blocking
 * is {@link Eventually}.
 */
public final class Await {
  /** Long enough for a cold start of every component on a loaded 2-core machine. */
  public static final Duration LIMIT = Duration.ofSeconds(60);

  private Await() {
  }

  /** The future's result, waiting at most {@link #LIMIT}. */
  public static <T> T result(Future<T> future) {
    return result(future, LIMIT);
  }

  /**
   * The future's result, waiting at most {@code limit}. A failure is rethrown as it is when unchecked
   * (an {@link AssertionError} from a chain fails the test as itself), else inside a
   * {@link CompletionException}; running out of time is an {@link AssertionError}.
   */
  public static <T> T result(Future<T> future, Duration limit) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new CompletionException(cause);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + limit.toMillis() + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CompletionException(e);
    }
  }

  /** Blocks until the condition holds (checked every {@link Eventually#EVERY_MS}), failing with {@code what} after {@code limit}. */
  public static void until(String what, Duration limit, BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + limit.toMillis() + " ms: " + what);
      }
      try {
        Thread.sleep(Eventually.EVERY_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CompletionException(e);
      }
    }
  }
}
